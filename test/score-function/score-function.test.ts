import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, mul, mean, sum, square, add } from '../../src/tensor/index.ts';
import { Categorical, DiagGaussian } from '../../src/distributions/index.ts';
import { surrogateLoss, magicBox } from '../../src/score-function/index.ts';

// A discrete latent variable z ~ Categorical(softmax(theta)) and a non-differentiable cost f(z):
// the exact gradient of E[f(z)] is p * (f - E[f]).
const theta0 = [0.3, -0.2, 0.5, 0.0];
const f = [3, -1, 0.5, 7];

function estimates(rng: Rng, batches: number, n: number, baseline?: 'leaveOneOut' | number) {
  const out: number[][] = [];
  for (let b = 0; b < batches; b++) {
    const theta = new Tensor(Float32Array.from(theta0), [1, 4], true);
    const logits = mul(add(theta, Tensor.zeros([n, 4])), 1);
    const dist = new Categorical(logits);
    const z = dist.sample(rng);
    const cost = Tensor.from(
      Array.from(z, (k) => f[k]),
      [n],
    );
    const [g] = grad(surrogateLoss({ logProb: dist.logProb(z), cost, baseline }), [theta]);
    out.push(Array.from(g.data));
  }
  return out;
}

function meanVar(xs: number[][]) {
  const d = xs[0].length,
    n = xs.length;
  const m = new Array(d).fill(0),
    v = new Array(d).fill(0);
  for (const x of xs) x.forEach((xi, i) => (m[i] += xi / n));
  for (const x of xs) x.forEach((xi, i) => (v[i] += (xi - m[i]) ** 2 / (n - 1)));
  return { m, v };
}

test('the score-function estimator of a discrete latent variable is unbiased, and a baseline lowers its variance', () => {
  const z = theta0.map(Math.exp),
    Z = z.reduce((a, b) => a + b, 0),
    p = z.map((v) => v / Z);
  const Ef = p.reduce((s, pi, k) => s + pi * f[k], 0);
  const exact = p.map((pi, k) => pi * (f[k] - Ef));
  const plain = meanVar(estimates(new Rng(1), 2000, 16));
  const loo = meanVar(estimates(new Rng(2), 2000, 16, 'leaveOneOut'));
  for (const { m, v } of [plain, loo]) {
    m.forEach((mi, i) => assert.ok(Math.abs(mi - exact[i]) < 4 * Math.sqrt(v[i] / 2000), `coordinate ${i}: ${mi} vs exact ${exact[i]}`));
  }
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
  assert.ok(total(loo.v) < 0.75 * total(plain.v), `variance ${total(loo.v)} with baseline vs ${total(plain.v)} without`);
});

test('for a Gaussian, score-function and pathwise estimates agree in mean; the pathwise one has lower variance', () => {
  // d/dmu E_{x ~ N(mu, 1)}[x^2] = 2 mu.
  const mu0 = 0.7,
    n = 8,
    B = 3000;
  const rng = new Rng(3);
  const sf: number[][] = [],
    pw: number[][] = [];
  for (let b = 0; b < B; b++) {
    const mu = new Tensor(
      Float32Array.from({ length: n }, () => mu0),
      [n, 1],
      true,
    );
    const d = new DiagGaussian(mu, 0);
    const x = d.sample(rng);
    const cost = Tensor.from(
      Array.from(x, (v) => v * v),
      [n],
    );
    sf.push([sum(grad(surrogateLoss({ logProb: d.logProb(x), cost }), [mu])[0]).item()]);
    const xr = d.rsample(rng);
    pw.push([sum(grad(mean(sum(square(xr), 1)), [mu])[0]).item()]);
  }
  const a = meanVar(sf),
    b = meanVar(pw);
  assert.ok(Math.abs(a.m[0] - 2 * mu0) < 4 * Math.sqrt(a.v[0] / B), `score function ${a.m[0]}`);
  assert.ok(Math.abs(b.m[0] - 2 * mu0) < 4 * Math.sqrt(b.v[0] / B), `pathwise ${b.m[0]}`);
  assert.ok(b.v[0] < a.v[0] / 3, `pathwise variance ${b.v[0]} vs score function ${a.v[0]}`);
});

