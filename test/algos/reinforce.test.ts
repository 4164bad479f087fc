import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, mean, mul, neg } from '../../src/tensor/index.ts';
import { CategoricalPolicy, GaussianPolicy } from '../../src/policies/index.ts';
import { Reinforce } from '../../src/algos/reinforce.ts';

const slow = process.env.ASCENT_SLOW === '1';

function batch(rng: Rng, n: number, d: number) {
  const obs = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
  const w = rng.fillNormal(new Float32Array(n)) as Float32Array;
  return { obs, w };
}

test('pseudo-loss gradient equals the explicit score-function sum (categorical, cross-entropy form)', () => {
  const rng = new Rng(1);
  const N = 50, D = 4, K = 3;
  const pi = new CategoricalPolicy(D, K, rng, { hidden: [] });
  const { obs, w } = batch(rng, N, D);
  const actions = Float32Array.from({ length: N }, () => rng.int(K));
  // Autodiff through L = -(1/N) sum_t log pi(a_t|s_t) w_t.
  const logp = pi.distribution(new Tensor(obs, [N, D])).logProb(actions);
  const [gW, gb] = grad(neg(mean(mul(logp, new Tensor(w, [N])))), pi.parameters());
  // Explicit: -(1/N) sum_t w_t * grad log pi(a_t|s_t), with grad_W = s (onehot(a) - p)^T for a linear softmax.
  const W = pi.parameters()[0].data, b = pi.parameters()[1].data;
  const eW = new Float64Array(D * K), eb = new Float64Array(K);
  for (let t = 0; t < N; t++) {
    const z = Array.from({ length: K }, (_, k) => b[k] + Array.from({ length: D }, (_, i) => obs[t * D + i] * W[i * K + k]).reduce((a, c) => a + c, 0));
    const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, c) => a + c, 0);
    for (let k = 0; k < K; k++) {
      const score = (k === actions[t] ? 1 : 0) - e[k] / s;
      eb[k] -= (w[t] * score) / N;
      for (let i = 0; i < D; i++) eW[i * K + k] -= (w[t] * obs[t * D + i] * score) / N;
    }
  }
  eW.forEach((v, i) => assert.ok(Math.abs(v - gW.data[i]) < 1e-6, `W[${i}]: ${gW.data[i]} vs ${v}`));
  eb.forEach((v, i) => assert.ok(Math.abs(v - gb.data[i]) < 1e-6, `b[${i}]`));
});

test('pseudo-loss gradient equals the explicit score-function sum (Gaussian, squared-error form)', () => {
  const rng = new Rng(2);
  const N = 40, D = 3, A = 2;
  const pi = new GaussianPolicy(D, A, rng, { hidden: [], logStdInit: -0.3 });
  const { obs, w } = batch(rng, N, D);
  const actions = rng.fillNormal(new Float32Array(N * A)) as Float32Array;
  const [gW, gb, gls] = grad(neg(mean(mul(pi.distribution(new Tensor(obs, [N, D])).logProb(actions), new Tensor(w, [N])))), pi.parameters());
  const [W, b, ls] = pi.parameters().map((p) => p.data);
  const eW = new Float64Array(D * A), eb = new Float64Array(A), els = new Float64Array(A);
  for (let t = 0; t < N; t++)
    for (let j = 0; j < A; j++) {
      let mu = b[j];
      for (let i = 0; i < D; i++) mu += obs[t * D + i] * W[i * A + j];
      const v = Math.exp(2 * ls[j]), diff = actions[t * A + j] - mu;
      eb[j] -= (w[t] * diff) / v / N;
      for (let i = 0; i < D; i++) eW[i * A + j] -= (w[t] * obs[t * D + i] * diff) / v / N;
      els[j] -= (w[t] * ((diff * diff) / v - 1)) / N;
    }
  eW.forEach((v, i) => assert.ok(Math.abs(v - gW.data[i]) < 1e-5, `W[${i}]: ${gW.data[i]} vs ${v}`));
  eb.forEach((v, i) => assert.ok(Math.abs(v - gb.data[i]) < 1e-5));
  els.forEach((v, i) => assert.ok(Math.abs(v - gls.data[i]) < 1e-5));
});

