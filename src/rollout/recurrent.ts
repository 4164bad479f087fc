/**
 * The on-policy collector for recurrent policies: like Collector, plus the policy's state carried
 * from step to step, zeroed at episode starts, and stored in the rollout so that training can
 * replay each sequence from the state that acted (SB3-contrib's RecurrentRolloutBuffer keeps the
 * same: hidden states and episode_starts per step).
 */
import type { Rng, RngState } from '../rng/index.ts';
import type { VectorEnv } from '../vector/types.ts';
import { Discrete } from '../envs/index.ts';
import type { Rollout } from './collector.ts';
import { EpisodeTracker, type EpisodeRecord } from './episodes.ts';

/** What the collector needs of a recurrent actor-critic (RecurrentActorCritic implements it). */
export interface RecurrentActor {
  readonly obsDim: number;
  readonly actDim: number;
  readonly stateSize: number;
  initialState(B: number): Float32Array;
  step(
    obs: Float32Array,
    B: number,
    state: Float32Array,
    starts: ArrayLike<number> | null,
    rng: Rng,
    deterministic?: boolean,
  ): {
    actions: Float32Array;
    logProbs: Float32Array;
    values: Float32Array;
    state: Float32Array;
  };
  predictValue(obs: Float32Array, B: number, state: Float32Array, starts: ArrayLike<number> | null): Float32Array;
}

export interface RecurrentRollout extends Rollout {
  stateSize: number;
  /** The state before each step, before the episode-start mask: T * numEnvs * stateSize numbers. */
  states: Float32Array;
  /** 1 where the step's observation is the first of an episode; T * numEnvs numbers. */
  starts: Uint8Array;
}

export interface RecurrentCollectorState {
  steps: number;
  obs: number[];
  state: number[];
  starts: number[];
  epReturn: number[];
  epLength: number[];
  rng: RngState;
  env: unknown;
  recent: { return: number; length: number }[];
}

export class RecurrentCollector {
  private obs: Float32Array;
  private state: Float32Array;
  private starts: Uint8Array;
  private readonly envActions: Float32Array;
  private readonly tracker: EpisodeTracker;
  private readonly actionOffset: number;
  steps = 0;

  constructor(
    readonly env: VectorEnv,
    readonly policy: RecurrentActor,
    readonly rng: Rng,
    seed?: number,
  ) {
    if (env.autoresetMode !== 'same-step') {
      throw new Error(`RecurrentCollector: the vector env must use autoresetMode 'same-step' (got '${env.autoresetMode}')`);
    }
    if (env.obsDim !== policy.obsDim || env.actDim !== policy.actDim) {
      throw new RangeError(
        `RecurrentCollector: policy expects obs ${policy.obsDim} / action ${policy.actDim} numbers, env gives ${env.obsDim} / ${env.actDim}`,
      );
    }
    const space = env.singleActionSpace;
    this.actionOffset = space instanceof Discrete ? space.start : 0;
    this.obs = env.reset({ seed }).obs.slice();
    this.state = policy.initialState(env.numEnvs);
    this.starts = new Uint8Array(env.numEnvs).fill(1);
    this.envActions = new Float32Array(env.numEnvs * env.actDim);
    this.tracker = new EpisodeTracker(env.numEnvs);
  }

  /** The last 100 finished episodes: what progress reports average over. */
  get recent(): EpisodeRecord[] {
    return this.tracker.recent;
  }

  getState(): RecurrentCollectorState {
    const env = this.env as VectorEnv & { getState?(): unknown };
    return {
      steps: this.steps,
      obs: Array.from(this.obs),
      state: Array.from(this.state),
      starts: Array.from(this.starts),
      ...this.tracker.getState(),
      rng: this.rng.getState(),
      env: env.getState ? env.getState() : null,
    };
  }

  setState(s: RecurrentCollectorState): void {
    if (s.obs.length !== this.obs.length || s.state.length !== this.state.length) {
      throw new Error(
        `RecurrentCollector.setState: state holds ${s.obs.length} observation and ${s.state.length} recurrent numbers; this collector has ${this.obs.length} and ${this.state.length}`,
      );
    }
    const env = this.env as VectorEnv & { setState?(s: unknown): void };
    if (s.env !== null && env.setState) env.setState(s.env);
    this.steps = s.steps;
    this.obs = Float32Array.from(s.obs);
    this.state = Float32Array.from(s.state);
    this.starts = Uint8Array.from(s.starts);
    this.tracker.setState(s);
    this.rng.setState(s.rng);
  }

  /** The state the next step starts from (packed, before the episode-start mask). */
  get currentState(): Float32Array {
    return this.state;
  }

  /** T steps of every env, continuing episodes (and the policy's state) across calls. */
  collect(T: number): RecurrentRollout {
    if (!Number.isInteger(T) || T <= 0) throw new RangeError(`RecurrentCollector.collect: T must be a positive integer, got ${T}`);
    return this.run(T, null);
  }

