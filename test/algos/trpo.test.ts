import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, mean, noGrad } from '../../src/tensor/index.ts';
import { CategoricalPolicy, GaussianPolicy, type Policy } from '../../src/policies/index.ts';
import { TRPO, conjugateGradient, fisherVectorProduct, flattenTensors } from '../../src/algos/trpo.ts';

function fvpAgainstFiniteDifferences(make: (rng: Rng) => Policy, obsDim: number) {
  const rng = new Rng(4);
  const pi = make(rng), old = make(new Rng(9));
  old.parameters().forEach((p, i) => p.data.set(pi.parameters()[i].data));
  const obs = new Tensor(rng.fillNormal(new Float32Array(16 * obsDim)) as Float32Array, [16, obsDim]);
  const oldDist = noGrad(() => old.distribution(obs)) as unknown as { kl(o: unknown): Tensor };
  const params = pi.parameters();
  const sizes = params.map((p) => p.size);
  const n = sizes.reduce((a, b) => a + b, 0);
  const v = rng.fillNormal(new Float64Array(n)) as Float64Array;
  const Fv = fisherVectorProduct(mean(oldDist.kl(pi.distribution(obs))), params)(v);
  // Central differences of grad KL along v: (grad KL(theta + eps v) - grad KL(theta - eps v)) / (2 eps).
  const base = params.map((p) => Float32Array.from(p.data));
  const gradAt = (eps: number) => {
    let o = 0;
    params.forEach((p, k) => {
      for (let i = 0; i < p.size; i++) p.data[i] = base[k][i] + eps * v[o + i];
      o += p.size;
    });
    return flattenTensors(grad(mean(oldDist.kl(pi.distribution(obs))), params, { allowUnused: true }), sizes);
  };
  const eps = 3e-3;
  const gp = gradAt(eps), gm = gradAt(-eps);
  let err = 0, scale = 0;
  for (let i = 0; i < n; i++) {
    err = Math.max(err, Math.abs((gp[i] - gm[i]) / (2 * eps) - Fv[i]));
    scale = Math.max(scale, Math.abs(Fv[i]));
  }
  assert.ok(err < 2e-3 * Math.max(1, scale), `max error ${err} (scale ${scale})`);
}

test('Fisher-vector product (double backward of the KL) matches a finite-difference Hessian: categorical', () => {
  fvpAgainstFiniteDifferences((r) => new CategoricalPolicy(3, 4, r, { hidden: [8] }), 3);
});

test('Fisher-vector product matches a finite-difference Hessian: Gaussian with learned log-std', () => {
  fvpAgainstFiniteDifferences((r) => new GaussianPolicy(3, 2, r, { hidden: [8], logStdInit: -0.5 }), 3);
});

test('conjugate gradient solves a known symmetric positive definite system', () => {
  // A = M^T M + I for a fixed M; b = A x* for a known x*.
  const n = 6;
  const rng = new Rng(5);
  const M = rng.fillNormal(new Float64Array(n * n)) as Float64Array;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 1 : 0;
    for (let k = 0; k < n; k++) s += M[k * n + i] * M[k * n + j];
    A[i * n + j] = s;
  }
  const Av = (v: Float64Array) => Float64Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => A[i * n + j] * v[j]).reduce((a, b) => a + b, 0));
  const xStar = Float64Array.from([1, -2, 0.5, 3, 0, -1]);
  const x = conjugateGradient(Av, Av(xStar), n + 2);
  x.forEach((v, i) => assert.ok(Math.abs(v - xStar[i]) < 1e-8, `x[${i}] = ${v}, want ${xStar[i]}`));
});

test('TRPO reaches a greedy 500 on CartPole-v1 within 100,000 steps, and every accepted step respects the KL bound', () => {
  const agent = new TRPO({ env: 'CartPole-v1', seed: 0, totalSteps: 100_000 });
  const logs = agent.learn({ stop: (l) => l.returnMean >= 495 && agent.evaluate({ episodes: 5 }).mean >= 500 });
  for (const l of logs) if (l.accepted) assert.ok(l.kl <= agent.config.targetKl, `update ${l.iteration}: KL ${l.kl} > ${agent.config.targetKl}`);
  assert.ok(logs.filter((l) => l.accepted).length >= logs.length / 2, 'most steps were accepted');
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(agent.steps <= 100_000 && ev.mean >= 500, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

test('bad input: TRPO rejects a KL target of 0 and a shrink factor outside (0, 1), naming the key', () => {
  assert.throws(() => new TRPO({ targetKl: 0 }), /trpo: 'targetKl' must be > 0, got 0/);
  assert.throws(() => new TRPO({ lineSearchShrink: 1.5 }), /'lineSearchShrink' must be in \(0, 1\), got 1.5/);
});
