/**
 * AsyncVectorEnv: envs split over worker threads, batched through shared memory.
 *
 * step() and reset() are synchronous (the main thread blocks in Atomics.wait while the workers
 * step their envs in parallel), so it is a drop-in for SyncVectorEnv. Creating one is async
 * (workers start and make their envs); close() is async and waits for the workers to exit.
 * Workers make envs by registry id (functions cannot cross threads); `setupModules` lets them
 * import modules that register custom envs first. The platform is behind `WorkerSpawner`; under
 * Node the default is worker_threads (loaded lazily, so this file imports nothing Node-specific).
 * Atomics.wait is not allowed on a browser's main thread: there, run the collector in a worker.
 * A worker's exception surfaces as an Error naming the env index; other infos than
 * RecordEpisodeStatistics' `episode` (optional) do not cross threads. getState()/setState() move
 * the envs' snapshots (JSON, in chunks) through shared memory, in SyncVectorEnv's layout.
 */
import { ensureEnv, make, registeredIds, type MakeOptions } from '../envs/registry.ts';
import { EMPTY_INFO, type Info } from '../envs/env.ts';
import type { Space } from '../envs/spaces.ts';
import { checkActions, resetPlan, spaceDims, stepResultView, VectorCore, type BatchArrays, type ResetPlan } from './core.ts';
import { writeEpisodeStats } from './worker-loop.ts';
import { RecordEpisodeStatistics } from '../wrappers/record-episode-statistics.ts';
import type { Env } from '../envs/env.ts';
import { SnapshotUnsupportedError, snapshotOrNull, type EnvSnapshot } from '../envs/snapshot.ts';
import {
  ARG_LEN,
  ARG_OFFSET,
  ARG_TOTAL,
  CMD,
  CMD_CLOSE,
  CMD_RESET,
  CMD_RESTORE,
  CMD_SNAPSHOT,
  CMD_STEP,
  CTRL_STRIDE,
  DONE,
  ERR_BYTES,
  ERR_LEN,
  PAYLOAD_BYTES,
  SEQ,
  STATUS,
  STATUS_OK,
  STATUS_UNSUPPORTED,
  waitChange,
  type SharedBatch,
  type WorkerInit,
} from './protocol.ts';
import { checkVectorState, makeVectorState } from './state.ts';
import type { AutoresetMode, VectorEnv, VectorEnvState, VectorResetArgs, VectorResetResult, VectorStepResult } from './types.ts';

export interface WorkerHandle {
  /** Resolves once the worker made its envs; rejects with the worker's error. */
  ready: Promise<void>;
  exited: Promise<void>;
  terminate(): Promise<void>;
  /** Keep the process alive until the worker exits (Node: worker.ref()); called by close(). */
  ref?(): void;
}

export type WorkerSpawner = (init: WorkerInit) => WorkerHandle;

export interface AsyncVectorEnvOptions {
  envId: string;
  numEnvs: number;
  /** Worker threads (default min(numEnvs, 2)); envs are split into contiguous blocks. */
  numWorkers?: number;
  /**
   * The main thread also steps a block of envs (rows 0..) while it waits for the workers, instead
   * of idling: numWorkers + 1 equal shares. Worth it for costly envs when cores are scarce.
   */
  mainThreadShare?: boolean;
  makeOptions?: MakeOptions;
  autoresetMode?: AutoresetMode;
  setupModules?: string[];
  recordEpisodeStatistics?: boolean;
  spawner?: WorkerSpawner;
  /** Longest wait for a worker's answer before step/reset throw (default 60 s). */
  timeoutMs?: number;
  /** Busy-wait iterations before blocking (default 1000: lowers latency for tiny steps; spinning hurts when threads outnumber cores). */
  spinIterations?: number;
}

