// SquashedGaussian.logProb near the bounds (issue 11): float32 actions at u = 8 were off by -2.3 nats
// and actions that round to +-1 by -53 (a clamp at 1 - 1e-6). References are computed in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, atanh, grad, checkGradients } from '../../src/tensor/index.ts';
import { SquashedGaussian } from '../../src/distributions/index.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const normalLogPdf = (u: number, m: number, s: number) => -0.5 * ((u - m) / Math.exp(s)) ** 2 - s - 0.5 * LOG_2PI;
/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), in float64. */
const logDet = (u: number) => 2 * (Math.LN2 - u - (Math.max(-2 * u, 0) + Math.log1p(Math.exp(-Math.abs(2 * u)))));
/** The exact log-density of a = tanh(u) from u. */
const fromU = (u: number, m: number, s: number) => normalLogPdf(u, m, s) - logDet(u);
/** The exact log-density at the action value a (|a| < 1) itself: atanh and log(1 - a^2) = log((1 - a)(1 + a)) in float64. */
const fromA = (a: number, m: number, s: number) => normalLogPdf(Math.atanh(a), m, s) - Math.log((1 - a) * (1 + a));

const us = [8, -8, 6.5, 8.7, -7.3, 0.4];
const means = [7.5, -8.2, 6, 9, -7, 0.1];
const logStds = [0, -0.5, 0.3, -1, 0, -0.2];

function dist(dtype: 'float32' | 'float64', n = us.length): SquashedGaussian {
  return new SquashedGaussian(Tensor.from(means.slice(0, n), [n, 1], dtype), Tensor.from(logStds.slice(0, n), [n, 1], dtype));
}

test('float32 actions near the bounds: logProb matches the float64 density at the same action value', () => {
  const a32 = Float32Array.from(us, Math.tanh);
  const p = dist('float32');
  for (const actions of [a32, new Tensor(a32, [us.length, 1])]) {
    const lp = p.logProb(actions).data;
    for (let i = 0; i < us.length; i++) {
      const ref = fromA(a32[i], means[i], logStds[i]);
      assert.ok(Math.abs(lp[i] - ref) <= 1e-5 * Math.max(1, Math.abs(ref)), `u = ${us[i]}: logProb ${lp[i]}, float64 reference ${ref}`);
    }
    // At u = 8 only the float32 rounding of the action separates it from the density at u (was -2.3 nats off).
    assert.ok(Math.abs(lp[0] - fromU(8, means[0], logStds[0])) < 0.1, `u = 8: ${lp[0]} vs ${fromU(8, means[0], logStds[0])} at u`);
  }
});

test('with the pre-tanh value, logProb is exact even where the float32 action rounds to +-1', () => {
  const u = [8, 9.5, 12, -15, 0.3, -9.2];
  const a32 = Float32Array.from(u, Math.tanh);
  assert.ok(a32[1] === 1 && a32[2] === 1 && a32[3] === -1 && a32[5] === -1, 'these actions round to +-1 in float32');
  for (const dtype of ['float32', 'float64'] as const) {
    const p = dist(dtype);
    const lp = p.logProb(a32, Float32Array.from(u)).data;
    for (let i = 0; i < u.length; i++) {
      const ref = fromU(Math.fround(u[i]), means[i], logStds[i]);
      assert.ok(Math.abs(lp[i] - ref) <= 2e-6 * Math.max(1, Math.abs(ref)), `${dtype} u = ${u[i]}: ${lp[i]} vs ${ref}`);
    }
    // A Tensor of pre-tanh values keeps gradients to the mean.
    const m = Tensor.param(Float64Array.from(means), [u.length, 1]);
    const q = new SquashedGaussian(m, Tensor.from(logStds, [u.length, 1], 'float64'));
    const [gm] = grad(q.logProb(a32, new Tensor(Float64Array.from(u), [u.length, 1])).sum(), [m]);
    for (let i = 0; i < u.length; i++) assert.ok(Math.abs(gm.data[i] - (u[i] - means[i]) / Math.exp(2 * logStds[i])) < 1e-9);
  }
});

