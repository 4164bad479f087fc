import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { GaussianEnsemble, branchedRollout, terminationFn, pathwiseReturn, type TransitionData } from '../../src/models/index.ts';
import { ReplayBuffer } from '../../src/rollout/index.ts';
import { SquashedGaussianActor } from '../../src/policies/actor-critic.ts';
import { grad, type Tensor } from '../../src/tensor/index.ts';

/** s' = s + [0.3 sin(2a), 0.2 s0 - 0.1 s1] + N(0, 0.01^2), r = 1 - s0^2 + N(0, 0.05^2). */
function knownData(n: number, rng: Rng): TransitionData {
  const obs = new Float32Array(n * 2),
    actions = new Float32Array(n),
    nextObs = new Float32Array(n * 2),
    rewards = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s0 = rng.uniform(-1, 1),
      s1 = rng.uniform(-1, 1),
      a = rng.uniform(-1, 1);
    obs[2 * i] = s0;
    obs[2 * i + 1] = s1;
    actions[i] = a;
    nextObs[2 * i] = s0 + 0.3 * Math.sin(2 * a) + rng.normal(0, 0.01);
    nextObs[2 * i + 1] = s1 + 0.2 * s0 - 0.1 * s1 + rng.normal(0, 0.01);
    rewards[i] = 1 - s0 * s0 + rng.normal(0, 0.05);
  }
  return { n, obs, actions, nextObs, rewards };
}

const small = {
  ensembleSize: 3,
  numElites: 2,
  hidden: [32, 32],
  activation: 'tanh' as const,
  lr: 3e-3,
  weightDecay: 0,
  maxLogVarInit: 0.5,
  minLogVarInit: -10,
};

test('ensemble learns a known function: held-out NLL far below the N(0,1) baseline, elites ranked by held-out MSE', () => {
  const model = new GaussianEnsemble(2, 1, new Rng(1), small);
  const fit = model.fit(knownData(1500, new Rng(2)), { validationRatio: 0.2, batchSize: 64, maxEpochs: 60, patience: 5 });
  // A standard normal on standardised targets scores 0.5 log(2 pi) + 0.5 = 1.42 per dimension.
  for (const e of fit.elites) assert.ok(fit.holdoutNll[e] < -0.8, `member ${e} held-out NLL ${fit.holdoutNll[e]} should be < -0.8`);
  assert.equal(fit.elites.length, 2);
  const worst = Math.max(...fit.elites.map((e) => fit.holdoutMse[e]));
  for (let e = 0; e < 3; e++) if (!fit.elites.includes(e)) assert.ok(fit.holdoutMse[e] >= worst);
  // Fresh points: the mean prediction is close to the true function, in original units.
  const test = knownData(200, new Rng(3));
  let err = 0;
  const p = model.predict(fit.elites[0], test.obs, test.actions, 200);
  for (let i = 0; i < 200; i++) {
    const s0 = test.obs[2 * i],
      s1 = test.obs[2 * i + 1],
      a = test.actions[i];
    err +=
      (p.nextObsMean[2 * i] - (s0 + 0.3 * Math.sin(2 * a))) ** 2 +
      (p.nextObsMean[2 * i + 1] - (s1 + 0.2 * s0 - 0.1 * s1)) ** 2 +
      (p.rewardMean[i] - (1 - s0 * s0)) ** 2;
  }
  assert.ok(Math.sqrt(err / 600) < 0.05, `RMS error of the mean ${Math.sqrt(err / 600)}`);
});

test('bad input: ensemble size 0, observations of the wrong size, rollout longer than the episode limit', () => {
  assert.throws(() => new GaussianEnsemble(2, 1, new Rng(0), { ...small, ensembleSize: 0 }), /ensembleSize must be a positive integer, got 0/);
  assert.throws(() => new GaussianEnsemble(2, 1, new Rng(0), { ...small, numElites: 4 }), /numElites must be an integer in \[1, ensembleSize = 3\], got 4/);
  const model = new GaussianEnsemble(2, 1, new Rng(0), small);
  assert.throws(() => model.predict(0, new Float32Array(3), new Float32Array(1), 1), /observations have 3 values; expected batch 1 x obsDim 2 = 2/);
  assert.throws(() => model.predict(0, new Float32Array(2), new Float32Array(2), 1), /actions have 2 values; expected batch 1 x actDim 1 = 1/);
  assert.throws(() => model.predict(5, new Float32Array(2), new Float32Array(1), 1), /member 5 is not in \[0, 3\)/);
  const buf = new ReplayBuffer(2, 1, 100);
  const pol = (_o: Float32Array, B: number, a: Float32Array) => a.fill(0, 0, B);
  assert.throws(() => branchedRollout(model, pol, terminationFn('Pendulum-v1'), new Float32Array(2), 1, 3, new Rng(0), buf), /has not been fitted/);
  model.fit(knownData(50, new Rng(0)), { maxEpochs: 1 });
  assert.throws(
    () => branchedRollout(model, pol, terminationFn('Pendulum-v1'), new Float32Array(2), 1, 201, new Rng(0), buf, 200),
    /rollout length 201 is longer than the episode limit 200/,
  );
  assert.throws(() => terminationFn('Hopper-v4'), /no termination function for 'Hopper-v4'/);
});

