/**
 * gymnasium.wrappers.FrameStackObservation (1.x): the last `stackSize` observations, oldest first,
 * as one array of shape [stackSize, ...obsShape]. At reset the first stackSize - 1 slots hold the
 * padding: 'reset' (default) repeats the reset observation, 'zero' uses zero clipped into the Box
 * (Gymnasium's create_zero_array: low where low > 0, high where high < 0), a number fills it.
 */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { Box } from '../envs/spaces.ts';
import { checkInteger, decodeNumbers, encodeNumbers, stateObject, type Json } from '../envs/snapshot.ts';

type Vec = Float32Array | Float64Array;

export class FrameStackObservation<Act> extends Wrapper<Float32Array, Act, Vec, Act> {
  private readonly dim: number;
  private readonly frames: Float32Array; // ring buffer of stackSize frames
  private head = 0; // index of the oldest frame
  private readonly out: Float32Array;
  /** One padding frame ('zero' or a number), or null for 'reset'. */
  private readonly pad: Float32Array | null;

  constructor(
    env: Env<Vec, Act>,
    readonly stackSize: number,
    readonly padding: 'reset' | 'zero' | number = 'reset',
  ) {
    super(env);
    if (!Number.isInteger(stackSize) || stackSize < 1) throw new Error(`FrameStackObservation: stackSize must be an integer >= 1, got ${stackSize}`);
    const s = env.observationSpace;
    if (!(s instanceof Box)) throw new Error(`FrameStackObservation: needs a Box observation space, got ${String(s)}`);
    this.dim = s.size;
    this.frames = new Float32Array(stackSize * this.dim);
    this.out = new Float32Array(stackSize * this.dim);
    const rep = (a: Float64Array) => Array.from({ length: stackSize }, () => Array.from(a)).flat();
    this.observationSpace = new Box<Float32Array>(rep(s.low), rep(s.high), [stackSize, ...s.shape], 'float32');
    if (padding === 'reset') this.pad = null;
    else if (padding === 'zero') this.pad = Float32Array.from(s.low, (lo, i) => (lo > 0 ? lo : s.high[i] < 0 ? s.high[i] : 0));
    else if (typeof padding === 'number' && !Number.isNaN(padding)) this.pad = new Float32Array(this.dim).fill(padding);
    else throw new Error(`FrameStackObservation: padding must be 'reset', 'zero' or a number, got ${JSON.stringify(padding)}`);
  }

  private push(obs: Vec): void {
    this.frames.set(obs, this.head * this.dim);
    this.head = (this.head + 1) % this.stackSize;
  }

  private stacked(): Float32Array {
    const d = this.dim;
    for (let k = 0; k < this.stackSize; k++) {
      const src = ((this.head + k) % this.stackSize) * d;
      this.out.set(this.frames.subarray(src, src + d), k * d);
    }
    return this.out;
  }

  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    this.head = 0;
    if (this.padding === 'reset') for (let k = 0; k < this.stackSize - 1; k++) this.push(r.obs);
    else {
      for (let k = 0; k < this.stackSize; k++) this.frames.set(this.pad!, k * this.dim);
      this.head = (this.stackSize - 1) % this.stackSize;
    }
    this.push(r.obs);
    return { obs: this.stacked(), info: r.info };
  }

  override step(action: Act): StepResult<Float32Array> {
    const r = this.env.step(action) as unknown as StepResult<Float32Array>;
    this.push(r.obs);
    r.obs = this.stacked();
    return r;
  }

  /** Snapshot: the ring buffer of frames (float32 values, exact in JSON) and its head. */
  protected override snapshotSelf(): Json {
    return { frames: encodeNumbers(this.frames), head: this.head };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'FrameStackObservation.restore',
      o = stateObject(who, state);
    const frames = decodeNumbers(o.frames, this.frames.length, `${who}: state.frames (${this.stackSize} frames of ${this.dim})`);
    const head = checkInteger(o.head, `${who}: state.head`);
    if (head >= this.stackSize) throw new Error(`${who}: state.head must be < stackSize ${this.stackSize}, got ${head}`);
    this.frames.set(frames);
    this.head = head;
  }
}