  /**
   * Whole episodes, as Collector.collectEpisodes: resets every env and zeroes every state, then
   * steps until each env has finished `perEnv` episodes (steps after an env's quota are masked out),
   * or `maxSteps`. Every env's first row is then an episode start, so a replay of the rollout from
   * its first stored state backpropagates through whole episodes.
   */
  collectEpisodes(perEnv: number, maxSteps = 1_000_000): RecurrentRollout {
    if (!Number.isInteger(perEnv) || perEnv <= 0) {
      throw new RangeError(`RecurrentCollector.collectEpisodes: perEnv must be a positive integer, got ${perEnv}`);
    }
    this.obs = this.env.reset().obs.slice();
    this.state = this.policy.initialState(this.env.numEnvs);
    this.starts.fill(1);
    this.tracker.restart();
    return this.run(maxSteps, perEnv);
  }

  /**
   * The loop of Collector.run with the cells' state threaded through it. It stays a loop of its
   * own, alike in shape (the columns, the episode bookkeeping, the concatenation), because every
   * step differs: the policy steps from and returns a state, the state and episode starts are
   * stored, and V(o'_final) is predicted from the state after the step; folding these into
   * Collector would put a recurrent branch into every feed-forward step.
   */
  private run(maxT: number, quota: number | null): RecurrentRollout {
    const { env, policy, rng } = this;
    const n = env.numEnvs,
      od = env.obsDim,
      ad = env.actDim,
      S = policy.stateSize;
    const cols = {
      obs: [] as Float32Array[],
      actions: [] as Float32Array[],
      rewards: [] as Float64Array[],
      terminated: [] as Uint8Array[],
      truncated: [] as Uint8Array[],
      logProbs: [] as Float32Array[],
      values: [] as Float32Array[],
      finalValues: [] as Float32Array[],
      states: [] as Float32Array[],
      starts: [] as Uint8Array[],
      mask: [] as Uint8Array[],
    };
    const continuing = new Uint8Array(n);
    for (let e = 0; e < n; e++) continuing[e] = this.starts[e] ? 0 : 1;
    const done = new Int32Array(n);
    const episodes: Rollout['episodes'] = [];
    let T = 0;
    for (; T < maxT; T++) {
      if (quota !== null && done.every((d) => d >= quota)) break;
      const mask = new Uint8Array(n);
      for (let e = 0; e < n; e++) mask[e] = quota === null || done[e] < quota ? 1 : 0;
      cols.obs.push(this.obs);
      cols.states.push(this.state);
      cols.starts.push(this.starts.slice());
      cols.mask.push(mask);
      const out = policy.step(this.obs, n, this.state, this.starts, rng);
      cols.actions.push(out.actions);
      cols.logProbs.push(out.logProbs);
      cols.values.push(out.values);
      for (let i = 0; i < out.actions.length; i++) this.envActions[i] = out.actions[i] + this.actionOffset;
      const r = env.step(this.envActions);
      this.steps += n;
      cols.rewards.push(r.rewards.slice());
      cols.terminated.push(r.terminated.slice());
      cols.truncated.push(r.truncated.slice());
      const finalValues = new Float32Array(n);
      let anyTrunc = false;
      for (let e = 0; e < n; e++) if (r.truncated[e] && !r.terminated[e]) anyTrunc = true;
      // V(o'_final) continues the episode's history: the state after this step, unmasked.
      const fv = anyTrunc && r.finalObs ? policy.predictValue(r.finalObs, n, out.state, null) : null;
      for (let e = 0; e < n; e++) {
        const ended = r.terminated[e] === 1 || r.truncated[e] === 1;
        this.starts[e] = ended ? 1 : 0;
        // RecordEpisodeStatistics (below any reward normalisation) knows the true return.
        const stats = ended ? (r.finalInfos?.[e] as { episode?: { r: number; l: number } } | null)?.episode : undefined;
        const ep = this.tracker.step(e, r.rewards[e], ended, stats ? { return: stats.r, length: stats.l } : undefined, mask[e] === 1);
        if (!ep) continue;
        if (fv && r.truncated[e] && !r.terminated[e]) finalValues[e] = fv[e];
        if (mask[e]) episodes.push(ep);
        done[e]++;
      }
      cols.finalValues.push(finalValues);
      this.state = out.state;
      this.obs = r.obs.slice();
    }
    const cat = <A extends Float32Array | Float64Array | Uint8Array>(parts: A[], make: (len: number) => A, width: number): A => {
      const out = make(T * width);
      parts.forEach((p, t) => out.set(p, t * width));
      return out;
    };
    const f32 = (l: number) => new Float32Array(l),
      u8 = (l: number) => new Uint8Array(l);
    return {
      T,
      numEnvs: n,
      obsDim: od,
      actDim: ad,
      obs: cat(cols.obs, f32, n * od),
      actions: cat(cols.actions, f32, n * ad),
      rewards: cat(cols.rewards, (l) => new Float64Array(l), n),
      terminated: cat(cols.terminated, u8, n),
      truncated: cat(cols.truncated, u8, n),
      logProbs: cat(cols.logProbs, f32, n),
      values: cat(cols.values, f32, n),
      finalValues: cat(cols.finalValues, f32, n),
      lastValues: policy.predictValue(this.obs, n, this.state, this.starts),
      mask: cat(cols.mask, u8, n),
      continuing,
      episodes,
      stateSize: S,
      states: cat(cols.states, f32, n * S),
      starts: cat(cols.starts, u8, n),
    };
  }
}
