import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, noGrad } from '../../src/tensor/index.ts';
import { SquashedGaussian, logDetTanh } from '../../src/distributions/index.ts';
import { rand, tile, assertWithinSe, assertClose, assertGradients, rows } from './helpers.ts';

const B = 3,
  D = 2;
const LOG_2PI = Math.log(2 * Math.PI);
const normalLogPdf = (u: number, m: number, s: number) => -0.5 * ((u - m) / Math.exp(s)) ** 2 - s - 0.5 * LOG_2PI;

/** Change of variables, independently: log N(atanh a) - log |d tanh / du| = log N(atanh a) - log(1 - a^2). */
function refLogProb(a: number[][], m: number[][], s: number[][]): number[] {
  return a.map((r, b) => r.reduce((acc, x, d) => acc + normalLogPdf(Math.atanh(x), m[b][d], s[b][d]) - Math.log(1 - x * x), 0));
}

/** Midpoint rule over (-1, 1) of f(a) for the 1-D squashed Gaussian's density at n points. */
function integrate1d(mu: number, logStd: number, f: (a: number, logp: number) => number, n = 100000): number {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = -1 + (2 * (i + 0.5)) / n;
  const lp = new SquashedGaussian(tile([mu], n), [logStd]).logProb(new Tensor(a, [n, 1])).data;
  let s = 0;
  for (let i = 0; i < n; i++) s += f(a[i], lp[i]);
  return (s * 2) / n;
}

test('SquashedGaussian logProb equals the change-of-variables formula', () => {
  const rng = new Rng(31);
  const m = rand(rng, [B, D]),
    ls = rand(rng, [B, D], -1, 0.5),
    a = rand(rng, [B, D], -0.99, 0.99);
  const p = new SquashedGaussian(m, ls);
  assertClose(p.logProb(a).data, refLogProb(rows(a), rows(m), rows(ls)), 1e-10, 'logProb');
  assert.deepEqual(p.logProb(a).shape, [B]);
});

test('SquashedGaussian.rsample returns tanh(u) and the log-prob computed from u', () => {
  const rng = new Rng(32);
  const m = rand(rng, [B, D]),
    ls = rand(rng, [B, D], -1, 0.5);
  const p = new SquashedGaussian(m, ls);
  const { action, logProb, preTanh } = p.rsample(new Rng(33));
  const U = rows(preTanh),
    M = rows(m),
    S = rows(ls);
  assertClose(action.data, Array.from(preTanh.data, Math.tanh), 1e-15, 'action = tanh(u)');
  const direct = U.map((r, b) => r.reduce((acc, u, d) => acc + normalLogPdf(u, M[b][d], S[b][d]) - Math.log(1 - Math.tanh(u) ** 2), 0));
  assertClose(logProb.data, direct, 1e-10, 'rsample logProb');
  assertClose(p.logProb(action).data, direct, 1e-8, 'logProb of the returned action');
  // The same seed gives the same draw from sample().
  assertClose(p.sample(new Rng(33)), action.data, 1e-6, 'sample vs rsample');
});

test('the log-determinant 2 (log 2 - u - softplus(-2u)) is exact and stays finite where tanh(u) rounds to 1', () => {
  const u = Tensor.from([-3, -0.5, 0, 0.7, 4, 25, -40, 400], [8], 'float64');
  const got = logDetTanh(u).data;
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(got[i] - Math.log(1 - Math.tanh(u.data[i]) ** 2)) < 1e-12, `u = ${u.data[i]}`);
  // For large |u|: 1 - tanh(u)^2 = 4 e^{-2|u|} (1 + O(e^{-2|u|})).
  for (let i = 5; i < 8; i++) assert.ok(Math.abs(got[i] - (Math.log(4) - 2 * Math.abs(u.data[i]))) < 1e-9, `u = ${u.data[i]}: ${got[i]}`);
  const far = new SquashedGaussian(Tensor.from([30], [1, 1], 'float64'), [0]).rsample(new Rng(1));
  assert.equal(far.action.data[0], 1, 'tanh rounds to 1 here');
  assert.ok(Number.isFinite(far.logProb.data[0]), `log-prob from u stays finite: ${far.logProb.data[0]}`);
});

