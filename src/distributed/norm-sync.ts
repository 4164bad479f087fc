/**
 * Observation and reward normalisation across rollout workers, as RLlib syncs its MeanStdFilter:
 * each worker's NormalizeObservation / NormalizeReward wrappers keep normalising with their local
 * running statistics, and also gather a delta (count, mean, var) of what they saw since the last
 * sync; the delta travels with each chunk; the learner merges the deltas of the chunks it uses
 * into the global statistics (RunningMeanStd.merge, Chan et al.'s parallel formula), which live in
 * the learner's own env wrappers (so its evaluation and checkpoints use them), and publishes them
 * with each parameter version; a worker that takes a new version adopts them.
 * The reward normaliser's discounted return G stays each env's own (it is episode state, not a statistic).
 */
import { NormalizeObservation, NormalizeReward } from '../wrappers/normalize.ts';
import { RunningMeanStd, type RunningMeanStdState } from '../wrappers/running-mean-std.ts';

/** Statistics of the observation and return normalisers (absent: that normaliser is off). */
export interface NormStats {
  obs?: RunningMeanStdState;
  ret?: RunningMeanStdState;
}

interface Wrapped {
  obs: NormalizeObservation<any>[];
  ret: NormalizeReward<any, any>[];
}

/** Every normaliser in the sub-envs of a vector env (SyncVectorEnv's `envs`). */
function normalizers(env: { envs?: unknown[] }): Wrapped {
  const out: Wrapped = { obs: [], ret: [] };
  for (const sub of env.envs ?? [])
    for (let e: any = sub; e; e = e.env) {
      if (e instanceof NormalizeObservation) out.obs.push(e);
      if (e instanceof NormalizeReward) out.ret.push(e);
    }
  return out;
}

/** A worker's side: adopt the published statistics, gather the delta, hand it over with a chunk. */
export class WorkerNorm {
  private readonly w: Wrapped;
  private obsDelta: RunningMeanStd | null = null;
  private retDelta: RunningMeanStd | null = null;

  constructor(env: { envs?: unknown[] }) {
    this.w = normalizers(env);
    this.reset();
  }

  get active(): boolean {
    return this.w.obs.length + this.w.ret.length > 0;
  }

  /** Start a new delta (count 0), shared by all the worker's envs. */
  private reset(): void {
    if (this.w.obs.length) this.obsDelta = new RunningMeanStd(this.w.obs[0].obsRms.size, 0);
    if (this.w.ret.length) this.retDelta = new RunningMeanStd(1, 0);
    for (const n of this.w.obs) n.deltaRms = this.obsDelta;
    for (const n of this.w.ret) n.deltaRms = this.retDelta;
  }

  /** The learner's global statistics replace every env's local ones. */
  adopt(s: NormStats | undefined): void {
    if (!s) return;
    if (s.obs) for (const n of this.w.obs) n.setStats(s.obs);
    if (s.ret) for (const n of this.w.ret) n.returnRms.setState(s.ret);
  }

  /** The delta since the last take() (undefined when nothing is normalised); a new delta starts. */
  take(): NormStats | undefined {
    if (!this.active) return undefined;
    const out: NormStats = {};
    if (this.obsDelta) out.obs = this.obsDelta.getState();
    if (this.retDelta) out.ret = this.retDelta.getState();
    this.reset();
    return out;
  }
}

/** The learner's side: the global statistics are those of its own envs' wrappers (evaluation and checkpoints read env 0's). */
export class LearnerNorm {
  private readonly w: Wrapped;

  constructor(env: { envs?: unknown[] }) {
    this.w = normalizers(env);
    // Each of the learner's envs saw its own reset observation: start all from env 0's statistics.
    const s = this.stats();
    if (s) this.spread(s);
  }

  /** The global statistics, or undefined when nothing is normalised. */
  stats(): NormStats | undefined {
    if (!this.w.obs.length && !this.w.ret.length) return undefined;
    const out: NormStats = {};
    if (this.w.obs.length) out.obs = this.w.obs[0].obsRms.getState();
    if (this.w.ret.length) out.ret = this.w.ret[0].returnRms.getState();
    return out;
  }

  /** Merge workers' deltas into the global statistics. */
  merge(deltas: (NormStats | undefined)[]): void {
    const o = this.w.obs[0]?.obsRms,
      r = this.w.ret[0]?.returnRms;
    for (const d of deltas) {
      if (o && d?.obs) o.merge(d.obs);
      if (r && d?.ret) r.merge(d.ret);
    }
    const s = this.stats();
    if (s) this.spread(s);
  }

  private spread(s: NormStats): void {
    if (s.obs) for (const n of this.w.obs.slice(1)) n.obsRms.setState(s.obs);
    if (s.ret) for (const n of this.w.ret.slice(1)) n.returnRms.setState(s.ret);
  }
}
