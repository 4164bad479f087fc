/**
 * The on-policy collector: runs a policy on a vector env and fills a time-major rollout buffer
 * [T, numEnvs], the layout every estimator in returns.ts reads.
 *
 * The vector env must use same-step autoreset, so that each step row is a real transition and the
 * last observation of a truncated episode (for bootstrapping V(s'_final)) is at hand.
 */
import type { Rng, RngState } from '../rng/index.ts';
import type { VectorEnv } from '../vector/types.ts';
import { Discrete } from '../envs/index.ts';
import type { Policy } from '../policies/index.ts';
import type { ValueModel } from '../policies/index.ts';
import { EpisodeTracker, type EpisodeRecord } from './episodes.ts';

export interface Rollout {
  T: number;
  numEnvs: number;
  obsDim: number;
  actDim: number;
  /** The observation each action was taken in, T * numEnvs * obsDim numbers. */
  obs: Float32Array;
  /** Policy actions, T * numEnvs * actDim numbers (discrete: the index, before any Discrete start offset). */
  actions: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** log pi_old(a | o) under the policy that acted. */
  logProbs: Float32Array;
  /** V(o_t), when a value function was given. */
  values: Float32Array | null;
  /** V(o'_final) on truncated steps (0 elsewhere), when a value function was given. */
  finalValues: Float32Array | null;
  /** V(o_T) per env: bootstraps the unfinished last step. */
  lastValues: Float32Array | null;
  /** 1 where the step is to be used (episode collection masks steps past an env's quota). */
  mask: Uint8Array;
  /** Per env, 1 when its first step continues an episode begun before this rollout. */
  continuing: Uint8Array;
  /** Undiscounted return and length of every episode that ended in this rollout (and was used). */
  episodes: { return: number; length: number }[];
  /** Advantages and value targets computed elsewhere (V-trace for stale rollouts); PPO then skips GAE. */
  targets?: { advantages: Float64Array; returns: Float64Array };
}

export interface CollectorState {
  steps: number;
  obs: number[];
  epReturn: number[];
  epLength: number[];
  continuing: number[];
  rng: RngState;
  /** The vector env's snapshot, or null when it cannot snapshot itself (resumption is then approximate). */
  env: unknown;
  recent: { return: number; length: number }[];
}

export interface CollectorOptions {
  value?: Pick<ValueModel, 'predict'>;
  /** Seed for the first reset (env i gets seed + i). */
  seed?: number;
}

export class Collector {
  private obs: Float32Array;
  private readonly envActions: Float32Array;
  private readonly tracker: EpisodeTracker;
  private readonly continuing: Uint8Array;
  private readonly actionOffset: number;
  /** Total environment steps taken (all envs). */
  steps = 0;

  constructor(
    readonly env: VectorEnv,
    readonly policy: Policy,
    readonly rng: Rng,
    private readonly opts: CollectorOptions = {},
  ) {
    if (env.autoresetMode !== 'same-step') {
      throw new Error(
        `Collector: the vector env must use autoresetMode 'same-step' (got '${env.autoresetMode}'), so truncated episodes can bootstrap from their final observation`,
      );
    }
    if (env.obsDim !== policy.obsDim || env.actDim !== policy.actDim) {
      throw new RangeError(`Collector: policy expects obs ${policy.obsDim} / action ${policy.actDim} numbers, env gives ${env.obsDim} / ${env.actDim}`);
    }
    const space = env.singleActionSpace;
    this.actionOffset = space instanceof Discrete ? space.start : 0;
    this.obs = env.reset({ seed: opts.seed }).obs.slice();
    this.envActions = new Float32Array(env.numEnvs * env.actDim);
    this.tracker = new EpisodeTracker(env.numEnvs);
    this.continuing = new Uint8Array(env.numEnvs);
  }

  /** The last 100 finished episodes (SB3's ep_info_buffer): what progress reports average over. */
  get recent(): EpisodeRecord[] {
    return this.tracker.recent;
  }

  /**
   * The collector's own state (current observations, episode accumulators, step count, RNG) and,
   * when the vector env can snapshot itself, the envs' state: enough to continue exactly.
   */
  getState(): CollectorState {
    const env = this.env as VectorEnv & { getState?(): unknown };
    const episodes = this.tracker.getState();
    return {
      steps: this.steps,
      obs: Array.from(this.obs),
      epReturn: episodes.epReturn,
      epLength: episodes.epLength,
      continuing: Array.from(this.continuing),
      rng: this.rng.getState(),
      env: env.getState ? env.getState() : null,
      recent: episodes.recent,
    };
  }