async function defaultSpawner(): Promise<WorkerSpawner> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) throw new Error('AsyncVectorEnv: no default worker spawner on this platform; pass options.spawner');
  // A computed specifier keeps bundlers for the browser from pulling in node:worker_threads.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const mod = (await import(new URL(`./node-worker${ext}`, import.meta.url).href)) as typeof import('./node-worker.ts');
  return mod.nodeWorkerSpawner;
}

export class AsyncVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly autoresetMode: AutoresetMode;
  private closed = false;
  private readonly ctrl: Int32Array;
  private readonly err: Uint8Array;
  private readonly actions: Float64Array;
  private readonly episode: Float64Array;
  private readonly episodeMask: Uint8Array;
  private readonly result: VectorStepResult;
  private readonly infos: Info[];
  private readonly finalInfos: (Info | null)[];
  private readonly ranges: [number, number][];
  private readonly batch: BatchArrays;
  private readonly payload: Uint8Array;

  private constructor(
    readonly singleObservationSpace: Space<any>,
    readonly singleActionSpace: Space<any>,
    private readonly handles: WorkerHandle[],
    shared: SharedBatch,
    inits: WorkerInit[],
    private readonly timeoutMs: number,
    private readonly spin: number,
    /** The main thread's own block of envs (mainThreadShare), or null. */
    private readonly mainCore: VectorCore | null,
  ) {
    const first = inits[0];
    this.numEnvs = first.numEnvs;
    this.batch = {
      obs: new Float32Array(shared.obs),
      rewards: new Float64Array(shared.rewards),
      terminated: new Uint8Array(shared.terminated),
      truncated: new Uint8Array(shared.truncated),
      finalObs: new Float32Array(shared.finalObs),
      finalMask: new Uint8Array(shared.finalMask),
    };
    this.numWorkers = inits.length;
    this.obsDim = first.obsDim;
    this.actDim = first.actDim;
    this.autoresetMode = first.autoresetMode;
    this.ranges = inits.map((w) => [w.lo, w.hi]);
    this.ctrl = new Int32Array(shared.ctrl);
    this.err = new Uint8Array(shared.err);
    this.actions = new Float64Array(shared.actions);
    this.episode = new Float64Array(shared.episode);
    this.episodeMask = new Uint8Array(shared.episodeMask);
    this.payload = new Uint8Array(shared.payload);
    this.infos = Array.from({ length: this.numEnvs }, () => ({}));
    this.finalInfos = Array.from({ length: this.numEnvs }, () => null);
    this.result = stepResultView(this.batch, this.infos, this.finalInfos, this.autoresetMode);
  }

  static async create(opts: AsyncVectorEnvOptions): Promise<AsyncVectorEnv> {
    const n = opts.numEnvs;
    if (!Number.isInteger(n) || n < 1) throw new Error(`AsyncVectorEnv: numEnvs must be a positive integer, got ${n}`);
    const share = opts.mainThreadShare ?? false;
    const maxWorkers = share ? n - 1 : n;
    const numWorkers = opts.numWorkers ?? Math.min(maxWorkers, 2);
    if (!Number.isInteger(numWorkers) || numWorkers < 1 || numWorkers > maxWorkers) {
      throw new Error(`AsyncVectorEnv: numWorkers must be an integer in [1, ${share ? 'numEnvs - 1' : 'numEnvs'}=${maxWorkers}], got ${numWorkers}`);
    }
    const parts = numWorkers + (share ? 1 : 0);
    const block = (p: number): [number, number] => [Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)];
    const mode = opts.autoresetMode ?? 'next-step';
    // The main thread needs the spaces too; import the setup modules here only if the id is unknown
    // (a module that creates the vector env at top level would otherwise import itself and deadlock).
    if (!registeredIds().includes(opts.envId)) for (const m of opts.setupModules ?? []) await import(m);
    await ensureEnv(opts.envId);
    const probe = make(opts.envId, opts.makeOptions);
    const { obsDim, actDim } = spaceDims(probe.observationSpace, probe.actionSpace, 'AsyncVectorEnv');
    const obsSpace = probe.observationSpace,
      actSpace = probe.actionSpace;
    probe.close();
    const sab = (bytes: number) => new SharedArrayBuffer(bytes);
    const shared: SharedBatch = {
      ctrl: sab(numWorkers * CTRL_STRIDE * 4),
      err: sab(numWorkers * ERR_BYTES),
      obs: sab(n * obsDim * 4),
      actions: sab(n * actDim * 8),
      rewards: sab(n * 8),
      terminated: sab(n),
      truncated: sab(n),
      finalObs: sab(n * obsDim * 4),
      finalMask: sab(n),
      episode: sab(n * 3 * 8),
      episodeMask: sab(n),
      payload: sab(numWorkers * PAYLOAD_BYTES),
    };
    const spin = opts.spinIterations ?? 1000;
    const inits: WorkerInit[] = [];
    for (let w = 0; w < numWorkers; w++) {
      inits.push({
        workerIndex: w,
        envId: opts.envId,
        makeOptions: opts.makeOptions ?? {},
        setupModules: opts.setupModules ?? [],
        recordEpisodeStatistics: opts.recordEpisodeStatistics ?? false,
        lo: block(w + (share ? 1 : 0))[0],
        hi: block(w + (share ? 1 : 0))[1],
        numEnvs: n,
        obsDim,
        actDim,
        autoresetMode: mode,
        spinIterations: spin,
        shared,
      });
    }
    const spawner = opts.spawner ?? (await defaultSpawner());
    const handles = inits.map((init) => spawner(init));
    try {
      await Promise.all(
        handles.map((h, w) =>
          h.ready.catch((e: Error) =>
            Promise.reject(new Error(`AsyncVectorEnv: worker ${w} (envs ${inits[w].lo}..${inits[w].hi - 1}) failed to start: ${e.message}`)),
          ),
        ),
      );
    } catch (e) {
      await Promise.all(handles.map((h) => h.terminate().catch(() => undefined)));
      throw e;
    }
    let mainCore: VectorCore | null = null;
    if (share) {
      const [lo, hi] = block(0);
      const envs: Env<any, any>[] = [];
      for (let i = lo; i < hi; i++) {
        const e = make(opts.envId, opts.makeOptions);
        envs.push(opts.recordEpisodeStatistics ? new RecordEpisodeStatistics(e) : e);
      }
      mainCore = new VectorCore(envs, lo, mode, 'AsyncVectorEnv');
    }
    return new AsyncVectorEnv(obsSpace, actSpace, handles, shared, inits, opts.timeoutMs ?? 60_000, spin, mainCore);
  }

  /** Posts `cmd` to worker w; returns the sequence number its answer will carry. */
  private send(w: number, cmd: number): number {
    const c = this.ctrl,
      o = w * CTRL_STRIDE;
    Atomics.store(c, o + CMD, cmd);
    const seq = Atomics.add(c, o + SEQ, 1) + 1;
    Atomics.notify(c, o + SEQ);
    return seq;
  }

  /** Waits for worker w's answer to `seq`; returns its error, or null. */
  private answer(w: number, seq: number): Error | null {
    const c = this.ctrl,
      o = w * CTRL_STRIDE;
    let done = Atomics.load(c, o + DONE);
    while (done !== seq) {
      if (!waitChange(c, o + DONE, done, this.spin, this.timeoutMs)) {
        const [lo, hi] = this.ranges[w];
        throw new Error(`AsyncVectorEnv: worker ${w} (envs ${lo}..${hi - 1}) did not answer within ${this.timeoutMs} ms`);
      }
      done = Atomics.load(c, o + DONE);
    }
    const status = Atomics.load(c, o + STATUS);
    if (status === STATUS_OK) return null;
    const len = c[o + ERR_LEN];
    const msg = new TextDecoder().decode(this.err.slice(w * ERR_BYTES, w * ERR_BYTES + len));
    return status === STATUS_UNSUPPORTED ? new SnapshotUnsupportedError(msg) : new Error(msg);
  }

  /** Runs `cmd` on every worker and the main thread's share; a reset carries `plan` (as JSON in each worker's payload region). */
  private run(cmd: number, plan?: ResetPlan): void {
    if (this.closed) throw new Error('AsyncVectorEnv: used after close()');
    if (cmd === CMD_RESET) {
      const bytes = new TextEncoder().encode(JSON.stringify({ seeds: plan!.seeds, options: plan!.options, mask: plan!.mask && Array.from(plan!.mask) }));
      if (bytes.length > PAYLOAD_BYTES)
        throw new Error(
          `AsyncVectorEnv.reset: the seeds and options take ${bytes.length} bytes as JSON, more than the ${PAYLOAD_BYTES} a reset can carry to a worker`,
        );
      for (let w = 0; w < this.numWorkers; w++) {
        this.payload.set(bytes, w * PAYLOAD_BYTES);
        this.ctrl[w * CTRL_STRIDE + ARG_LEN] = bytes.length;
      }
    }
    const seqs: number[] = [];
    for (let w = 0; w < this.numWorkers; w++) seqs.push(this.send(w, cmd));
    let firstError: Error | null = null;
    const mc = this.mainCore;
    if (mc) {
      // The main thread's block (lowest rows) runs while the workers run theirs.
      try {
        if (cmd === CMD_STEP) mc.step(this.batch, this.actions);
        else if (cmd === CMD_RESET) mc.reset(this.batch, plan!);
        else mc.close();
        if (cmd !== CMD_CLOSE) writeEpisodeStats(mc, cmd === CMD_STEP && this.autoresetMode === 'same-step', this.episode, this.episodeMask);
      } catch (e) {
        firstError = e instanceof Error ? e : new Error(String(e));
      }
    }
    for (let w = 0; w < this.numWorkers; w++) {
      const e = this.answer(w, seqs[w]);
      if (e && !firstError) firstError = e;
    }
    if (firstError) throw firstError;
  }

  /** Worker w's envs' snapshot, fetched in PAYLOAD_BYTES chunks. */
  private fetchSnapshot(w: number): { autoreset: number[]; envs: EnvSnapshot[] } {
    const c = this.ctrl,
      o = w * CTRL_STRIDE,
      region = this.payload.subarray(w * PAYLOAD_BYTES, (w + 1) * PAYLOAD_BYTES);
    let bytes = new Uint8Array(0);
    for (let off = 0; ; ) {
      c[o + ARG_OFFSET] = off;
      const e = this.answer(w, this.send(w, CMD_SNAPSHOT));
      if (e) throw e;
      const len = c[o + ARG_LEN],
        total = c[o + ARG_TOTAL];
      if (off === 0) bytes = new Uint8Array(total);
      bytes.set(region.subarray(0, len), off);
      off += len;
      if (off >= total) break;
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /** Sends a block's snapshot to worker w in PAYLOAD_BYTES chunks; the worker restores at the last one. */
  private sendSnapshot(w: number, block: { autoreset: number[]; envs: EnvSnapshot[] }): void {
    const c = this.ctrl,
      o = w * CTRL_STRIDE,
      region = this.payload.subarray(w * PAYLOAD_BYTES, (w + 1) * PAYLOAD_BYTES);
    const bytes = new TextEncoder().encode(JSON.stringify(block));
    for (let off = 0; off < bytes.length; off += PAYLOAD_BYTES) {
      const chunk = bytes.subarray(off, off + PAYLOAD_BYTES);
      region.set(chunk);
      c[o + ARG_OFFSET] = off;
      c[o + ARG_LEN] = chunk.length;
      c[o + ARG_TOTAL] = bytes.length;
      const e = this.answer(w, this.send(w, CMD_RESTORE));
      if (e) throw e;
    }
  }

  /**
   * Every env's snapshot and the batch state, in SyncVectorEnv's layout (either restores it).
   * Null when some env cannot snapshot itself (see SyncVectorEnv.getState).
   */
  getState(): VectorEnvState | null {
    return snapshotOrNull(() => this.snapshot());
  }

  /** Like getState(), but throws SnapshotUnsupportedError naming the env that cannot snapshot itself. */
  snapshot(): VectorEnvState {
    if (this.closed) throw new Error('AsyncVectorEnv: used after close()');
    const blocks = [...(this.mainCore ? [this.mainCore.snapshot()] : []), ...this.ranges.map((_, w) => this.fetchSnapshot(w))];
    return makeVectorState(
      this.autoresetMode,
      this.numEnvs,
      this.obsDim,
      this.batch.obs,
      blocks.flatMap((b) => b.autoreset),
      blocks.flatMap((b) => b.envs),
    );
  }

  /** Why getState() returns null (the first env that cannot snapshot itself), or null if it does not. */
  snapshotUnsupported(): string | null {
    try {
      this.snapshot();
      return null;
    } catch (e) {
      if (e instanceof SnapshotUnsupportedError) return e.message;
      throw e;
    }
  }

  /** Restores getState()'s output (or SyncVectorEnv's); a snapshot of another shape or stack fails naming the env. */
  setState(s: VectorEnvState): void {
    if (this.closed) throw new Error('AsyncVectorEnv: used after close()');
    const { obs, state } = checkVectorState('AsyncVectorEnv.setState', s, this.autoresetMode, this.numEnvs, this.obsDim);
    const block = (lo: number, hi: number) => ({ autoreset: state.autoreset.slice(lo, hi), envs: state.envs.slice(lo, hi) });
    if (this.mainCore) this.mainCore.restore(block(this.mainCore.offset, this.mainCore.offset + this.mainCore.envs.length));
    this.ranges.forEach(([lo, hi], w) => this.sendSnapshot(w, block(lo, hi)));
    this.batch.obs.set(obs);
  }

  private collectEpisodes(stepping: boolean): void {
    const same = stepping && this.autoresetMode === 'same-step';
    const mask = this.result.finalMask;
    for (let i = 0; i < this.numEnvs; i++) {
      this.infos[i] = EMPTY_INFO;
      if (same) this.finalInfos[i] = mask![i] ? EMPTY_INFO : null;
      if (this.episodeMask[i]) {
        const e = this.episode;
        const info = { episode: { r: e[i * 3], l: e[i * 3 + 1], t: e[i * 3 + 2] } };
        if (same) this.finalInfos[i] = info;
        else this.infos[i] = info;
      }
    }
  }

  /**
   * As SyncVectorEnv.reset: one seed (seed + i) or one per sub-env, options for every reset sub-env,
   * options.reset_mask to reset only some. The seeds and options reach the workers as JSON, so
   * options must be JSON values (at most PAYLOAD_BYTES of it).
   */
  reset(args: VectorResetArgs = {}): VectorResetResult {
    const plan = resetPlan('AsyncVectorEnv.reset', this.numEnvs, args);
    this.run(CMD_RESET, plan);
    this.collectEpisodes(false);
    const fm = this.result.finalMask;
    if (fm) for (let i = 0; i < this.numEnvs; i++) if (!plan.mask || plan.mask[i]) fm[i] = 0;
    return { obs: this.result.obs, infos: this.infos };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    checkActions('AsyncVectorEnv', actions, this.numEnvs * this.actDim);
    this.actions.set(actions);
    this.run(CMD_STEP);
    this.collectEpisodes(true);
    return this.result;
  }

  /** Closes the envs in the workers and waits for the workers to exit. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.run(CMD_CLOSE);
    } finally {
      this.closed = true;
      for (const h of this.handles) h.ref?.();
      for (const h of this.handles) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5000)));
        const how = await Promise.race([h.exited, timeout]);
        clearTimeout(timer);
        if (how === 'timeout') await h.terminate();
      }
    }
  }
}
