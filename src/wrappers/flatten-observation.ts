/** gymnasium.wrappers.FlattenObservation: observations become flat Float32Arrays (spaces.flatten). */
import { snapshotsLikeParent, type Env } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import { Box, Dict, FlatDictBox, flattenSpace, type Space } from '../envs/spaces.ts';

export class FlattenObservation<Obs, Act> extends ObservationWrapper<Float32Array, Act, Obs> {
  private readonly inner: Space<Obs>;
  private readonly out: Float32Array;
  constructor(env: Env<Obs, Act>) {
    super(env);
    this.inner = env.observationSpace;
    const flat = flattenSpace(this.inner);
    // A Dict's flat Box remembers the Dict, so that policies can encode each key its own way.
    this.observationSpace = this.inner instanceof Dict ? new FlatDictBox(this.inner) : new Box<Float32Array>(flat.low, flat.high, flat.shape, 'float32');
    this.out = new Float32Array(flat.size);
  }
  protected observation(obs: Obs): Float32Array {
    return this.inner.flattenInto(obs, this.out, 0) as Float32Array;
  }

  /** Snapshot: none of its own (the output is recomputed from every inner observation). */
  static {
    snapshotsLikeParent(FlattenObservation);
  }
}
