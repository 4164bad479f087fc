import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, mean, mul, neg, sum } from '../../src/tensor/index.ts';
import { CategoricalPolicy, GaussianPolicy } from '../../src/policies/index.ts';
import { Reinforce, reinforceWeights, type ReinforceWeighting } from '../../src/algos/reinforce.ts';
import type { Rollout } from '../../src/rollout/index.ts';

const _slow = process.env.ASCENT_SLOW === '1';

function batch(rng: Rng, n: number, d: number) {
  const obs = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
  const w = rng.fillNormal(new Float32Array(n)) as Float32Array;
  return { obs, w };
}

test('pseudo-loss gradient equals the explicit score-function sum (categorical, cross-entropy form)', () => {
  const rng = new Rng(1);
  const N = 50,
    D = 4,
    K = 3;
  const pi = new CategoricalPolicy(D, K, rng, { hidden: [] });
  const { obs, w } = batch(rng, N, D);
  const actions = Float32Array.from({ length: N }, () => rng.int(K));
  // Autodiff through L = -(1/N) sum_t log pi(a_t|s_t) w_t.
  const logp = pi.distribution(new Tensor(obs, [N, D])).logProb(actions);
  const [gW, gb] = grad(neg(mean(mul(logp, new Tensor(w, [N])))), pi.parameters());
  // Explicit: -(1/N) sum_t w_t * grad log pi(a_t|s_t), with grad_W = s (onehot(a) - p)^T for a linear softmax.
  const W = pi.parameters()[0].data,
    b = pi.parameters()[1].data;
  const eW = new Float64Array(D * K),
    eb = new Float64Array(K);
  for (let t = 0; t < N; t++) {
    const z = Array.from({ length: K }, (_, k) => b[k] + Array.from({ length: D }, (_, i) => obs[t * D + i] * W[i * K + k]).reduce((a, c) => a + c, 0));
    const m = Math.max(...z),
      e = z.map((v) => Math.exp(v - m)),
      s = e.reduce((a, c) => a + c, 0);
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
  const N = 40,
    D = 3,
    A = 2;
  const pi = new GaussianPolicy(D, A, rng, { hidden: [], logStdInit: -0.3 });
  const { obs, w } = batch(rng, N, D);
  const actions = rng.fillNormal(new Float32Array(N * A)) as Float32Array;
  const [gW, gb, gls] = grad(neg(mean(mul(pi.distribution(new Tensor(obs, [N, D])).logProb(actions), new Tensor(w, [N])))), pi.parameters());
  const [W, b, ls] = pi.parameters().map((p) => p.data);
  const eW = new Float64Array(D * A),
    eb = new Float64Array(A),
    els = new Float64Array(A);
  for (let t = 0; t < N; t++)
    for (let j = 0; j < A; j++) {
      let mu = b[j];
      for (let i = 0; i < D; i++) mu += obs[t * D + i] * W[i * A + j];
      const v = Math.exp(2 * ls[j]),
        diff = actions[t * A + j] - mu;
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
    env: 'Pendulum-v1',
    seed: 0,
    numEnvs: 5,
    batchSteps: 1000,
    gamma: 0.95,
    gaeLambda: 0.95,
    lr: 0.01,
    valueIters: 80,
    maxGradNorm: 0,
    totalSteps: 250_000,
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

test('every baseline runs', () => {
  for (const [returns, baseline] of [
    ['full', 'none'],
    ['full', 'mean'],
    ['full', 'optimal'],
    ['full', 'value'],
    ['rewardToGo', 'mean'],
    ['rewardToGo', 'none'],
  ] as const) {
    const a = new Reinforce({ env: 'CartPole-v1', seed: 3, returns, baseline, batchSteps: 512, totalSteps: 1024 });
    const log = a.update();
    assert.ok(Number.isFinite(log.policyLoss), `${returns}/${baseline}: policy loss ${log.policyLoss}`);
    a.close();
  }
  const b = new Reinforce({ env: 'CartPole-v1', returns: 'full', baseline: 'mean', numEnvs: 2, batchEpisodes: 4, batchSteps: 0 });
  const log = b.update();
  assert.equal(log.episodes, 4);
});

test('bad input: wrong policy kind for the action space, unknown baseline, unknown keys', () => {
  assert.throws(
    () => new Reinforce({ env: 'CartPole-v1', policy: { kind: 'gaussian' } as any }),
    /Gaussian \(continuous\) policy cannot act in the discrete action space/,
  );
  assert.throws(
    () => new Reinforce({ env: 'Pendulum-v1', policy: { kind: 'categorical' } as any }),
    /categorical \(discrete\) policy cannot act in the continuous action space/,
  );
  assert.throws(() => new Reinforce({ baseline: 'median' as any }), /'baseline' must be one of "none", "mean", "optimal", "value", got "median"/);
  assert.throws(() => new Reinforce({ batchSize: 5 } as any), /unknown config key 'batchSize' \(did you mean 'batchSteps'\?\)/);
  assert.throws(() => new Reinforce({ returns: 'rewardToGo', baseline: 'optimal' }), /baseline 'optimal' is derived for whole-trajectory returns/);
  assert.throws(() => new Reinforce({ batchEpisodes: 5, numEnvs: 2 }), /'batchEpisodes' \(5\) must be a multiple of 'numEnvs' \(2\)/);
});

test("the README's full-return settings run when episodes outgrow batchSteps: whole episodes are collected", () => {
  // `npx ascent train reinforce CartPole-v1 --set baseline=mean --set returns=full` failed once CartPole's
  // episodes outgrew 2048 / 8 = 256 steps per env (no episode inside the window). Pendulum's 200-step
  // episodes against a 100-step window show the same case at once.
  const a = new Reinforce({ env: 'Pendulum-v1', returns: 'full', baseline: 'mean', numEnvs: 2, batchSteps: 100, policy: { hidden: [8] } as any });
  const log = a.update();
  assert.equal(log.episodes, 2, 'one whole episode per env');
  assert.ok(Number.isFinite(log.policyLoss));
  assert.equal(a.steps, 400);
  a.close();
});

/** A hand-made rollout, one env, gamma 0.5: episode A = steps 0-2 (terminated), B = steps 3-4 (truncated, V(s'_final) = 10). */
function handRollout(): Rollout {
  const T = 5;
  return {
    T,
    numEnvs: 1,
    obsDim: 1,
    actDim: 1,
    obs: new Float32Array(T),
    actions: new Float32Array(T),
    logProbs: new Float32Array(T),
    rewards: Float64Array.of(1, 2, 3, 4, 5),
    terminated: Uint8Array.of(0, 0, 1, 0, 0),
    truncated: Uint8Array.of(0, 0, 0, 0, 1),
    values: Float32Array.of(0.5, 1, 1.5, 2, 2.5),
    finalValues: Float32Array.of(0, 0, 0, 0, 10),
    lastValues: Float32Array.of(0),
    mask: Uint8Array.of(1, 1, 1, 1, 1),
    continuing: Uint8Array.of(0),
    episodes: [],
  };
}

test('REINFORCE weights on a hand-made batch: full and reward-to-go returns with each baseline, exactly', () => {
  const w = (returns: 'full' | 'rewardToGo', baseline: ReinforceWeighting['baseline'], gaeLambda = 1) =>
    reinforceWeights(handRollout(), { returns, baseline, gamma: 0.5, gaeLambda });
  const eq = (got: ArrayLike<number>, want: number[], what: string) => assert.deepEqual(Array.from(got), want, what);
  // r(A) = 1 + 0.5*2 + 0.25*3 = 2.75; r(B) = 4 + 0.5*5 + 0.25*10 = 9 (truncated: bootstraps V(s'_final)).
  const none = w('full', 'none');
  eq(none.weights, [2.75, 2.75, 2.75, 9, 9], 'full');
  assert.equal(none.divisor, 2, 'full returns average over the 2 episodes');
  // Value baseline: r(tau) - V(s_t), so a high V lowers the weight (the sign a bug once flipped).
  const value = w('full', 'value');
  eq(value.weights, [2.25, 1.75, 1.25, 7, 6.5], 'full - V');
  eq(value.targets!, [2.75, 3.5, 3, 9, 10], 'value targets: reward-to-go');
  eq(w('full', 'mean').weights, [-3.125, -3.125, -3.125, 3.125, 3.125], 'full - mean over episodes (5.875)');
  const rtg = w('rewardToGo', 'none');
  eq(rtg.weights, [2.75, 3.5, 3, 9, 10], 'reward-to-go');
  assert.equal(rtg.divisor, 5, 'reward-to-go averages over the 5 steps');
  eq(w('rewardToGo', 'value').weights, [2.25, 2.5, 1.5, 7, 7.5], 'GAE(1) = reward-to-go - V');
  eq(w('rewardToGo', 'value', 0).weights, [1, 1.75, 1.5, 3.25, 7.5], 'GAE(0) = TD errors');
  const m = w('rewardToGo', 'mean').weights;
  [2.75, 3.5, 3, 9, 10].forEach((x, i) => assert.ok(Math.abs(m[i] - (x - 5.65)) < 1e-12, `rtg - mean [${i}]`));
});

test('normalizeAdvantages makes baseline none and mean identical; without it they differ', () => {
  const after = (baseline: 'none' | 'mean', normalizeAdvantages: boolean, returns: 'full' | 'rewardToGo') => {
    const a = new Reinforce({
      env: 'CartPole-v1',
      seed: 5,
      numEnvs: 2,
      batchSteps: 128,
      returns,
      baseline,
      normalizeAdvantages,
      policy: { hidden: [8] } as any,
    });
    a.update();
    const p = a.policy.parameters().flatMap((t) => Array.from(t.data));
    a.close();
    return p;
  };
  for (const returns of ['rewardToGo', 'full'] as const) {
    const maxDiff = (x: number[], y: number[]) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    // Standardising subtracts the batch mean, which absorbs the constant baseline (float32 rounding aside).
    assert.ok(maxDiff(after('none', true, returns), after('mean', true, returns)) < 1e-6, `${returns}: normalised none vs mean`);
    assert.ok(maxDiff(after('none', false, returns), after('mean', false, returns)) > 1e-4, `${returns}: unnormalised none vs mean`);
  }
});

test('the optimal baseline gradient is -(1/N) sum_i g_i (r_i - b) with b from the earlier batches', () => {
  const a = new Reinforce({
    env: 'CartPole-v1',
    seed: 2,
    numEnvs: 2,
    batchEpisodes: 4,
    batchSteps: 0,
    returns: 'full',
    baseline: 'optimal',
    gamma: 0.9,
    maxGradNorm: 0,
    policy: { hidden: [] } as any,
  });
  a.update(); // fills the earlier-batch estimate
  const internals = a as unknown as { optimal: { baseline(): Float64Array }; piOpt: { step(g: Tensor[]): void } };
  const b = internals.optimal.baseline();
  assert.ok(
    b.some((x) => x !== 0),
    'the baseline has data after one batch',
  );
  let ro!: Rollout, grads!: Tensor[];
  const collect = a.collector.collectEpisodes.bind(a.collector);
  a.collector.collectEpisodes = (perEnv: number) => (ro = collect(perEnv));
  const step = internals.piOpt.step.bind(internals.piOpt);
  internals.piOpt.step = (g: Tensor[]) => {
    grads = g.map((t) => new Tensor(Float32Array.from(t.data), t.shape));
    step(g);
  };
  const params = a.policy.parameters();
  const before = params.map((p) => new Tensor(Float32Array.from(p.data), p.shape));
  // Parameters as they were when the batch was scored: snapshot now, restore for the reference below.
  a.update();
  const after = params.map((p) => Float32Array.from(p.data));
  params.forEach((p, k) => p.data.set(before[k].data));
  const d = params.reduce((n, p) => n + p.size, 0);
  const expected = new Float64Array(d);
  let episodes = 0;
  for (let e = 0; e < ro.numEnvs; e++) {
    let steps: number[] = [];
    for (let t = 0; t < ro.T; t++) {
      const i = t * ro.numEnvs + e;
      if (!ro.mask[i]) continue;
      steps.push(i);
      if (!ro.terminated[i] && !ro.truncated[i]) continue;
      let r = 0;
      for (let k = steps.length - 1; k >= 0; k--) r = ro.rewards[steps[k]] + 0.9 * r;
      const obs = new Tensor(Float32Array.from(steps.flatMap((j) => [0, 1, 2, 3].map((c) => ro.obs[j * 4 + c]))), [steps.length, 4]);
      const g = grad(sum(a.policy.distribution(obs).logProb(Float32Array.from(steps, (j) => ro.actions[j]))), params);
      let off = 0;
      for (const gt of g) for (let j = 0; j < gt.size; j++, off++) expected[off] += gt.data[j] * (r - b[off]);
      episodes++;
      steps = [];
    }
  }
  assert.equal(episodes, 4);
  let off = 0;
  grads.forEach((gt) =>
    gt.data.forEach((v) => {
      const want = -expected[off++] / episodes;
      assert.ok(Math.abs(v - want) <= 1e-4 * Math.max(1, Math.abs(want)), `grad[${off - 1}]: ${v} vs ${want}`);
    }),
  );
  params.forEach((p, k) => p.data.set(after[k]));
  a.close();
});

test('full returns with the optimal baseline resume exactly: the episode count and the earlier-batch estimate are in the state', () => {
  const cfg = { env: 'CartPole-v1', seed: 4, numEnvs: 2, batchSteps: 64, returns: 'full', baseline: 'optimal', policy: { hidden: [8] } } as const;
  const a = new Reinforce(cfg as any);
  a.update();
  a.update();
  const state = JSON.parse(JSON.stringify({ ...a.getState(), tensors: [] }));
  const tensors = a.getState().tensors.map(([n, t]) => [n, new Tensor(Float32Array.from(t.data), t.shape)] as const);
  const b = new Reinforce(cfg as any);
  b.setState({ ...state, tensors });
  assert.ok(state.meta.optimalBaseline, 'the optimal baseline estimate is saved');
  for (let i = 0; i < 2; i++) {
    const la = a.update(),
      lb = b.update();
    assert.equal(lb.steps, la.steps);
    assert.equal(lb.policyLoss, la.policyLoss);
  }
  assert.deepEqual(
    b.policy.parameters().map((p) => Array.from(p.data)),
    a.policy.parameters().map((p) => Array.from(p.data)),
  );
  a.close();
  b.close();
});
