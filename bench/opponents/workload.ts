// The two workloads of issue 2's engine bench, defined once so that Ascent and every opponent run
// exactly the same network, loss, optimiser constants and seeded data.

import { Rng } from '../../src/rng/index.ts';
import type { ParamArrays } from './types.ts';

export const OBS_DIM = 4;
export const HIDDEN = 64;
export const N_ACTIONS = 2;

/** PPO loss and Adam constants. Clip 0.2, value coefficient 0.5, entropy 0.01: the CleanRL/SB3 defaults. */
export const PPO = {
  clip: 0.2,
  vfCoef: 0.5,
  entCoef: 0.01,
  lr: 3e-4,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
} as const;

export const PPO_BATCHES = [64, 512, 4096] as const;
export const INFERENCE_BATCHES = [1, 64] as const;

/** Parameter order and shapes; weights are [in, out], row-major, y = x W + b. */
export const PARAM_SPECS: ReadonlyArray<{ name: string; shape: readonly number[] }> = [
  { name: 'trunk.W1', shape: [OBS_DIM, HIDDEN] },
  { name: 'trunk.b1', shape: [HIDDEN] },
  { name: 'trunk.W2', shape: [HIDDEN, HIDDEN] },
  { name: 'trunk.b2', shape: [HIDDEN] },
  { name: 'policy.W', shape: [HIDDEN, N_ACTIONS] },
  { name: 'policy.b', shape: [N_ACTIONS] },
  { name: 'value.W', shape: [HIDDEN, 1] },
  { name: 'value.b', shape: [1] },
];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Throws unless params has the 8 arrays of PARAM_SPECS, in order, with the right lengths. */
export function checkParams(params: ParamArrays): void {
  if (params.length !== PARAM_SPECS.length) {
    throw new Error(`params: expected ${PARAM_SPECS.length} Float32Arrays (${PARAM_SPECS.map((p) => p.name).join(', ')}), got ${params.length}`);
  }
  PARAM_SPECS.forEach(({ name, shape }, i) => {
    const p = params[i];
    if (!(p instanceof Float32Array) || p.length !== size(shape)) {
      const got = p instanceof Float32Array ? `length ${p.length}` : String(p);
      throw new Error(`params[${i}] (${name}): expected a Float32Array of length ${size(shape)} for shape [${shape}], got ${got}`);
    }
  });
}

/**
 * Glorot (Xavier) uniform weights, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio,
 * 2010), and small uniform biases rather than zeros, so that the bias gradients are exercised.
 * Stream 1 of the seed: independent of the data streams below.
 */
export function initParams(seed: number): Float32Array[] {
  const rng = new Rng(seed, 1);
  return PARAM_SPECS.map(({ shape }) => {
    const out = new Float32Array(size(shape));
    if (shape.length === 2) {
      const a = Math.sqrt(6 / (shape[0] + shape[1]));
      rng.fillUniform(out, -a, a);
    } else {
      rng.fillUniform(out, -0.1, 0.1);
    }
    return out;
  });
}

export interface PpoBatch {
  batch: number;
  /** [B, 4] row-major. */
  obs: Float32Array;
  /** [B], each 0 or 1. */
  actions: Int32Array;
  oldLogProb: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch: expected a positive integer, got ${batch}`);
}

/**
 * A synthetic minibatch (stream 2 of the seed). oldLogProb = log(U(0.3, 0.7)), so that with a near
 * uniform initial policy the ratio spreads over about [0.7, 1.7] and the clip is active on part of it.
 */
export function makePpoBatch(batch: number, seed: number): PpoBatch {
  checkBatch(batch);
  const rng = new Rng(seed, 2);
  const obs = rng.fillNormal(new Float32Array(batch * OBS_DIM)) as Float32Array;
  const actions = new Int32Array(batch);
  const oldLogProb = new Float32Array(batch);
  for (let i = 0; i < batch; i++) {
    actions[i] = rng.int(N_ACTIONS);
    oldLogProb[i] = Math.log(rng.uniform(0.3, 0.7));
  }
  const advantages = rng.fillNormal(new Float32Array(batch)) as Float32Array;
  const returns = rng.fillNormal(new Float32Array(batch)) as Float32Array;
  return { batch, obs, actions, oldLogProb, advantages, returns };
}

/** Observations [B, 4] for the inference workload (stream 3 of the seed). */
export function makeObs(batch: number, seed: number): Float32Array {
  checkBatch(batch);
  return new Rng(seed, 3).fillNormal(new Float32Array(batch * OBS_DIM)) as Float32Array;
}
