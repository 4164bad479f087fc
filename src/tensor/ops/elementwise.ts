/**
 * Elementwise ops with NumPy broadcasting. Each op's backward is written with ops, so it can be
 * differentiated again. Hot binary ops have a dedicated loop per broadcasting case (same shape,
 * scalar operand); other broadcasts are materialised first.
 */
import { Tensor, record, allocData, sizeOf, shapeStr, setAccumulate, type DType, type Data } from '../tensor.ts';
import { broadcastShapes, broadcastInto, reluInto, reluBackwardInto } from '../kernels.ts';
import { sumTo } from './shape.ts';
import { wasmTanh, wasmTanhBackward, wasmAdd } from '../wasm/index.ts';

export type TensorLike = Tensor | number;

function dtypeOf(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && a.dtype === 'float64') return 'float64';
  if (b instanceof Tensor && b.dtype === 'float64') return 'float64';
  return 'float32';
}

export function lift(x: TensorLike, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new TypeError(`expected a Tensor or a number, got ${typeof x}`);
  return Tensor.scalar(x, dtype);
}

/** Output shape of a broadcasting op, or an error naming the op, both shapes and the rule. */
export function broadcastOrThrow(op: string, a: Tensor, b: Tensor): number[] {
  const s = broadcastShapes(a.shape, b.shape);
  if (!s) {
    throw new RangeError(
      `${op}: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} do not broadcast ` + `(trailing dimensions must be equal or 1; reshape one operand)`,
    );
  }
  return s;
}

/** `x`'s data laid out over `shape` (a copy only when broadcasting is needed). */
export function expandData(x: Tensor, shape: number[], n: number): Data {
  if (x.size === n) return x.data;
  const d = allocData(x.dtype, n);
  broadcastInto(x.data, x.shape, d, shape);
  return d;
}

const ADD = 0,
  SUB = 1,
  MUL = 2,
  DIV = 3,
  MIN = 4,
  MAX = 5;

function binary(op: string, code: number, ta: TensorLike, tb: TensorLike): [Tensor, Tensor, Tensor] {
  const dt = dtypeOf(ta, tb);
  const a = lift(ta, dt),
    b = lift(tb, dt);
  const shape = broadcastOrThrow(op, a, b);
  const n = sizeOf(shape);
  const o = allocData(dt, n, false); // every element is written below
  if (b.size === 1 && a.size === n) scalarLoop(code, a.data, b.data[0], o, false);
  else if (a.size === 1 && b.size === n) scalarLoop(code, b.data, a.data[0], o, true);
  else {
    const ad = expandData(a, shape, n),
      bd = expandData(b, shape, n);
    // Large float32 sums (gradient accumulation) in wasm: the JS loop costs ~2 ns per element.
    const wasm = code === ADD && o instanceof Float32Array && ad instanceof Float32Array && bd instanceof Float32Array && wasmAdd(ad, bd, o);
    if (!wasm) sameLoop(code, ad, bd, o);
  }
  return [a, b, new Tensor(o, shape)];
}

function sameLoop(code: number, a: Data, b: Data, o: Data): void {
  const n = o.length;
  switch (code) {
    case ADD:
      for (let i = 0; i < n; i++) o[i] = a[i] + b[i];
      break;
    case SUB:
      for (let i = 0; i < n; i++) o[i] = a[i] - b[i];
      break;
    case MUL:
      for (let i = 0; i < n; i++) o[i] = a[i] * b[i];
      break;
    case DIV:
      for (let i = 0; i < n; i++) o[i] = a[i] / b[i];
      break;
    // NaN in either operand gives NaN (x !== x only for NaN); ties take the first operand.
    case MIN:
      for (let i = 0; i < n; i++) {
        const x = a[i],
          y = b[i];
        o[i] = x <= y || x !== x ? x : y;
      }
      break;
    case MAX:
      for (let i = 0; i < n; i++) {
        const x = a[i],
          y = b[i];
        o[i] = x >= y || x !== x ? x : y;
      }
      break;
  }
}