test('sampleWithPreTanh keeps u, and logProb(actions, preTanh) equals the log-prob rsample computes from u', () => {
  const p = new SquashedGaussian(Tensor.from([9, -10, 0.5, 3], [2, 2]), Tensor.from([-0.5, -0.5, 0, 0], [2, 2]));
  const { actions, preTanh } = p.sampleWithPreTanh(new Rng(5));
  const r = p.rsample(new Rng(5));
  assert.deepEqual(Array.from(actions), Array.from(r.action.data));
  assert.deepEqual(Array.from(preTanh), Array.from(r.preTanh.data));
  assert.deepEqual(Array.from(p.sample(new Rng(5))), Array.from(actions), 'sample draws the same actions');
  const lp = p.logProb(actions, preTanh).data;
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(lp[i] - r.logProb.data[i]) < 1e-5, `${lp[i]} vs ${r.logProb.data[i]}`);
  assert.throws(() => p.logProb(actions, [0, 0, 0, 0]), /preTanh value 0 at flat index 0 does not match action .* \(tanh\(u\) must equal the action\)/);
  assert.throws(() => p.logProb(actions, [0, 0]), /got 2 .*values; expected B \* D = 2 \* 2 = 4/);
});

test('array actions are read in float64 before the float32 distribution sees them; +-1 means the nearest value inside', () => {
  const p = dist('float32', 2);
  const a = [1 - 1e-9, -(1 - 1e-9)]; // both round to +-1 in float32
  const lp = p.logProb(a).data;
  for (let i = 0; i < 2; i++) {
    const ref = fromA(a[i], means[i], logStds[i]);
    assert.ok(Math.abs(lp[i] - ref) <= 1e-5 * Math.abs(ref), `a = ${a[i]}: ${lp[i]} vs ${ref}`);
  }
  // An action of exactly +-1 has density 0; it is read as the nearest value inside (-1, 1) of its precision.
  const edge = p.logProb(new Tensor(Float32Array.of(1, -1), [2, 1])).data;
  const inside = 1 - 2 ** -24;
  for (const [i, s] of [
    [0, 1],
    [1, -1],
  ]) {
    const ref = fromA(s * inside, means[i], logStds[i]);
    assert.ok(Math.abs(edge[i] - ref) <= 1e-5 * Math.abs(ref), `a = ${s}: ${edge[i]} vs ${ref}`);
  }
  assert.ok(Number.isFinite(p.logProb([1, -1]).data[0]));
});

test('atanh is exact for float32 inputs near 1 and its gradient matches finite differences', () => {
  const x = Float32Array.of(0.9999998, -0.9999999, 0.5, 1, -1);
  const y = atanh(new Tensor(x, [5])).data;
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(y[i] - Math.atanh(x[i])) <= 1e-6 * Math.abs(Math.atanh(x[i])), `atanh(${x[i]}) = ${y[i]}`);
  assert.deepEqual(Array.from(y.subarray(3)), [Infinity, -Infinity]);
  const r = checkGradients((t) => atanh(t), [Tensor.from([-0.9, -0.3, 0.2, 0.95], [4], 'float64')]);
  assert.ok(r.ok, JSON.stringify(r.worst));
  // Second derivative 2x / (1 - x^2)^2 through the recorded backward.
  const t = Tensor.param(Float64Array.of(-0.6, 0.2, 0.7), [3]);
  const [g1] = grad(atanh(t).sum(), [t], { createGraph: true });
  const [g2] = grad(g1.sum(), [t]);
  t.data.forEach((v, i) => assert.ok(Math.abs(g2.data[i] - (2 * v) / (1 - v * v) ** 2) < 1e-12, `d2 atanh at ${v}`));
});
