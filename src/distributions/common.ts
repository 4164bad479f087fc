/** Checks and conversions shared by the distributions (not exported from the package). */
import { Tensor, shapeStr, type DType } from '../tensor/index.ts';

/** The most negative finite value of a dtype: stands in for log 0 where 0 * log 0 must be 0. */
export function minFinite(dtype: DType): number {
  return dtype === 'float64' ? -Number.MAX_VALUE : -3.4028234663852886e38;
}

/** [B, K] of a rank-2 parameter tensor, or an error naming the class, the argument and the expected form. */
export function batchShape(where: string, name: string, t: unknown): [number, number] {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`${where}: ${name} must be a Tensor of shape [B, D], got ${describe(t)}`);
  }
  if (t.rank !== 2) {
    throw new RangeError(
      `${where}: ${name} must have shape [B, D] (batch first), got ${shapeStr(t.shape)}` +
        (t.rank === 1 ? ` (for a single row use reshape([1, ${t.shape[0]}]))` : ''),
    );
  }
  return [t.shape[0], t.shape[1]];
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
  return typeof x;
}

/**
 * Actions for B rows of D values as a constant or differentiable Tensor [B, D].
 * A Tensor must be [B, D] (or [B] when D = 1) and is used as is, so gradients flow through it
 * (the pathwise case: logProb of an rsample). An array must hold B * D values, row after row.
 */
export function actionTensor(where: string, actions: unknown, B: number, D: number, dtype: DType): Tensor {
  if (actions instanceof Tensor) {
    const s = actions.shape;
    const ok = (s.length === 2 && s[0] === B && s[1] === D) || (D === 1 && s.length === 1 && s[0] === B);
    if (!ok) {
      throw new RangeError(`${where}: actions have shape ${shapeStr(s)}; expected [${B}, ${D}] (B = ${B} rows of D = ${D} values)`);
    }
    return s.length === 2 ? actions : actions.reshape([B, 1]);
  }
  const a = flatActions(where, actions, B * D, `B * D = ${B} * ${D}`);
  return Tensor.from(a, [B, D], dtype);
}

/** A flat copy of array-like actions of length n (copied so later changes to the caller's buffer cannot reach the tape). */
export function flatActions(where: string, actions: unknown, n: number, what: string): Float64Array {
  if (actions instanceof Tensor) {
    if (actions.size !== n) {
      throw new RangeError(`${where}: actions tensor ${shapeStr(actions.shape)} holds ${actions.size} values; expected ${what} = ${n}`);
    }
    return Float64Array.from(actions.data);
  }
  if (actions === null || typeof actions !== 'object' || typeof (actions as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${where}: actions must be a Tensor or an array of ${n} numbers, got ${describe(actions)}`);
  }
  const a = actions as ArrayLike<number>;
  if (a.length !== n) {
    throw new RangeError(`${where}: got ${a.length} action values; expected ${what} = ${n}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new TypeError(`${where}: action value ${String(v)} at position ${i} is not a number`);
    }
    out[i] = v;
  }
  return out;
}

/** Throws unless `other` is an instance of `cls` whose parameters have the given shape. */
export function checkSameKind<T>(where: string, other: unknown, cls: abstract new (...args: any[]) => T, B: number, D: number): T {
  if (!(other instanceof cls)) {
    const name = (other as object | null)?.constructor?.name ?? String(other);
    throw new TypeError(`${where}: the other distribution must also be a ${cls.name}, got ${name}`);
  }
  const o = other as unknown as { batchSize: number; eventSize: number; paramShape: number[] };
  if (o.paramShape[0] !== B || o.paramShape[1] !== D) {
    throw new RangeError(`${where}: parameter shapes differ: this [${B},${D}], other ${shapeStr(o.paramShape)}`);
  }
  return other;
}
