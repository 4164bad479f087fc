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
    const cols = {
      obs: [] as Float32Array[],
      actions: [] as Float32Array[],
      rewards: [] as Float64Array[],
      term: [] as Uint8Array[],
      trunc: [] as Uint8Array[],
      logp: [] as Float32Array[],
      values: [] as Float32Array[],
      finalValues: [] as Float32Array[],
      mask: [] as Uint8Array[],
    };
    const done = new Int32Array(n);
    const episodes: Rollout['episodes'] = [];
    const continuing = this.continuing.slice();
    const value = this.opts.value;
    let T = 0;
    for (; T < maxT; T++) {
      if (quota !== null && done.every((d) => d >= quota)) break;
      const { actions, logProbs } = policy.act(this.obs, n, rng);
      const mask = new Uint8Array(n);
      for (let e = 0; e < n; e++) mask[e] = quota === null || done[e] < quota ? 1 : 0;
      cols.obs.push(this.obs);
      cols.actions.push(actions.slice());
      cols.logp.push(logProbs.slice());
      cols.mask.push(mask);
      if (value) cols.values.push(value.predict(this.obs, n).slice());
      for (let i = 0; i < actions.length; i++) this.envActions[i] = actions[i] + this.actionOffset;
      const r = env.step(this.envActions);
      this.steps += n;
      cols.rewards.push(r.rewards.slice());
      cols.term.push(r.terminated.slice());
      cols.trunc.push(r.truncated.slice());
      const fv = new Float32Array(n);
      // One batched value call for the final observations of truncated episodes (rows of other envs unused).
      const finalV = value && r.finalObs && hasTruncation(r.terminated, r.truncated) ? value.predict(r.finalObs, n) : null;
      for (let e = 0; e < n; e++) {
        const finished = r.terminated[e] === 1 || r.truncated[e] === 1;
        // RecordEpisodeStatistics (below any reward normalisation) knows the true return.
        const stats = finished ? (r.finalInfos?.[e] as { episode?: { r: number; l: number } } | null)?.episode : undefined;
        const ep = this.tracker.step(e, r.rewards[e], finished, stats ? { return: stats.r, length: stats.l } : undefined, mask[e] === 1);
        if (!ep) continue;
        if (finalV && r.truncated[e] && !r.terminated[e]) fv[e] = finalV[e];
        if (mask[e]) episodes.push(ep);
        done[e]++;
        this.continuing[e] = 0;
      }
      cols.finalValues.push(fv);
      this.obs = r.obs.slice();
    }
    // Envs still inside an episode continue it in the next rollout.
    for (let e = 0; e < n; e++) this.continuing[e] = this.tracker.lengths[e] > 0 ? 1 : 0;
    const cat = <A extends Float32Array | Float64Array | Uint8Array>(parts: A[], make: (len: number) => A, width: number): A => {
      const out = make(T * width);
      parts.forEach((p, t) => out.set(p, t * width));
      return out;
    };
    return {
      T,
      numEnvs: n,
      obsDim: od,
      actDim: ad,
      obs: cat(cols.obs, (l) => new Float32Array(l), n * od),
      actions: cat(cols.actions, (l) => new Float32Array(l), n * ad),
      rewards: cat(cols.rewards, (l) => new Float64Array(l), n),
      terminated: cat(cols.term, (l) => new Uint8Array(l), n),
      truncated: cat(cols.trunc, (l) => new Uint8Array(l), n),
      logProbs: cat(cols.logp, (l) => new Float32Array(l), n),
      values: value ? cat(cols.values, (l) => new Float32Array(l), n) : null,
      finalValues: value ? cat(cols.finalValues, (l) => new Float32Array(l), n) : null,
      lastValues: value ? value.predict(this.obs, n).slice() : null,
      mask: cat(cols.mask, (l) => new Uint8Array(l), n),
      continuing,
      episodes,
    };
  }
}

function hasTruncation(terminated: Uint8Array, truncated: Uint8Array): boolean {
  for (let e = 0; e < truncated.length; e++) if (truncated[e] && !terminated[e]) return true;
  return false;
}
