/**
 * The stepping logic shared by SyncVectorEnv and the worker side of AsyncVectorEnv: a group of
 * envs writing into (possibly shared) batch arrays at a row offset. Errors are re-thrown with the
 * global env index in the message.
 */
import { EMPTY_INFO, envName, type Env, type Info } from '../envs/env.ts';
import { SnapshotUnsupportedError, type EnvSnapshot } from '../envs/snapshot.ts';
import { Box, Discrete, type Space } from '../envs/spaces.ts';
import type { AutoresetMode, VectorResetArgs, VectorStepResult } from './types.ts';

export interface BatchArrays {
  obs: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  finalObs: Float32Array;
  finalMask: Uint8Array;
}

/**
 * The step result both vector envs return every step: views of the batch arrays and info lists
 * (refilled in place), with the final* fields only in same-step autoreset mode.
 */
export function stepResultView(b: BatchArrays, infos: Info[], finalInfos: (Info | null)[], mode: AutoresetMode): VectorStepResult {
  const same = mode === 'same-step';
  return {
    obs: b.obs,
    rewards: b.rewards,
    terminated: b.terminated,
    truncated: b.truncated,
    infos,
    finalObs: same ? b.finalObs : null,
    finalMask: same ? b.finalMask : null,
    finalInfos: same ? finalInfos : null,
  };
}

export function spaceDims(obsSpace: Space<any>, actSpace: Space<any>, who: string): { obsDim: number; actDim: number; discrete: boolean } {
  if (!(obsSpace instanceof Box) || obsSpace.dtype === 'uint8') {
    throw new Error(`${who}: needs a float Box observation space to batch into a Float32Array, got ${String(obsSpace)} (wrap the env in FlattenObservation)`);
  }
  if (actSpace instanceof Discrete) return { obsDim: obsSpace.size, actDim: 1, discrete: true };
  if (actSpace instanceof Box) return { obsDim: obsSpace.size, actDim: actSpace.size, discrete: false };
  throw new Error(`${who}: supports Discrete or Box action spaces, got ${String(actSpace)}`);
}

export class VectorCore {
  readonly obsDim: number;
  readonly actDim: number;
  private readonly discrete: boolean;
  /** Env i's pending reset (next-step mode). */
  private readonly autoreset: Uint8Array;
  private readonly actBuf: Float32Array;
  private readonly actViews: Float32Array[];
  readonly infos: Info[];
  readonly finalInfos: (Info | null)[];

  constructor(
    readonly envs: Env<any, any>[],
    /** Global index of envs[0] (for error messages and batch rows). */
    readonly offset: number,
    readonly mode: AutoresetMode,
    readonly who: string,
  ) {
    if (envs.length === 0) throw new Error(`${who}: needs at least one env`);
    if (mode !== 'next-step' && mode !== 'same-step') throw new Error(`${who}: autoresetMode must be 'next-step' or 'same-step', got ${JSON.stringify(mode)}`);
    const d = spaceDims(envs[0].observationSpace, envs[0].actionSpace, who);
    this.obsDim = d.obsDim;
    this.actDim = d.actDim;
    this.discrete = d.discrete;
    envs.forEach((e, i) => {
      const di = spaceDims(e.observationSpace, e.actionSpace, who);
      if (di.obsDim !== d.obsDim || di.actDim !== d.actDim || di.discrete !== d.discrete) {
        throw new Error(`${who}: env ${offset + i} has spaces ${e.observationSpace} / ${e.actionSpace}, unlike env ${offset}`);
      }
    });
    this.autoreset = new Uint8Array(envs.length);
    this.actBuf = new Float32Array(envs.length * this.actDim);
    this.actViews = envs.map((_, i) => this.actBuf.subarray(i * this.actDim, (i + 1) * this.actDim));
    this.infos = envs.map(() => ({}));
    this.finalInfos = envs.map(() => null);
  }

  private fail(i: number, e: unknown): never {
    const msg = e instanceof Error ? e.message : String(e);
    const err = new Error(`${this.who}: env ${this.offset + i}: ${msg}`);
    (err as Error & { envIndex?: number }).envIndex = this.offset + i;
    throw err;
  }

