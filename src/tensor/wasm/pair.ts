/**
 * Two networks at once on two threads (issue 12: the second core at SAC's sizes). SAC's twin
 * critics, and their targets, are independent networks on the same input; splitting each of their
 * gemms in bands (threads.ts) only paid above 256^3, but giving one whole network to each thread
 * hands a worker one job per forward or backward instead of one per product.
 *
 * Both networks' kernels (wasm/mlp.ts in host mode) live in one shared WebAssembly memory, carved
 * into regions by `alloc`. A forward or backward has three phases: load (copies from JS arrays and
 * packing, on the main thread), compute (only kernel calls) and store (copies back to JS arrays).
 * The main thread loads both, records the second network's compute calls into a shared command
 * buffer (CallRecorder), posts it to the worker, runs the first network's compute itself, waits, and
 * stores both. The worker runs the same module's code on the same memory, so the results are bit for
 * bit those of running both on one thread.
 *
 * Node: worker_threads; a browser: a Web Worker, only when the page is cross-origin isolated. Until
 * the worker is up (it starts asynchronously), or for networks below setTwinThreshold's size, both
 * computes run on the calling thread.
 */
import { sharedKernelModule, type KernelExports } from './runtime.ts';
import { threadsUnavailable } from './threads.ts';
import type { MlpKernelCalls, MlpMemoryHost } from './mlp.ts';

/** Control block (Int32Array over a SharedArrayBuffer). */
const SEQ = 0, // job number posted by the main thread
  DONE = 1, // job number the worker finished
  READY = 2, // 1 once the worker has instantiated the module
  LEN = 3, // f64 entries of the job's commands (-1: stop)
  ERR = 4; // 1 when the job threw
const CTL_INTS = 8;
/** Commands: [op, nargs, args...] as float64 (exact for i32 offsets). 64k entries: ~3,800 gemms. */
const CMD_LEN = 1 << 16;
/** Kernel names by op number (the worker's table lists the same, in this order). */
const OPS = ['gemm', 'pack', 'tanh', 'reluBackward', 'tanhBackward', 'colsum', 'transpose'] as const;
/**
 * Polls of its control word (a few microseconds) before the worker sleeps. Measured at load 10-13
 * on the 2-core EPYC: 20,000 polls cost ~2 ms of CPU per SAC update (12%) and, with other processes
 * competing for the cores, took time slices from the main thread; 2,000 cost nothing measurable.
 */
const WORKER_SPIN = 2000;

const WORKER_SOURCE = `
const run = (module, memory, ctl, cmd, post) => {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const f = [${OPS.map((o) => `e.${o}`).join(', ')}];
  Atomics.store(ctl, ${READY}, 1);
  let seen = 0;
  for (;;) {
    for (let i = 0; i < ${WORKER_SPIN} && Atomics.load(ctl, ${SEQ}) === seen; i++);
    Atomics.wait(ctl, ${SEQ}, seen);
    const s = Atomics.load(ctl, ${SEQ});
    if (s === seen) continue;
    seen = s;
    const len = ctl[${LEN}];
    if (len < 0) break;
    let err = 0;
    try {
      for (let i = 0; i < len; ) {
        const fn = f[cmd[i]], na = cmd[i + 1], a = i + 2;
        if (na === 15) fn(cmd[a], cmd[a + 1], cmd[a + 2], cmd[a + 3], cmd[a + 4], cmd[a + 5], cmd[a + 6], cmd[a + 7], cmd[a + 8], cmd[a + 9], cmd[a + 10], cmd[a + 11], cmd[a + 12], cmd[a + 13], cmd[a + 14]);
        else if (na === 7) fn(cmd[a], cmd[a + 1], cmd[a + 2], cmd[a + 3], cmd[a + 4], cmd[a + 5], cmd[a + 6]);
        else if (na === 6) fn(cmd[a], cmd[a + 1], cmd[a + 2], cmd[a + 3], cmd[a + 4], cmd[a + 5]);
        else if (na === 4) fn(cmd[a], cmd[a + 1], cmd[a + 2], cmd[a + 3]);
        else fn(cmd[a], cmd[a + 1], cmd[a + 2]);
        i = a + na;
      }
    } catch (x) {
      err = 1;
    }
    ctl[${ERR}] = err;
    Atomics.store(ctl, ${DONE}, s);
    Atomics.notify(ctl, ${DONE});
  }
  if (post) post();
};
if (typeof require === 'function' && typeof process === 'object') {
  const { workerData } = require('node:worker_threads');
  run(workerData.module, workerData.memory, new Int32Array(workerData.ctl), new Float64Array(workerData.cmd), null);
} else {
  self.onmessage = (ev) => run(ev.data.module, ev.data.memory, new Int32Array(ev.data.ctl), new Float64Array(ev.data.cmd), () => self.close());
}
`;

