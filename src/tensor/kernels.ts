/**
 * Raw kernels over flat typed arrays: no Tensor objects, no allocation inside loops.
 *
 * Loop orders keep the innermost loop contiguous in memory for every transpose combination, so
 * matmul's backward passes (g @ B^T and A^T @ g) never materialise a transpose.
 */
import type { Data, Shape } from './tensor.ts';
import { wasmGemm, wasmRelu, wasmReluBackward, wasmTanh, wasmColSum, type GemmActivation } from './wasm/index.ts';

/**
 * C[m,n] (+)= op(A)[m,k] @ op(B)[k,n] for one matrix, with offsets into batched buffers, then
 * C = act(C) when `act` is 1 (relu) or 2 (tanh). With `bias` (n values), C := 1 bias + op(A) op(B)
 * before the activation (an affine layer; `accumulate` is then ignored).
 * A is stored [m,k] (or [k,m] when transA), B is stored [k,n] (or [n,k] when transB).
 */
export function gemm(
  A: Data,
  aOff: number,
  B: Data,
  bOff: number,
  C: Data,
  cOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate = false,
  act: GemmActivation = 0,
  bias?: Data,
): void {
  // Large float32 products run in WebAssembly SIMD when available (see wasm/gemm.ts).
  if (
    A instanceof Float32Array &&
    B instanceof Float32Array &&
    C instanceof Float32Array &&
    (bias === undefined || bias instanceof Float32Array) &&
    wasmGemm(A, aOff, B, bOff, C, cOff, m, k, n, transA, transB, accumulate, act, bias)
  )
    return;
  if (bias) {
    const row = bias.length === n ? bias : bias.subarray(0, n);
    for (let i = 0; i < m; i++) C.set(row, cOff + i * n);
    accumulate = true;
  }
  gemmJs(A, aOff, B, bOff, C, cOff, m, k, n, transA, transB, accumulate);
  if (act === 0) return;
  const out = C.subarray(cOff, cOff + m * n);
  if (act === 1) reluInto(out, out);
  else if (!(out instanceof Float32Array && wasmTanh(out, out))) for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]);
}

// Same positional parameters as gemm (and wasmGemm): the hot path builds no argument object.
function gemmJs(
  A: Data,
  aOff: number,
  B: Data,
  bOff: number,
  C: Data,
  cOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, cOff, cOff + m * n);
  if (!transA && !transB) {
    // i-p-j: row i of C accumulates rows of B scaled by A[i,p]. Unrolled by 4 over p.
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * n;
      const ai = aOff + i * k;
      let p = 0;
      for (; p + 3 < k; p += 4) {
        const a0 = A[ai + p],
          a1 = A[ai + p + 1],
          a2 = A[ai + p + 2],
          a3 = A[ai + p + 3];
        const b0 = bOff + p * n,
          b1 = b0 + n,
          b2 = b1 + n,
          b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          C[ci + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
        }
      }
      for (; p < k; p++) {
        const a = A[ai + p];
        const bp = bOff + p * n;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
      }
    }
  } else if (!transA && transB) {
    // Dot products of rows of A with rows of B.
    for (let i = 0; i < m; i++) {
      const ai = aOff + i * k;
      const ci = cOff + i * n;
      for (let j = 0; j < n; j++) {
        const bj = bOff + j * k;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        let p = 0;
        for (; p + 3 < k; p += 4) {
          s0 += A[ai + p] * B[bj + p];
          s1 += A[ai + p + 1] * B[bj + p + 1];
          s2 += A[ai + p + 2] * B[bj + p + 2];
          s3 += A[ai + p + 3] * B[bj + p + 3];
        }
        for (; p < k; p++) s0 += A[ai + p] * B[bj + p];
        C[ci + j] += s0 + s1 + s2 + s3;
      }
    }
  } else if (transA && !transB) {
    // p-i-j: A stored [k,m]; outer products of row p of A and row p of B, two rows at a time.
    let p = 0;
    for (; p + 1 < k; p += 2) {
      const ap = aOff + p * m,
        aq = ap + m;
      const bp = bOff + p * n,
        bq = bp + n;
      for (let i = 0; i < m; i++) {
        const a0 = A[ap + i],
          a1 = A[aq + i];
        const ci = cOff + i * n;
        for (let j = 0; j < n; j++) C[ci + j] += a0 * B[bp + j] + a1 * B[bq + j];
      }
    }
    for (; p < k; p++) {
      const ap = aOff + p * m;
      const bp = bOff + p * n;
      for (let i = 0; i < m; i++) {
        const a = A[ap + i];
        const ci = cOff + i * n;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
      }
    }
  } else {
    // Both transposed (rare): C[i,j] = sum_p A[p,i] B[j,p].
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * n;
      for (let j = 0; j < n; j++) {
        const bj = bOff + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += A[aOff + p * m + i] * B[bj + p];
        C[ci + j] += s;
      }
    }
  }
}