  /**
   * Resets the group's envs as `plan` says (see resetPlan; its arrays are indexed by global row):
   * the masked envs only, each with its own seed; the others keep their obs and pending autoreset.
   */
  reset(b: BatchArrays, plan: ResetPlan): void {
    const d = this.obsDim;
    for (let i = 0; i < this.envs.length; i++) {
      const row = this.offset + i;
      if (plan.mask && !plan.mask[row]) {
        this.infos[i] = EMPTY_INFO; // Gymnasium's infos hold only the reset sub-envs
        continue;
      }
      const seed = plan.seeds[row];
      try {
        const r = this.envs[i].reset({ seed: seed ?? undefined, options: plan.options });
        b.obs.set(r.obs, row * d);
        this.infos[i] = r.info;
      } catch (e) {
        this.fail(i, e);
      }
      this.autoreset[i] = 0;
      b.finalMask[row] = 0;
      this.finalInfos[i] = null;
    }
  }

  /** `actions` is the full batch (global rows). */
  step(b: BatchArrays, actions: ArrayLike<number>): void {
    const d = this.obsDim,
      k = this.actDim,
      same = this.mode === 'same-step';
    for (let i = 0; i < this.envs.length; i++) {
      const row = this.offset + i;
      const env = this.envs[i];
      try {
        if (!same && this.autoreset[i]) {
          const r = env.reset();
          b.obs.set(r.obs, row * d);
          b.rewards[row] = 0;
          b.terminated[row] = 0;
          b.truncated[row] = 0;
          this.infos[i] = r.info;
          this.autoreset[i] = 0;
          continue;
        }
        let a: number | Float32Array;
        if (this.discrete) a = actions[row];
        else {
          const v = this.actViews[i];
          for (let j = 0; j < k; j++) v[j] = actions[row * k + j];
          a = v;
        }
        const r = env.step(a);
        b.rewards[row] = r.reward;
        b.terminated[row] = r.terminated ? 1 : 0;
        b.truncated[row] = r.truncated ? 1 : 0;
        const done = r.terminated || r.truncated;
        if (same) {
          b.finalMask[row] = done ? 1 : 0;
          this.finalInfos[i] = done ? r.info : null;
          if (done) {
            b.finalObs.set(r.obs, row * d);
            const rr = env.reset();
            b.obs.set(rr.obs, row * d);
            this.infos[i] = rr.info;
          } else {
            b.obs.set(r.obs, row * d);
            this.infos[i] = r.info;
          }
        } else {
          b.obs.set(r.obs, row * d);
          this.infos[i] = r.info;
          this.autoreset[i] = done ? 1 : 0;
        }
      } catch (e) {
        this.fail(i, e);
      }
    }
  }

  close(): void {
    for (const e of this.envs) e.close();
  }

  /** Why env i cannot snapshot itself, or null when it can. */
  private cannotSnapshot(i: number): string | null {
    const e = this.envs[i];
    if (typeof e.snapshot !== 'function' || typeof e.restore !== 'function') return `${envName(e)} has no snapshot()/restore()`;
    return null;
  }

  /**
   * Each env's snapshot and its pending autoreset (next-step mode). Throws SnapshotUnsupportedError
   * naming the first env (global index) that cannot snapshot itself.
   */
  snapshot(): { autoreset: number[]; envs: EnvSnapshot[] } {
    const envs = this.envs.map((e, i) => {
      const why = this.cannotSnapshot(i);
      if (why) throw new SnapshotUnsupportedError(`${this.who}: env ${this.offset + i} cannot snapshot itself: ${why}`);
      try {
        return e.snapshot!();
      } catch (err) {
        if (err instanceof SnapshotUnsupportedError) throw new SnapshotUnsupportedError(`${this.who}: env ${this.offset + i}: ${err.message}`);
        this.fail(i, err);
      }
    });
    return { autoreset: Array.from(this.autoreset), envs };
  }