test('model-rollout buffer: terminated where the termination function says so, truncated only on the k-th step, branches stop at termination', () => {
  // Cart-pole-shaped data where x moves by +0.5 a step: branches starting near x = 1 cross 2.4 within k = 5.
  const n = 400,
    rng = new Rng(4);
  const obs = new Float32Array(n * 4),
    actions = new Float32Array(n),
    nextObs = new Float32Array(n * 4),
    rewards = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) obs[4 * i + j] = j === 0 ? rng.uniform(-3, 3) : rng.uniform(-0.05, 0.05);
    actions[i] = rng.uniform(-1, 1);
    for (let j = 0; j < 4; j++) nextObs[4 * i + j] = obs[4 * i + j] + (j === 0 ? 0.5 : 0);
  }
  const model = new GaussianEnsemble(4, 1, new Rng(5), { ...small, ensembleSize: 2, numElites: 2 });
  model.fit({ n, obs, actions, nextObs, rewards }, { maxEpochs: 80, batchSize: 32 });
  const B = 50,
    k = 5,
    start = new Float32Array(B * 4);
  for (let b = 0; b < B; b++) start[4 * b] = -2 + (3 * b) / B; // x from -2 to 1
  const buf = new ReplayBuffer(4, 1, 1000);
  const pol = (_o: Float32Array, m: number, a: Float32Array) => a.fill(0, 0, m);
  const stats = branchedRollout(model, pol, terminationFn('ContinuousCartPole-v0'), start, B, k, new Rng(6), buf);
  assert.equal(stats.added, buf.size);
  let term = 0,
    trunc = 0;
  const thetaMax = (12 * 2 * Math.PI) / 360;
  for (let i = 0; i < buf.size; i++) {
    const x = buf.nextObs[4 * i],
      th = buf.nextObs[4 * i + 2];
    const terminal = Math.abs(x) > 2.4 || Math.abs(th) > thetaMax;
    assert.equal(buf.terminated[i], terminal ? 1 : 0, `row ${i}: x' = ${x}`);
    assert.ok(!(buf.terminated[i] && buf.truncated[i]), `row ${i} is both terminated and truncated`);
    term += buf.terminated[i];
    trunc += buf.truncated[i];
  }
  assert.ok(term > 5 && trunc > 5, `expected both kinds of branch ends, got ${term} terminated and ${trunc} truncated`);
  assert.equal(term, stats.terminated);
  // Every branch ends exactly once: terminated or cut at k.
  assert.equal(term + trunc, B);
  // Rows are branch steps: B on the first step, fewer later.
  assert.equal(stats.added, Math.round(stats.meanLength * B));
});

/** Autodiff's gradient of J against central differences (step 1e-2) at the given entries of every parameter. */
function checkGradient(J: () => Tensor, params: Tensor[], entries: (size: number) => number[]): Tensor[] {
  const g = grad(J(), params);
  const h = 1e-2;
  for (let k = 0; k < params.length; k++) {
    for (const i of entries(params[k].size)) {
      const p = params[k].data,
        old = p[i];
      p[i] = old + h;
      const up = J().item();
      p[i] = old - h;
      const down = J().item();
      p[i] = old;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[k].data[i]) <= 0.03 * Math.abs(fd) + 2e-3, `param ${k}[${i}]: autodiff ${g[k].data[i]} vs finite difference ${fd}`);
    }
  }
  return g;
}

test('pathwise gradient of a short model rollout matches central finite differences', () => {
  const model = new GaussianEnsemble(2, 1, new Rng(7), small);
  model.fit(knownData(300, new Rng(8)), { maxEpochs: 10, batchSize: 64 });
  const actor = new SquashedGaussianActor(2, 1, Float32Array.of(-1), Float32Array.of(1), new Rng(9), {
    hidden: [8],
    activation: 'tanh',
    logStdMin: -5,
    logStdMax: 2,
  });
  // Larger output weights than the 0.01 init, so actions matter.
  const rng = new Rng(10);
  for (const p of actor.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, 0.3);
  const B = 4,
    H = 3,
    start = new Float32Array(B * 2);
  for (let i = 0; i < start.length; i++) start[i] = rng.uniform(-0.5, 0.5);
  const noise = rng.fillNormal(new Float32Array(H * B)) as Float32Array;
  const J = () => pathwiseReturn(model, 0, actor, start, B, H, 0.9, noise);
  const g = checkGradient(J, actor.parameters(), (size) => [0, size - 1]);
  assert.ok(
    g.some((t) => t.data.some((v) => Math.abs(v) > 1e-3)),
    'the gradient should not vanish',
  );
});

