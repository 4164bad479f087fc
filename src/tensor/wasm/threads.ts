/**
 * The gemm on several threads (issue 12: a second core): the kernel module instantiated in worker
 * threads over the same shared WebAssembly memory as the main thread's instance, each thread
 * computing a band of C's rows. Every row's arithmetic is the same whatever band it is in (the
 * k-blocks and the p loop do not depend on the row count), so the result is bit for bit the
 * single-threaded one.
 *
 * Off by default (setGemmThreads(n) or ASCENT_THREADS=n turns it on). Node: worker_threads; a
 * browser: Web Workers, only when the page is cross-origin isolated (shared memory needs it).
 * Products below a measured size stay on one thread (setGemmThreadThreshold).
 */

/** Control block per worker (Int32Array over a SharedArrayBuffer). */
const SEQ = 0, // job number posted by the main thread
  DONE = 1, // job number the worker finished
  READY = 2, // 1 once the worker has instantiated the module
  ARGS = 3; // the job's 16 i32 arguments
const NARGS = 16;

/**
 * The worker: instantiate, then run posted jobs (a band of rows of one blocked gemm, then the
 * activation over it) until told to stop (a = -1).
 */
const WORKER_SOURCE = `
const run = (module, memory, ctl, post) => {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(ctl, ${READY}, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seen);
    const s = Atomics.load(ctl, ${SEQ});
    if (s === seen) continue;
    seen = s;
    const A = ${ARGS};
    const a = ctl[A], aRow = ctl[A + 1], aCol = ctl[A + 2], b = ctl[A + 3], bRow = ctl[A + 4], c = ctl[A + 5], cRow = ctl[A + 6];
    const m = ctl[A + 7], nBytes = ctl[A + 8], k = ctl[A + 9], kb = ctl[A + 10], load0 = ctl[A + 11], init0 = ctl[A + 12], initRow0 = ctl[A + 13], act = ctl[A + 14];
    if (a === -1) break;
    for (let p0 = 0; p0 < k; p0 += kb) {
      const first = p0 === 0;
      e.gemm(a + p0 * aCol, aRow, aCol, b + p0 * bRow, bRow, c, cRow, m, nBytes, Math.min(kb, k - p0), first ? load0 : 1, first ? init0 : c, first ? initRow0 : cRow, act === 1 && p0 + kb >= k ? 1 : 0, 0);
    }
    if (act === 2) e.tanh(c, c, (m * cRow) >> 2);
    Atomics.store(ctl, ${DONE}, s);
    Atomics.notify(ctl, ${DONE});
  }
  if (post) post();
};
if (typeof require === 'function' && typeof process === 'object') {
  const { workerData } = require('node:worker_threads');
  run(workerData.module, workerData.memory, new Int32Array(workerData.ctl), null);
} else {
  self.onmessage = (ev) => run(ev.data.module, ev.data.memory, new Int32Array(ev.data.ctl), () => self.close());
}
`;

interface WorkerHandle {
  ctl: Int32Array;
  seq: number;
  stop: () => void;
}

/** Blocked gemm entry points of an instance (see gemm-kernel.ts). */
export interface GemmExports {
  gemm: (
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
    load: number,
    init: number,
    initRow: number,
    epi: number,
    delta: number,
  ) => void;
  relu: (src: number, dst: number, n: number) => void;
  tanh: (src: number, dst: number, n: number) => void;
}

export class GemmThreadPool {
  private readonly workers: WorkerHandle[] = [];

  constructor(
    module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly threads: number,
  ) {
    for (let t = 1; t < threads; t++) this.workers.push(spawn(module, memory));
  }

  /** Threads that can compute a band now: the main thread and the workers that are up. */
  readyThreads(): number {
    return 1 + this.ready().length;
  }

  /** Workers that have instantiated the module and can take a band now. */
  private ready(): WorkerHandle[] {
    return this.workers.filter((w) => Atomics.load(w.ctl, READY) === 1);
  }