/** Kernel calls written to the command buffer instead of run (the worker replays them in order). */
class CallRecorder implements MlpKernelCalls {
  n = 0;
  overflow = false;
  constructor(private readonly cmd: Float64Array) {}
  private put(op: number, args: ArrayLike<number>): void {
    const at = this.n,
      end = at + 2 + args.length;
    if (end > this.cmd.length) {
      this.overflow = true;
      return;
    }
    this.cmd[at] = op;
    this.cmd[at + 1] = args.length;
    for (let i = 0; i < args.length; i++) this.cmd[at + 2 + i] = args[i];
    this.n = end;
  }
  gemm(...a: number[]): void {
    this.put(0, a);
  }
  pack(...a: number[]): void {
    this.put(1, a);
  }
  tanh(...a: number[]): void {
    this.put(2, a);
  }
  reluBackward(...a: number[]): void {
    this.put(3, a);
  }
  tanhBackward(...a: number[]): void {
    this.put(4, a);
  }
  colsum(...a: number[]): void {
    this.put(5, a);
  }
  transpose(...a: number[]): void {
    this.put(6, a);
  }
}

/** The shared memory, this thread's instance over it, and the worker that shares them. */
export class TwinRunner implements MlpMemoryHost {
  private readonly inst: KernelExports;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_INTS));
  private readonly rec: CallRecorder;
  private top = 0;
  private seq = 0;
  private stop: (() => void) | null = null;

  constructor(module: WebAssembly.Module, maxPages: number, startWorker: boolean) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true });
    this.inst = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    const cmd = new SharedArrayBuffer(8 * CMD_LEN);
    this.rec = new CallRecorder(new Float64Array(cmd));
    if (startWorker) this.stop = spawn(module, memory, this.ctl, cmd);
  }

  k(): KernelExports {
    return this.inst;
  }

  /** `bytes` of the shared memory (16-aligned), grown as needed; null past its maximum. */
  alloc(bytes: number): number | null {
    const at = this.top,
      end = at + ((bytes + 15) & ~15);
    const mem = this.inst.memory,
      have = mem.buffer.byteLength;
    if (end > have) {
      try {
        mem.grow(Math.ceil((end - have) / 65536));
      } catch {
        return null;
      }
    }
    this.top = end;
    return at;
  }

  /** Whether the worker is up (until then `run` computes both parts here). */
  ready(): boolean {
    return this.stop !== null && Atomics.load(this.ctl, READY) === 1;
  }

  /**
   * here(k) on this thread and there(k) on the worker (both given kernel calls on the shared
   * memory), returning when both are done; both here when the worker is not up or `parallel` is
   * false.
   */
  run(here: (k: MlpKernelCalls) => void, there: (k: MlpKernelCalls) => void, parallel = true): void {
    if (!parallel || !this.ready()) {
      here(this.inst);
      there(this.inst);
      return;
    }
    const rec = this.rec;
    rec.n = 0;
    rec.overflow = false;
    there(rec);
    if (rec.overflow) {
      // More calls than the buffer holds (a very deep network): both here.
      here(this.inst);
      there(this.inst);
      return;
    }
    const ctl = this.ctl;
    ctl[LEN] = rec.n;
    Atomics.store(ctl, SEQ, ++this.seq);
    Atomics.notify(ctl, SEQ);
    try {
      here(this.inst);
    } finally {
      // Even when this thread's part threw: the command buffer must not be rewritten under the worker.
      waitDone(ctl, this.seq);
    }
    if (ctl[ERR]) throw new Error('twin networks: the worker thread failed in a kernel call (out of bounds?)');
  }

  /** Stops the worker (the next twin call starts a new runner). */
  close(): void {
    this.stop?.();
    this.stop = null;
  }
}

const canWait = (() => {
  const g = globalThis as { process?: unknown; document?: unknown };
  return typeof g.process === 'object' || typeof g.document === 'undefined';
})();

