/**
 * Shared-memory protocol between AsyncVectorEnv and its workers. Each worker owns a control block
 * of 16 Int32 (64 bytes, one cache line) in `ctrl`: the main thread writes the command and bumps
 * SEQ; the worker runs it, writes STATUS (and the error text), then sets DONE = SEQ. Both sides
 * block with Atomics.wait, after a short spin, so a step costs no message passing or copying.
 */
import type { AutoresetMode } from './types.ts';
import type { MakeOptions } from '../envs/registry.ts';

export const CTRL_STRIDE = 16;
export const SEQ = 0,
  CMD = 1,
  DONE = 2,
  STATUS = 3,
  ERR_LEN = 4;
/** Snapshot transfer: byte offset of the chunk, its length, the whole JSON text's length. */
export const ARG_OFFSET = 5,
  ARG_LEN = 6,
  ARG_TOTAL = 7;
/** CMD_RESET: the reset's seeds, options and mask (ResetPlan) as UTF-8 JSON of ARG_LEN bytes in the worker's payload region. */
export const CMD_RESET = 1,
  CMD_STEP = 2,
  CMD_CLOSE = 3;
/**
 * Snapshots travel as UTF-8 JSON in PAYLOAD_BYTES chunks through the worker's payload region.
 * CMD_SNAPSHOT: the worker snapshots its envs at offset 0 and answers chunk ARG_OFFSET (writing
 * ARG_LEN and ARG_TOTAL). CMD_RESTORE: the main thread sends chunk [ARG_OFFSET, +ARG_LEN) of
 * ARG_TOTAL bytes; the worker restores once it has them all.
 */
export const CMD_SNAPSHOT = 4,
  CMD_RESTORE = 5;
export const STATUS_OK = 0,
  STATUS_ERROR = 1,
  STATUS_UNSUPPORTED = 2;
export const ERR_BYTES = 8192;
export const PAYLOAD_BYTES = 65536;

export interface SharedBatch {
  ctrl: SharedArrayBuffer; // Int32Array(numWorkers * CTRL_STRIDE)
  err: SharedArrayBuffer; // Uint8Array(numWorkers * ERR_BYTES)
  obs: SharedArrayBuffer; // Float32Array(n * obsDim)
  actions: SharedArrayBuffer; // Float64Array(n * actDim)
  rewards: SharedArrayBuffer; // Float64Array(n)
  terminated: SharedArrayBuffer; // Uint8Array(n)
  truncated: SharedArrayBuffer; // Uint8Array(n)
  finalObs: SharedArrayBuffer; // Float32Array(n * obsDim)
  finalMask: SharedArrayBuffer; // Uint8Array(n)
  episode: SharedArrayBuffer; // Float64Array(n * 3): r, l, t from info.episode
  episodeMask: SharedArrayBuffer; // Uint8Array(n)
  payload: SharedArrayBuffer; // Uint8Array(numWorkers * PAYLOAD_BYTES): snapshot chunks
}

export interface WorkerInit {
  workerIndex: number;
  envId: string;
  makeOptions: MakeOptions;
  /** Modules imported before making envs (they may register custom envs). */
  setupModules: string[];
  /** Wrap every env in RecordEpisodeStatistics, so info.episode reaches the main thread. */
  recordEpisodeStatistics: boolean;
  lo: number;
  hi: number;
  numEnvs: number;
  obsDim: number;
  actDim: number;
  autoresetMode: AutoresetMode;
  spinIterations: number;
  shared: SharedBatch;
}

/** Wait until ctrl[index] !== value; spin briefly first. Returns false on timeout. */
export function waitChange(ctrl: Int32Array, index: number, value: number, spin: number, timeoutMs: number): boolean {
  for (let s = 0; s < spin; s++) if (Atomics.load(ctrl, index) !== value) return true;
  const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
  while (Atomics.load(ctrl, index) === value) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(ctrl, index, value, Math.min(left, 1000));
  }
  return true;
}
