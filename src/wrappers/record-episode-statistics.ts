/**
 * gymnasium.wrappers.RecordEpisodeStatistics: at the end of an episode, info.episode =
 * { r: return, l: length, t: elapsed seconds }; the last `bufferLength` returns, lengths and times
 * are kept in returnQueue/lengthQueue/timeQueue. Return and length count from reset(), as in
 * Gymnasium. The clock is injectable (default performance.now).
 */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { checkInteger, decodeNumber, decodeNumbers, encodeNumber, encodeNumbers, stateObject, type Json } from '../envs/snapshot.ts';

export interface EpisodeStatistics {
  r: number;
  l: number;
  t: number;
}

export class RecordEpisodeStatistics<Obs, Act> extends Wrapper<Obs, Act> {
  episodeReturn = 0;
  episodeLength = 0;
  episodeCount = 0;
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  private startTime = 0;
  private readonly now: () => number;
  private readonly bufferLength: number;

  constructor(env: Env<Obs, Act>, opts: { bufferLength?: number; now?: () => number } = {}) {
    super(env);
    this.bufferLength = opts.bufferLength ?? 100;
    this.now = opts.now ?? (() => globalThis.performance.now());
  }

  override reset(args?: ResetArgs): ResetResult<Obs> {
    const r = this.env.reset(args);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startTime = this.now();
    return r;
  }

  override step(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength += 1;
    if (r.terminated || r.truncated) {
      const t = Math.round((this.now() - this.startTime) * 1000) / 1e6; // seconds, 6 decimals as Gymnasium
      const episode: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t };
      r.info = { ...r.info, episode };
      push(this.returnQueue, episode.r, this.bufferLength);
      push(this.lengthQueue, episode.l, this.bufferLength);
      push(this.timeQueue, episode.t, this.bufferLength);
      this.episodeCount++;
      // The return and length count on until reset (Gymnasium 1.x): stepping on after the end
      // without a reset reports the longer episode, as Gymnasium does; only the clock restarts.
      this.startTime = this.now();
    }
    return r;
  }

  /**
   * Snapshot: the running episode's return and length, the episode count and the queues. The wall
   * clock is not state: the running episode's elapsed seconds are saved and continue from restore.
   */
  protected override snapshotSelf(): Json {
    return {
      episodeReturn: encodeNumber(this.episodeReturn),
      episodeLength: this.episodeLength,
      episodeCount: this.episodeCount,
      returnQueue: encodeNumbers(this.returnQueue),
      lengthQueue: encodeNumbers(this.lengthQueue),
      timeQueue: encodeNumbers(this.timeQueue),
      elapsedMs: encodeNumber(this.now() - this.startTime),
    };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'RecordEpisodeStatistics.restore',
      o = stateObject(who, state);
    const ret = decodeNumber(o.episodeReturn, `${who}: state.episodeReturn`);
    const len = checkInteger(o.episodeLength, `${who}: state.episodeLength`);
    const count = checkInteger(o.episodeCount, `${who}: state.episodeCount`);
    const queues = (['returnQueue', 'lengthQueue', 'timeQueue'] as const).map((k) => decodeNumbers(o[k], null, `${who}: state.${k}`));
    const elapsed = decodeNumber(o.elapsedMs, `${who}: state.elapsedMs`);
    this.episodeReturn = ret;
    this.episodeLength = len;
    this.episodeCount = count;
    [this.returnQueue, this.lengthQueue, this.timeQueue].forEach((q, i) => q.splice(0, q.length, ...queues[i].slice(-this.bufferLength)));
    this.startTime = this.now() - elapsed;
  }
}

function push(q: number[], v: number, max: number): void {
  q.push(v);
  if (q.length > max) q.shift();
}
