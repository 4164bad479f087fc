// Plain-JS float64 forward pass of the two workloads: the yardstick that every engine's initial loss
// and probabilities are compared with (no gradients here; their correctness is checked by the loss
// decreasing and by engines agreeing after Adam steps).

import { HIDDEN, N_ACTIONS, OBS_DIM, PPO, checkParams, type PpoBatch } from './workload.ts';
import type { ParamArrays } from './types.ts';

/** y[B, out] = act(x[B, in] W[in, out] + b[out]). */
function dense(x: Float64Array, batch: number, nIn: number, W: Float32Array, b: Float32Array, nOut: number, tanh: boolean) {
  const y = new Float64Array(batch * nOut);
  for (let r = 0; r < batch; r++) {
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let k = 0; k < nIn; k++) s += x[r * nIn + k] * W[k * nOut + j];
      y[r * nOut + j] = tanh ? Math.tanh(s) : s;
    }
  }
  return y;
}

function heads(params: ParamArrays, obs: Float32Array, batch: number) {
  checkParams(params);
  const h1 = dense(Float64Array.from(obs), batch, OBS_DIM, params[0], params[1], HIDDEN, true);
  const h2 = dense(h1, batch, HIDDEN, params[2], params[3], HIDDEN, true);
  const logits = dense(h2, batch, HIDDEN, params[4], params[5], N_ACTIONS, false);
  const value = dense(h2, batch, HIDDEN, params[6], params[7], 1, false);
  return { logits, value };
}

function logSoftmaxRow(logits: Float64Array, r: number): number[] {
  const row = Array.from(logits.subarray(r * N_ACTIONS, (r + 1) * N_ACTIONS));
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
  return row.map((z) => z - lse);
}

/** Softmax probabilities [B, 2] of the policy head. */
export function referenceProbs(params: ParamArrays, obs: Float32Array, batch: number): Float64Array {
  const { logits } = heads(params, obs, batch);
  const out = new Float64Array(batch * N_ACTIONS);
  for (let r = 0; r < batch; r++) logSoftmaxRow(logits, r).forEach((l, a) => (out[r * N_ACTIONS + a] = Math.exp(l)));
  return out;
}

/** PPO loss = policy loss + 0.5 value loss - 0.01 entropy, with its three parts. */
export function referenceLoss(params: ParamArrays, data: PpoBatch) {
  const B = data.batch;
  const { logits, value } = heads(params, data.obs, B);
  let policy = 0;
  let valueLoss = 0;
  let entropy = 0;
  for (let r = 0; r < B; r++) {
    const logp = logSoftmaxRow(logits, r);
    const ratio = Math.exp(logp[data.actions[r]] - data.oldLogProb[r]);
    const clipped = Math.min(Math.max(ratio, 1 - PPO.clip), 1 + PPO.clip);
    const A = data.advantages[r];
    policy -= Math.min(ratio * A, clipped * A);
    valueLoss += (value[r] - data.returns[r]) ** 2;
    entropy -= logp.reduce((s, l) => s + Math.exp(l) * l, 0);
  }
  policy /= B;
  valueLoss /= B;
  entropy /= B;
  return { loss: policy + PPO.vfCoef * valueLoss - PPO.entCoef * entropy, policy, value: valueLoss, entropy };
}