test('the 1-D SquashedGaussian density integrates to 1 and its entropy matches numerical integration', () => {
  for (const [mu, logStd] of [
    [0.3, -0.2],
    [1.5, 0.2],
    [-0.8, -1.5],
  ]) {
    const mass = integrate1d(mu, logStd, (_, lp) => Math.exp(lp));
    assert.ok(Math.abs(mass - 1) < 1e-4, `mu ${mu}, log-std ${logStd}: integral ${mass}`);
    const h = integrate1d(mu, logStd, (_, lp) => -Math.exp(lp) * lp);
    const p = new SquashedGaussian(tile([mu], 20000), [logStd]);
    const est = p.entropyEstimate(new Rng(34)).data; // one draw per row: 20000 independent estimates
    assertWithinSe(est, h, `entropyEstimate, mu ${mu}`);
    assertWithinSe(
      Array.from(p.logProb(p.sample(new Rng(35))).data, (v) => -v),
      h,
      `E[-log p(a)], mu ${mu}`,
    );
    const mean = integrate1d(mu, logStd, (a, lp) => a * Math.exp(lp));
    assertWithinSe(p.sample(new Rng(36)), mean, `sample mean, mu ${mu}`);
  }
});

test('SquashedGaussian kl is the pre-squash Gaussian KL and matches E_p[log p(a) - log q(a)]', () => {
  const N = 20000;
  const p = new SquashedGaussian(tile([0.4, -0.6], N), [-0.5, 0.1]);
  const q = new SquashedGaussian(tile([0.0, -0.2], N), [-0.2, -0.3]);
  assertClose(p.kl(q).data, p.base.kl(q.base).data, 0, 'kl = base kl');
  const a = p.sample(new Rng(37));
  const lp = p.logProb(a).data,
    lq = q.logProb(a).data;
  assertWithinSe(
    Array.from(lp, (v, i) => v - lq[i]),
    p.kl(q).data[0],
    'E_p[log p - log q] vs kl',
  );
  assertClose(p.kl(p).data.subarray(0, 3), [0, 0, 0], 1e-15, 'kl(p, p)');
});

test('gradients of SquashedGaussian rsample, logProb, entropyEstimate and kl match finite differences', () => {
  const rng = new Rng(38);
  const m = rand(rng, [B, D]),
    ls = rand(rng, [D], -1, 0.5),
    lsBD = rand(rng, [B, D], -1, 0.5);
  const a = rand(rng, [B, D], -0.95, 0.95);
  assertGradients((mm, s) => new SquashedGaussian(mm, s).rsample(new Rng(39)).action, [m, ls], 'rsample action');
  assertGradients((mm, s) => new SquashedGaussian(mm, s).rsample(new Rng(39)).logProb, [m, lsBD], 'rsample logProb');
  assertGradients((mm, s, aa) => new SquashedGaussian(mm, s).logProb(aa), [m, ls, a], 'logProb wrt mean, log-std, action');
  assertGradients((mm, s) => new SquashedGaussian(mm, s).entropyEstimate(new Rng(40), 3), [m, lsBD], 'entropyEstimate');
  assertGradients((m1, s1, m2) => new SquashedGaussian(m1, s1).kl(new SquashedGaussian(m2, 0.2)), [m, ls, rand(rng, [B, D])], 'kl');
});

test('SquashedGaussian mode is tanh(mean); entropy() explains that it has no closed form; boundary actions are clamped', () => {
  const m = Tensor.from([0.2, -3, 10, 0], [2, 2], 'float64');
  const p = new SquashedGaussian(m, [-0.5, 0]);
  assertClose(p.mode(), Array.from(m.data, Math.tanh), 1e-7, 'mode');
  assert.throws(() => p.entropy(), /no closed form.*entropyEstimate/);
  const lp = p.logProb([1, -1, 1, 0.5]).data;
  assert.ok(Array.from(lp).every(Number.isFinite), `boundary actions give finite log-probs: ${lp}`);
  const f32 = new SquashedGaussian(Tensor.from([0.2, -3, 10, 0], [2, 2]), [-0.5, 0]);
  assert.ok(Array.from(f32.logProb(f32.sample(new Rng(2))).data).every(Number.isFinite), 'float32 samples that round to +-1');
  assert.throws(() => p.logProb([1.5, 0, 0, 0]), /action 1.5 at flat index 0 is outside the support \[-1, 1\]/);
  noGrad(() => p.entropyEstimate(new Rng(3), 2));
  assert.throws(() => p.entropyEstimate(new Rng(3), 0), /nSamples must be a positive integer/);
});
