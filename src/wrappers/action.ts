/**
 * Action wrappers (gymnasium.wrappers.ClipAction, RescaleAction, TransformAction). They write into a
 * reused array, so the inner env must not keep the action array between steps (none does).
 */
import { Wrapper, type Env, type StepResult } from '../envs/env.ts';
import { Box } from '../envs/spaces.ts';
import type { Json } from '../envs/snapshot.ts';

type Act = Float32Array | number[];

function boxOf(env: Env<unknown, unknown>, who: string): Box<any> {
  const s = env.actionSpace;
  if (!(s instanceof Box)) throw new Error(`${who}: needs a Box action space, got ${String(s)}`);
  return s;
}

function checkLength(who: string, a: ArrayLike<number>, n: number, space: unknown): void {
  if (!a || a.length !== n) throw new Error(`${who}: action of length ${a?.length} does not fit ${String(space)} (length ${n})`);
}

/** Clips actions to the inner Box; the wrapper's action space is unbounded (as in Gymnasium 1.x). */
export class ClipAction<Obs> extends Wrapper<Obs, Act, Obs, Act> {
  private readonly inner: Box<any>;
  private readonly buf: Float32Array;
  constructor(env: Env<Obs, Act>) {
    super(env);
    this.inner = boxOf(env as Env<unknown, unknown>, 'ClipAction');
    this.buf = new Float32Array(this.inner.size);
    this.actionSpace = new Box<Act>(-Infinity, Infinity, this.inner.shape, 'float32');
  }
  override step(action: Act): StepResult<Obs> {
    const { low, high, size } = this.inner;
    checkLength('ClipAction', action, size, this.inner);
    for (let i = 0; i < size; i++) this.buf[i] = Math.min(Math.max(action[i], low[i]), high[i]);
    return this.env.step(this.buf);
  }

  /** Snapshot: none of its own (the action buffer is rewritten on every step). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}

/**
 * Affinely maps [minAction, maxAction] onto the inner Box [low, high], as Gymnasium 1.x's
 * RescaleAction (wrappers.utils.rescale_box): a' = (a - intercept) / gradient with
 * gradient = (max - min) / (high - low) and intercept = gradient * -low + min, both stored in the
 * inner Box's dtype. An action outside [min, max] is rescaled and passed on unclipped (1.x; 0.x
 * clipped): pass `{ clip: true }`, or wrap in ClipAction, to clip into [low, high]. As with NumPy,
 * a Float32Array action is rescaled in float32 (for a float32 Box) and any other in float64.
 */
export class RescaleAction<Obs> extends Wrapper<Obs, Act, Obs, Act> {
  private readonly inner: Box<any>;
  private readonly buf32: Float32Array;
  private readonly buf64: number[];
  private readonly gradient: Float64Array;
  private readonly intercept: Float64Array;
  private readonly f32: boolean;
  readonly clip: boolean;
  constructor(env: Env<Obs, Act>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>, opts: { clip?: boolean } = {}) {
    super(env);
    this.inner = boxOf(env as Env<unknown, unknown>, 'RescaleAction');
    const { low, high, size, shape } = this.inner;
    // The unrounded bounds enter gradient and intercept (NumPy keeps Python floats as float64); the new space rounds them to its dtype.
    const raw = (v: number | ArrayLike<number>, name: string): Float64Array => {
      if (typeof v !== 'number' && v?.length !== size) throw new Error(`RescaleAction: ${name} must be a number or ${size} numbers, got ${JSON.stringify(v)}`);
      return Float64Array.from({ length: size }, (_, i) => (typeof v === 'number' ? v : v[i]));
    };
    const minA = raw(minAction, 'minAction'),
      maxA = raw(maxAction, 'maxAction');
    for (let i = 0; i < size; i++) {
      if (!(minA[i] < maxA[i]) || !Number.isFinite(maxA[i] - minA[i])) {
        throw new Error(`RescaleAction: need finite minAction < maxAction, got ${minA[i]} and ${maxA[i]} at index ${i}`);
      }
    }
    if (!this.inner.isBounded()) throw new Error(`RescaleAction: the inner action space ${this.inner} must be bounded`);
    if (opts.clip !== undefined && typeof opts.clip !== 'boolean')
      throw new Error(`RescaleAction: opts.clip must be a boolean, got ${JSON.stringify(opts.clip)}`);
    this.clip = opts.clip ?? false;
    this.f32 = this.inner.dtype !== 'float64';
    const cast = this.f32 ? Math.fround : (x: number) => x;
    this.gradient = new Float64Array(size);
    this.intercept = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      this.gradient[i] = cast((maxA[i] - minA[i]) / (high[i] - low[i]));
      this.intercept[i] = cast(cast(this.gradient[i] * -low[i]) + minA[i]);
    }
    this.buf32 = new Float32Array(size);
    this.buf64 = new Array<number>(size).fill(0);
    this.actionSpace = new Box<Act>(minA, maxA, shape, this.inner.dtype === 'uint8' ? 'float32' : this.inner.dtype);
  }
  override step(action: Act): StepResult<Obs> {
    const { low, high, size } = this.inner;
    checkLength('RescaleAction', action, size, this.actionSpace);
    const g = this.gradient,
      c = this.intercept,
      fr = Math.fround;
    let out: Act;
    if (this.f32 && action instanceof Float32Array) {
      for (let i = 0; i < size; i++) this.buf32[i] = fr(fr(action[i] - c[i]) / g[i]);
      out = this.buf32;
    } else {
      for (let i = 0; i < size; i++) this.buf64[i] = (action[i] - c[i]) / g[i];
      out = this.buf64;
    }
    if (this.clip) for (let i = 0; i < size; i++) out[i] = Math.min(Math.max(out[i], low[i]), high[i]);
    return this.env.step(out);
  }

  /** Snapshot: none of its own (the action buffers are rewritten on every step). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}

/** Applies `fn` to every action (gymnasium.wrappers.TransformAction). */
export class TransformAction<Obs, WAct, Act> extends Wrapper<Obs, WAct, Obs, Act> {
  constructor(
    env: Env<Obs, Act>,
    private readonly fn: (a: WAct) => Act,
    actionSpace?: Wrapper<Obs, WAct, Obs, Act>['actionSpace'],
  ) {
    super(env);
    if (actionSpace) this.actionSpace = actionSpace;
  }
  override step(action: WAct): StepResult<Obs> {
    return this.env.step(this.fn(action));
  }

  /** Snapshot: none of its own (state hidden in `fn` is not saved). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}
