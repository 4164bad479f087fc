import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor } from '../../src/tensor/index.ts';
import { CategoricalPolicy, GaussianPolicy, ValueFunction, type Policy } from '../../src/policies/index.ts';
import { SquashedGaussianActor } from '../../src/policies/actor-critic.ts';

// The log-probabilities act() records (pi_old's, the denominators of PPO/TRPO ratios and importance
// weights) must be those of distribution().logProb for the same actions: act() computes them off the
// tape by its own code, so a dropped term (log Z, log sigma) would otherwise go unnoticed.

/** Scale a network's last layer so that the outputs are far from 0 (initial output gain is 0.01). */
function spread(net: { layers: { weight: Tensor; bias: Tensor | null }[] }, rng: Rng, scale: number): void {
  const last = net.layers[net.layers.length - 1];
  rng.fillNormal(last.weight.data, 0, scale);
  if (last.bias) rng.fillNormal(last.bias.data, 0, scale);
}

function checkAct(policy: Policy, obsDim: number, toDistAction: (a: Float32Array) => Float32Array = (a) => a) {
  const B = 64,
    rng = new Rng(11);
  const obs = rng.fillNormal(new Float32Array(B * obsDim)) as Float32Array;
  for (const deterministic of [false, true]) {
    const { actions, logProbs } = policy.act(obs, B, new Rng(5), deterministic);
    const a = toDistAction(Float32Array.from(actions)),
      lp = Float32Array.from(logProbs);
    const ref = policy.distribution(new Tensor(obs, [B, obsDim])).logProb(a).data;
    for (let i = 0; i < B; i++) {
      assert.ok(
        Math.abs(lp[i] - ref[i]) <= 1e-4 * Math.max(1, Math.abs(ref[i])),
        `${deterministic ? 'mode' : 'sample'} row ${i}: act() ${lp[i]}, logProb ${ref[i]}`,
      );
    }
  }
}

test('categorical policy: act() log-probabilities equal distribution().logProb (log Z included)', () => {
  const pi = new CategoricalPolicy(3, 5, new Rng(1), { hidden: [16] });
  spread(pi.net, new Rng(2), 1);
  checkAct(pi, 3);
});

test('Gaussian policy with a learned, per-dimension log-std: act() log-probabilities equal logProb', () => {
  const pi = new GaussianPolicy(4, 2, new Rng(1), { hidden: [16] });
  pi.logStd.data.set([-0.7, 0.4]); // log sigma != 0: a dropped log-std term shows
  spread(pi.net, new Rng(3), 0.5);
  checkAct(pi, 4);
});

test('Gaussian policy with a fixed log-std: act() log-probabilities equal logProb', () => {
  const pi = new GaussianPolicy(4, 3, new Rng(1), { hidden: [16], logStd: 'fixed', logStdInit: -1.2 });
  spread(pi.net, new Rng(4), 0.5);
  checkAct(pi, 4);
});

test('state-dependent squashed Gaussian (SAC actor): act() log-probabilities equal logProb of the unit action', () => {
  const low = Float32Array.of(-2, 0),
    high = Float32Array.of(2, 10);
  const pi = new SquashedGaussianActor(3, 2, low, high, new Rng(1), { hidden: [16], activation: 'relu', logStdMin: -20, logStdMax: 2 });
  spread(pi.net, new Rng(6), 0.3);
  // act() returns actions in the env's Box; the distribution lives on [-1, 1]^D. The recorded
  // log-probability is the density of the unit action (what the SAC losses use).
  checkAct(pi, 3, (a) => Float32Array.from(a, (x, i) => (2 * (x - low[i % 2])) / (high[i % 2] - low[i % 2]) - 1));
});

test('initial gains as in SB3 and CleanRL: hidden layers sqrt 2, the policy head 0.01, the value head 1 (orthogonal columns of that norm)', () => {
  const colNorms = (w: Tensor) => {
    const [r, c] = w.shape;
    return Array.from({ length: c }, (_, j) => Math.hypot(...Array.from({ length: r }, (_, i) => w.data[i * c + j])));
  };
  const near = (xs: number[], want: number, what: string) =>
    xs.forEach((x) => assert.ok(Math.abs(x - want) < 1e-5 * Math.max(1, want), `${what}: ${x}, expected ${want}`));
  const v = new ValueFunction(4, new Rng(3));
  near(colNorms(v.net.layers[2].weight), 1, 'value head');
  near(colNorms(v.net.layers[1].weight), Math.SQRT2, 'value hidden layer');
  const pi = new CategoricalPolicy(4, 3, new Rng(4));
  near(colNorms(pi.net.layers[2].weight), 0.01, 'policy head');
});
