/**
 * The one kernel instance: built and instantiated synchronously on first use (the module is a few
 * KiB), its memory kept between calls and grown on demand. Off when WebAssembly SIMD does not
 * validate, when ASCENT_WASM=0 is in the environment, or after setWasmKernels(false).
 */
import { buildKernelModule, type GemmShape } from './gemm-kernel.ts';
import { GemmThreadPool, blockedGemm, threadsUnavailable, type GemmExports } from './threads.ts';

type GemmFn = GemmExports['gemm'];
type PackFn = (src: number, rs: number, cs: number, dst: number, ld: number, rows: number, cols: number) => void;
type TanhFn = (src: number, dst: number, n: number) => void;
type ReluBackwardFn = (y: number, g: number, dst: number, n: number) => void;
type AdamFn = (
  p: number,
  g: number,
  m: number,
  v: number,
  n: number,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  stepSize: number,
  rc2: number,
  eps: number,
  decay: number,
) => void;
type PolyakFn = (t: number, s: number, n: number, tau: number) => void;

/** The exports of one instance of the kernel module (see gemm-kernel.ts and elementwise-kernel.ts). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  gemm: GemmFn;
  pack: PackFn;
  tanh: TanhFn;
  relu: TanhFn;
  reluBackward: ReluBackwardFn;
  adam: AdamFn;
  polyak: PolyakFn;
  colsum: (src: number, dst: number, rows: number, rowBytes: number) => void;
  tanhBackward: ReluBackwardFn;
  transpose: (src: number, srcRow: number, dst: number, dstRow: number, rows: number, cols: number) => void;
  add: (a: number, b: number, dst: number, n: number) => void;
}

export interface Kernels extends KernelExports {
  /** A view of the memory, renewed when it grows (see `reserve`). */
  f32: Float32Array;
  fma: boolean;
  /** The compiled module with its own memory, for private instances (e.g. an optimizer's resident state). */
  module: WebAssembly.Module;
  /** The register tile the module was built with (a shared-memory variant must match it: pair.ts). */
  tile: GemmShape;
  /** Worker threads sharing this instance's memory (setGemmThreads), or null. */
  pool: GemmThreadPool | null;
}

/** Beyond this the kernels' memory would be too large to keep around: callers use JS. */
const MAX_BYTES = 1 << 30;

let instance: Kernels | null | undefined; // undefined: not built yet; null: unavailable
let unavailable = '';
let enabled = !envDisabled('ASCENT_WASM');
let fmaWanted = !envDisabled('ASCENT_WASM_RELAXED');
let fmaVia: 'runtime' | 'v8 flag' | undefined;
let threads = envThreads();
let threadsReason = '';
/** 1 GiB of 64 KiB pages: the maximum of a shared memory (MAX_BYTES). */
const MAX_PAGES = 16384;

function envThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.ASCENT_THREADS ?? 1);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : 1;
}

function envDisabled(name: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.[name];
  return v === '0' || v === 'false' || v === 'off';
}

/**
 * Node 20 (V8 11.3) implements relaxed SIMD behind --experimental-wasm-relaxed-simd; V8 11.4 shipped
 * it on by default (Chrome 114, Node 21+). Under V8 11.x this sets the flag (it only admits the
 * standard relaxed-SIMD opcodes; measured: gemm at 256x256x256 from 18 to 24.5 GMAC/s on the
 * 2-core EPYC). Opt out with ASCENT_WASM_RELAXED=0. Returns whether the flag was set.
 */
