// NaN propagates through every op (issue 11: relu(NaN) was 0, minimum(NaN, 1) was 1, and
// logSumExp([+Inf, 0]) was NaN), so that a NaN upstream reaches the loss, and check-numerics names
// the op where it first appears. Both the JS loops and the WebAssembly kernels are covered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad, setCheckNumerics } from '../../src/tensor/index.ts';
import { gemm } from '../../src/tensor/kernels.ts';
import { setWasmGemmThreshold, kernelInfo } from '../../src/tensor/wasm/index.ts';
import { Categorical } from '../../src/distributions/index.ts';

const f32 = (v: number[], shape = [v.length]) => new Tensor(Float32Array.from(v), shape, true);
const f64 = (v: number[], shape = [v.length]) => new Tensor(Float64Array.from(v), shape, true);
const same = (got: ArrayLike<number>, want: number[], what: string) =>
  assert.ok(
    want.length === got.length && want.every((w, i) => Object.is(w, got[i]) || (w === 0 && got[i] === 0)),
    `${what}: got [${Array.from(got)}], want [${want}]`,
  );

test('relu keeps NaN (value and gradient) on the float32 bit path, the scalar path and float64', () => {
  const tiny = 2 ** -149; // the smallest float32 denormal
  const special = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1.5, -2, tiny, -tiny];
  const want = [NaN, NaN, Infinity, 0, 0, 0, 1.5, 0, tiny, 0];
  const wantGrad = [NaN, NaN, 1, 0, 0, 0, 1, 0, 1, 0];
  // 10 elements take the scalar loop; 10 x 13 = 130 take the branchless float32 loop.
  for (const reps of [1, 13]) {
    for (const make of [f32, f64]) {
      const xs = Array.from({ length: reps }, () => special).flat();
      const x = make(xs);
      const y = T.relu(x);
      const [g] = grad(T.sum(y), [x]);
      for (let r = 0; r < reps; r++) {
        same(y.data.subarray(r * 10, r * 10 + 10), want, `relu ${x.dtype} x${reps}`);
        same(g.data.subarray(r * 10, r * 10 + 10), wantGrad, `relu gradient ${x.dtype} x${reps}`);
      }
    }
  }
  // The x86 default NaN has its sign bit set: still NaN.
  const neg = new Float32Array(100);
  new Int32Array(neg.buffer).fill(0xffc00000 | 0);
  assert.ok(T.relu(new Tensor(neg, [100])).data.every(Number.isNaN));
});

test('relu equals max(x, 0) on random float32 data (bit path) and its gradient is the 0/1 mask times g', () => {
  const n = 1000;
  const x = new Tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 7) - 3)),
    [n],
    true,
  );
  const y = T.relu(x);
  for (let i = 0; i < n; i++) assert.equal(y.data[i], Math.max(x.data[i], 0));
  const w = new Tensor(
    Float32Array.from({ length: n }, (_, i) => Math.cos(i)),
    [n],
  );
  const [g] = grad(T.sum(T.mul(y, w)), [x]);
  for (let i = 0; i < n; i++) assert.equal(g.data[i], x.data[i] > 0 ? w.data[i] : 0);
});

test('minimum and maximum give NaN when either operand is NaN, in every broadcasting case, with NaN gradients', () => {
  for (const [op, name] of [
    [T.minimum, 'minimum'],
    [T.maximum, 'maximum'],
  ] as const) {
    same(op(f32([NaN, 2, 3]), f32([1, NaN, 0])).data, [NaN, NaN, name === 'minimum' ? 0 : 3], `${name} same shape`);
    same(op(f32([NaN, 2]), 1).data, [NaN, name === 'minimum' ? 1 : 2], `${name}(tensor, scalar)`);
    same(op(1, f32([NaN, 2])).data, [NaN, name === 'minimum' ? 1 : 2], `${name}(scalar, tensor)`);
    same(op(f32([0, 2]), NaN).data, [NaN, NaN], `${name}(tensor, NaN)`);
    same(op(NaN, f32([0, 2])).data, [NaN, NaN], `${name}(NaN, tensor)`);
    same(op(f32([NaN, 1], [2, 1]), f32([5, 0, -5], [1, 3])).data, [NaN, NaN, NaN, ...(name === 'minimum' ? [1, 0, -5] : [5, 1, 1])], `${name} broadcast`);
    const a = f64([NaN, 1, 4]),
      b = f64([2, NaN, 3]);
    const [ga, gb] = grad(T.sum(op(a, b)), [a, b]);
    same(ga.data, [NaN, NaN, name === 'minimum' ? 0 : 1], `${name} gradient wrt a`);
    same(gb.data, [NaN, NaN, name === 'minimum' ? 1 : 0], `${name} gradient wrt b`);
  }
  // Ties still send the gradient to the first operand.
  const a = f64([1]),
    b = f64([1]);
  same(
    grad(T.sum(T.minimum(a, b)), [a, b]).map((g) => g.data[0]),
    [1, 0],
    'tie',
  );
});

