// Hard attention trained with the score-function estimator.
//
// Each input has K slots of noise and a one-hot cue saying which slot holds the signal; the label is
// the sign of the signal. The model picks ONE slot to look at (a discrete, non-differentiable
// choice drawn from a categorical "where" policy), then a classifier predicts the label from that
// slot alone. The classifier learns by backpropagation (pathwise); the choice of slot can only
// learn through the score function: grad log p(slot) * (cost - baseline).
//   node --import tsx examples/hard-attention.ts
import { Rng } from '../src/rng/index.ts';
import { Tensor, grad, concat, reshape, neg, mean, mul, add, softplus, takeAlongAxis, noGrad } from '../src/tensor/index.ts';
import { MLP, Adam } from '../src/nn/index.ts';
import { Categorical } from '../src/distributions/index.ts';
import { surrogateLoss } from '../src/score-function/index.ts';

export function makeBatch(rng: Rng, n: number, K: number) {
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

/** `scoreFunction: false` trains the classifier alone (the control: the choice of slot cannot learn). */
export function trainHardAttention(opts: { K?: number; steps?: number; batch?: number; seed?: number; scoreFunction?: boolean } = {}) {
  const K = opts.K ?? 6,
    steps = opts.steps ?? 400,
    n = opts.batch ?? 64;
  const rng = new Rng(opts.seed ?? 0);
  const where = new MLP([K, 32, K], rng.split(), { outputGain: 0.01 });
  const what = new MLP([K + 1, 32, 1], rng.split());
  const params = [...where.parameters(), ...what.parameters()];
  const opt = new Adam(params, { lr: 3e-3 });
  const forward = (b: ReturnType<typeof makeBatch>, greedy: boolean) => {
    const attention = new Categorical(where.forward(b.cue));
    const z = greedy ? attention.mode() : attention.sample(rng);
    const glimpse = reshape(takeAlongAxis(b.slots, z, 1), [n, 1]); // the chosen slot's value only
    const logit = reshape(what.forward(concat([b.cue, glimpse], 1)), [n]);
    // Bernoulli cross-entropy per example: softplus(logit) - y * logit.
    const y = new Tensor(b.labels, [n]);
    const cost = add(softplus(logit), neg(mul(y, logit)));
    return { attention, z, logit, cost };
  };
  const accuracy = () =>
    noGrad(() => {
      const b = makeBatch(rng, n, K);
      const { logit } = forward(b, true);
      let ok = 0;
      for (let i = 0; i < n; i++) if ((logit.data[i] > 0 ? 1 : 0) === b.labels[i]) ok++;
      return ok / n;
    });
  const history: { step: number; accuracy: number; attendsCue: number }[] = [];
  for (let s = 0; s <= steps; s++) {
    const b = makeBatch(rng, n, K);
    const { attention, z, cost } = forward(b, false);
    // Pathwise gradient for the classifier (cost is on the tape), score function for the choice.
    const loss = opts.scoreFunction === false ? mean(cost) : surrogateLoss({ logProb: attention.logProb(z), cost, baseline: 'leaveOneOut' });
    opt.step(grad(loss, params, { allowUnused: true }));
    if (s % 50 === 0) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (b.cue.data[i * K + z[i]] === 1) hits++;
      history.push({ step: s, accuracy: accuracy(), attendsCue: hits / n });
    }
  }
  return history;
}

// Run as a script: print the learning curve.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const h of trainHardAttention()) {
    console.log(
      `step ${String(h.step).padStart(4)}  greedy accuracy ${(100 * h.accuracy).toFixed(1)}%  samples attending the cued slot ${(100 * h.attendsCue).toFixed(1)}%`,
    );
  }
}