function enableRelaxedSimdFlag(): boolean {
  const proc = (globalThis as { process?: { versions?: { v8?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!/^11\./.test(proc?.versions?.v8 ?? '')) return false;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (typeof v8?.setFlagsFromString !== 'function') return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

function tryBuild(tile: GemmShape): Kernels | null {
  const bytes = buildKernelModule(tile);
  if (!WebAssembly.validate(bytes)) return null;
  const module = new WebAssembly.Module(bytes);
  let e = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  // With threads: the main instance over a shared memory that worker instances of the same
  // (memory-importing) module also use; private instances keep the plain module.
  let pool: GemmThreadPool | null = null;
  threadsReason = '';
  if (threads > 1) {
    const why = threadsUnavailable();
    if (why) threadsReason = why;
    else {
      try {
        const sharedModule = new WebAssembly.Module(buildKernelModule(tile, MAX_PAGES));
        const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
        e = new WebAssembly.Instance(sharedModule, { env: { memory } }).exports as unknown as KernelExports;
        pool = new GemmThreadPool(sharedModule, memory, threads);
      } catch (err) {
        threadsReason = `starting the gemm threads failed: ${(err as Error).message}`;
      }
    }
  }
  return {
    pool,
    memory: e.memory,
    f32: new Float32Array(e.memory.buffer),
    gemm: e.gemm,
    pack: e.pack,
    tanh: e.tanh,
    relu: e.relu,
    reluBackward: e.reluBackward,
    adam: e.adam,
    polyak: e.polyak,
    colsum: e.colsum,
    tanhBackward: e.tanhBackward,
    transpose: e.transpose,
    add: e.add,
    fma: tile.fma,
    module,
    tile,
  };
}

function build(): Kernels | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
    unavailable = 'no WebAssembly';
    return null;
  }
  try {
    // Relaxed-SIMD fma where the engine has it (after setting V8 11's flag), else plain SIMD mul + add.
    const fma = { mr: 4, nv: 2, fma: true };
    let k: Kernels | null = null;
    fmaVia = undefined;
    if (fmaWanted) {
      k = tryBuild(fma);
      if (k) fmaVia = 'runtime';
      else if (enableRelaxedSimdFlag() && (k = tryBuild(fma))) fmaVia = 'v8 flag';
    }
    k ??= tryBuild({ mr: 4, nv: 2, fma: false });
    if (!k) unavailable = 'WebAssembly SIMD is not supported here';
    return k;
  } catch (err) {
    unavailable = `building the wasm kernels failed: ${(err as Error).message}`;
    return null;
  }
}

/**
 * Run the gemm on `n` threads (1: off, the default unless ASCENT_THREADS=n) for products of at
 * least setGemmThreadThreshold's size: the main thread and n - 1 worker threads share the kernels'
 * memory (threads.ts). Returns the previous count. The kernels are rebuilt on next use.
 */
export function setGemmThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`setGemmThreads: expected an integer number of threads in [1, 64], got ${n}`);
  const prev = threads;
  if (n !== prev) {
    instance?.pool?.close();
    instance = undefined;
  }
  threads = n;
  return prev;
}

/**
 * Products with fewer multiply-adds stay on one thread. Measured (bench/engine-threads.ts, 2-core
 * EPYC at load ~10, 2026-11-26): 2 threads cost 2.4x the CPU at 64^3 and 1.2x at 128^3, broke
 * even near 256^3 (wall 0.94x, CPU 0.95x) and paid from 384^3 (wall 1.2x, CPU 1.0x). 2^24 is
 * 256^3, SAC's HalfCheetah hidden layer at batch 256.
 */
const DEFAULT_THREAD_MACS = 1 << 24;
let threadMacs = DEFAULT_THREAD_MACS;

/** The smallest product (m*k*n multiply-adds) split over threads; no argument restores the default. */
export function setGemmThreadThreshold(macs = DEFAULT_THREAD_MACS): void {
  if (!(macs >= 0)) throw new RangeError(`setGemmThreadThreshold: expected a number of multiply-adds >= 0, got ${macs}`);
  threadMacs = macs;
}

/** Threads ready to take a band of a large gemm now (1 without threads; workers start asynchronously). */
export function gemmThreadsReady(): number {
  return kernels()?.pool?.readyThreads() ?? 1;
}

/** Whether a product of `macs` multiply-adds would be split over threads now. */
export function gemmThreadsFor(macs: number): boolean {
  return threads > 1 && macs >= threadMacs && (instance === undefined || instance?.pool != null);
}

/**
 * gemm.ts's blocked product (k-blocks of kb, the first from init/initRow0 when load0, then act over
 * C's rows) on the kernels' instance: split in row bands over the threads when it is large enough.
 * Its positional parameters repeat in GemmThreadPool.run and blockedGemm on purpose: a call per gemm
 * passes them without building an argument object.
 */
export function gemmBlocked(
  K: Kernels,
  a: number,
  aRow: number,
  aCol: number,
  b: number,
  bRow: number,
  c: number,
  cRow: number,
  m: number,
  nBytes: number,
  k: number,
  kb: number,
  load0: number,
  init0: number,
  initRow0: number,
  act: number,
): void {
  if (K.pool && m >= 8 && m * k * (nBytes >> 2) >= threadMacs) K.pool.run(K, a, aRow, aCol, b, bRow, c, cRow, m, nBytes, k, kb, load0, init0, initRow0, act);
  else blockedGemm(K, a, aRow, aCol, b, bRow, c, cRow, m, nBytes, k, kb, load0, init0, initRow0, act);
}

/** Whether the WebAssembly kernels are in use (kernelInfo().path === 'wasm-simd', without building a report). */
export function wasmKernelsOn(): boolean {
  return kernels() !== null;
}