  setState(s: CollectorState): void {
    if (s.obs.length !== this.obs.length || s.epReturn.length !== this.env.numEnvs) {
      throw new Error(
        `Collector.setState: state is for ${s.epReturn.length} envs with ${s.obs.length} observation values; this collector has ${this.env.numEnvs} and ${this.obs.length}`,
      );
    }
    const env = this.env as VectorEnv & { setState?(s: unknown): void };
    if (s.env !== null && env.setState) env.setState(s.env);
    this.steps = s.steps;
    this.obs = Float32Array.from(s.obs);
    this.tracker.setState(s);
    this.continuing.set(s.continuing);
    this.rng.setState(s.rng);
  }

  /** Current observations [numEnvs * obsDim] (a copy the collector owns). */
  get currentObs(): Float32Array {
    return this.obs;
  }

  /** T steps of every env, continuing the envs' episodes across calls. */
  collect(T: number): Rollout {
    if (!Number.isInteger(T) || T <= 0) throw new RangeError(`Collector.collect: T must be a positive integer, got ${T}`);
    return this.run(T, null);
  }

  /**
   * Whole episodes: resets every env, then steps until each env has finished `perEnv` episodes
   * (steps after an env's quota are masked out, so short episodes are not favoured), or `maxSteps`.
   */
  collectEpisodes(perEnv: number, maxSteps = 1_000_000): Rollout {
    if (!Number.isInteger(perEnv) || perEnv <= 0) throw new RangeError(`Collector.collectEpisodes: perEnv must be a positive integer, got ${perEnv}`);
    this.obs = this.env.reset().obs.slice();
    this.tracker.restart();
    this.continuing.fill(0);
    return this.run(maxSteps, perEnv);
  }

  private run(maxT: number, quota: number | null): Rollout {
    const { env, policy, rng } = this;
    const n = env.numEnvs,
      od = env.obsDim,
      ad = env.actDim;
    const value = this.opts.value;
    // The rollout is written in place, row t of every column at t * width: no per-step arrays
    // (issue 12: at 4 envs a step's work is small, and eight allocations per step showed in profiles).
    // collect(T) knows its length; collectEpisodes grows its columns by doubling.
    const buf = new RolloutColumns(n, od, ad, value !== undefined, quota === null ? maxT : Math.min(maxT, 256));
    const done = new Int32Array(n);
    const episodes: Rollout['episodes'] = [];
    const continuing = this.continuing.slice();
    const finals = new FinalObservations(od);
    let T = 0;
    for (; T < maxT; T++) {
      if (quota !== null && allReached(done, quota)) break;
      if (T === buf.capacity) buf.grow(Math.min(maxT, 2 * T));
      const { actions, logProbs } = policy.act(this.obs, n, rng);
      const row = T * n;
      buf.obs.set(this.obs, row * od);
      buf.actions.set(actions, row * ad);
      buf.logProbs.set(logProbs, row);
      for (let e = 0; e < n; e++) buf.mask[row + e] = quota === null || done[e] < quota ? 1 : 0;
      for (let i = 0; i < actions.length; i++) this.envActions[i] = actions[i] + this.actionOffset;
      const r = env.step(this.envActions);
      this.steps += n;
      buf.rewards.set(r.rewards, row);
      buf.terminated.set(r.terminated, row);
      buf.truncated.set(r.truncated, row);
      for (let e = 0; e < n; e++) {
        const finished = r.terminated[e] === 1 || r.truncated[e] === 1;
        // RecordEpisodeStatistics (below any reward normalisation) knows the true return.
        const stats = finished ? (r.finalInfos?.[e] as { episode?: { r: number; l: number } } | null)?.episode : undefined;
        const used = buf.mask[row + e] === 1;
        const ep = this.tracker.step(e, r.rewards[e], finished, stats ? { return: stats.r, length: stats.l } : undefined, used);
        if (!ep) continue;
        // A truncated episode bootstraps from V(its final observation), computed after the loop.
        if (value && r.finalObs && r.truncated[e] && !r.terminated[e]) finals.add(row + e, r.finalObs.subarray(e * od, (e + 1) * od));
        if (used) episodes.push(ep);
        done[e]++;
        this.continuing[e] = 0;
      }
      // this.obs is the collector's own copy (the env may refill r.obs in place): keep it, overwrite it.
      if (this.obs.length === r.obs.length) this.obs.set(r.obs);
      else this.obs = r.obs.slice();
    }
    // Envs still inside an episode continue it in the next rollout.
    for (let e = 0; e < n; e++) this.continuing[e] = this.tracker.lengths[e] > 0 ? 1 : 0;
    buf.trim(T);
    if (value) {
      // V(o_t) of every step and V(o'_final) of every truncation, in batches after the loop: the value
      // function does not change during a rollout, and one call per step at 4 envs cost ~14% of
      // the PPO Pendulum run (issue 12). The same numbers as per step, up to float32 rounding
      // (a batch may take another gemm path than 4 rows).
      predictRows(value, buf.obs, T * n, od, buf.values!);
      const fv = predictRows(value, finals.obs, finals.count, od, new Float32Array(finals.count));
      for (let j = 0; j < finals.count; j++) buf.finalValues![finals.rows[j]] = fv[j];
    }
    return {
      T,
      numEnvs: n,
      obsDim: od,
      actDim: ad,
      obs: buf.obs,
      actions: buf.actions,
      rewards: buf.rewards,
      terminated: buf.terminated,
      truncated: buf.truncated,
      logProbs: buf.logProbs,
      values: buf.values,
      finalValues: buf.finalValues,
      lastValues: value ? value.predict(this.obs, n).slice() : null,
      mask: buf.mask,
      continuing,
      episodes,
    };
  }
}