test('logSumExp: a row holding +Inf is +Inf with gradient on the +Inf entries; a row of -Inf is -Inf; NaN stays NaN', () => {
  const x = f64([Infinity, 0, -Infinity, -Infinity, NaN, 0, Infinity, Infinity, 1, 2], [5, 2]);
  const y = T.logSumExp(x, 1);
  same(y.data.subarray(0, 4), [Infinity, -Infinity, NaN, Infinity], 'logSumExp');
  assert.ok(Math.abs(y.data[4] - (2 + Math.log1p(Math.exp(-1)))) < 1e-15);
  const [g] = grad(T.sum(y), [x]);
  same(g.data.subarray(0, 2), [1, 0], 'gradient at [+Inf, 0]');
  same(g.data.subarray(4, 8), [NaN, NaN, 0.5, 0.5], 'gradient at [NaN, 0] and [+Inf, +Inf]');
  // float32 and another axis.
  same(T.logSumExp(new Tensor(Float32Array.of(Infinity, 0), [2, 1]), 0).data, [Infinity], 'float32 axis 0');
});

test('softmax and logSoftmax: +Inf entries share the mass, NaN fills its row, -Inf entries get 0', () => {
  const x = f64([Infinity, 0, Infinity, 3, NaN, 1, -Infinity, 0, 0], [3, 3]);
  same(T.softmax(x).data, [0.5, 0, 0.5, NaN, NaN, NaN, 0, 0.5, 0.5], 'softmax');
  same(T.logSoftmax(x).data, [-Math.log(2), -Infinity, -Math.log(2), NaN, NaN, NaN, -Infinity, -Math.log(2), -Math.log(2)], 'logSoftmax');
  // Along a non-last axis.
  same(T.softmax(f64([Infinity, 1, 0, 1], [2, 2]), 0).data, [1, 0.5, 0, 0.5], 'softmax axis 0');
});

test('abs, sign, clip, where and max reductions keep NaN in values and gradients', () => {
  const x = f64([NaN, -2, 0.5]);
  same(T.sign(x).data, [NaN, -1, 1], 'sign');
  same(T.sign(f64([0, -0])).data, [0, -0], 'sign of zeros');
  same(grad(T.sum(T.abs(x)), [x])[0].data, [NaN, -1, 1], 'abs gradient');
  same(T.clip(x, -1, 1).data, [NaN, -1, 0.5], 'clip');
  same(grad(T.sum(T.clip(x, -1, 1)), [x])[0].data, [NaN, 0, 1], 'clip gradient');
  same(T.where(Tensor.from([NaN, 1, 0]), 5, 7).data, [NaN, 5, 7], 'where with a NaN condition');
  const m = f64([1, NaN, 3, 4, 2, 0], [2, 3]);
  same(T.max(m, 1).data, [NaN, 4], 'max');
  same(grad(T.sum(T.max(m, 1)), [m])[0].data, [NaN, NaN, NaN, 1, 0, 0], 'max gradient');
  same(T.max(f64([NaN, 5])).data, [NaN], 'max with NaN first');
  same(T.max(f64([5, NaN])).data, [NaN], 'max with NaN last');
});

test('matmul propagates NaN to exactly the affected row and column, on the JS path and in WebAssembly', () => {
  const m = 16,
    k = 16,
    n = 16;
  const A = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const B = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  A[3 * k + 5] = NaN; // row 3 of the product
  B[7 * n + 9] = NaN; // column 9 (p = 7: A[., 7] is nonzero in every row)
  const run = (threshold: number) => {
    setWasmGemmThreshold(threshold);
    try {
      const C = new Float32Array(m * n);
      gemm(A, 0, B, 0, C, 0, m, k, n, false, false, false);
      return C;
    } finally {
      setWasmGemmThreshold();
    }
  };
  const paths = [run(Infinity)];
  if (kernelInfo().path === 'wasm-simd') paths.push(run(0));
  for (const C of paths) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) assert.equal(Number.isNaN(C[i * n + j]), i === 3 || j === 9, `C[${i},${j}] = ${C[i * n + j]}`);
    }
  }
});

test('the tanh op keeps NaN on large float32 tensors (the WebAssembly kernel when on) and in float64', () => {
  for (const make of [f32, f64]) {
    const v = Array.from({ length: 100 }, (_, i) => (i % 9 === 4 ? NaN : i / 10 - 5));
    const y = T.tanh(make(v)).data;
    v.forEach((x, i) => assert.equal(Number.isNaN(y[i]), Number.isNaN(x), `tanh(${x}) = ${y[i]}`));
  }
});

test('Categorical logProb, entropy and kl of NaN logits are NaN in that row only', () => {
  const d = new Categorical(Tensor.from([NaN, 0, 1, 2], [2, 2]));
  for (const [what, v] of [
    ['logProb', d.logProb([0, 1])],
    ['entropy', d.entropy()],
    ['kl', d.kl(d)],
  ] as const) {
    assert.ok(Number.isNaN(v.data[0]) && Number.isFinite(v.data[1]), `${what}: ${Array.from(v.data)}`);
  }
});

test('a NaN hidden behind relu reaches the loss, and check-numerics names the op where it first appears', () => {
  const x = f32([-1, 2]);
  const loss = () => T.sum(T.relu(T.log(x)));
  assert.ok(Number.isNaN(loss().item()), 'relu(log(-1)) must not hide the NaN');
  setCheckNumerics(true);
  try {
    assert.throws(loss, /^RangeError: log: non-finite value NaN at flat index 0 of a tensor of shape \[2\]/);
    // A NaN/Inf that first appears in a backward pass is named with the op whose backward it is.
    const z = f32([0, 4]);
    const y = T.sum(T.sqrt(z));
    assert.throws(() => grad(y, [z]), /\(in the backward pass of 'sqrt'\)/);
  } finally {
    setCheckNumerics(false);
  }
});
