/** Shape ops: broadcasting and its adjoint, reshape, transpose, concat, slice, gathers. */
import { Tensor, record, allocData, sizeOf, shapeStr, type Shape, type Data } from '../tensor.ts';
import { broadcastInto, broadcastShapes, stridesOf, stridedCopy, sumAxis, splitAt } from '../kernels.ts';

/**
 * dst[dOff..dOff+len) = src[sOff..sOff+len). Short runs copy in a loop: a subarray view per run
 * costs more than the copy itself (slice, concat and their adjoints copy one short run per row:
 * a [100, 2] slice into [100, 1] made 100 views; issue 12, per-op overhead at small sizes).
 */
function copyRun(src: Data, sOff: number, dst: Data, dOff: number, len: number): void {
  if (len < 64) for (let i = 0; i < len; i++) dst[dOff + i] = src[sOff + i];
  else dst.set(src.subarray(sOff, sOff + len), dOff);
}

/** Normalise a possibly negative axis, with an error naming the op. */
export function axisOf(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const s = broadcastShapes(x.shape, shape);
  if (!s || !sameShape(s, shape)) {
    throw new RangeError(`broadcastTo: cannot broadcast shape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
  }
  const o = allocData(x.dtype, sizeOf(shape));
  broadcastInto(x.data, x.shape, o, shape);
  return record('broadcastTo', new Tensor(o, shape), [x], (g) => [sumTo(g, x.shape)]);
}

/** Sum `x` down to `shape` (the adjoint of broadcasting to x's shape). */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.rank - shape.length;
  let data = x.data;
  const cur = x.shape.slice();
  // Reduce axes from the last to the first so earlier axis numbers stay valid.
  for (let ax = x.rank - 1; ax >= 0; ax--) {
    const target = ax < lead ? 1 : shape[ax - lead];
    if (cur[ax] === target) continue;
    if (target !== 1) {
      throw new RangeError(`sumTo: cannot reduce shape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
    }
    const [outer, len, inner] = splitAt(cur, ax);
    const next = allocData(x.dtype, outer * inner);
    sumAxis(data, next, outer, len, inner);
    data = next;
    cur[ax] = 1;
  }
  if (data === x.data) (data = allocData(x.dtype, x.size)).set(x.data);
  return record('sumTo', new Tensor(data, shape), [x], (g) => [broadcastTo(g, x.shape)]);
}

/** Same data, new shape (one dimension may be -1). Shares the buffer: no copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = shape.slice();
  const unknown = s.indexOf(-1);
  if (unknown >= 0) {
    const known = s.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) {
      throw new RangeError(`reshape: cannot infer -1 in ${shapeStr(shape)} for ${x.size} elements`);
    }
    s[unknown] = x.size / known;
  }
  if (sizeOf(s) !== x.size) {
    throw new RangeError(`reshape: shape ${shapeStr(x.shape)} (${x.size} elements) cannot become ${shapeStr(shape)} (${sizeOf(s)} elements)`);
  }
  if (sameShape(s, x.shape)) return x;
  return record('reshape', new Tensor(x.data, s), [x], (g) => [reshape(g, x.shape)]);
}

/** Permute dimensions (default: reverse them). */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const r = x.rank;
  const p = perm ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (p.length !== r || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new RangeError(`transpose: perm [${p}] is not a permutation of the ${r} axes of ${shapeStr(x.shape)}`);
  }
  const shape = p.map((i) => x.shape[i]);
  const o = allocData(x.dtype, x.size);
  const s = x.data;
  if (r === 2 && p[0] === 1) {
    const [m, n] = x.shape;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) o[j * m + i] = s[i * n + j];
  } else {
    const inStrides = stridesOf(x.shape);
    const st = p.map((i) => inStrides[i]);
    stridedCopy(s, o, st, shape);
  }
  const inv = new Array<number>(r);
  p.forEach((v, i) => (inv[v] = i));
  return record('transpose', new Tensor(o, shape), [x], (g) => [transpose(g, inv)]);
}

