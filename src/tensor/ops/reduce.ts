/** Reductions and the softmax family (numerically stable, along any axis). */
import { Tensor, record, allocData, sizeOf, type Data } from '../tensor.ts';
import { sumAxis, maxAxis, splitAt } from '../kernels.ts';
import { axisOf, reshape, broadcastTo } from './shape.ts';
import { mul, sub, div, equal, exp } from './elementwise.ts';

type Axes = number | number[] | undefined;

function axesOf(op: string, axes: Axes, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = (Array.isArray(axes) ? axes : [axes]).map((a) => axisOf(op, a, rank));
  return [...new Set(list)].sort((a, b) => a - b);
}

/** x's shape with the reduced axes set to 1. */
function keptShape(shape: number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * x reduced by `kernel` over each of `axes` (sorted), last axis first, kept as size-1 axes; always a
 * new buffer, even for no axes.
 */
function reduceAxes(x: Tensor, ax: number[], kernel: typeof sumAxis): Data {
  let data = x.data;
  const cur = x.shape.slice();
  for (let k = ax.length - 1; k >= 0; k--) {
    const [outer, len, inner] = splitAt(cur, ax[k]);
    const next = allocData(x.dtype, outer * inner);
    kernel(data, next, outer, len, inner);
    data = next;
    cur[ax[k]] = 1;
  }
  if (data === x.data) (data = allocData(x.dtype, x.size)).set(x.data);
  return data;
}

/** Sum over `axes` (all axes by default). */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = axesOf('sum', axes, x.rank);
  const data = reduceAxes(x, ax, sumAxis);
  const kept = keptShape(x.shape, ax);
  return record('sum', new Tensor(data, finalShape(x.shape, ax, keepDims)), [x], (g) => [broadcastTo(reshape(g, kept), x.shape)]);
}

export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = axesOf('mean', axes, x.rank);
  const count = ax.reduce((p, a) => p * x.shape[a], 1);
  return mul(sum(x, ax, keepDims), 1 / count);
}

/** Maximum over `axes`; ties share the gradient equally. */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const ax = axesOf('max', axes, x.rank);
  const data = reduceAxes(x, ax, maxAxis);
  const kept = keptShape(x.shape, ax);
  const out = new Tensor(data, finalShape(x.shape, ax, keepDims));
  return record('max', out, [x], (g) => {
    const hit = equal(x, new Tensor(data, kept));
    const share = div(hit, sum(hit, ax, true));
    return [mul(broadcastTo(reshape(g, kept), x.shape), share)];
  });
}

/**
 * log(sum(exp(x))) over one axis, shifted by the maximum so it never overflows. Rows holding +Inf
 * give +Inf, rows of -Inf give -Inf, rows holding NaN give NaN.
 */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  const ax = axisOf('logSumExp', axis, x.rank);
  const [outer, len, inner] = splitAt(x.shape, ax);
  const o = allocData(x.dtype, outer * inner);
  const s = x.data;
  for (let i = 0; i < outer; i++)
    for (let c = 0; c < inner; c++) {
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, s[(i * len + k) * inner + c]);
      let z = 0;
      for (let k = 0; k < len; k++) z += Math.exp(s[(i * len + k) * inner + c] - m);
      // All -Inf: -Inf; a +Inf (and no NaN): +Inf (m - m would be NaN in both); NaN stays NaN.
      o[i * inner + c] = m === -Infinity || m === Infinity ? m : m + Math.log(z);
    }
  const kept = keptShape(x.shape, [ax]);
  return record('logSumExp', new Tensor(o, finalShape(x.shape, [ax], keepDims)), [x], (g) => [mul(broadcastTo(reshape(g, kept), x.shape), softmax(x, ax))]);
}

/**
 * Softmax along `axis`. NaN in a row gives a row of NaN; +Inf entries share the row's mass (the
 * limit); a row of -Inf is 0/0, NaN.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = axisOf('softmax', axis, x.rank);
  const o = softmaxData(x, ax, false);
  const out = new Tensor(o, x.shape);
  return record('softmax', out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), ax, true)))]);
}

/** log softmax along `axis`: x - logsumexp(x). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = axisOf('logSoftmax', axis, x.rank);
  const o = softmaxData(x, ax, true);
  const out = new Tensor(o, x.shape);
  return record('logSoftmax', out, [x], (g) => [sub(g, mul(exp(out), sum(g, ax, true)))]);
}

function softmaxData(x: Tensor, ax: number, logSpace: boolean) {
  const [outer, len, inner] = splitAt(x.shape, ax);
  const s = x.data;
  const o = allocData(x.dtype, sizeOf(x.shape));
  for (let i = 0; i < outer; i++)
    for (let c = 0; c < inner; c++) {
      const base = i * len * inner + c;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, s[base + k * inner]); // NaN if any is NaN
      if (m === Infinity) {
        // The limit: the +Inf entries share the mass equally (x - m would be NaN).
        let count = 0;
        for (let k = 0; k < len; k++) if (s[base + k * inner] === Infinity) count++;
        for (let k = 0; k < len; k++) {
          const top = s[base + k * inner] === Infinity;
          o[base + k * inner] = logSpace ? (top ? -Math.log(count) : -Infinity) : top ? 1 / count : 0;
        }
        continue;
      }
      let z = 0;
      for (let k = 0; k < len; k++) {
        const e = Math.exp(s[base + k * inner] - m);
        if (!logSpace) o[base + k * inner] = e;
        z += e;
      }
      if (logSpace) {
        const lz = m + Math.log(z);
        for (let k = 0; k < len; k++) o[base + k * inner] = s[base + k * inner] - lz;
      } else {
        const r = 1 / z;
        for (let k = 0; k < len; k++) o[base + k * inner] *= r;
      }
    }
  return o;
}

/** Variance over `axes` (population, divisor n). */
export function variance(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const d = sub(x, mean(x, axes, true));
  return mean(mul(d, d), axes, keepDims);
}
