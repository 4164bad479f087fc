// linear's first-order backward in one visit to wasm memory (issue 12: a policy's and a value's
// narrow heads paid four matmul ops and their copies per backward) equals the ops it replaces:
// dx = g w^T, dw = x^T g, db = sum(g, 0), bit for bit up to the sign of an exact zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad } from '../../src/tensor/index.ts';
import { kernelInfo } from '../../src/tensor/wasm/index.ts';

const rng = new Rng(17);
const param = (shape: number[]) => new Tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1) as Float32Array, shape, true);

/** Equal values, +0 and -0 counted equal (a padded sum adds + 0 terms), NaN equal to NaN. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

// Output widths 1, 2, 3 (padded rows of g), 4 and 5; k not a multiple of 4; n = 600: several k-blocks in dw.
for (const [n, k, m] of [
  [64, 64, 2],
  [64, 64, 1],
  [100, 7, 3],
  [64, 64, 4],
  [600, 23, 5],
])
  test(`linear's backward equals matmul, matmul and sum (float32, ${n}x${k}x${m}, ${kernelInfo().path})`, () => {
    const x = param([n, k]),
      w = param([k, m]),
      b = param([m]),
      seed = param([n, m]);
    seed.requiresGrad = false;
    const [dx, dw, db] = grad(T.sum(T.mul(T.linear(x, w, b), seed)), [x, w, b]);
    same(dx.data, T.matmul(seed, w, false, true).data, 'dx');
    same(dw.data, T.matmul(x, seed, true, false).data, 'dw');
    same(db.data, T.sum(seed, 0).data, 'db');
    // Only the inputs that need gradients get them (a frozen layer: dx alone).
    w.requiresGrad = false;
    b.requiresGrad = false;
    const [fx] = grad(T.sum(T.mul(T.linear(x, w, b), seed)), [x]);
    same(fx.data, dx.data, 'dx with frozen weights');
  });
