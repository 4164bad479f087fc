// Correctness checks for one engine on the bench workloads, shared by smoke.ts (and usable from a
// test): initial loss and probabilities against the float64 reference, the loss falling over 200
// Adam updates on a fixed batch (a wrong gradient would not do that), and no growth of live
// tensors/buffers over many updates.

import { referenceLoss, referenceProbs } from './reference.ts';
import type { Opponent } from './types.ts';
import { INFERENCE_BATCHES, initParams, makeObs, makePpoBatch } from './workload.ts';

export interface Check {
  ok: boolean;
  what: string;
}

export interface Verification {
  checks: Check[];
  /** Parameters after 5 updates from initParams(seed) at B=64, to compare engines with compareParams. */
  paramsAfter5: Float32Array[];
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const call = async <T>(fn: () => T | Promise<T>): Promise<T> => await fn();

/** Runs the checks on an initialised opponent. leakSteps = 0 skips the leak check. */
export async function verifyOpponent(opp: Opponent, { seed = 7, leakSteps = 1000 } = {}): Promise<Verification> {
  const checks: Check[] = [];
  const check = (ok: boolean, what: string) => checks.push({ ok, what });
  const params = initParams(seed);
  const ref = referenceLoss(params, makePpoBatch(64, seed));

  const update = await opp.ppoUpdate(64, seed, params);
  const first = await call(update);
  const err = Math.abs(first - ref.loss);
  check(err < 1e-4, `initial loss ${first.toFixed(6)} vs float64 reference ${ref.loss.toFixed(6)} (|diff| ${err.toExponential(1)} < 1e-4)`);
  for (let i = 1; i < 5; i++) await call(update);
  const paramsAfter5 = await update.readParams();
  let last = first;
  for (let i = 5; i < 200; i++) last = await call(update);
  check(last < first - 0.05, `loss decreases over 200 updates: ${first.toFixed(4)} -> ${last.toFixed(4)}`);
  update.release();

  for (const b of INFERENCE_BATCHES) {
    const infer = await opp.inference(b, seed, params);
    const e = maxAbsDiff(await call(infer), referenceProbs(params, makeObs(b, seed), b));
    check(e < 1e-5, `inference B=${b} probabilities vs reference (max |diff| ${e.toExponential(1)} < 1e-5)`);
    infer.release();
  }

  if (opp.memory && leakSteps > 0) {
    const u = await opp.ppoUpdate(64, seed);
    const inf = await opp.inference(1, seed);
    for (let i = 0; i < 10; i++) await call(u), await call(inf);
    const before = JSON.stringify(opp.memory());
    for (let i = 0; i < leakSteps; i++) await call(u), await call(inf);
    const after = JSON.stringify(opp.memory());
    check(before === after, `live tensors/buffers unchanged over ${leakSteps} updates + inferences: ${before} -> ${after}`);
    u.release();
    inf.release();
  }
  return { checks, paramsAfter5 };
}

/** Two engines given the same parameters and data follow the same Adam trajectory. */
export function compareParams(nameA: string, a: Float32Array[], nameB: string, b: Float32Array[]): Check {
  const err = Math.max(...a.map((p, k) => maxAbsDiff(p, b[k])));
  return { ok: err < 1e-5, what: `parameters after 5 updates, ${nameA} vs ${nameB}: max |diff| ${err.toExponential(1)} < 1e-5` };
}
