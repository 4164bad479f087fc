/** Messages between the training page and its module worker. */
import type { UpdateLog } from '../../algos/types.ts';
import type { Evaluation, TrainResult } from '../../train/driver.ts';
import type { ResumeRequest, StartRequest } from './session.ts';

export type ToWorker =
  | { type: 'start'; req: StartRequest | ResumeRequest }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'save' }
  | { type: 'bench'; req: StartRequest & { steps: number } };

export type FromWorker =
  | { type: 'started'; algo: string; env: string; config: Record<string, unknown>; run: Record<string, unknown>; source: string | null }
  | { type: 'update'; log: UpdateLog; evaluation: Evaluation | null }
  /** Current weights as a checkpoint file: 'live' for the page's player (throttled), 'save' on request. */
  | { type: 'checkpoint'; purpose: 'live' | 'save'; bytes: Uint8Array; steps: number }
  | { type: 'paused'; paused: boolean }
  | { type: 'done'; result: TrainResult }
  | { type: 'bench'; result: { steps: number; seconds: number; updates: number; stepsPerSecond: number } }
  | { type: 'error'; message: string };
