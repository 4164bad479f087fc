import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, checkGradients } from '../../src/tensor/index.ts';

const rng = new Rng(7);
function rand(shape: number[], lo = -2, hi = 2): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillUniform(d, lo, hi);
  return new Tensor(d, shape);
}
/** Values bounded away from zero (for division, log, sqrt and kinks). */
function pos(shape: number[]): Tensor {
  return rand(shape, 0.3, 2.5);
}
/** Values at least 0.1 away from 0 (kinked ops: relu, abs, elu). */
function awayFromZero(shape: number[]): Tensor {
  const t = rand(shape, 0.1, 2);
  for (let i = 0; i < t.size; i++) if (rng.random() < 0.5) t.data[i] = -t.data[i];
  return t;
}

function check(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) {
  test(`gradient of ${name} matches finite differences`, () => {
    const r = checkGradients(f, inputs);
    assert.ok(r.ok, `${name}: max abs error ${r.maxAbsError} at ${JSON.stringify(r.worst)}`);
  });
}

// Binary ops, same shape and broadcasting ([3,4] with [4], [3,1], scalar, [2,1,4] with [3,1]).
const binaries: [string, (a: Tensor, b: Tensor) => Tensor, boolean][] = [
  ['add', T.add, false],
  ['sub', T.sub, false],
  ['mul', T.mul, false],
  ['div', T.div, true],
  ['minimum', T.minimum, false],
  ['maximum', T.maximum, false],
];
for (const [name, f, positive] of binaries) {
  const mk = positive ? pos : rand;
  check(`${name} [3,4]x[3,4]`, f, [rand([3, 4]), mk([3, 4])]);
  check(`${name} [3,4]x[4]`, f, [rand([3, 4]), mk([4])]);
  check(`${name} [3,1]x[1,4]`, f, [rand([3, 1]), mk([1, 4])]);
  check(`${name} [2,1,4]x[3,1]`, f, [rand([2, 1, 4]), mk([3, 1])]);
  check(`${name} scalar x [5]`, f, [rand([]), mk([5])]);
  check(`${name} [5] x scalar`, f, [rand([5]), mk([])]);
}

check('neg', T.neg, [rand([6])]);
check('exp', T.exp, [rand([2, 3])]);
check('log', T.log, [pos([2, 3])]);
check('log1p', T.log1p, [pos([2, 3])]);
check('sqrt', T.sqrt, [pos([2, 3])]);
check('square', T.square, [rand([2, 3])]);
check('pow 3', (x) => T.pow(x, 3), [rand([2, 3])]);
check('pow -1.5', (x) => T.pow(x, -1.5), [pos([2, 3])]);
check('tanh', T.tanh, [rand([2, 3])]);
check('sigmoid', T.sigmoid, [rand([2, 3], -6, 6)]);
check('relu', T.relu, [awayFromZero([3, 4])]);
check('elu', (x) => T.elu(x, 1.3), [awayFromZero([3, 4])]);
check('softplus', T.softplus, [rand([3, 4], -30, 30)]);
check('abs', T.abs, [awayFromZero([3, 4])]);
check('clip', (x) => T.clip(x, -1, 1), [T.Tensor.from([-1.7, -0.5, 0.2, 0.9, 1.4, -1.2], [6], 'float64')]);
check('where', (a, b) => T.where(T.greater(a, 0), a, b), [awayFromZero([3, 4]), rand([4])]);

check('matmul [3,4]@[4,5]', (a, b) => T.matmul(a, b), [rand([3, 4]), rand([4, 5])]);
check('matmul aᵀ@b', (a, b) => T.matmul(a, b, true, false), [rand([4, 3]), rand([4, 5])]);
check('matmul a@bᵀ', (a, b) => T.matmul(a, b, false, true), [rand([3, 4]), rand([5, 4])]);
check('matmul aᵀ@bᵀ', (a, b) => T.matmul(a, b, true, true), [rand([4, 3]), rand([5, 4])]);
check('matmul batched [2,3,4]@[2,4,5]', (a, b) => T.matmul(a, b), [rand([2, 3, 4]), rand([2, 4, 5])]);
check('matmul folded [2,3,4]@[4,5]', (a, b) => T.matmul(a, b), [rand([2, 3, 4]), rand([4, 5])]);
check('linear', (x, w, b) => T.linear(x, w, b), [rand([5, 3]), rand([3, 4]), rand([4])]);

