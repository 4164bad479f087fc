// linearAct: act(x w + b) as one op (issue 12) equals linear followed by the activation op, in
// values, gradients, second derivatives and NaN handling, on whichever kernel path is active.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad, checkGradients, hessianVectorProduct } from '../../src/tensor/index.ts';

const rng = new Rng(31);
const param = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  rng.fillUniform(d, -1, 1);
  return new Tensor(d, shape, true);
};
const unfused = (x: Tensor, w: Tensor, b: Tensor | undefined, act: 'relu' | 'tanh') => (act === 'relu' ? T.relu : T.tanh)(T.linear(x, w, b));

/** Bit-equal arrays, NaN equal to NaN. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

for (const act of ['relu', 'tanh'] as const) {
  // Shapes: plain; k not a multiple of 4 (padded dx); several k-blocks in dw (n = 600) and dx (m = 300).
  for (const [n, k, m] of [
    [64, 40, 48],
    [64, 37, 48],
    [600, 23, 48],
    [32, 40, 300],
  ])
    test(`linearAct(${act}) equals linear then ${act}: values and all three gradients (float32, ${n}x${k}x${m})`, () => {
      const x = param([n, k]),
        w = param([k, m]),
        b = param([m]);
      const y = T.linearAct(x, w, b, act),
        z = unfused(x, w, b, act);
      same(y.data, z.data, 'values');
      const seed = param([n, m]);
      const gy = grad(T.sum(T.mul(y, seed)), [x, w, b]),
        gz = grad(T.sum(T.mul(z, seed)), [x, w, b]);
      gy.forEach((g, i) => same(g.data, gz[i].data, `gradient ${i}`));
      // Frozen weights (an actor's loss through a critic): only dx is computed.
      w.requiresGrad = false;
      b.requiresGrad = false;
      const [fx] = grad(T.sum(T.mul(T.linearAct(x, w, b, act), seed)), [x]),
        [ux] = grad(T.sum(T.mul(unfused(x, w, b, act), seed)), [x]);
      same(fx.data, ux.data, 'dx with frozen weights');
    });

  test(`linearAct(${act}) passes float64 gradient checks, and its second derivatives equal the unfused graph's`, () => {
    const x = param([5, 4], 'float64'),
      w = param([4, 3], 'float64'),
      b = param([3], 'float64');
    const r = checkGradients((x, w, b) => T.linearAct(x, w, b, act), [x, w, b]);
    assert.ok(r.ok, JSON.stringify(r.worst));
    const v = [param([5, 4], 'float64'), param([4, 3], 'float64'), param([3], 'float64')];
    const f = (fn: typeof T.linearAct) => T.sum(T.square(fn(x, w, b, act)));
    const hf = hessianVectorProduct(f(T.linearAct), [x, w, b], v);
    const hu = hessianVectorProduct(f(unfused), [x, w, b], v);
    hf.forEach((h, i) => h.data.forEach((e, j) => assert.ok(Math.abs(e - hu[i].data[j]) < 1e-12, `Hv ${i}[${j}]: ${e} vs ${hu[i].data[j]}`)));
  });
}

test('linearAct keeps NaN: a NaN input row gives NaN outputs and NaN weight gradients (relu and tanh)', () => {
  for (const act of ['relu', 'tanh'] as const) {
    const x = param([32, 24]),
      w = param([24, 32]),
      b = param([32]);
    x.data[5] = NaN; // row 0
    const y = T.linearAct(x, w, b, act);
    for (let j = 0; j < 32; j++) assert.ok(Number.isNaN(y.data[j]), `${act}: y[0,${j}] = ${y.data[j]}`);
    assert.ok(Number.isFinite(y.data[32]), `${act}: row 1 is finite`);
    const [gw] = grad(T.sum(y), [w]);
    assert.ok(Number.isNaN(gw.data[0]), `${act}: weight gradient ${gw.data[0]}`);
  }
});

test('linearAct names a bad activation and bad shapes', () => {
  const x = param([2, 3]),
    w = param([3, 4]),
    b = param([4]);
  assert.throws(() => T.linearAct(x, w, b, 'elu' as 'relu'), /linearAct: activation must be 'relu' or 'tanh', got elu/);
  assert.throws(() => T.linearAct(x, param([2, 4]), b, 'relu'), /linearAct: expected x \[n, in\], w \[in, out\], b \[out\]; got x \[2,3\], w \[2,4\]/);
});