/** The kernels, or null when the JS path should be taken. */
export function kernels(): Kernels | null {
  if (!enabled) return null;
  if (instance === undefined) instance = build();
  return instance;
}

/**
 * A separate instance of the kernel module with its own memory of at least `bytes` (for state that
 * stays in WebAssembly memory between calls, such as Adam's moments), or null on the JS path.
 */
export function privateKernels(bytes: number): KernelExports | null {
  const k = kernels();
  if (!k || bytes > MAX_BYTES) return null;
  try {
    const e = new WebAssembly.Instance(k.module, {}).exports as unknown as KernelExports;
    const have = e.memory.buffer.byteLength;
    if (have < bytes) e.memory.grow(Math.ceil((bytes - have) / 65536));
    return e;
  } catch {
    return null;
  }
}

/**
 * The kernel module with an imported shared memory of up to 1 GiB (MAX_BYTES), built with the
 * main instance's tile (so its arithmetic is the same), for pair.ts; null on the JS path.
 */
export function sharedKernelModule(): { module: WebAssembly.Module; maxPages: number } | null {
  const k = kernels();
  if (!k) return null;
  if (sharedModule?.tile !== k.tile) sharedModule = { tile: k.tile, module: new WebAssembly.Module(buildKernelModule(k.tile, MAX_PAGES)) };
  return { module: sharedModule.module, maxPages: MAX_PAGES };
}
let sharedModule: { tile: GemmShape; module: WebAssembly.Module } | undefined;

/** Ensures the memory holds `bytes`; false when that is more than the kernels should keep. */
export function reserve(k: Kernels, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = k.memory.buffer.byteLength;
  if (have < bytes) {
    try {
      k.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false; // the engine refused the memory: the JS path needs none
    }
    k.f32 = new Float32Array(k.memory.buffer);
  }
  return true;
}

/**
 * Turn the WebAssembly kernels on or off (on by default unless ASCENT_WASM=0 in the environment).
 * Returns the previous setting, so that a caller can restore it.
 */
export function setWasmKernels(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

/**
 * Use the relaxed-SIMD multiply-add gemm when the runtime has it (the default unless
 * ASCENT_WASM_RELAXED=0), or the plain SIMD one; the kernels are rebuilt on next use. Returns the
 * previous setting. Both compute within the same float32 error bound; fma rounds once per step.
 */
export function setWasmFma(on: boolean): boolean {
  const prev = fmaWanted;
  if (on !== prev) instance = undefined;
  fmaWanted = on;
  return prev;
}

export interface KernelInfo {
  /** 'wasm-simd' when large float32 gemms and tanh run in WebAssembly, else 'js'. */
  path: 'wasm-simd' | 'js';
  /** Relaxed-SIMD fused multiply-add in use. */
  fma: boolean;
  /** How relaxed SIMD was had: on by default in the runtime, or by setting V8 11's flag (Node 20). */
  fmaVia?: 'runtime' | 'v8 flag';
  /** Why the path is 'js', if it is. */
  reason?: string;
  /** Threads the large gemms run on (1: one). */
  threads: number;
  /** Why fewer threads run than were asked for, if so. */
  threadsReason?: string;
}

/** Which kernel path is active (for reports and benches). */
export function kernelInfo(): KernelInfo {
  if (!enabled) return { path: 'js', fma: false, reason: 'disabled (setWasmKernels(false) or ASCENT_WASM=0)', threads: 1 };
  const k = kernels();
  if (!k) return { path: 'js', fma: false, reason: unavailable, threads: 1 };
  const t = k.pool ? { threads: k.pool.threads } : threads > 1 ? { threads: 1, threadsReason } : { threads: 1 };
  return k.fma ? { path: 'wasm-simd', fma: true, fmaVia, ...t } : { path: 'wasm-simd', fma: false, ...t };
}

/** Byte size of `n` floats rounded up to 16 (keeps every region vector-aligned). */
export const bytes16 = (n: number) => ((n * 4 + 15) >> 4) << 4;

/**
 * dst[dOff + i] = src[sOff + i] for i < len. Short runs use a loop: a subarray view per copy costs
 * more than the copy itself and adds garbage to every small call.
 */
export function copy(src: Float32Array, sOff: number, dst: Float32Array, dOff: number, len: number): void {
  if (len < 512) {
    for (let i = 0; i < len; i++) dst[dOff + i] = src[sOff + i];
  } else if (sOff === 0 && len === src.length) {
    dst.set(src, dOff);
  } else {
    dst.set(src.subarray(sOff, sOff + len), dOff);
  }
}
