import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.ts';
import { Tensor } from '../../src/tensor/index.ts';

test('mismatched shapes name the op, both shapes and the fix', () => {
  assert.throws(() => T.add(Tensor.zeros([3, 4]), Tensor.zeros([3])), /add: shapes \[3,4\] and \[3\] do not broadcast .*reshape/);
  assert.throws(() => T.matmul(Tensor.zeros([3, 4]), Tensor.zeros([5, 2])), /matmul: shapes \[3,4\] and \[5,2\] do not match \(inner dimensions 4 and 5/);
  assert.throws(() => T.linear(Tensor.zeros([3, 4]), Tensor.zeros([3, 2])), /linear: expected x \[n, in\], w \[in, out\].*x \[3,4\], w \[3,2\]/);
  assert.throws(() => T.reshape(Tensor.zeros([3, 4]), [5, 2]), /reshape: shape \[3,4\] \(12 elements\) cannot become \[5,2\]/);
  assert.throws(() => T.sum(Tensor.zeros([3]), 2), /sum: axis 2 is out of range for a tensor of rank 1/);
  assert.throws(() => T.takeAlongAxis(Tensor.zeros([2, 3]), [0, 3], 1), /index 3 at position 1 is outside \[0, 3\)/);
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /data of length 5 does not fit shape \[2,3\]/);
});

test('backward from a non-scalar without a seed explains the fix', () => {
  const x = Tensor.param(new Float32Array(3), [3]);
  assert.throws(() => T.mul(x, 2).backward(), /non-scalar needs a seed gradient.*sum or mean/);
  const y = T.mul(x, 2);
  y.backward(Tensor.ones([3]));
  assert.deepEqual(Array.from(x.grad!.data), [2, 2, 2]);
});

test('check-numerics mode stops at the op that produced NaN', () => {
  T.setCheckNumerics(true);
  try {
    assert.throws(() => T.log(Tensor.from([1, -1])), /log: non-finite value NaN at flat index 1/);
  } finally {
    T.setCheckNumerics(false);
  }
  assert.ok(Number.isNaN(T.log(Tensor.from([-1])).data[0]));
});

test('grad with respect to an unused input is an error unless allowed', () => {
  const a = Tensor.param(Float32Array.from([1]), [1]);
  const b = Tensor.param(Float32Array.from([1]), [1]);
  const y = T.sum(T.mul(a, 3));
  assert.throws(() => T.grad(y, [a, b]), /does not depend on input 1/);
  assert.equal(T.gradients(y, [a, b], { allowUnused: true })[1], null);
});

test('forward values: stable softmax/logSumExp at large logits, softplus, sigmoid extremes', () => {
  const x = Tensor.from([1000, 1001, 1002], [1, 3], 'float64');
  const p = T.softmax(x).data;
  const e = [Math.exp(-2), Math.exp(-1), 1],
    z = e[0] + e[1] + e[2];
  p.forEach((v, i) => assert.ok(Math.abs(v - e[i] / z) < 1e-12));
  assert.ok(Math.abs(T.logSumExp(x).item() - (1002 + Math.log(z))) < 1e-9);
  assert.equal(T.softplus(Tensor.from([1000], [1], 'float64')).item(), 1000);
  assert.deepEqual(Array.from(T.sigmoid(Tensor.from([-1000, 1000])).data), [0, 1]);
});

test('noGrad records nothing; detach cuts the tape', () => {
  const a = Tensor.param(Float32Array.from([2]), [1]);
  const y = T.noGrad(() => T.mul(a, a));
  assert.equal(y.requiresGrad, false);
  const z = T.mul(a.detach(), a);
  assert.deepEqual(Array.from(T.grad(T.sum(z), [a])[0].data), [2]);
});