  /** Restores `snapshot()`'s output: `envs` and `autoreset` hold this group's envs, in order. */
  restore(s: { autoreset: number[]; envs: EnvSnapshot[] }): void {
    const n = this.envs.length;
    if (!Array.isArray(s?.envs) || s.envs.length !== n || !Array.isArray(s.autoreset) || s.autoreset.length !== n) {
      throw new Error(
        `${this.who}: expected snapshots of ${n} envs (envs and autoreset arrays of length ${n}), got ${s?.envs?.length} env snapshots and ${s?.autoreset?.length} autoreset flags`,
      );
    }
    s.autoreset.forEach((f, i) => {
      if (f !== 0 && f !== 1) throw new Error(`${this.who}: env ${this.offset + i}: autoreset flag must be 0 or 1, got ${JSON.stringify(f)}`);
    });
    for (let i = 0; i < n; i++) {
      const why = this.cannotSnapshot(i);
      if (why) throw new SnapshotUnsupportedError(`${this.who}: env ${this.offset + i} cannot restore a snapshot: ${why}`);
      try {
        this.envs[i].restore!(s.envs[i]);
      } catch (err) {
        this.fail(i, err);
      }
    }
    this.autoreset.set(s.autoreset);
  }
}

/** A vector reset, checked: one seed (or null) per sub-env, the options for the sub-envs, the reset mask. */
export interface ResetPlan {
  seeds: (number | null)[];
  /** The options passed to each reset sub-env, without reset_mask. */
  options: Record<string, unknown> | undefined;
  /** 1 where the sub-env is reset; null: all of them. */
  mask: Uint8Array | null;
}

const isSeed = (s: unknown): s is number => typeof s === 'number' && Number.isInteger(s) && s >= 0;

/**
 * Checks and expands a vector reset's arguments as gymnasium.vector's reset reads them: an int seed
 * becomes [seed, seed + 1, ...], a list must have one entry per sub-env, and options.reset_mask is
 * taken out of the options (Gymnasium pops it; the caller's object is not modified here).
 */
export function resetPlan(who: string, numEnvs: number, args: VectorResetArgs = {}): ResetPlan {
  const { seed, options } = args;
  let seeds: (number | null)[];
  if (seed === undefined || seed === null) seeds = new Array<number | null>(numEnvs).fill(null);
  else if (Array.isArray(seed)) {
    if (seed.length !== numEnvs) {
      throw new Error(`${who}: a list of seeds must have one seed per sub-env (numEnvs=${numEnvs}), got ${seed.length} seeds: ${JSON.stringify(seed)}`);
    }
    seeds = seed.map((s, i) => {
      if (s === null || s === undefined) return null;
      if (!isSeed(s)) throw new Error(`${who}: seed[${i}] must be a non-negative integer or null, got ${JSON.stringify(s)}`);
      return s;
    });
  } else if (isSeed(seed)) seeds = Array.from({ length: numEnvs }, (_, i) => seed + i);
  else
    throw new Error(
      `${who}: seed must be a non-negative integer or a list of numEnvs=${numEnvs} seeds, got ${typeof seed === 'number' ? seed : JSON.stringify(seed)}`,
    );
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new Error(`${who}: options must be an object, got ${JSON.stringify(options)}`);
  }
  if (!options || !('reset_mask' in options)) return { seeds, options, mask: null };
  const { reset_mask: m, ...rest } = options;
  const bools = Array.isArray(m) && m.length === numEnvs && m.every((v) => typeof v === 'boolean');
  const bytes = m instanceof Uint8Array && m.length === numEnvs && m.every((v) => v === 0 || v === 1);
  if (!bools && !bytes) {
    const shown = ArrayBuffer.isView(m) ? `${m.constructor.name}[${Array.from(m as Uint8Array)}]` : JSON.stringify(m);
    throw new Error(`${who}: options.reset_mask must be numEnvs=${numEnvs} booleans (an array of booleans or a Uint8Array of 0/1), got ${shown}`);
  }
  const mask = Uint8Array.from(m as ArrayLike<number | boolean>, (v) => (v ? 1 : 0));
  if (!mask.some((v) => v === 1))
    throw new Error(`${who}: options.reset_mask must select at least one sub-env, got ${JSON.stringify(Array.from(m as ArrayLike<unknown>))}`);
  return { seeds, options: rest, mask };
}

export function checkActions(who: string, actions: ArrayLike<number>, n: number): void {
  if (!actions || actions.length !== n) {
    throw new Error(`${who}: expected ${n} action values (numEnvs * actDim), got ${actions?.length}`);
  }
}
