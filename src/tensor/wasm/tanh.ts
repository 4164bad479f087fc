/** Elementwise float32 tanh in WebAssembly SIMD (the kernel and its accuracy: tanh-kernel.ts). */
import { kernels, reserve, bytes16, copy } from './runtime.ts';

/** Below this many elements a Math.tanh loop wins (measured: 8 elements 0.9x, 16 elements 1.7x). */
const DEFAULT_MIN_SIZE = 16;
let minSize = DEFAULT_MIN_SIZE;

/**
 * The smallest input sent to WebAssembly (tests set 0); no argument restores the default. The same
 * shape as elementwise.ts's threshold and wrapper: tanh has its own measured threshold.
 */
export function setWasmTanhThreshold(size = DEFAULT_MIN_SIZE): void {
  if (!(size >= 0)) throw new RangeError(`setWasmTanhThreshold: expected a size >= 0, got ${size}`);
  minSize = size;
}

/**
 * dst[i] = tanh(src[i]) for i < src.length (at most 1 ulp from Math.tanh); dst may be src (in place).
 * Returns false (nothing done) when JS should do it.
 */
export function wasmTanh(src: Float32Array, dst: Float32Array): boolean {
  const n = src.length;
  if (n < minSize || n === 0 || dst.length < n) return false;
  const K = kernels();
  if (!K) return false;
  const bytes = bytes16(n);
  if (!reserve(K, 2 * bytes)) return false;
  copy(src, 0, K.f32, 0, n);
  K.tanh(0, bytes, n);
  copy(K.f32, bytes >> 2, dst, 0, n);
  return true;
}