  /**
   * C := init + op(A) B in k-blocks of `kb` rows of B (the first block starts from init/initRow
   * when load0, else from zero; later blocks from C), then act (1 relu, 2 tanh) over C's rows:
   * gemm.ts's blocked product, its rows split in bands over the main thread and the workers.
   */
  run(
    K: GemmExports,
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
    const helpers = this.ready();
    // Bands of whole 4-row tiles (the register tile's height), the main thread's first.
    const parts = helpers.length + 1;
    const band = Math.max(4, Math.ceil(m / parts / 4) * 4);
    let r0 = band;
    const posted: WorkerHandle[] = [];
    for (const w of helpers) {
      if (r0 >= m) break;
      const rows = Math.min(band, m - r0);
      const ctl = w.ctl;
      const args = [a + r0 * aRow, aRow, aCol, b, bRow, c + r0 * cRow, cRow, rows, nBytes, k, kb, load0, init0 + r0 * initRow0, initRow0, act];
      for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
      Atomics.store(ctl, SEQ, ++w.seq);
      Atomics.notify(ctl, SEQ);
      posted.push(w);
      r0 += rows;
    }
    blockedGemm(K, a, aRow, aCol, b, bRow, c, cRow, Math.min(band, m), nBytes, k, kb, load0, init0, initRow0, act);
    for (const w of posted) waitDone(w);
  }

  close(): void {
    for (const w of this.workers) w.stop();
    this.workers.length = 0;
  }
}

/**
 * The blocked product on the calling thread (what each band runs). Same positional parameters as
 * GemmThreadPool.run and runtime.ts's gemmBlocked: a call per gemm builds no argument object.
 */
export function blockedGemm(
  K: GemmExports,
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
  for (let p0 = 0; p0 < k; p0 += kb) {
    const first = p0 === 0;
    K.gemm(
      a + p0 * aCol,
      aRow,
      aCol,
      b + p0 * bRow,
      bRow,
      c,
      cRow,
      m,
      nBytes,
      Math.min(kb, k - p0),
      first ? load0 : 1,
      first ? init0 : c,
      first ? initRow0 : cRow,
      act === 1 && p0 + kb >= k ? 1 : 0, // relu as the last block's tiles are stored
      0,
    );
  }
  if (act === 2) K.tanh(c, c, (m * cRow) >> 2);
}

/** Can this thread block in Atomics.wait (Node's main thread can; a browser's main thread cannot)? */
const canWait = (() => {
  const g = globalThis as { process?: unknown; document?: unknown };
  return typeof g.process === 'object' || typeof g.document === 'undefined';
})();

function waitDone(w: WorkerHandle): void {
  const ctl = w.ctl;
  // A short spin first: the band was sized to finish with the main thread's.
  for (let i = 0; i < 4000; i++) if (Atomics.load(ctl, DONE) === w.seq) return;
  for (;;) {
    const d = Atomics.load(ctl, DONE);
    if (d === w.seq) return;
    if (canWait) Atomics.wait(ctl, DONE, d, 50);
  }
}

function spawn(module: WebAssembly.Module, memory: WebAssembly.Memory): WorkerHandle {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (ARGS + NARGS)));
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void };
  };
  const nodeThreads = g.process?.getBuiltinModule?.('node:worker_threads') as
    | { Worker: new (src: string, o: object) => { unref(): void; terminate(): Promise<number> } }
    | undefined;
  const stopMessage = () => {
    ctl[ARGS] = -1;
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
  };
  if (nodeThreads) {
    const w = new nodeThreads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl: ctl.buffer } });
    w.unref(); // an idle pool never keeps a process alive
    return { ctl, seq: 0, stop: stopMessage };
  }
  if (typeof g.Worker === 'function') {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new g.Worker(url);
    w.postMessage({ module, memory, ctl: ctl.buffer });
    return { ctl, seq: 0, stop: stopMessage };
  }
  throw new Error('gemm threads: no worker_threads and no Web Workers here');
}

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailable(): string | null {
  const g = globalThis as {
    SharedArrayBuffer?: unknown;
    crossOriginIsolated?: boolean;
    process?: { getBuiltinModule?: unknown };
    Worker?: unknown;
    document?: unknown;
  };
  if (typeof g.SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer (a browser page must be cross-origin isolated)';
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated';
  if (typeof g.process === 'object' && typeof g.process.getBuiltinModule !== 'function') return 'this Node has no process.getBuiltinModule (Node >= 20.16)';
  if (typeof g.process !== 'object' && typeof g.Worker !== 'function') return 'no Web Workers here';
  return null;
}