/** Tensor `a` against scalar `s`; `swap` means the scalar is the left operand. */
function scalarLoop(code: number, a: Data, s: number, o: Data, swap: boolean): void {
  const n = o.length;
  switch (code) {
    case ADD:
      for (let i = 0; i < n; i++) o[i] = a[i] + s;
      break;
    case SUB:
      if (swap) for (let i = 0; i < n; i++) o[i] = s - a[i];
      else for (let i = 0; i < n; i++) o[i] = a[i] - s;
      break;
    case MUL:
      for (let i = 0; i < n; i++) o[i] = a[i] * s;
      break;
    case DIV:
      if (swap) for (let i = 0; i < n; i++) o[i] = s / a[i];
      else {
        const r = 1 / s;
        for (let i = 0; i < n; i++) o[i] = a[i] * r;
      }
      break;
    // With s not NaN, each form below yields x when x is NaN, and the first operand at ties.
    // MIN and MAX are the same shape with the comparison turned; one loop each keeps it branch-free.
    case MIN:
      if (s !== s) o.fill(s);
      else if (swap)
        for (let i = 0; i < n; i++) {
          const x = a[i];
          o[i] = s <= x ? s : x;
        }
      else
        for (let i = 0; i < n; i++) {
          const x = a[i];
          o[i] = x > s ? s : x;
        }
      break;
    case MAX:
      if (s !== s) o.fill(s);
      else if (swap)
        for (let i = 0; i < n; i++) {
          const x = a[i];
          o[i] = s >= x ? s : x;
        }
      else
        for (let i = 0; i < n; i++) {
          const x = a[i];
          o[i] = x < s ? s : x;
        }
      break;
  }
}