test('REINFORCE (reward-to-go, value baseline) reaches a greedy mean of at least 475 on CartPole-v1', () => {
  const agent = new Reinforce({ env: 'CartPole-v1', seed: 0, totalSteps: 150_000 });
  agent.learn({ stop: (l) => l.returnMean >= 450 && agent.evaluate({ episodes: 5 }).mean >= 475 });
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(ev.mean >= 475, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

/**
 * The continuous test: Pendulum-v1 needs a real continuous controller (swing up, then balance with
 * graded torques), its dense reward lets vanilla policy gradient learn in CI time, and random
 * actions score about -1200, so -400 is unambiguous learning.
 */
test('a Gaussian REINFORCE policy learns Pendulum-v1: greedy mean of at least -400 (random: about -1200)', () => {
  const agent = new Reinforce({
    env: 'Pendulum-v1', seed: 0, numEnvs: 5, batchSteps: 1000, gamma: 0.95, gaeLambda: 0.95, lr: 0.01,
    valueIters: 80, maxGradNorm: 0, totalSteps: 250_000,
  });
  agent.learn({ stop: (l) => l.returnMean >= -300 && agent.evaluate({ episodes: 5 }).mean >= -300 });
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(ev.mean >= -400, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

/**
 * Partial observability: CartPoleMaskedVelocity-v1 hides both velocities. A random policy scores
 * about 22 and a memoryless policy on (x, theta) plateaus near 50 (measured with frameStack 1);
 * stacking 4 observations lets the policy infer the velocities from differences.
 */
test('with frame stacking, a policy on velocity-masked CartPole learns far above random (greedy mean >= 150)', () => {
  const agent = new Reinforce({ env: 'CartPoleMaskedVelocity-v1', seed: 0, frameStack: 4, totalSteps: 200_000 });
  agent.learn({ stop: (l) => l.returnMean >= 150 && agent.evaluate({ episodes: 5 }).mean >= 180 });
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(ev.mean >= 150, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

test('every baseline runs and the full-return estimator rejects batches without a finished episode', () => {
  for (const [returns, baseline] of [['full', 'none'], ['full', 'mean'], ['full', 'optimal'], ['full', 'value'], ['rewardToGo', 'mean'], ['rewardToGo', 'none']] as const) {
    const a = new Reinforce({ env: 'CartPole-v1', seed: 3, returns, baseline, batchSteps: 512, totalSteps: 1024 });
    const log = a.update();
    assert.ok(Number.isFinite(log.policyLoss), `${returns}/${baseline}: policy loss ${log.policyLoss}`);
    a.close();
  }
  const a = new Reinforce({ env: 'Pendulum-v1', returns: 'full', baseline: 'none', numEnvs: 1, batchSteps: 100 });
  assert.throws(() => a.update(), /returns 'full' needs whole episodes.*holds none finished.*batchEpisodes/);
  const b = new Reinforce({ env: 'CartPole-v1', returns: 'full', baseline: 'mean', numEnvs: 2, batchEpisodes: 4, batchSteps: 0 });
  const log = b.update();
  assert.equal(log.episodes, 4);
});

test('bad input: wrong policy kind for the action space, unknown baseline, unknown keys', () => {
  assert.throws(() => new Reinforce({ env: 'CartPole-v1', policy: { kind: 'gaussian' } as any }), /Gaussian \(continuous\) policy cannot act in the discrete action space/);
  assert.throws(() => new Reinforce({ env: 'Pendulum-v1', policy: { kind: 'categorical' } as any }), /categorical \(discrete\) policy cannot act in the continuous action space/);
  assert.throws(() => new Reinforce({ baseline: 'median' as any }), /'baseline' must be one of "none", "mean", "optimal", "value", got "median"/);
  assert.throws(() => new Reinforce({ batchSize: 5 } as any), /unknown config key 'batchSize' \(did you mean 'batchSteps'\?\)/);
  assert.throws(() => new Reinforce({ returns: 'rewardToGo', baseline: 'optimal' }), /baseline 'optimal' is derived for whole-trajectory returns/);
  assert.throws(() => new Reinforce({ batchEpisodes: 5, numEnvs: 2 }), /'batchEpisodes' \(5\) must be a multiple of 'numEnvs' \(2\)/);
});
