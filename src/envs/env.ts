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
import { Rng, type RngState } from '../rng/index.ts';
import type { Space } from './spaces.ts';
import { checkNode, decodeNumber, encodeNumber, short, SnapshotUnsupportedError, type EnvSnapshot, type Json } from './snapshot.ts';

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
  /**
   * A JSON-serialisable snapshot of everything step/reset read, so that `restore` on an identically
   * built stack continues bit for bit (see snapshot.ts). Optional: an env without it still works,
   * but a vector env holding it cannot snapshot itself (resumption is then approximate).
   * Throws SnapshotUnsupportedError, naming the layer, when a layer below cannot snapshot itself.
   */
  snapshot?(): EnvSnapshot;
  /** Restores a snapshot from `snapshot()`; a snapshot of another stack fails with an error naming both. */
  restore?(s: EnvSnapshot): void;
}

/** How errors name an env: its registered id (when it has one) and its class. */
export function envName(env: Env<any, any>): string {
  const cls = (env as object).constructor?.name ?? 'env';
  const id = env.spec?.id;
  return id ? `${cls}(${id})` : cls;
}

/**
 * Whether the most derived class of `obj` defines `method` itself. A subclass that inherits
 * snapshotSelf from a snapshotting parent may have added state the parent does not know about,
 * so it must say what it saves (even if nothing) before its snapshots are trusted.
 */
function ownsMethod(obj: object, method: string): boolean {
  return Object.hasOwn(Object.getPrototypeOf(obj), method);
}

/**
 * Declares that `cls` adds no state to its parent's snapshot, so its own snapshotSelf/restoreSelf
 * are the parent's (call it from a `static {}` block of the class). One line instead of two
 * overrides that only call super.
 */
export function snapshotsLikeParent(cls: { readonly prototype: object; readonly name: string }): void {
  const parent = Object.getPrototypeOf(cls.prototype) as Record<string, unknown>;
  for (const method of ['snapshotSelf', 'restoreSelf']) {
    if (typeof parent[method] !== 'function') throw new Error(`snapshotsLikeParent(${cls.name}): the parent class defines no ${method}()`);
    Object.defineProperty(cls.prototype, method, { value: parent[method], writable: true, configurable: true });
  }
}

