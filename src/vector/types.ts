/**
 * Vector env types (Gymnasium 1.x gymnasium.vector semantics), batched into flat typed arrays:
 * obs [numEnvs * obsDim] float32, rewards float64, terminated/truncated uint8 (0/1).
 *
 * Autoreset modes (Gymnasium 1.x AutoresetMode):
 * - 'next-step' (default): the step after an env's episode ended resets it instead of stepping; that
 *   step returns the reset obs, reward 0, terminated = truncated = 0, and ignores its action.
 * - 'same-step': an env whose episode ends is reset within the same step; obs holds the reset obs,
 *   finalObs/finalMask hold the last obs of the finished episode, finalInfos its info.
 *
 * As for single envs, the returned object and its arrays are reused by the next step/reset.
 */
import type { Info } from '../envs/env.ts';
import type { Space } from '../envs/spaces.ts';
import type { EnvSnapshot, JsonNumber } from '../envs/snapshot.ts';

export type AutoresetMode = 'next-step' | 'same-step';

/** What VectorEnv.reset accepts (gymnasium.vector's reset arguments). */
export interface VectorResetArgs {
  /** One seed: sub-env i gets seed + i. A list: one seed (or null for none) per sub-env. */
  seed?: number | readonly (number | null | undefined)[];
  /** Passed to every reset sub-env; `reset_mask` (numEnvs booleans) resets only the selected sub-envs. */
  options?: Record<string, unknown>;
}

export interface VectorResetResult {
  obs: Float32Array;
  infos: Info[];
}

export interface VectorStepResult {
  obs: Float32Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  infos: Info[];
  /** same-step mode: last obs of the episodes that ended this step (rows where finalMask is 1). */
  finalObs: Float32Array | null;
  finalMask: Uint8Array | null;
  finalInfos: (Info | null)[] | null;
}

/**
 * A vector env's snapshot (JSON-serialisable): every env's snapshot plus the batch's own state.
 * SyncVectorEnv and AsyncVectorEnv write the same layout, so either restores the other's.
 */
export interface VectorEnvState {
  kind: 'vector-env';
  numEnvs: number;
  obsDim: number;
  autoresetMode: AutoresetMode;
  /** The last batch of observations (what the last reset/step returned), encoded numbers. */
  obs: JsonNumber[];
  /** Next-step mode: 1 where the env's next step is a reset. */
  autoreset: number[];
  envs: EnvSnapshot[];
}

export interface VectorEnv {
  readonly numEnvs: number;
  readonly obsDim: number;
  /** Numbers per env in the action array: 1 for Discrete, the Box size otherwise. */
  readonly actDim: number;
  readonly singleObservationSpace: Space<any>;
  readonly singleActionSpace: Space<any>;
  readonly autoresetMode: AutoresetMode;
  /**
   * seed: env i is reset with seed + i, or a list with one seed (or null) per env; no seed: every
   * env continues its own stream. options go to every env's reset; options.reset_mask (numEnvs
   * booleans) resets only the selected envs, the others keep their last observation (Gymnasium 1.x).
   */
  reset(args?: VectorResetArgs): VectorResetResult;
  /** actions: numEnvs values (Discrete) or numEnvs * actDim values (Box), env-major. */
  step(actions: ArrayLike<number>): VectorStepResult;
  close(): void | Promise<void>;
}