export function add(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('add', ADD, x, y);
  return record('add', out, [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('sub', SUB, x, y);
  return record('sub', out, [a, b], (g) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null]);
}

export function mul(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('mul', MUL, x, y);
  return record('mul', out, [a, b], (g) => [a.requiresGrad ? sumTo(mul(g, b), a.shape) : null, b.requiresGrad ? sumTo(mul(g, a), b.shape) : null]);
}

export function div(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('div', DIV, x, y);
  return record('div', out, [a, b], (g) => {
    const ga = div(g, b);
    return [a.requiresGrad ? sumTo(ga, a.shape) : null, b.requiresGrad ? sumTo(neg(mul(ga, out)), b.shape) : null];
  });
}

/** Elementwise minimum; NaN in either operand gives NaN (value and gradient); at ties the gradient goes to the first operand. */
export function minimum(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('minimum', MIN, x, y);
  return record('minimum', out, [a, b], (g) => {
    const m = pickFirst(a, b, LE);
    return [sumTo(mul(g, m), a.shape), sumTo(mul(g, sub(1, m)), b.shape)];
  });
}

/** Elementwise maximum; NaN in either operand gives NaN (value and gradient); at ties the gradient goes to the first operand. */
export function maximum(x: TensorLike, y: TensorLike): Tensor {
  const [a, b, out] = binary('maximum', MAX, x, y);
  return record('maximum', out, [a, b], (g) => {
    const m = pickFirst(a, b, GE);
    return [sumTo(mul(g, m), a.shape), sumTo(mul(g, sub(1, m)), b.shape)];
  });
}

/** 1 where minimum/maximum took the first operand, 0 where the second, NaN where either is NaN. */
function pickFirst(a: Tensor, b: Tensor, code: number): Tensor {
  const m = compare(a, b, code),
    md = m.data;
  const ad = expandData(a, m.shape, m.size),
    bd = expandData(b, m.shape, m.size);
  for (let i = 0; i < md.length; i++) if (ad[i] !== ad[i] || bd[i] !== bd[i]) md[i] = NaN;
  return m;
}

// --- comparisons: constant 0/1 masks, no gradient ---
const GT = 0,
  GE = 1,
  LT = 2,
  LE = 3,
  EQ = 4;

function compare(ta: TensorLike, tb: TensorLike, code: number): Tensor {
  const dt = dtypeOf(ta, tb);
  const a = lift(ta, dt),
    b = lift(tb, dt);
  const shape = broadcastOrThrow('compare', a, b);
  const n = sizeOf(shape);
  const ad = expandData(a, shape, n);
  const o = allocData(dt, n);
  if (b.size === 1) {
    const v = b.data[0];
    switch (code) {
      case GT:
        for (let i = 0; i < n; i++) o[i] = ad[i] > v ? 1 : 0;
        break;
      case GE:
        for (let i = 0; i < n; i++) o[i] = ad[i] >= v ? 1 : 0;
        break;
      case LT:
        for (let i = 0; i < n; i++) o[i] = ad[i] < v ? 1 : 0;
        break;
      case LE:
        for (let i = 0; i < n; i++) o[i] = ad[i] <= v ? 1 : 0;
        break;
      default:
        for (let i = 0; i < n; i++) o[i] = ad[i] === v ? 1 : 0;
    }
    return new Tensor(o, shape);
  }
  const bd = expandData(b, shape, n);
  switch (code) {
    case GT:
      for (let i = 0; i < n; i++) o[i] = ad[i] > bd[i] ? 1 : 0;
      break;
    case GE:
      for (let i = 0; i < n; i++) o[i] = ad[i] >= bd[i] ? 1 : 0;
      break;
    case LT:
      for (let i = 0; i < n; i++) o[i] = ad[i] < bd[i] ? 1 : 0;
      break;
    case LE:
      for (let i = 0; i < n; i++) o[i] = ad[i] <= bd[i] ? 1 : 0;
      break;
    default:
      for (let i = 0; i < n; i++) o[i] = ad[i] === bd[i] ? 1 : 0;
  }
  return new Tensor(o, shape);
}

export const greater = (a: TensorLike, b: TensorLike) => compare(a, b, GT);
export const greaterEqual = (a: TensorLike, b: TensorLike) => compare(a, b, GE);
export const less = (a: TensorLike, b: TensorLike) => compare(a, b, LT);
export const lessEqual = (a: TensorLike, b: TensorLike) => compare(a, b, LE);
export const equal = (a: TensorLike, b: TensorLike) => compare(a, b, EQ);

/** cond ? a : b elementwise; `cond` is a 0/1 tensor (no gradient flows to it); a NaN condition gives NaN. */
export function where(cond: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const dt = dtypeOf(x, y);
  const a = lift(x, dt),
    b = lift(y, dt);
  const s1 = broadcastOrThrow('where', a, b);
  const shape = broadcastShapes(cond.shape, s1);
  if (!shape) throw new RangeError(`where: condition shape ${shapeStr(cond.shape)} does not broadcast with ${shapeStr(s1)}`);
  const n = sizeOf(shape);
  const c = expandData(cond, shape, n),
    ad = expandData(a, shape, n),
    bd = expandData(b, shape, n);
  const o = allocData(dt, n);
  for (let i = 0; i < n; i++) {
    const ci = c[i];
    o[i] = ci === 0 ? bd[i] : ci === ci ? ad[i] : ci;
  }
  return record('where', new Tensor(o, shape), [a, b], (g) => [
    a.requiresGrad ? sumTo(where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumTo(where(cond, 0, g), b.shape) : null,
  ]);
}

// --- unary ops ---
/** The output buffer of a unary op, which writes every element (so an arena need not zero it). */
function unaryOut(x: Tensor): Data {
  return allocData(x.dtype, x.size, false);
}

export function neg(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = -s[i];
  return record('neg', new Tensor(o, x.shape), [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.exp(s[i]);
  const out = new Tensor(o, x.shape);
  return record('exp', out, [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.log(s[i]);
  return record('log', new Tensor(o, x.shape), [x], (g) => [div(g, x)]);
}

export function log1p(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.log1p(s[i]);
  return record('log1p', new Tensor(o, x.shape), [x], (g) => [div(g, add(x, 1))]);
}

export function sqrt(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(s[i]);
  const out = new Tensor(o, x.shape);
  return record('sqrt', out, [x], (g) => [div(mul(g, 0.5), out)]);
}

export function square(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = s[i] * s[i];
  return record('square', new Tensor(o, x.shape), [x], (g) => [mul(g, mul(x, 2))]);
}

/** x ** p for a constant exponent p. */
export function pow(x: Tensor, p: number): Tensor {
  if (p === 2) return square(x);
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = s[i] ** p;
  return record('pow', new Tensor(o, x.shape), [x], (g) => [mul(g, mul(pow(x, p - 1), p))]);
}

export function tanh(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  // Large float32 inputs: WebAssembly SIMD tanh (within 1 ulp of Math.tanh, see wasm/tanh-kernel.ts).
  if (!(s instanceof Float32Array && o instanceof Float32Array && wasmTanh(s, o))) {
    for (let i = 0; i < o.length; i++) o[i] = Math.tanh(s[i]);
  }
  const out = new Tensor(o, x.shape);
  return record('tanh', out, [x], (g) => [tanhBackward(out, g)]);
}

/** g * (1 - y^2): tanh's backward fused into one pass; differentiable in y and g. */
export function tanhBackward(y: Tensor, g: Tensor): Tensor {
  const yd = y.data,
    gd = g.data,
    o = unaryOut(g);
  // Large float32 data: WebAssembly SIMD. Float32 arithmetic: y^2 rounds, so the result is within
  // |g| 2^-23 + 1 ulp of the float64-then-round loop (the rounding already in y is as large).
  if (!(yd instanceof Float32Array && gd instanceof Float32Array && o instanceof Float32Array && wasmTanhBackward(yd, gd, o))) {
    for (let i = 0; i < o.length; i++) o[i] = gd[i] * (1 - yd[i] * yd[i]);
  }
  return record('tanhBackward', new Tensor(o, g.shape), [y, g], (gg) => [
    y.requiresGrad ? mul(mul(gg, g), mul(y, -2)) : null,
    g.requiresGrad ? tanhBackward(y, gg) : null,
  ]);
}

/**
 * atanh(x), evaluated in float64 whatever the dtype: for float32 x near +-1 the input is exact, so
 * the result is too (what the squashed Gaussian needs for actions near the bounds). atanh(+-1) = +-Inf.
 */
export function atanh(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.atanh(s[i]);
  // 1 / ((1 - x)(1 + x)): 1 - x is exact near 1, where 1 - x^2 would round.
  return record('atanh', new Tensor(o, x.shape), [x], (g) => [div(g, mul(sub(1, x), add(x, 1)))]);
}

export function sigmoid(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) {
    const v = s[i];
    // Stable for large |v|: never exponentiates a positive number.
    if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      o[i] = e / (1 + e);
    }
  }
  const out = new Tensor(o, x.shape);
  return record('sigmoid', out, [x], (g) => [mul(g, sub(out, square(out)))]);
}

/** max(x, 0), with relu(NaN) = NaN so that a NaN upstream still reaches the loss and the NaN checks. */
export function relu(x: Tensor): Tensor {
  const o = unaryOut(x);
  reluInto(x.data, o);
  return record('relu', new Tensor(o, x.shape), [x], (g) => [reluBackward(x, g)]);
}

/** g where x > 0, 0 where x <= 0, NaN where x is NaN: relu's backward in one pass. Linear in g; x only selects (no gradient). */
export function reluBackward(x: Tensor, g: Tensor): Tensor {
  const o = unaryOut(g);
  reluBackwardInto(x.data, g.data, o);
  return record('reluBackward', new Tensor(o, g.shape), [g], (gg) => [reluBackward(x, gg)]);
}

/** ELU: x for x > 0, alpha (e^x - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = s[i] > 0 ? s[i] : alpha * Math.expm1(s[i]);
  const out = new Tensor(o, x.shape);
  return record('elu', out, [x], (g) => [mul(g, where(greater(x, 0), 1, add(out, alpha)))]);
}

/** log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it never overflows. */
export function softplus(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) {
    const v = s[i];
    o[i] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return record('softplus', new Tensor(o, x.shape), [x], (g) => [mul(g, sigmoid(x))]);
}

/** -1, 0 or 1 by the sign of x (signed zeros kept), NaN for NaN: a constant (its derivative is 0 almost everywhere). */
export function sign(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) {
    const v = s[i];
    o[i] = v > 0 ? 1 : v < 0 ? -1 : v;
  }
  return record('sign', new Tensor(o, x.shape), [], () => []);
}

export function abs(x: Tensor): Tensor {
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = Math.abs(s[i]);
  return record('abs', new Tensor(o, x.shape), [x], (g) => [mul(g, sign(x))]);
}

/** Clamp to [lo, hi] (NaN stays NaN); the gradient passes where lo <= x <= hi (as in PyTorch) and is NaN where x is. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clip: lower bound ${lo} must not exceed upper bound ${hi}`);
  const s = x.data,
    o = unaryOut(x);
  for (let i = 0; i < o.length; i++) o[i] = s[i] < lo ? lo : s[i] > hi ? hi : s[i];
  return record('clip', new Tensor(o, x.shape), [x], (g) => {
    const m = allocData(x.dtype, x.size);
    for (let i = 0; i < m.length; i++) {
      const v = s[i];
      m[i] = v >= lo && v <= hi ? 1 : v === v ? 0 : v;
    }
    return [mul(g, new Tensor(m, x.shape))];
  });
}

// Gradient accumulation in the autodiff core uses this module's add.
setAccumulate((a, b) => add(a, b));