test('held-out MSE and NLL are per-dimension means in normalised units, as predict() gives them', () => {
  // Every transition is the same, with values exact in float32 and 64 training rows (sums of x / 64 are
  // exact): the normalisers have std 1, so a member's normalised error is predict() - y whichever rows are held out.
  const n = 80,
    obs = new Float32Array(2 * n),
    nextObs = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) obs.set([0.5, -0.25], 2 * i), nextObs.set([0.75, -0.5], 2 * i);
  const data: TransitionData = { n, obs, actions: new Float32Array(n).fill(0.5), nextObs, rewards: new Float32Array(n).fill(0.75) };
  // Normalised inputs are all 0 here, so give every member random biases (and weights) to predict from;
  // a learning rate this small leaves those predictions far from exact.
  const model = new GaussianEnsemble(2, 1, new Rng(4), { ...small, lr: 1e-7 });
  const init = new Rng(5);
  for (const m of model.members) for (const p of m.params) for (let i = 0; i < p.data.length; i++) p.data[i] = init.normal(0, 0.5);
  const fit = model.fit(data, { validationRatio: 0.2, batchSize: 16, maxEpochs: 2, patience: 1 });
  for (let e = 0; e < 3; e++) {
    const p = model.predict(e, [0.5, -0.25], [0.5], 1);
    const err = [p.nextObsMean[0] - 0.75, p.nextObsMean[1] + 0.5, p.rewardMean[0] - 0.75];
    const mse = err.reduce((s, d) => s + d * d, 0) / 3;
    const nll = err.reduce((s, d, k) => s + 0.5 * ((d * d) / p.variance[k] + Math.log(p.variance[k])), 0) / 3 + 0.5 * Math.log(2 * Math.PI);
    assert.ok(mse > 1e-3, `member ${e} predicts too well for this check: MSE ${mse}`);
    assert.ok(Math.abs(fit.holdoutMse[e] - mse) <= 1e-4 * mse, `member ${e}: holdout MSE ${fit.holdoutMse[e]}, expected ${mse}`);
    assert.ok(Math.abs(fit.holdoutNll[e] - nll) <= 1e-4 * Math.abs(nll), `member ${e}: holdout NLL ${fit.holdoutNll[e]}, expected ${nll}`);
  }
});

test('two action dimensions: branch rows keep their own actions, and the pathwise gradient matches finite differences', () => {
  // s' = s + [0.3 a0, 0.2 a1], r = 1 - a0^2 - a1^2 (noise free).
  const n = 600,
    rng = new Rng(11);
  const obs = new Float32Array(2 * n),
    actions = new Float32Array(2 * n),
    nextObs = new Float32Array(2 * n),
    rewards = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 2; j++) (obs[2 * i + j] = rng.uniform(-1, 1)), (actions[2 * i + j] = rng.uniform(-1, 1));
    nextObs[2 * i] = obs[2 * i] + 0.3 * actions[2 * i];
    nextObs[2 * i + 1] = obs[2 * i + 1] + 0.2 * actions[2 * i + 1];
    rewards[i] = 1 - actions[2 * i] ** 2 - actions[2 * i + 1] ** 2;
  }
  const model = new GaussianEnsemble(2, 2, new Rng(12), small);
  model.fit({ n, obs, actions, nextObs, rewards }, { maxEpochs: 20, batchSize: 64 });
  const B = 6,
    start = new Float32Array(2 * B);
  for (let i = 0; i < start.length; i++) start[i] = rng.uniform(-0.5, 0.5);
  // A policy whose two action entries differ and depend on the row: a = [o0 / 2, -o1 / 2].
  const pol = (o: Float32Array, m: number, a: Float32Array) => {
    for (let i = 0; i < m; i++) (a[2 * i] = o[2 * i] / 2), (a[2 * i + 1] = -o[2 * i + 1] / 2);
  };
  const buf = new ReplayBuffer(2, 2, 100);
  branchedRollout(model, pol, terminationFn('Pendulum-v1'), start, B, 3, new Rng(13), buf);
  assert.equal(buf.size, 3 * B);
  for (let i = 0; i < buf.size; i++) {
    assert.equal(buf.actions[2 * i], Math.fround(buf.obs[2 * i] / 2), `row ${i} action 0`);
    assert.equal(buf.actions[2 * i + 1], Math.fround(-buf.obs[2 * i + 1] / 2), `row ${i} action 1`);
  }
  const actor = new SquashedGaussianActor(2, 2, Float32Array.of(-1, -1), Float32Array.of(1, 1), new Rng(14), {
    hidden: [8],
    activation: 'tanh',
    logStdMin: -5,
    logStdMax: 2,
  });
  for (const p of actor.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, 0.3);
  const H = 2,
    noise = rng.fillNormal(new Float32Array(H * B * 2)) as Float32Array;
  const J = () => pathwiseReturn(model, 0, actor, start, B, H, 0.9, noise);
  checkGradient(J, actor.parameters(), (size) => [size - 1]);
});
