/**
 * The environment API, with Gymnasium 1.x semantics (gymnasium.Env / gymnasium.Wrapper).
 *
 * terminated: the MDP reached a terminal state (the value of the next state is 0).
 * truncated: the episode was cut by something outside the MDP, e.g. a time limit (bootstrap).
 *
 * Ownership rule (chosen for speed; collectors call `step` millions of times): the object that
 * `step`/`reset` return, and the typed array in its `obs`, belong to the env and may be reused and
 * overwritten by the next `step` or `reset` call. Copy (`obs.slice()`) anything you keep. The
 * built-in classic envs do reuse them, so their step allocates nothing. Wrappers may modify the
 * inner result in place before passing it on; `info` objects are treated as read-only (a wrapper
 * that adds keys makes a new object).
 */
import { Rng } from '../rng/index.ts';
import type { Space } from './spaces.ts';

export type Info = Record<string, unknown>;

export interface StepResult<Obs> {
  obs: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface ResetResult<Obs> {
  obs: Obs;
  info: Info;
}

export interface ResetArgs {
  /** Reseeds the env's generator (Gymnasium: reset(seed=...)); omitted: the stream continues. */
  seed?: number;
  options?: Record<string, unknown>;
}

/** An RGB image, row-major, 3 bytes per pixel (Gymnasium's rgb_array frame, H x W x 3). */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export type RenderMode = 'rgb_array';

/** A registered environment (gymnasium.envs.registration.EnvSpec). */
export interface EnvSpec {
  id: string;
  /** Builds the base env from keyword arguments (merged: spec.kwargs, then make's kwargs). */
  entryPoint: (kwargs: Record<string, unknown>) => Env<any, any>;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  nondeterministic?: boolean;
  kwargs?: Record<string, unknown>;
  /** Wraps the base env before TimeLimit (used for the masked-velocity variants). */
  wrap?: (env: Env<any, any>) => Env<any, any>;
  description?: string;
}

export interface Env<Obs = unknown, Act = unknown> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly renderMode: RenderMode | null;
  spec: EnvSpec | null;
  reset(args?: ResetArgs): ResetResult<Obs>;
  step(action: Act): StepResult<Obs>;
  /** The current frame (render mode 'rgb_array'). */
  render(): RgbFrame;
  close(): void;
  /** The innermost env, below all wrappers. */
  readonly unwrapped: Env<unknown, unknown>;
}

/** Shared empty info: frozen, so code that tries to add keys to it fails loudly. */
export const EMPTY_INFO: Info = Object.freeze({}) as Info;

/** A seed from the platform's entropy source, used only when the user never gave a seed (as Gymnasium does). */
export function entropySeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint32Array): Uint32Array } }).crypto;
  if (!c) throw new Error('entropySeed: globalThis.crypto is unavailable; pass reset({ seed }) explicitly');
  const a = c.getRandomValues(new Uint32Array(1));
  return a[0];
}

/** Base class for environments: seeding as gymnasium.Env.reset(seed=...) does it. */
export abstract class BaseEnv<Obs, Act> implements Env<Obs, Act> {
  abstract readonly observationSpace: Space<Obs>;
  abstract readonly actionSpace: Space<Act>;
  readonly renderMode: RenderMode | null;
  spec: EnvSpec | null = null;
  /** The env's generator (Gymnasium's np_random); null until the first reset. */
  protected rng: Rng | null = null;

  constructor(renderMode: RenderMode | null = null) {
    if (renderMode !== null && renderMode !== 'rgb_array') {
      throw new Error(`${this.constructor.name}: renderMode must be 'rgb_array' or null, got ${JSON.stringify(renderMode)}`);
    }
    this.renderMode = renderMode;
  }

  /** Reseed if a seed is given; seed from entropy on first use if never seeded. Returns the generator. */
  protected seedRng(seed?: number): Rng {
    if (seed !== undefined) {
      if (!Number.isInteger(seed) || seed < 0) {
        throw new Error(`${this.constructor.name}.reset: seed must be a non-negative integer, got ${String(seed)}`);
      }
      this.rng = new Rng(seed);
    } else if (this.rng === null) {
      this.rng = new Rng(entropySeed());
    }
    return this.rng;
  }

  abstract reset(args?: ResetArgs): ResetResult<Obs>;
  abstract step(action: Act): StepResult<Obs>;

  render(): RgbFrame {
    throw new Error(`${this.constructor.name}: render() is not implemented`);
  }

  close(): void {}

  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }
}

/**
 * gymnasium.Wrapper: forwards everything to `env`; subclasses override what they change.
 * WObs/WAct are the wrapper's types, Obs/Act the inner env's.
 */
export class Wrapper<WObs = unknown, WAct = unknown, Obs = WObs, Act = WAct> implements Env<WObs, WAct> {
  readonly env: Env<Obs, Act>;
  observationSpace: Space<WObs>;
  actionSpace: Space<WAct>;

  constructor(env: Env<Obs, Act>) {
    this.env = env;
    this.observationSpace = env.observationSpace as unknown as Space<WObs>;
    this.actionSpace = env.actionSpace as unknown as Space<WAct>;
  }

  get renderMode(): RenderMode | null {
    return this.env.renderMode;
  }
  get spec(): EnvSpec | null {
    return this.env.spec;
  }
  set spec(s: EnvSpec | null) {
    this.env.spec = s;
  }
  reset(args?: ResetArgs): ResetResult<WObs> {
    return this.env.reset(args) as unknown as ResetResult<WObs>;
  }
  step(action: WAct): StepResult<WObs> {
    return this.env.step(action as unknown as Act) as unknown as StepResult<WObs>;
  }
  render(): RgbFrame {
    return this.env.render();
  }
  close(): void {
    this.env.close();
  }
  get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }
  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}
