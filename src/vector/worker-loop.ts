/**
 * The worker side of AsyncVectorEnv, independent of the platform: it makes envs lo..hi-1, reports
 * 'ready' (or the error) through `post`, then serves commands from shared memory until CLOSE.
 */
import { ensureEnv, make } from '../envs/registry.ts';
import type { Env } from '../envs/env.ts';
import { RecordEpisodeStatistics } from '../wrappers/record-episode-statistics.ts';
import { VectorCore, type BatchArrays } from './core.ts';
import { SnapshotUnsupportedError } from '../envs/snapshot.ts';
// Same list as async.ts imports: the two ends of one shared-memory protocol.
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
  STATUS_ERROR,
  STATUS_UNSUPPORTED,
  waitChange,
  type WorkerInit,
} from './protocol.ts';

/** Copies RecordEpisodeStatistics' info.episode of each env into the shared arrays (r, l, t per row). */
export function writeEpisodeStats(core: VectorCore, fromFinalInfos: boolean, episode: Float64Array, episodeMask: Uint8Array): void {
  for (let i = 0; i < core.envs.length; i++) {
    const row = core.offset + i;
    const info = fromFinalInfos ? core.finalInfos[i] : core.infos[i];
    const ep = info?.episode as { r: number; l: number; t: number } | undefined;
    episodeMask[row] = ep ? 1 : 0;
    if (ep) {
      episode[row * 3] = ep.r;
      episode[row * 3 + 1] = ep.l;
      episode[row * 3 + 2] = ep.t;
    }
  }
}

export type WorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

export async function runWorker(init: WorkerInit, post: (m: WorkerMessage) => void): Promise<void> {
  let core: VectorCore;
  try {
    for (const m of init.setupModules) await import(m);
    await ensureEnv(init.envId); // a deferred family (MuJoCo) loads its module in this thread too
    const envs: Env<any, any>[] = [];
    for (let i = init.lo; i < init.hi; i++) {
      const e = make(init.envId, init.makeOptions);
      envs.push(init.recordEpisodeStatistics ? new RecordEpisodeStatistics(e) : e);
    }
    core = new VectorCore(envs, init.lo, init.autoresetMode, 'AsyncVectorEnv');
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  const sh = init.shared;
  const ctrl = new Int32Array(sh.ctrl, init.workerIndex * CTRL_STRIDE * 4, CTRL_STRIDE);
  const err = new Uint8Array(sh.err, init.workerIndex * ERR_BYTES, ERR_BYTES);
  const b: BatchArrays = {
    obs: new Float32Array(sh.obs),
    rewards: new Float64Array(sh.rewards),
    terminated: new Uint8Array(sh.terminated),
    truncated: new Uint8Array(sh.truncated),
    finalObs: new Float32Array(sh.finalObs),
    finalMask: new Uint8Array(sh.finalMask),
  };
  const actions = new Float64Array(sh.actions);
  const episode = new Float64Array(sh.episode);
  const episodeMask = new Uint8Array(sh.episodeMask);
  const same = init.autoresetMode === 'same-step';
  const encoder = new TextEncoder();
  const payload = new Uint8Array(sh.payload, init.workerIndex * PAYLOAD_BYTES, PAYLOAD_BYTES);
  let outgoing = new Uint8Array(0); // this worker's snapshot, sent chunk by chunk
  let incoming = new Uint8Array(0); // a snapshot being received
  let last = Atomics.load(ctrl, SEQ);
  post({ type: 'ready' });

  for (;;) {
    waitChange(ctrl, SEQ, last, init.spinIterations, Infinity);
    last = Atomics.load(ctrl, SEQ);
    const cmd = Atomics.load(ctrl, CMD);
    let status = 0;
    try {
      if (cmd === CMD_STEP) core.step(b, actions);
      else if (cmd === CMD_RESET) {
        const plan = JSON.parse(new TextDecoder().decode(payload.slice(0, ctrl[ARG_LEN])));
        core.reset(b, { seeds: plan.seeds, options: plan.options, mask: plan.mask && Uint8Array.from(plan.mask) });
      } else if (cmd === CMD_CLOSE) core.close();
      if (cmd === CMD_STEP || cmd === CMD_RESET) writeEpisodeStats(core, same && cmd === CMD_STEP, episode, episodeMask);
      if (cmd === CMD_SNAPSHOT) {
        const off = ctrl[ARG_OFFSET];
        if (off === 0) outgoing = encoder.encode(JSON.stringify(core.snapshot()));
        const chunk = outgoing.subarray(off, off + PAYLOAD_BYTES);
        payload.set(chunk);
        ctrl[ARG_LEN] = chunk.length;
        ctrl[ARG_TOTAL] = outgoing.length;
        if (off + chunk.length >= outgoing.length) outgoing = new Uint8Array(0);
      } else if (cmd === CMD_RESTORE) {
        const off = ctrl[ARG_OFFSET],
          len = ctrl[ARG_LEN],
          total = ctrl[ARG_TOTAL];
        if (off === 0) incoming = new Uint8Array(total);
        incoming.set(payload.subarray(0, len), off);
        if (off + len >= total) {
          const text = new TextDecoder().decode(incoming);
          incoming = new Uint8Array(0);
          core.restore(JSON.parse(text));
        }
      }
    } catch (e) {
      status = e instanceof SnapshotUnsupportedError ? STATUS_UNSUPPORTED : STATUS_ERROR;
      const bytes = encoder.encode(e instanceof Error ? e.message : String(e)).subarray(0, ERR_BYTES);
      err.set(bytes);
      ctrl[ERR_LEN] = bytes.length;
    }
    Atomics.store(ctrl, STATUS, status);
    Atomics.store(ctrl, DONE, last);
    Atomics.notify(ctrl, DONE);
    if (cmd === CMD_CLOSE) return;
  }
}
