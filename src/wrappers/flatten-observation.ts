/** gymnasium.wrappers.FlattenObservation: observations become flat Float32Arrays (spaces.flatten). */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { Box, Dict, FlatDictBox, flattenSpace, type Space } from '../envs/spaces.ts';
import type { Json } from '../envs/snapshot.ts';

export class FlattenObservation<Obs, Act> extends Wrapper<Float32Array, Act, Obs, Act> {
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
  private flatten(obs: Obs): Float32Array {
    return this.inner.flattenInto(obs, this.out, 0) as Float32Array;
  }
  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    return { obs: this.flatten(r.obs), info: r.info };
  }
  override step(action: Act): StepResult<Float32Array> {
    const r = this.env.step(action) as unknown as StepResult<Float32Array>;
    r.obs = this.flatten(r.obs as unknown as Obs);
    return r;
  }

  /** Snapshot: none of its own (the output is recomputed from every inner observation). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}