test('DiCE: magicBox evaluates to 1 and its second derivative is the score-function second derivative', () => {
  // One Bernoulli-like categorical with two outcomes, enumerated exactly: J = sum_z p(z) f(z).
  const theta = new Tensor(Float64Array.from([0.4, -0.3]), [1, 2], true);
  const costs = [2, -1];
  let J: Tensor | null = null;
  for (const k of [0, 1]) {
    const logp = new Categorical(theta).logProb([k]);
    const p = magicBox(logp);
    assert.ok(Math.abs(p.item() - 1) < 1e-12);
    // Weight by the exact probability so the "sample average" is the exact expectation.
    const prob = Math.exp(logp.item());
    const term = mul(mul(p, prob), costs[k]);
    J = J ? add(J, term) : term;
  }
  const [g] = grad(J!, [theta], { createGraph: true });
  const p0 = 1 / (1 + Math.exp(-0.7)); // softmax([0.4, -0.3])[0]
  // dJ/dtheta_0 = p0 (1 - p0) (f0 - f1), and its derivative in theta_0 is (f0 - f1) p0 (1 - p0) (1 - 2 p0).
  assert.ok(Math.abs(g.data[0] - p0 * (1 - p0) * 3) < 1e-9);
  const [h] = grad(sum(mul(g, Tensor.from([1, 0], [1, 2], 'float64'))), [theta]);
  assert.ok(Math.abs(h.data[0] - 3 * p0 * (1 - p0) * (1 - 2 * p0)) < 1e-9, `${h.data[0]}`);
});

test('surrogateLoss: d/d log p_i is (f_i - b_i) / n, hand-computed for each kind of baseline', () => {
  const cost = Tensor.from([1, 2, 4], [3]);
  const dLogp = (baseline?: number | Tensor | 'leaveOneOut') => {
    const logProb = new Tensor(new Float32Array(3), [3], true);
    const [g] = grad(surrogateLoss({ logProb, cost, baseline }), [logProb]);
    return Array.from(g.data);
  };
  const near = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]) < 1e-6);
  assert.ok(near(dLogp(), [1 / 3, 2 / 3, 4 / 3]), `${dLogp()}`);
  assert.ok(near(dLogp(1.5), [-0.5 / 3, 0.5 / 3, 2.5 / 3]), `${dLogp(1.5)}`);
  assert.ok(near(dLogp(Tensor.from([0, 1, 2], [3])), [1 / 3, 1 / 3, 2 / 3]), `${dLogp(Tensor.from([0, 1, 2], [3]))}`);
  // Leave-one-out: b = [(2 + 4) / 2, (1 + 4) / 2, (1 + 2) / 2] = [3, 2.5, 1.5].
  assert.ok(near(dLogp('leaveOneOut'), [-2 / 3, -0.5 / 3, 2.5 / 3]), `${dLogp('leaveOneOut')}`);
});

test('bad input: mismatched sizes and a leave-one-out baseline with one sample', () => {
  const lp = new Tensor(new Float32Array(3), [3], true);
  assert.throws(() => surrogateLoss({ logProb: lp, cost: Tensor.zeros([4]) }), /logProb has 3 values, cost has 4/);
  assert.throws(
    () => surrogateLoss({ logProb: new Tensor(new Float32Array(1), [1], true), cost: Tensor.zeros([1]), baseline: 'leaveOneOut' }),
    /at least 2 samples/,
  );
  assert.throws(
    () => surrogateLoss({ logProb: lp, cost: Tensor.zeros([3]), baseline: Tensor.zeros([2]) }),
    /baseline has 2 values; expected 1 or one per sample \(3\)/,
  );
});
