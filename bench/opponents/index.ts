// The engine-bench opponents and the shared workload, for bench/engine.ts.

export type { InferenceFn, Opponent, ParamArrays, PpoUpdateFn } from './types.ts';
export { createTfjsOpponent, type TfjsBackend } from './tfjs.ts';
export { createJaxOpponent } from './jax.ts';
export { measure, measureInterleaved, formatTiming, quantile, type Timing, type TimingOptions } from './timing.ts';
export * from './workload.ts';
export { referenceLoss, referenceProbs } from './reference.ts';
export { verifyOpponent, compareParams, maxAbsDiff, type Check, type Verification } from './verify.ts';

import type { Opponent } from './types.ts';
import { createTfjsOpponent } from './tfjs.ts';
import { createJaxOpponent } from './jax.ts';

/** The three opponents of issue 2's bench, in table order. */
export function createOpponents(): Opponent[] {
  return [createTfjsOpponent('cpu'), createTfjsOpponent('wasm'), createJaxOpponent()];
}
