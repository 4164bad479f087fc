/**
 * What every algorithm offers the training driver (CLI, browser worker, tests): one update at a
 * time, evaluation, and a complete snapshot of its state for exact resumption.
 */
import type { Tensor } from '../tensor/index.ts';
import type { Policy } from '../policies/index.ts';
import type { EvalResult } from './common.ts';

/** One row of progress.csv / progress.jsonl: the counters plus whatever the algorithm measures. */
export interface UpdateLog {
  iteration: number;
  /** Environment steps so far (all envs). */
  steps: number;
  seconds: number;
  /** Episodes finished during this update, and their undiscounted return and length statistics. */
  episodes: number;
  returnMean: number;
  returnStd: number;
  lengthMean: number;
  [metric: string]: number;
}

/**
 * Everything needed to resume bit for bit: named tensors (parameters, optimizer moments,
 * normalisation statistics) and JSON metadata (counters, RNG states, env states, config).
 * Written with nn/serialize's checksummed format.
 */
export interface AlgorithmState {
  tensors: [string, Tensor][];
  meta: Record<string, unknown>;
}

export interface Algorithm<C = unknown> {
  readonly name: string;
  readonly config: C;
  readonly policy: Policy;
  /** Environment steps taken so far. */
  readonly steps: number;
  /** Collect a batch and improve the policy once. */
  update(): UpdateLog;
  /** When present, the training driver calls this instead of update(): an update that waits for its data (distributed rollouts). */
  updateAsync?(): Promise<UpdateLog>;
  evaluate(opts?: { episodes?: number; seed?: number; deterministic?: boolean }): EvalResult;
  getState(): AlgorithmState;
  setState(state: AlgorithmState): void;
  close(): void;
}
