/**
 * Action wrappers (gymnasium.wrappers.ClipAction, RescaleAction, TransformAction). They write into a
 * reused Float32Array, so the inner env must not keep the action array between steps (none does).
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
 * Affinely maps [minAction, maxAction] onto the inner Box [low, high] (Gymnasium 1.x rescale_box;
 * the final clip, as in Gymnasium 0.x, guards float rounding at the ends and out-of-range inputs):
 * a' = clip(low + (high - low) * (a - min) / (max - min), low, high).
 */
export class RescaleAction<Obs> extends Wrapper<Obs, Act, Obs, Act> {
  private readonly inner: Box<any>;
  private readonly buf: Float32Array;
  private readonly minA: Float64Array;
  private readonly maxA: Float64Array;
  constructor(env: Env<Obs, Act>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    this.inner = boxOf(env as Env<unknown, unknown>, 'RescaleAction');
    const space = new Box<Act>(minAction, maxAction, this.inner.shape, 'float32');
    this.minA = space.low;
    this.maxA = space.high;
    for (let i = 0; i < space.size; i++) {
      if (!(this.minA[i] < this.maxA[i]) || !Number.isFinite(this.maxA[i] - this.minA[i])) {
        throw new Error(`RescaleAction: need finite minAction < maxAction, got ${this.minA[i]} and ${this.maxA[i]} at index ${i}`);
      }
    }
    if (!this.inner.isBounded()) throw new Error(`RescaleAction: the inner action space ${this.inner} must be bounded`);
    this.buf = new Float32Array(this.inner.size);
    this.actionSpace = space;
  }
  override step(action: Act): StepResult<Obs> {
    const { low, high, size } = this.inner;
    checkLength('RescaleAction', action, size, this.actionSpace);
    for (let i = 0; i < size; i++) {
      const v = low[i] + ((high[i] - low[i]) * (action[i] - this.minA[i])) / (this.maxA[i] - this.minA[i]);
      this.buf[i] = Math.min(Math.max(v, low[i]), high[i]);
    }
    return this.env.step(this.buf);
  }

  /** Snapshot: none of its own (the action buffer is rewritten on every step). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}

/** Applies `fn` to every action (gymnasium.wrappers.TransformAction). */
export class TransformAction<Obs, WAct, Act> extends Wrapper<Obs, WAct, Obs, Act> {
  constructor(env: Env<Obs, Act>, private readonly fn: (a: WAct) => Act, actionSpace?: Wrapper<Obs, WAct, Obs, Act>['actionSpace']) {
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