function unsupported(env: Env<any, any>): SnapshotUnsupportedError {
  const cls = (env as object).constructor?.name ?? 'env';
  return new SnapshotUnsupportedError(
    `${envName(env)} cannot snapshot itself: ${cls} does not define its own snapshotSelf()/restoreSelf() ` +
      `(a subclass must declare the state it adds, even none), or snapshot()/restore() for an env outside BaseEnv/Wrapper`,
  );
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

  private reusedResult: StepResult<Obs> | null = null;

  /**
   * The step result, one object reused by every step (allocation-free). The env's own observation is
   * put back each time, since a wrapper may have replaced `obs` in this shared object.
   */
  protected stepResult(obs: Obs, reward: number, terminated: boolean): StepResult<Obs> {
    const r = (this.reusedResult ??= { obs, reward, terminated, truncated: false, info: EMPTY_INFO });
    r.obs = obs;
    r.reward = reward;
    r.terminated = terminated;
    r.truncated = false;
    r.info = EMPTY_INFO;
    return r;
  }

  /**
   * The env's own state besides its generator (physics state, counters, anything step, reset or
   * render read), as JSON with floats written by encodeNumber. Each concrete env class defines it
   * together with restoreSelf; without them the env cannot snapshot itself.
   */
  protected snapshotSelf?(): Json;
  protected restoreSelf?(state: Json): void;

  snapshot(): EnvSnapshot {
    if (!ownsMethod(this, 'snapshotSelf') || !this.snapshotSelf) throw unsupported(this);
    const g = this.rng?.getState() ?? null;
    return { kind: this.constructor.name, state: this.snapshotSelf(), rng: g && { s: g.s.slice(), spare: g.spare === null ? null : encodeNumber(g.spare) } };
  }

  restore(s: EnvSnapshot): void {
    if (!ownsMethod(this, 'restoreSelf') || !this.restoreSelf) throw unsupported(this);
    const who = `${envName(this)}.restore`;
    checkNode(who, s, this.constructor.name);
    if (s.rng === undefined) throw new Error(`${who}: the snapshot has no 'rng' field (expected the generator state, or null before the first reset)`);
    let rng: Rng | null = null;
    if (s.rng !== null) {
      const spare = s.rng.spare === null || s.rng.spare === undefined ? null : decodeNumber(s.rng.spare, `${who}: rng.spare`);
      try {
        rng = Rng.fromState({ s: s.rng.s as RngState['s'], spare });
      } catch (e) {
        throw new Error(`${who}: bad generator state ${short(s.rng)}: ${(e as Error).message}`);
      }
    }
    this.restoreSelf(s.state);
    this.rng = rng;
  }

  render(): RgbFrame {
    throw new Error(`${this.constructor.name}: render() is not implemented`);
  }

  close(): void {}

  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }

  /** Gymnasium's Env.__str__: `<CartPoleEnv<CartPole-v1>>`, or `<CartPoleEnv instance>` without a spec. */
  toString(): string {
    const cls = this.constructor.name;
    return this.spec?.id ? `<${cls}<${this.spec.id}>>` : `<${cls} instance>`;
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

  /**
   * The wrapper's own state (null: none). Every wrapper class with state defines it with
   * restoreSelf; a subclass that does not define its own cannot snapshot itself (see ownsMethod).
   */
  protected snapshotSelf(): Json {
    return null;
  }
  protected restoreSelf(_state: Json): void {}

  snapshot(): EnvSnapshot {
    if (!ownsMethod(this, 'snapshotSelf') || !ownsMethod(this, 'restoreSelf')) throw unsupported(this);
    const inner = this.env;
    if (typeof inner.snapshot !== 'function' || typeof inner.restore !== 'function') {
      throw new SnapshotUnsupportedError(`${envName(inner)} (inside ${this.constructor.name}) cannot snapshot itself: it has no snapshot()/restore()`);
    }
    return { kind: this.constructor.name, state: this.snapshotSelf(), env: inner.snapshot() };
  }

  /** Restores the wrapped env, then this wrapper; on an error the stack is partly restored (restore again or reset). */
  restore(s: EnvSnapshot): void {
    if (!ownsMethod(this, 'snapshotSelf') || !ownsMethod(this, 'restoreSelf')) throw unsupported(this);
    const who = `${envName(this)}.restore`;
    checkNode(who, s, this.constructor.name);
    const inner = this.env;
    if (typeof inner.restore !== 'function')
      throw new SnapshotUnsupportedError(`${envName(inner)} (inside ${this.constructor.name}) cannot restore a snapshot: it has no restore()`);
    if (!s.env) throw new Error(`${who}: the snapshot has no inner 'env' snapshot (expected one for the wrapped ${envName(inner)})`);
    inner.restore(s.env);
    this.restoreSelf(s.state);
  }

  /** Gymnasium's Wrapper.__str__: `<TimeLimit<OrderEnforcing<CartPoleEnv<CartPole-v1>>>>`. */
  toString(): string {
    return `<${this.constructor.name}${envString(this.env)}>`;
  }
}

/**
 * Gymnasium's Env.__str__: `<CartPoleEnv<CartPole-v1>>` with a spec, `<CartPoleEnv instance>`
 * without; an env object with its own toString (a wrapper, a user class) prints itself.
 */
function envString(env: Env<any, any>): string {
  const own = (env as object).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString) return String(env);
  const cls = (env as object).constructor?.name ?? 'Env';
  return env.spec?.id ? `<${cls}<${env.spec.id}>>` : `<${cls} instance>`;
}