/** Row strides of a shape (elements, row-major). */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The broadcast shape of two shapes (NumPy rules), or null if they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Copy `src` (shape `from`) broadcast to shape `to` into `dst`. */
export function broadcastInto(src: Data, from: Shape, dst: Data, to: Shape): void {
  const n = to.length;
  const size = dst.length;
  if (src.length === size) {
    dst.set(src);
    return;
  }
  if (src.length === 1) {
    dst.fill(src[0]);
    return;
  }
  // Strides of src laid over the output's dimensions (0 where broadcast).
  const fs = stridesOf(from);
  const st = new Array<number>(n).fill(0);
  for (let i = 0; i < from.length; i++) {
    const d = n - from.length + i;
    st[d] = from[i] === 1 ? 0 : fs[i];
  }
  // Tiling a suffix (e.g. a bias row over a batch): repeated block copies.
  let lead = 0;
  while (lead < from.length && from[lead] === 1) lead++;
  let tiled = true;
  for (let i = lead; i < from.length; i++) if (from[i] !== to[n - from.length + i]) tiled = false;
  if (tiled) {
    for (let i = 0; i < size; i += src.length) dst.set(src, i);
    return;
  }
  stridedCopy(src, dst, st, to);
}

/**
 * dst (row-major over `shape`) = src read at strides `st` (one per dimension): an odometer over the
 * output's index that moves the source offset with it. Broadcasting (stride 0) and transposes.
 */
export function stridedCopy(src: Data, dst: Data, st: readonly number[], shape: Shape): void {
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  let off = 0;
  for (let i = 0; i < dst.length; i++) {
    dst[i] = src[off];
    for (let d = n - 1; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < shape[d]) break;
      off -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Sum `src` over one axis: shape viewed as [outer, len, inner] -> [outer, inner]. */
export function sumAxis(src: Data, dst: Data, outer: number, len: number, inner: number): void {
  // Column sums of one matrix (a bias gradient) in WebAssembly SIMD, in the same order as below.
  if (outer === 1 && src instanceof Float32Array && dst instanceof Float32Array && wasmColSum(src, dst, len, inner)) return;
  dst.fill(0);
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * len;
      for (let k = 0; k < len; k++) s += src[base + k];
      dst[o] = s;
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const d0 = o * inner;
    for (let k = 0; k < len; k++) {
      const s0 = (o * len + k) * inner;
      for (let i = 0; i < inner; i++) dst[d0 + i] += src[s0 + i];
    }
  }
}

/** Max over one axis, [outer, len, inner] -> [outer, inner]. */
export function maxAxis(src: Data, dst: Data, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let m = -Infinity;
      for (let k = 0; k < len; k++) {
        const v = src[(o * len + k) * inner + i];
        if (v > m || v !== v) m = v;
      }
      dst[o * inner + i] = m;
    }
  }
}

/** Views shape as [outer, len, inner] around `axis`. */
export function splitAt(shape: Shape, axis: number): [number, number, number] {
  let outer = 1,
    inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/**
 * dst = max(src, 0) elementwise, NaN kept (dst may be src). Float32 runs branchless on the bit
 * patterns: with random signs a branch mispredicts half the time (issue 12 measured 7 ns/element);
 * the integer form takes ~1/3 of that.
 */
export function reluInto(src: Data, dst: Data): void {
  const n = dst.length;
  if (src instanceof Float32Array && dst instanceof Float32Array && wasmRelu(src, dst)) return;
  if (src instanceof Float32Array && dst instanceof Float32Array && n >= 64) {
    const si = new Int32Array(src.buffer, src.byteOffset, n),
      di = new Int32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const b = si[i];
      const nan = (0x7f800000 - (b & 0x7fffffff)) >> 31; // -1 where NaN (magnitude bits above +Inf's)
      di[i] = b & ~((b >> 31) & ~nan); // clear negatives (and -0) unless NaN
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = src[i];
    dst[i] = v <= 0 ? 0 : v; // false for NaN: NaN passes
  }
}

/** dst = g where x > 0, 0 where x <= 0, NaN where x is NaN (relu's backward). Branchless for float32, as reluInto. */
export function reluBackwardInto(x: Data, g: Data, dst: Data): void {
  const n = dst.length;
  if (x instanceof Float32Array && g instanceof Float32Array && dst instanceof Float32Array && wasmReluBackward(x, g, dst)) return;
  if (x instanceof Float32Array && g instanceof Float32Array && dst instanceof Float32Array && n >= 64) {
    const xi = new Int32Array(x.buffer, x.byteOffset, n),
      gi = new Int32Array(g.buffer, g.byteOffset, n);
    const di = new Int32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const b = xi[i];
      const nan = (0x7f800000 - (b & 0x7fffffff)) >> 31; // -1 where x is NaN
      const pos = ((-b & ~b) >> 31) & ~nan; // -1 where 0 < bits, i.e. x > 0 (not -0, whose -b overflows)
      di[i] = (gi[i] & pos) | (b & nan);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i];
    dst[i] = v > 0 ? g[i] : v <= 0 ? 0 : v;
  }
}
