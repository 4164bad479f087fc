/**
 * The WebAssembly SIMD gemm behind kernels.ts's `gemm` for float32 products.
 *
 * A is copied in as stored (the kernel reads op(A) through strides), B is copied in row-major with
 * rows padded to whole vectors (transposed by the module's `pack` when transB), C is computed padded
 * the same way and copied out. k is split into blocks so a block of B stays in cache while all of
 * A's rows use it.
 */
import { kernels, reserve, bytes16, copy, gemmBlocked } from './runtime.ts';

/**
 * Rows of B per k-block: about 128 KiB of B (inside L2) clamped to [64, 256] rows; 256 rows of 64
 * floats is 64 KiB. Measured: 64x4096x64 (transA) runs at ~19 GMAC/s blocked vs ~9 unblocked, and
 * 1024^3 at ~16 with 64-row blocks vs ~9 with 1024-row blocks.
 */
const kBlock = (ld: number) => Math.max(64, Math.min(256, Math.floor(32768 / ld)));
/**
 * Products with fewer multiply-adds than this stay in JS. Measured on the PPO shapes: 1x4x64 (256)
 * and 1x64x2 (128) are faster in JS, 8x8x8 (512) is already 2.5x faster in wasm.
 */
const DEFAULT_MIN_MACS = 512;
let minMacs = DEFAULT_MIN_MACS;

/**
 * The smallest product (m*k*n multiply-adds) sent to WebAssembly; tests set 0 to run every size
 * through it. No argument restores the measured default.
 */
export function setWasmGemmThreshold(macs = DEFAULT_MIN_MACS): void {
  if (!(macs >= 0)) throw new RangeError(`setWasmGemmThreshold: expected a number of multiply-adds >= 0, got ${macs}`);
  minMacs = macs;
}

/** The current threshold (multiply-adds) of the wasm gemm. */
export const wasmGemmThreshold = () => minMacs;

/** An activation applied to C after the product: 0 none, 1 relu (kernels.ts's reluInto), 2 tanh. */
export type GemmActivation = 0 | 1 | 2;

/**
 * C[m,n] (+)= op(A) @ op(B) in WebAssembly, with kernels.ts's `gemm` argument conventions, then
 * C = act(C) elementwise over the output. With `bias` (n values), C := 1 bias + op(A) op(B) (the
 * accumulators start from the bias row; `accumulate` is then ignored).
 * Returns false (having done nothing) when the call should take the JS path instead. Its parameter
 * list repeats gemm's on purpose (positional, no argument object per call).
 */
export function wasmGemm(
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  act: GemmActivation = 0,
  bias?: Float32Array,
): boolean {
  if (m * k * n < minMacs || m * k * n === 0) return false;
  const K = kernels();
  if (!K) return false;
  const ld = (n + 3) & ~3; // padded row length of B and C
  const padded = ld !== n;
  const aBytes = bytes16(m * k),
    bBytes = bytes16(k * ld),
    cBytes = bytes16(m * ld);
  const rawBytes = transB || padded ? bytes16(Math.max(k * n, m * n)) : 0;
  const aPtr = 0,
    bPtr = aBytes,
    cPtr = bPtr + bBytes,
    rawPtr = cPtr + cBytes,
    biasPtr = rawPtr + rawBytes;
  if (!reserve(K, biasPtr + (bias ? bytes16(ld) : 0))) return false;
  const f32 = K.f32;
  if (bias) {
    accumulate = false;
    copy(bias, 0, f32, biasPtr >> 2, n);
    f32.fill(0, (biasPtr >> 2) + n, (biasPtr >> 2) + ld);
  }

  copy(A, aOff, f32, aPtr >> 2, m * k);
  if (!transB && !padded) copy(B, bOff, f32, bPtr >> 2, k * n);
  else {
    copy(B, bOff, f32, rawPtr >> 2, k * n);
    // B stored [k,n] (rs = n, cs = 1) or [n,k] when transB (rs = 1, cs = k).
    K.pack(rawPtr, transB ? 4 : 4 * n, transB ? 4 * k : 4, bPtr, 4 * ld, k, n);
  }
  if (accumulate) {
    if (!padded) copy(C, cOff, f32, cPtr >> 2, m * n);
    else {
      copy(C, cOff, f32, rawPtr >> 2, m * n);
      K.pack(rawPtr, 4 * n, 4, cPtr, 4 * ld, m, n);
    }
  }

  // op(A)(i, p) is A[i*k + p], or A[p*m + i] when transA.
  const aRow = transA ? 4 : 4 * k,
    aCol = transA ? 4 * m : 4;
  // The first k-block starts from C (accumulate), the bias row, or zero; later blocks from C. Then
  // the activation while C is still in wasm memory (the pad columns are computed and dropped).
  gemmBlocked(
    K,
    aPtr,
    aRow,
    aCol,
    bPtr,
    4 * ld,
    cPtr,
    4 * ld,
    m,
    4 * ld,
    k,
    kBlock(ld),
    accumulate || bias ? 1 : 0,
    bias ? biasPtr : cPtr,
    bias ? 0 : 4 * ld,
    act,
  );
  if (!padded) copy(f32, cPtr >> 2, C, cOff, m * n);
  else {
    K.pack(cPtr, 4 * ld, 4, rawPtr, 4 * n, m, n);
    copy(f32, rawPtr >> 2, C, cOff, m * n);
  }
  return true;
}