check('sum all', (x) => T.sum(x), [rand([3, 4])]);
check('sum axis 0', (x) => T.sum(x, 0), [rand([3, 4])]);
check('sum axes [0,2] keepDims', (x) => T.sum(x, [0, 2], true), [rand([2, 3, 4])]);
check('mean axis -1', (x) => T.mean(x, -1), [rand([3, 4])]);
check('max axis 1', (x) => T.max(x, 1), [rand([3, 5])]);
check('max all', (x) => T.max(x), [rand([3, 5])]);
check('variance', (x) => T.variance(x, 0), [rand([6, 2])]);
check('logSumExp axis -1', (x) => T.logSumExp(x, -1), [rand([3, 5])]);
check('logSumExp axis 0 keepDims', (x) => T.logSumExp(x, 0, true), [rand([3, 5])]);
check('softmax', (x) => T.softmax(x), [rand([3, 5])]);
check('softmax axis 0', (x) => T.softmax(x, 0), [rand([3, 5])]);
check('logSoftmax', (x) => T.logSoftmax(x), [rand([3, 5])]);
check('logSoftmax axis 1 of 3-d', (x) => T.logSoftmax(x, 1), [rand([2, 3, 2])]);

const reshapeWeights = rand([4, 3]);
check('reshape', (x) => T.mul(T.reshape(x, [4, -1]), reshapeWeights), [rand([2, 6])]);
check('transpose 2-d', (x) => T.transpose(x), [rand([3, 4])]);
check('transpose perm', (x) => T.transpose(x, [1, 2, 0]), [rand([2, 3, 4])]);
check('concat axis 1', (a, b) => T.concat([a, b], 1), [rand([2, 3]), rand([2, 2])]);
check('concat axis 0', (a, b) => T.concat([a, b], 0), [rand([1, 3]), rand([2, 3])]);
check('slice', (x) => T.slice(x, 1, 1, 3), [rand([2, 4, 2])]);
check('gather rows', (x) => T.gather(x, [2, 0, 2], 0), [rand([3, 4])]);
check('gather axis 1', (x) => T.gather(x, [1, 1, 3], 1), [rand([2, 4])]);
check('takeAlongAxis', (x) => T.takeAlongAxis(x, [1, 0, 2], 1), [rand([3, 3])]);
check('broadcastTo', (x) => T.broadcastTo(x, [3, 2, 4]), [rand([2, 1])]);

test('second order: Hessian-vector product of a tanh MLP loss matches finite differences of the gradient', () => {
  const x = rand([5, 3]);
  const w1 = rand([3, 4]),
    w2 = rand([4, 2]);
  const params = [w1, w2].map((p) => new Tensor(p.data, p.shape, true));
  const loss = (ps: Tensor[]) => T.sum(T.logSoftmax(T.matmul(T.tanh(T.matmul(x, ps[0])), ps[1])));
  const v = params.map((p) => rand(p.shape));
  const hv = T.hessianVectorProduct(loss(params), params, v);
  const eps = 1e-5;
  const gradAt = (sign: number) => {
    const ps = params.map(
      (p, i) =>
        new Tensor(
          p.data.map((d, j) => d + sign * eps * v[i].data[j]),
          p.shape,
          true,
        ),
    );
    return T.grad(loss(ps), ps);
  };
  const gp = gradAt(1),
    gm = gradAt(-1);
  for (let i = 0; i < params.length; i++)
    for (let j = 0; j < params[i].size; j++) {
      const fd = (gp[i].data[j] - gm[i].data[j]) / (2 * eps);
      assert.ok(Math.abs(fd - hv[i].data[j]) < 1e-6, `param ${i}[${j}]: hvp ${hv[i].data[j]} vs fd ${fd}`);
    }
});

test('second order: every op in a chain of softplus, sigmoid, exp, division is twice differentiable', () => {
  const x = rand([4], 0.5, 1.5);
  const f = (t: Tensor) => T.sum(T.div(T.softplus(T.mul(T.sigmoid(t), T.exp(t))), T.add(T.square(t), 1)));
  const xt = new Tensor(x.data, x.shape, true);
  const v = rand([4]);
  const [hv] = T.hessianVectorProduct(f(xt), [xt], [v]);
  const eps = 1e-5;
  const g = (s: number) => {
    const p = new Tensor(
      x.data.map((d, j) => d + s * eps * v.data[j]),
      [4],
      true,
    );
    return T.grad(f(p), [p])[0];
  };
  const gp = g(1),
    gm = g(-1);
  for (let j = 0; j < 4; j++) assert.ok(Math.abs((gp.data[j] - gm.data[j]) / (2 * eps) - hv.data[j]) < 1e-6);
});

test('checkGradients fails (not passes) when the analytic or numeric gradient is NaN', () => {
  // d/dx sqrt(x^2) at 0: the backward gives 0 * (0.5 / 0) = NaN, finite differences give 0.
  const r = checkGradients((x) => T.sqrt(T.square(x)), [Tensor.from([0, 1], [2], 'float64')]);
  assert.equal(r.ok, false);
  assert.ok(r.worst && r.worst.index === 0 && Number.isNaN(r.worst.analytic), JSON.stringify(r.worst));
  assert.ok(Number.isNaN(r.maxAbsError), `maxAbsError ${r.maxAbsError}`);
});
