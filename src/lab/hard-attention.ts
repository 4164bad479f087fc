/**
 * Section 7 of the lab page: the score-function estimator beyond RL. Hard attention on a toy task
 * (as examples/hard-attention.ts): each input has K noise slots and a one-hot cue naming the slot
 * that holds the signal; the label is the signal's sign. A "where" network picks ONE slot (a
 * categorical draw, no derivative), a "what" network classifies from that slot alone. The classifier
 * learns by backpropagation; the choice can only learn through the score function
 * (src/estimators: surrogateLoss). Three variants on the same data stream: score function with a
 * leave-one-out baseline, without a baseline, and no score function at all (the control).
 * Kept out of lab/index.ts: it pulls in the networks.
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, concat, reshape, neg, mean, mul, add, softplus, takeAlongAxis, noGrad } from '../tensor/index.ts';
import { MLP, Adam } from '../nn/index.ts';
import { Categorical } from '../distributions/index.ts';
import { surrogateLoss } from '../score-function/index.ts';

export type AttentionVariant = 'leaveOneOut' | 'noBaseline' | 'off';
export const ATTENTION_VARIANTS: AttentionVariant[] = ['leaveOneOut', 'noBaseline', 'off'];

export interface AttentionRow {
  step: number;
  /** Greedy (most likely slot) accuracy on a fresh batch. */
  accuracy: number;
  /** Fraction of the training batch's sampled slots that were the cued one. */
  attendsCue: number;
}

function batch(rng: Rng, n: number, K: number) {
  const cue = new Float32Array(n * K),
    slots = new Float32Array(n * K),
    labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rng.int(K);
    cue[i * K + k] = 1;
    for (let j = 0; j < K; j++) slots[i * K + j] = rng.normal();
    labels[i] = slots[i * K + k] > 0 ? 1 : 0;
  }
  return { cue: new Tensor(cue, [n, K]), slots: new Tensor(slots, [n, K]), labels };
}

export function trainAttention(o: { variant: AttentionVariant; K: number; steps: number; batch: number; seed: number; every?: number }): AttentionRow[] {
  const { K, steps, batch: n } = o;
  if (!ATTENTION_VARIANTS.includes(o.variant))
    throw new RangeError(`hard attention: variant must be one of ${ATTENTION_VARIANTS.join(', ')}, got ${JSON.stringify(o.variant)}`);
  if (!Number.isInteger(K) || K < 2 || K > 64) throw new RangeError(`hard attention: K must be an integer in [2, 64], got ${K}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`hard attention: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`hard attention: batch must be an integer >= 2, got ${n}`);
  // Same initial networks and data for every variant: only the estimator differs.
  const init = new Rng(o.seed, 701),
    data = new Rng(o.seed, 702),
    draws = new Rng(o.seed, 703),
    evalData = new Rng(o.seed, 704);
  const where = new MLP([K, 32, K], init, { outputGain: 0.01 });
  const what = new MLP([K + 1, 32, 1], init);
  const params = [...where.parameters(), ...what.parameters()];
  const opt = new Adam(params, { lr: 3e-3 });
  const forward = (b: ReturnType<typeof batch>, greedy: boolean) => {
    const attention = new Categorical(where.forward(b.cue));
    const z = greedy ? attention.mode() : attention.sample(draws);
    const glimpse = reshape(takeAlongAxis(b.slots, z, 1), [n, 1]);
    const logit = reshape(what.forward(concat([b.cue, glimpse], 1)), [n]);
    const y = new Tensor(b.labels, [n]);
    return { attention, z, logit, cost: add(softplus(logit), neg(mul(y, logit))) }; // Bernoulli cross-entropy
  };
  const every = o.every ?? 25;
  const rows: AttentionRow[] = [];
  for (let s = 0; s <= steps; s++) {
    const b = batch(data, n, K);
    const { attention, z, cost } = forward(b, false);
    const loss =
      o.variant === 'off'
        ? mean(cost)
        : surrogateLoss({ logProb: attention.logProb(z), cost, baseline: o.variant === 'leaveOneOut' ? 'leaveOneOut' : undefined });
    opt.step(grad(loss, params, { allowUnused: true }));
    if (s % every === 0 || s === steps) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (b.cue.data[i * K + z[i]] === 1) hits++;
      const accuracy = noGrad(() => {
        const e = batch(evalData, n, K);
        const { logit } = forward(e, true);
        let ok = 0;
        for (let i = 0; i < n; i++) if ((logit.data[i] > 0 ? 1 : 0) === e.labels[i]) ok++;
        return ok / n;
      });
      rows.push({ step: s, accuracy, attendsCue: hits / n });
    }
  }
  return rows;
}