/**
 * The backward of a fused layer y = act(x w + b) (ops/linalg.ts's linearAct) in one visit to wasm
 * memory: dz = act'(y) g, then dx = dz w^T, dw = x^T dz and db = column sums of dz, with dz never
 * leaving wasm memory (the composed ops copy it out once and back in three times). x [n, k], w [k, m],
 * y and g [n, m]; act 1 relu, 2 tanh. The products, their k-blocks and the sums are the same as the
 * composed path's (matmul, reluBackward / tanhBackward, sum), so the results are bit for bit equal.
 * Outputs given as null are not computed. Returns false (nothing done) when the composed path
 * should run: kernels off, m not a multiple of 4, or any step below its wasm threshold.
 */
export function wasmDenseBackward(
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  g: Float32Array,
  n: number,
  k: number,
  m: number,
  act: 1 | 2,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  minElements: number,
): boolean {
  if (m % 4 !== 0 || n * m < minElements || n * k * m < minMacs || n * k * m === 0) return false;
  const K = kernels();
  if (!K) return false;
  const ldk = (k + 3) & ~3;
  const nm = bytes16(n * m);
  const yPtr = 0,
    dzPtr = nm,
    wRaw = 2 * nm,
    wPacked = wRaw + bytes16(k * m),
    dxPtr = wPacked + bytes16(m * ldk);
  const dxRaw = dxPtr + bytes16(n * ldk),
    xPtr = dxRaw + bytes16(n * k),
    dwPtr = xPtr + bytes16(n * k),
    dbPtr = dwPtr + bytes16(k * m);
  if (!reserve(K, dbPtr + bytes16(m))) return false;
  const f32 = K.f32;
  copy(y, 0, f32, yPtr >> 2, n * m);
  copy(g, 0, f32, dzPtr >> 2, n * m);
  if (act === 1) K.reluBackward(yPtr, dzPtr, dzPtr, n * m);
  else K.tanhBackward(yPtr, dzPtr, dzPtr, n * m);
  if (dx) {
    // dx [n, k] = dz [n, m] w^T: w stored [k, m] is op(B) transposed; packed to [m, ldk].
    copy(w, 0, f32, wRaw >> 2, k * m);
    K.pack(wRaw, 4, 4 * m, wPacked, 4 * ldk, m, k);
    gemmBlocked(K, dzPtr, 4 * m, 4, wPacked, 4 * ldk, dxPtr, 4 * ldk, n, 4 * ldk, m, kBlock(ldk), 0, dxPtr, 4 * ldk, 0);
    if (ldk === k) copy(f32, dxPtr >> 2, dx, 0, n * k);
    else {
      K.pack(dxPtr, 4 * ldk, 4, dxRaw, 4 * k, n, k);
      copy(f32, dxRaw >> 2, dx, 0, n * k);
    }
  }
  if (dw) {
    // dw [k, m] = x^T dz: x stored [n, k] read transposed (row stride 4, column stride 4k).
    copy(x, 0, f32, xPtr >> 2, n * k);
    gemmBlocked(K, xPtr, 4, 4 * k, dzPtr, 4 * m, dwPtr, 4 * m, k, 4 * m, n, kBlock(m), 0, dwPtr, 4 * m, 0);
    copy(f32, dwPtr >> 2, dw, 0, k * m);
  }
  if (db) {
    K.colsum(dzPtr, dbPtr, n, 4 * m);
    copy(f32, dbPtr >> 2, db, 0, m);
  }
  return true;
}

