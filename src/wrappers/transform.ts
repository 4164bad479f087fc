/** gymnasium.wrappers.TransformObservation and TransformReward: apply a function to each obs / reward. */
import { snapshotsLikeParent, Wrapper, type Env, type StepResult } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import type { Space } from '../envs/spaces.ts';
import type { Json } from '../envs/snapshot.ts';

export class TransformObservation<WObs, Obs, Act> extends ObservationWrapper<WObs, Act, Obs> {
  constructor(
    env: Env<Obs, Act>,
    private readonly fn: (obs: Obs) => WObs,
    observationSpace?: Space<WObs>,
  ) {
    super(env);
    if (observationSpace) this.observationSpace = observationSpace;
  }
  protected observation(obs: Obs): WObs {
    return this.fn(obs);
  }

  /** Snapshot: none of its own (state hidden in `fn` is not saved). */
  static {
    snapshotsLikeParent(TransformObservation);
  }
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