export function concat(xs: Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new RangeError('concat: needs at least one tensor');
  const r = xs[0].rank;
  const ax = axisOf('concat', axis, r);
  for (const x of xs) {
    if (x.rank !== r || x.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new RangeError(`concat: shapes ${xs.map((t) => shapeStr(t.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const shape = xs[0].shape.slice();
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const [outer, , inner] = splitAt(shape, ax);
  const dtype = xs.some((x) => x.dtype === 'float64') ? 'float64' : 'float32';
  const o = allocData(dtype, sizeOf(shape));
  const rowOut = shape[ax] * inner;
  let pos = 0;
  for (const x of xs) {
    const w = x.shape[ax] * inner;
    for (let i = 0; i < outer; i++) copyRun(x.data, i * w, o, i * rowOut + pos, w);
    pos += w;
  }
  return record('concat', new Tensor(o, shape), xs, (g) => {
    let start = 0;
    return xs.map((x) => {
      const part = slice(g, ax, start, start + x.shape[ax]);
      start += x.shape[ax];
      return part;
    });
  });
}

/** Elements start..end-1 along one axis. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axisOf('slice', axis, x.rank);
  const len = x.shape[ax];
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= len)) {
    throw new RangeError(`slice: range [${start}, ${end}) is not inside axis ${ax} of length ${len} (shape ${shapeStr(x.shape)})`);
  }
  const [outer, , inner] = splitAt(x.shape, ax);
  const shape = x.shape.slice();
  shape[ax] = end - start;
  const o = allocData(x.dtype, sizeOf(shape));
  const w = (end - start) * inner;
  for (let i = 0; i < outer; i++) {
    const src = i * len * inner + start * inner;
    copyRun(x.data, src, o, i * w, w);
  }
  return record('slice', new Tensor(o, shape), [x], (g) => [padAxis(g, ax, start, len)]);
}

/** The adjoint of slice: place `x` at offset `start` of a zero tensor with `len` along `axis`. */
export function padAxis(x: Tensor, axis: number, start: number, len: number): Tensor {
  const [outer, n, inner] = splitAt(x.shape, axis);
  const shape = x.shape.slice();
  shape[axis] = len;
  const o = allocData(x.dtype, sizeOf(shape));
  const w = n * inner;
  for (let i = 0; i < outer; i++) copyRun(x.data, i * w, o, i * len * inner + start * inner, w);
  return record('padAxis', new Tensor(o, shape), [x], (g) => [slice(g, axis, start, start + n)]);
}

function checkIndices(op: string, indices: ArrayLike<number>, bound: number): void {
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(Number.isInteger(k) && k >= 0 && k < bound)) {
      throw new RangeError(`${op}: index ${k} at position ${i} is outside [0, ${bound})`);
    }
  }
}

/** Select entries along `axis` (like tf.gather / index_select); the result's axis has indices.length entries. */
export function gather(x: Tensor, idx: ArrayLike<number>, axis = 0): Tensor {
  const ax = axisOf('gather', axis, x.rank);
  const indices = Int32Array.from(idx); // owned: the backward pass must not see later changes to the caller's buffer
  const [outer, len, inner] = splitAt(x.shape, ax);
  checkIndices('gather', indices, len);
  const k = indices.length;
  const shape = x.shape.slice();
  shape[ax] = k;
  const o = allocData(x.dtype, outer * k * inner);
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < k; j++) {
      const src = (i * len + indices[j]) * inner;
      copyRun(x.data, src, o, (i * k + j) * inner, inner);
    }
  }
  return record('gather', new Tensor(o, shape), [x], (g) => [scatterAdd(g, indices, ax, len)]);
}

/** The adjoint of gather: rows of `x` added into a zero tensor with `len` entries along `axis`. */
export function scatterAdd(x: Tensor, indices: ArrayLike<number>, axis: number, len: number): Tensor {
  const [outer, k, inner] = splitAt(x.shape, axis);
  const shape = x.shape.slice();
  shape[axis] = len;
  const o = allocData(x.dtype, outer * len * inner);
  const s = x.data;
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < k; j++) {
      const dst = (i * len + indices[j]) * inner,
        src = (i * k + j) * inner;
      for (let c = 0; c < inner; c++) o[dst + c] += s[src + c];
    }
  }
  return record('scatterAdd', new Tensor(o, shape), [x], (g) => [gather(g, indices, axis)]);
}

/**
 * out[..., j, ...] = x[..., indices[..., j, ...], ...]: one index per output position along `axis`
 * (NumPy's take_along_axis). The common use: log-probabilities of taken actions, x [B, A], indices [B, 1].
 */
export function takeAlongAxis(x: Tensor, idx: ArrayLike<number>, axis = -1): Tensor {
  const ax = axisOf('takeAlongAxis', axis, x.rank);
  const indices = Int32Array.from(idx); // owned, as in gather
  const [outer, len, inner] = splitAt(x.shape, ax);
  if (indices.length % (outer * inner) !== 0) {
    throw new RangeError(`takeAlongAxis: ${indices.length} indices do not fit ${shapeStr(x.shape)} along axis ${ax}`);
  }
  checkIndices('takeAlongAxis', indices, len);
  const k = indices.length / (outer * inner);
  const shape = x.shape.slice();
  shape[ax] = k;
  const o = allocData(x.dtype, indices.length);
  const s = x.data;
  for (let i = 0; i < outer; i++)
    for (let j = 0; j < k; j++)
      for (let c = 0; c < inner; c++) {
        const p = (i * k + j) * inner + c;
        o[p] = s[(i * len + indices[p]) * inner + c];
      }
  return record('takeAlongAxis', new Tensor(o, shape), [x], (g) => [putAlongAxis(g, indices, ax, len)]);
}

/** The adjoint of takeAlongAxis; the shape of scatterAdd, with one index per element instead of per row. */
export function putAlongAxis(x: Tensor, indices: ArrayLike<number>, axis: number, len: number): Tensor {
  const [outer, k, inner] = splitAt(x.shape, axis);
  const shape = x.shape.slice();
  shape[axis] = len;
  const o = allocData(x.dtype, outer * len * inner);
  const s = x.data;
  for (let i = 0; i < outer; i++)
    for (let j = 0; j < k; j++)
      for (let c = 0; c < inner; c++) {
        const p = (i * k + j) * inner + c;
        o[(i * len + indices[p]) * inner + c] += s[p];
      }
  return record('putAlongAxis', new Tensor(o, shape), [x], (g) => [takeAlongAxis(g, indices, axis)]);
}

/** One-hot rows: indices [n] -> [n, depth] (a constant). */
export function oneHot(indices: ArrayLike<number>, depth: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  checkIndices('oneHot', indices, depth);
  const o = allocData(dtype, indices.length * depth);
  for (let i = 0; i < indices.length; i++) o[i * depth + indices[i]] = 1;
  return new Tensor(o, [indices.length, depth]);
}
