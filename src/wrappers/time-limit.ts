/** gymnasium.wrappers.TimeLimit: truncated = true once `maxEpisodeSteps` steps have been taken. */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { checkInteger, stateObject, type Json } from '../envs/snapshot.ts';

export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  private elapsed = 0;
  constructor(
    env: Env<Obs, Act>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new Error(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
  }
  get elapsedSteps(): number {
    return this.elapsed;
  }
  override reset(args?: ResetArgs): ResetResult<Obs> {
    this.elapsed = 0;
    return this.env.reset(args);
  }
  override step(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    if (++this.elapsed >= this.maxEpisodeSteps) r.truncated = true;
    return r;
  }

  /** Snapshot: the steps taken in this episode (and the limit, checked on restore). */
  protected override snapshotSelf(): Json {
    return { elapsed: this.elapsed, maxEpisodeSteps: this.maxEpisodeSteps };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'TimeLimit.restore',
      o = stateObject(who, state);
    if (o.maxEpisodeSteps !== this.maxEpisodeSteps) {
      throw new Error(`${who}: the snapshot is of a ${String(o.maxEpisodeSteps)}-step limit, expected ${this.maxEpisodeSteps}`);
    }
    this.elapsed = checkInteger(o.elapsed, `${who}: state.elapsed`);
  }
}