/**
 * The backward of an affine layer y = x w + b (ops/linalg.ts's linear) in one visit to wasm memory:
 * dx = g w^T, dw = x^T g, db = column sums of g, for any output width m (a policy's 2 logits, a
 * value's 1): g's rows are padded to whole vectors with zeros, so dx's inner sums gain only + 0
 * terms and dw and db are the composed path's products and sums (matmul, matmul, sum), bit for bit
 * (a sum that is exactly -0 may come out +0). x [n, k], w [k, m], g [n, m]; outputs given as null
 * are not computed. Returns false (nothing done) when the composed path should run.
 */
export function wasmLinearBackward(
  x: Float32Array,
  w: Float32Array,
  g: Float32Array,
  n: number,
  k: number,
  m: number,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
): boolean {
  if (n * k * m < minMacs || n * k * m === 0) return false;
  const K = kernels();
  if (!K) return false;
  const ldm = (m + 3) & ~3,
    ldk = (k + 3) & ~3;
  const gRaw = 0,
    gPtr = gRaw + bytes16(n * m),
    wRaw = gPtr + bytes16(n * ldm),
    wPacked = wRaw + bytes16(k * m),
    dxPtr = wPacked + bytes16(ldm * ldk),
    raw = dxPtr + bytes16(n * ldk),
    xPtr = raw + bytes16(Math.max(n * k, k * m)),
    dwPtr = xPtr + bytes16(n * k),
    dbPtr = dwPtr + bytes16(k * ldm);
  if (!reserve(K, dbPtr + bytes16(ldm))) return false;
  const f32 = K.f32;
  copy(g, 0, f32, gRaw >> 2, n * m);
  if (ldm === m) copy(g, 0, f32, gPtr >> 2, n * m);
  else K.pack(gRaw, 4 * m, 4, gPtr, 4 * ldm, n, m);
  if (dx) {
    // dx [n, k] = g [n, ldm] w^T: w^T packed to [ldm, ldk], its pad rows zero.
    copy(w, 0, f32, wRaw >> 2, k * m);
    K.pack(wRaw, 4, 4 * m, wPacked, 4 * ldk, m, k);
    f32.fill(0, (wPacked >> 2) + m * ldk, (wPacked >> 2) + ldm * ldk);
    gemmBlocked(K, gPtr, 4 * ldm, 4, wPacked, 4 * ldk, dxPtr, 4 * ldk, n, 4 * ldk, ldm, kBlock(ldk), 0, dxPtr, 4 * ldk, 0);
    if (ldk === k) copy(f32, dxPtr >> 2, dx, 0, n * k);
    else {
      K.pack(dxPtr, 4 * ldk, 4, raw, 4 * k, n, k);
      copy(f32, raw >> 2, dx, 0, n * k);
    }
  }
  if (dw) {
    // dw [k, m] = x^T g: x stored [n, k] read transposed; computed [k, ldm], then unpadded.
    copy(x, 0, f32, xPtr >> 2, n * k);
    gemmBlocked(K, xPtr, 4, 4 * k, gPtr, 4 * ldm, dwPtr, 4 * ldm, k, 4 * ldm, n, kBlock(ldm), 0, dwPtr, 4 * ldm, 0);
    if (ldm === m) copy(f32, dwPtr >> 2, dw, 0, k * m);
    else {
      K.pack(dwPtr, 4 * ldm, 4, raw, 4 * m, k, m);
      copy(f32, raw >> 2, dw, 0, k * m);
    }
  }
  if (db) {
    K.colsum(gPtr, dbPtr, n, 4 * ldm);
    copy(f32, dbPtr >> 2, db, 0, m);
  }
  return true;
}