function waitDone(ctl: Int32Array, seq: number): void {
  // A short spin first: the worker's part was sized like this thread's.
  for (let i = 0; i < 2000; i++) if (Atomics.load(ctl, DONE) === seq) return;
  const t0 = Date.now();
  for (;;) {
    const d = Atomics.load(ctl, DONE);
    if (d === seq) return;
    if (canWait) Atomics.wait(ctl, DONE, d, 50);
    // A job is milliseconds of work: a minute means the worker is gone, not slow.
    if (Date.now() - t0 > 60_000) throw new Error('twin networks: the worker thread has not finished its job in 60 s (did it exit?)');
  }
}

function spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, ctl: Int32Array, cmd: SharedArrayBuffer): () => void {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    Worker?: new (url: string) => { postMessage(m: unknown): void };
  };
  const stop = () => {
    ctl[LEN] = -1;
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
  };
  const nodeThreads = g.process?.getBuiltinModule?.('node:worker_threads') as { Worker: new (src: string, o: object) => { unref(): void } } | undefined;
  const data = { module, memory, ctl: ctl.buffer, cmd };
  if (nodeThreads) {
    new nodeThreads.Worker(WORKER_SOURCE, { eval: true, workerData: data }).unref(); // never keeps a process alive
    return stop;
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  new g.Worker!(url).postMessage(data);
  return stop;
}

/**
 * Below this many multiply-adds per network and call the handoff costs more than the second core
 * saves. Measured (bench/engine-twin.ts, 2-core EPYC at load ~12, alternating blocks): RLtools'
 * Pendulum sizes (64x64, batch 100: 0.44 M per critic call) forced onto the worker took 7x the
 * CPU; 128x128 at batch 256 (5.0 M) 1.12-1.16x the CPU and 0.77-0.86x the wall speed; SAC's
 * HalfCheetah sizes (256x256, batch 256: 18.4 M) 0.98-1.04x the CPU and 0.88-1.69x the wall
 * speed over seven runs (most above 1). 2^24 keeps the last and not the others.
 */
const DEFAULT_TWIN_MACS = 1 << 24;
let twinMacs = DEFAULT_TWIN_MACS;
let twinOn = envTwin();
let runner: TwinRunner | null | undefined;
let reason = '';

function envTwin(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.ASCENT_TWIN;
  return !(v === '0' || v === 'false' || v === 'off');
}

/**
 * The shared runner, made on first use: null when twin threads are off, unavailable here (no shared
 * memory or workers) or the kernels are on the JS path. Without a worker it still serves as the
 * twin networks' memory (threads off: both run here).
 */
export function twinRunner(): TwinRunner | null {
  if (runner !== undefined) return runner;
  const shared = sharedKernelModule();
  if (!shared) return null; // JS path: ask again later (the kernels may be turned back on)
  const why = twinOn ? threadsUnavailable() : 'off (setTwinThreads(false) or ASCENT_TWIN=0)';
  reason = why ?? '';
  if (why && typeof SharedArrayBuffer !== 'function') return (runner = null);
  try {
    runner = new TwinRunner(shared.module, shared.maxPages, !why);
  } catch (err) {
    reason = `starting the twin worker failed: ${(err as Error).message}`;
    runner = null;
  }
  return runner;
}

/** Whether a pair of networks of `macs` multiply-adds each should run on two threads now. */
export function twinParallelFor(macs: number): boolean {
  return twinOn && macs >= twinMacs;
}

/**
 * Run twin networks (e.g. SAC's critics) on two threads: on by default unless ASCENT_TWIN=0.
 * Turning it off stops the worker; results are the same either way. Returns the previous setting.
 */
export function setTwinThreads(on: boolean): boolean {
  const prev = twinOn;
  if (on !== prev) {
    runner?.close();
    runner = undefined;
  }
  twinOn = on;
  return prev;
}

/** The smallest network (multiply-adds per call) run on the second thread; no argument restores the default. */
export function setTwinThreshold(macs = DEFAULT_TWIN_MACS): void {
  if (!(macs >= 0)) throw new RangeError(`setTwinThreshold: expected a number of multiply-adds >= 0, got ${macs}`);
  twinMacs = macs;
}

/** Whether the twin worker is up, and why not if it is not. */
export function twinInfo(): { on: boolean; ready: boolean; reason?: string } {
  const r = twinOn ? twinRunner() : null;
  const ready = r?.ready() ?? false;
  return ready ? { on: twinOn, ready } : { on: twinOn, ready, reason: reason || (twinOn ? 'starting' : 'off') };
}
