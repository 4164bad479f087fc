/** gymnasium.wrappers.TransformObservation and TransformReward: apply a function to each obs / reward. */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import type { Space } from '../envs/spaces.ts';
import type { Json } from '../envs/snapshot.ts';

export class TransformObservation<WObs, Obs, Act> extends Wrapper<WObs, Act, Obs, Act> {
  constructor(
    env: Env<Obs, Act>,
    private readonly fn: (obs: Obs) => WObs,
    observationSpace?: Space<WObs>,
  ) {
    super(env);
    if (observationSpace) this.observationSpace = observationSpace;
  }
  override reset(args?: ResetArgs): ResetResult<WObs> {
    const r = this.env.reset(args);
    return { obs: this.fn(r.obs), info: r.info };
  }
  override step(action: Act): StepResult<WObs> {
    const r = this.env.step(action) as unknown as StepResult<WObs>;
    r.obs = this.fn(r.obs as unknown as Obs);
    return r;
  }

  /** Snapshot: none of its own (state hidden in `fn` is not saved). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}

export class TransformReward<Obs, Act> extends Wrapper<Obs, Act> {
  constructor(
    env: Env<Obs, Act>,
    private readonly fn: (reward: number) => number,
  ) {
    super(env);
  }
  override step(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    r.reward = this.fn(r.reward);
    return r;
  }

  /** Snapshot: none of its own (state hidden in `fn` is not saved). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}
