/** Elementwise float32 relu and relu-backward in WebAssembly SIMD (the kernels: elementwise-kernel.ts). */
import { kernels, reserve, bytes16, copy } from './runtime.ts';

/**
 * Below this many elements the branchless JS loops of kernels.ts are as fast (the copies in and out
 * of WebAssembly memory cost about as much as the loop). Measured here (ns per element, copies
 * included, JS vs wasm): 256: 2.1 vs 2.1; 512: 1.9 vs 0.4 (backward 2.9 vs 0.5); 65536: 2.0 vs 0.3
 * (backward 3.2 vs 0.5).
 */
const DEFAULT_MIN_SIZE = 512;
let minSize = DEFAULT_MIN_SIZE;

/** The current threshold (elements) of the elementwise kernels. */
export const eltwiseThreshold = () => minSize;

/** The smallest input sent to WebAssembly (tests set 0); no argument restores the default. */
export function setWasmEltwiseThreshold(size = DEFAULT_MIN_SIZE): void {
  if (!(size >= 0)) throw new RangeError(`setWasmEltwiseThreshold: expected a size >= 0, got ${size}`);
  minSize = size;
}

/** dst = relu(src) (dst may be src); false (nothing done) when JS should do it. */
export function wasmRelu(src: Float32Array, dst: Float32Array): boolean {
  const n = src.length;
  if (n < minSize || n === 0 || dst.length < n) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, bytes)) return false;
  copy(src, 0, K.f32, 0, n);
  K.relu(0, 0, n);
  copy(K.f32, 0, dst, 0, n);
  return true;
}

/** dst = relu's backward of g at y (see kernels.ts's reluBackwardInto); false when JS should do it. */
export function wasmReluBackward(y: Float32Array, g: Float32Array, dst: Float32Array): boolean {
  return backwardAtOutput('reluBackward', y, g, dst);
}

/** dst = g (1 - y^2) (tanh's backward at its output y) in float32 arithmetic; false when JS should do it. */
export function wasmTanhBackward(y: Float32Array, g: Float32Array, dst: Float32Array): boolean {
  return backwardAtOutput('tanhBackward', y, g, dst);
}

/** An activation's backward from its output y and gradient g: the kernel reads y and g, writes over g. */
function backwardAtOutput(kernel: 'reluBackward' | 'tanhBackward', y: Float32Array, g: Float32Array, dst: Float32Array): boolean {
  const n = dst.length;
  if (n < minSize || n === 0 || y.length < n || g.length < n) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, 2 * bytes)) return false;
  copy(y, 0, K.f32, 0, n);
  copy(g, 0, K.f32, bytes >> 2, n);
  K[kernel](0, bytes, bytes, n);
  copy(K.f32, bytes >> 2, dst, 0, n);
  return true;
}

/**
 * dst = a + b elementwise (float32 sums, the same bits as JS's float64 sum rounded to float32); false
 * when JS should do it. Three block copies and a SIMD loop: 4096 floats in ~1.5 us where the JS loop
 * takes ~8 (measured on the 2-core EPYC at load 15; the gradient sum of a layer shared by two heads).
 */
export function wasmAdd(a: Float32Array, b: Float32Array, dst: Float32Array): boolean {
  const n = dst.length;
  if (n < minSize || a.length !== n || b.length !== n) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, 2 * bytes)) return false;
  copy(a, 0, K.f32, 0, n);
  copy(b, 0, K.f32, bytes >> 2, n);
  K.add(0, bytes, 0, n);
  copy(K.f32, 0, dst, 0, n);
  return true;
}

/**
 * t += tau (s - t) elementwise (a Polyak average); false (nothing done) when JS should do it. The
 * same copy-in, run, copy-out shape as backwardAtOutput, with another guard and kernel signature.
 */
export function wasmPolyak(t: Float32Array, s: Float32Array, tau: number): boolean {
  const n = t.length;
  if (n < minSize || s.length !== n) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, 2 * bytes)) return false;
  copy(t, 0, K.f32, 0, n);
  copy(s, 0, K.f32, bytes >> 2, n);
  K.polyak(0, bytes, n, tau);
  copy(K.f32, 0, t, 0, n);
  return true;
}

/**
 * dst[j] = sum over rows of src[r * cols + j] for j < cols (the bias gradient of a layer), adding the
 * rows in order (bit-identical to kernels.ts's sumAxis). Needs cols a multiple of 4 (whole vectors
 * per row); false (nothing done) when JS should do it.
 */
export function wasmColSum(src: Float32Array, dst: Float32Array, rows: number, cols: number): boolean {
  const n = rows * cols;
  if (n < minSize || cols % 4 !== 0 || src.length < n || dst.length < cols) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, bytes + 4 * cols)) return false;
  copy(src, 0, K.f32, 0, n);
  K.colsum(0, bytes, rows, 4 * cols);
  copy(K.f32, bytes >> 2, dst, 0, cols);
  return true;
}
