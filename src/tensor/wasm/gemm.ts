/**
 * The WebAssembly SIMD gemm behind kernels.ts's `gemm` for large float32 products.
 *
 * The kernel runs in its own memory, kept between calls and grown on demand: A is copied in as
 * stored (the kernel reads op(A) through strides), B is copied in row-major with rows padded to
 * whole vectors (transposed by the module's `pack` when transB), C is computed padded the same way
 * and copied out. k is split into blocks so a block of B stays in cache while all of A's rows use it.
 */
import { buildGemmModule, type GemmShape } from './gemm-module.ts';

type GemmFn = (a: number, aRow: number, aCol: number, b: number, bRow: number, c: number, cRow: number,
  m: number, nBytes: number, k: number, load: number) => void;
type PackFn = (src: number, rs: number, cs: number, dst: number, ld: number, rows: number, cols: number) => void;

interface Instance {
  memory: WebAssembly.Memory;
  /** A view of the memory, renewed when it grows. */
  f32: Float32Array;
  gemm: GemmFn;
  pack: PackFn;
  fma: boolean;
}

/** Rows of B per k-block: 256 rows of 64 floats is 64 KiB, well inside L2. */
export const K_BLOCK = 256;
/** Products with fewer multiply-adds than this stay in JS, where the copies and the call cost more than they save. */
const DEFAULT_MIN_MACS = 512;
let minMacs = DEFAULT_MIN_MACS;
/** Beyond this the kernel's memory would be too large to keep around: use JS. */
const MAX_BYTES = 1 << 30;

let instance: Instance | null | undefined; // undefined: not built yet; null: unavailable
let unavailable = '';
let enabled = !envDisabled();

function envDisabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.ASCENT_WASM;
  return v === '0' || v === 'false' || v === 'off';
}

function tryBuild(tile: GemmShape): Instance | null {
  const bytes = buildGemmModule(tile);
  if (!WebAssembly.validate(bytes)) return null;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const e = inst.exports as unknown as { memory: WebAssembly.Memory; gemm: GemmFn; pack: PackFn };
  return { memory: e.memory, f32: new Float32Array(e.memory.buffer), gemm: e.gemm, pack: e.pack, fma: tile.fma };
}

function getInstance(): Instance | null {
  if (instance !== undefined) return instance;
  instance = null;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
    unavailable = 'no WebAssembly';
    return null;
  }
  try {
    instance = tryBuild({ mr: 4, nv: 2, fma: true }) ?? tryBuild({ mr: 4, nv: 2, fma: false });
    if (!instance) unavailable = 'WebAssembly SIMD is not supported here';
  } catch (err) {
    unavailable = `building the wasm kernels failed: ${(err as Error).message}`;
  }
  return instance;
}

/** Turn the WebAssembly kernels on or off (on by default unless ASCENT_WASM=0 in the environment). */
export function setWasmKernels(on: boolean): void {
  enabled = on;
}

/**
 * The smallest product (m*k*n multiply-adds) sent to WebAssembly; tests set 0 to run every size
 * through it. No argument restores the measured default.
 */
export function setWasmGemmThreshold(macs = DEFAULT_MIN_MACS): void {
  if (!(macs >= 0)) throw new RangeError(`setWasmGemmThreshold: expected a number of multiply-adds >= 0, got ${macs}`);
  minMacs = macs;
}

export interface KernelInfo {
  /** 'wasm-simd' when large float32 gemms run in WebAssembly, else 'js'. */
  path: 'wasm-simd' | 'js';
  /** Relaxed-SIMD fused multiply-add in use. */
  fma: boolean;
  /** Why the path is 'js', if it is. */
  reason?: string;
}

/** Which gemm path is active (for reports and benches). */
export function kernelInfo(): KernelInfo {
  if (!enabled) return { path: 'js', fma: false, reason: 'disabled (setWasmKernels(false) or ASCENT_WASM=0)' };
  const inst = getInstance();
  if (!inst) return { path: 'js', fma: false, reason: unavailable };
  return { path: 'wasm-simd', fma: inst.fma };
}

/** Byte size of `n` floats rounded up to 16 (keeps every region vector-aligned). */
const bytes16 = (n: number) => ((n * 4 + 15) >> 4) << 4;

/**
 * C[m,n] (+)= op(A) @ op(B) in WebAssembly, with kernels.ts's `gemm` argument conventions.
 * Returns false (having done nothing) when the call should take the JS path instead.
 */
export function wasmGemm(
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean,
): boolean {
  if (!enabled || m * k * n < minMacs) return false;
  const inst = getInstance();
  if (!inst) return false;
  const ld = (n + 3) & ~3; // padded row length of B and C
  const padded = ld !== n;
  const aBytes = bytes16(m * k), bBytes = bytes16(k * ld), cBytes = bytes16(m * ld);
  const rawBytes = transB || padded ? bytes16(Math.max(k * n, m * n)) : 0;
  const aPtr = 0, bPtr = aBytes, cPtr = bPtr + bBytes, rawPtr = cPtr + cBytes;
  const total = rawPtr + rawBytes;
  if (total > MAX_BYTES) return false;
  const mem = inst.memory;
  if (mem.buffer.byteLength < total) {
    mem.grow(Math.ceil((total - mem.buffer.byteLength) / 65536));
    inst.f32 = new Float32Array(mem.buffer);
  }
  const f32 = inst.f32;

  f32.set(A.subarray(aOff, aOff + m * k), aPtr >> 2);
  if (!transB && !padded) f32.set(B.subarray(bOff, bOff + k * n), bPtr >> 2);
  else {
    f32.set(B.subarray(bOff, bOff + k * n), rawPtr >> 2);
    // B stored [k,n] (rs = n, cs = 1) or [n,k] when transB (rs = 1, cs = k).
    inst.pack(rawPtr, transB ? 4 : 4 * n, transB ? 4 * k : 4, bPtr, 4 * ld, k, n);
  }
  if (accumulate) {
    if (!padded) f32.set(C.subarray(cOff, cOff + m * n), cPtr >> 2);
    else {
      f32.set(C.subarray(cOff, cOff + m * n), rawPtr >> 2);
      inst.pack(rawPtr, 4 * n, 4, cPtr, 4 * ld, m, n);
    }
  }

  // op(A)(i, p) is A[i*k + p], or A[p*m + i] when transA.
  const aRow = transA ? 4 : 4 * k, aCol = transA ? 4 * m : 4;
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const kc = Math.min(K_BLOCK, k - p0);
    inst.gemm(aPtr + p0 * aCol, aRow, aCol, bPtr + p0 * 4 * ld, 4 * ld, cPtr, 4 * ld, m, 4 * ld, kc, accumulate || p0 > 0 ? 1 : 0);
  }

  if (!padded) C.set(f32.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOff);
  else {
    inst.pack(cPtr, 4 * ld, 4, rawPtr, 4 * n, m, n);
    C.set(f32.subarray(rawPtr >> 2, (rawPtr >> 2) + m * n), cOff);
  }
  return true;
}
