/** gymnasium.ObservationWrapper: a wrapper that changes only the observations. */
import { Wrapper, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import type { Json } from '../envs/snapshot.ts';

/**
 * reset() and step() pass each observation of the wrapped env through `observation()`; rewards,
 * flags and infos go through unchanged. It keeps no state of its own; a subclass says what it
 * saves (`static { snapshotsLikeParent(Cls) }` when nothing), as every wrapper must.
 */
export abstract class ObservationWrapper<WObs, Act, Obs> extends Wrapper<WObs, Act, Obs, Act> {
  protected abstract observation(obs: Obs): WObs;

  override reset(args?: ResetArgs): ResetResult<WObs> {
    const r = this.env.reset(args);
    return { obs: this.observation(r.obs), info: r.info };
  }

  override step(action: Act): StepResult<WObs> {
    const r = this.env.step(action) as unknown as StepResult<WObs>;
    r.obs = this.observation(r.obs as unknown as Obs);
    return r;
  }

  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(_state: Json): void {}
}
