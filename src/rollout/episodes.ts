/**
 * Episode bookkeeping, in one place for every data loop (the on-policy Collector, SAC's env loop,
 * the model-based PG's real steps): each env's running undiscounted return and length, and the last
 * 100 finished episodes that progress rows average over (SB3's ep_info_buffer).
 */
import { meanStd } from '../util/math.ts';

/** Undiscounted return and length of one finished episode. */
export interface EpisodeRecord {
  return: number;
  length: number;
}

/** The JSON a checkpoint keeps of an EpisodeTracker (the Collector's state uses the same keys). */
export interface EpisodeTrackerState {
  epReturn: number[];
  epLength: number[];
  recent: EpisodeRecord[];
}

export class EpisodeTracker {
  readonly returns: Float64Array;
  readonly lengths: Int32Array;
  /** The last `window` finished episodes, oldest first. */
  readonly recent: EpisodeRecord[] = [];

  constructor(
    readonly numEnvs: number,
    readonly window = 100,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`EpisodeTracker: numEnvs must be a positive integer, got ${numEnvs}`);
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /**
   * Add env e's reward for one step. When `done` (terminated or truncated) the episode closes: its
   * record is returned (`final` when given, e.g. RecordEpisodeStatistics' true return below reward
   * normalisation), kept in `recent` unless `keep` is false, and env e's accumulators restart.
   */
  step(e: number, reward: number, done: boolean, final?: EpisodeRecord, keep = true): EpisodeRecord | null {
    this.returns[e] += reward;
    this.lengths[e]++;
    if (!done) return null;
    const ep = final ?? { return: this.returns[e], length: this.lengths[e] };
    if (keep) {
      this.recent.push(ep);
      if (this.recent.length > this.window) this.recent.shift();
    }
    this.returns[e] = 0;
    this.lengths[e] = 0;
    return ep;
  }

  /** Forget the running episodes (after a reset of every env); `recent` stays. */
  restart(): void {
    this.returns.fill(0);
    this.lengths.fill(0);
  }

  /** returnMean, returnStd and lengthMean over `recent` (NaN before the first episode ends). */
  summary(): { returnMean: number; returnStd: number; lengthMean: number } {
    return recentSummary(this.recent);
  }

  getState(): EpisodeTrackerState {
    return { epReturn: Array.from(this.returns), epLength: Array.from(this.lengths), recent: this.recent.map((e) => ({ ...e })) };
  }

  setState(s: EpisodeTrackerState): void {
    if (s.epReturn.length !== this.numEnvs || s.epLength.length !== this.numEnvs) {
      throw new RangeError(`EpisodeTracker.setState: state is for ${s.epReturn.length} envs, this tracker has ${this.numEnvs}`);
    }
    this.returns.set(s.epReturn);
    this.lengths.set(s.epLength);
    this.recent.splice(0, this.recent.length, ...s.recent);
  }
}

/** returnMean, returnStd and lengthMean of a list of finished episodes (the progress row's episode fields). */
export function recentSummary(recent: readonly EpisodeRecord[]): { returnMean: number; returnStd: number; lengthMean: number } {
  const r = meanStd(recent.map((e) => e.return));
  return { returnMean: r.mean, returnStd: r.std, lengthMean: meanStd(recent.map((e) => e.length)).mean };
}