/** The per-step columns of a rollout, `capacity` rows of numEnvs entries (times obsDim or actDim). */
class RolloutColumns {
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  logProbs: Float32Array;
  values: Float32Array | null;
  finalValues: Float32Array | null;
  mask: Uint8Array;

  constructor(
    private readonly n: number,
    private readonly od: number,
    private readonly ad: number,
    withValues: boolean,
    public capacity: number,
  ) {
    const rows = capacity * n;
    this.obs = new Float32Array(rows * od);
    this.actions = new Float32Array(rows * ad);
    this.rewards = new Float64Array(rows);
    this.terminated = new Uint8Array(rows);
    this.truncated = new Uint8Array(rows);
    this.logProbs = new Float32Array(rows);
    this.values = withValues ? new Float32Array(rows) : null;
    this.finalValues = withValues ? new Float32Array(rows) : null;
    this.mask = new Uint8Array(rows);
  }

  /** Room for `capacity` steps, keeping the rows written so far (new rows are zero). */
  grow(capacity: number): void {
    this.resize(capacity, this.capacity);
  }

  /** Exactly T steps (a copy only when fewer than the capacity were written). */
  trim(T: number): void {
    if (T !== this.capacity) this.resize(T, T);
  }

  private resize(capacity: number, keep: number): void {
    const rows = capacity * this.n,
      kept = keep * this.n;
    const re = <A extends Float32Array | Float64Array | Uint8Array>(a: A, width: number, make: (len: number) => A): A => {
      const out = make(rows * width);
      out.set(a.subarray(0, kept * width));
      return out;
    };
    this.obs = re(this.obs, this.od, (l) => new Float32Array(l));
    this.actions = re(this.actions, this.ad, (l) => new Float32Array(l));
    this.rewards = re(this.rewards, 1, (l) => new Float64Array(l));
    this.terminated = re(this.terminated, 1, (l) => new Uint8Array(l));
    this.truncated = re(this.truncated, 1, (l) => new Uint8Array(l));
    this.logProbs = re(this.logProbs, 1, (l) => new Float32Array(l));
    this.values = this.values && re(this.values, 1, (l) => new Float32Array(l));
    this.finalValues = this.finalValues && re(this.finalValues, 1, (l) => new Float32Array(l));
    this.mask = re(this.mask, 1, (l) => new Uint8Array(l));
    this.capacity = capacity;
  }
}

/** Rows of observations per value call after a rollout: large enough to amortise the call, small enough for image observations. */
const VALUE_BATCH = 512;

/** out[i] = V(row i of obs) for `rows` rows of width `od`, in batches of VALUE_BATCH rows. */
function predictRows(value: Pick<ValueModel, 'predict'>, obs: Float32Array, rows: number, od: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i += VALUE_BATCH) {
    const b = Math.min(VALUE_BATCH, rows - i);
    out.set(value.predict(obs.subarray(i * od, (i + b) * od), b), i);
  }
  return out;
}

/** The final observations of truncated episodes, with their rows in the rollout (a few per rollout). */
class FinalObservations {
  obs = new Float32Array(0);
  rows: number[] = [];
  count = 0;
  constructor(private readonly od: number) {}
  add(row: number, o: Float32Array): void {
    if ((this.count + 1) * this.od > this.obs.length) {
      const grown = new Float32Array(Math.max(16, 2 * this.count + 2) * this.od);
      grown.set(this.obs);
      this.obs = grown;
    }
    this.obs.set(o, this.count * this.od);
    this.rows.push(row);
    this.count++;
  }
}

function allReached(done: Int32Array, quota: number): boolean {
  for (let e = 0; e < done.length; e++) if (done[e] < quota) return false;
  return true;
}
