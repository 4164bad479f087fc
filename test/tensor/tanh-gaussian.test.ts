// tanhGaussianRsample (issue 12: SAC's actor sample as three ops instead of about twenty) equals the
// same function built from elementwise ops: values, gradients of each output, second derivatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad, hessianVectorProduct, tanhGaussianRsample, tanhGaussianRsampleOps } from '../../src/tensor/index.ts';

const rng = new Rng(7);
const t = (shape: number[], lo: number, hi: number, dtype: 'float32' | 'float64', requiresGrad = true) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(rng.fillUniform(dtype === 'float64' ? new Float64Array(n) : new Float32Array(n), lo, hi), shape, requiresGrad);
};

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

for (const dtype of ['float64', 'float32'] as const) {
  const tol = dtype === 'float64' ? 1e-12 : 2e-6;
  test(`tanhGaussianRsample equals the elementwise-op graph (${dtype}): u, tanh(u), log p and their gradients`, () => {
    // means up to +-6 and log-stds up to 1.5: some |u| > 9, where tanh(u) rounds to 1 in float32
    const mean = t([50, 3], -6, 6, dtype),
      logStd = t([50, 3], -3, 1.5, dtype),
      eps = new Tensor(rng.fillNormal(dtype === 'float64' ? new Float64Array(150) : new Float32Array(150)), [50, 3]);
    const f = tanhGaussianRsample(mean, logStd, eps),
      r = tanhGaussianRsampleOps(mean, logStd, eps);
    close(f.preTanh.data, r.preTanh.data, tol, 'u');
    close(f.action.data, r.action.data, tol, 'action');
    close(f.logProb.data, r.logProb.data, tol, 'logProb');
    const wa = t([50, 3], -1, 1, dtype, false),
      wl = t([50], -1, 1, dtype, false),
      wu = t([50, 3], -1, 1, dtype, false);
    for (const [name, pick] of [
      ['u', (s: typeof f) => T.sum(T.mul(s.preTanh, wu))],
      ['action', (s: typeof f) => T.sum(T.mul(s.action, wa))],
      ['logProb', (s: typeof f) => T.sum(T.mul(s.logProb, wl))],
      ['SAC actor loss', (s: typeof f) => T.mean(T.sub(T.mul(s.logProb, 0.2), T.sum(T.mul(s.action, wa), 1)))],
    ] as const) {
      const gf = grad(pick(f), [mean, logStd]),
        gr = grad(pick(r), [mean, logStd]);
      close(gf[0].data, gr[0].data, tol, `${name}: d/d mean`);
      close(gf[1].data, gr[1].data, tol, `${name}: d/d logStd`);
    }
    // only the log-std needs a gradient
    mean.requiresGrad = false;
    close(grad(T.sum(f.logProb), [logStd])[0].data, grad(T.sum(r.logProb), [logStd])[0].data, tol, 'logStd alone');
  });
}

test('tanhGaussianRsample is differentiable twice: Hessian-vector products equal the op graph’s', () => {
  const mean = t([6, 2], -2, 2, 'float64'),
    logStd = t([6, 2], -1, 0.5, 'float64'),
    eps = new Tensor(rng.fillNormal(new Float64Array(12)), [6, 2]);
  const v = [t([6, 2], -1, 1, 'float64', false), t([6, 2], -1, 1, 'float64', false)];
  const loss = (s: ReturnType<typeof tanhGaussianRsample>) => T.add(T.sum(T.square(s.logProb)), T.sum(T.mul(s.action, s.preTanh)));
  const hf = hessianVectorProduct(loss(tanhGaussianRsample(mean, logStd, eps)), [mean, logStd], v);
  const hr = hessianVectorProduct(loss(tanhGaussianRsampleOps(mean, logStd, eps)), [mean, logStd], v);
  hf.forEach((h, i) => close(h.data, hr[i].data, 1e-12, `Hv ${i}`));
});

test('tanhGaussianRsample keeps NaN and names bad shapes', () => {
  const mean = t([2, 2], -1, 1, 'float32'),
    logStd = t([2, 2], -1, 0, 'float32'),
    eps = t([2, 2], -1, 1, 'float32', false);
  mean.data[2] = NaN; // row 1
  const s = tanhGaussianRsample(mean, logStd, eps);
  assert.ok(Number.isNaN(s.action.data[2]) && Number.isNaN(s.logProb.data[1]), 'NaN row');
  assert.ok(Number.isFinite(s.logProb.data[0]), 'row 0 finite');
  assert.throws(() => tanhGaussianRsample(mean, t([1, 2], 0, 1, 'float32'), eps), /mean, logStd and eps must all be \[B, D\]; got \[2,2\], \[1,2\], \[2,2\]/);
});
