// Float32 gradient checks (issue 11: every other gradient check runs in float64, which never reaches
// the WebAssembly kernels). Gradients of float32 graphs built on matmul, linear and tanh, at sizes
// above the kernels' thresholds (512 multiply-adds for gemm, 16 elements for tanh), against central
// finite differences of the same function in float64. Under ASCENT_WASM=0 the same checks test the
// JS kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad, noGrad, kernelInfo } from '../../src/tensor/index.ts';

const path = kernelInfo().path;
const rng = new Rng(23);

function randData(n: number, lo = -1, hi = 1): Float64Array {
  const d = new Float64Array(n);
  rng.fillUniform(d, lo, hi);
  return d;
}

/**
 * f's float32 gradients (autodiff through the kernels) against float64 central differences of f.
 * Tolerance for float32: |g32 - g64| <= 2e-4 * max|g64| + 1e-4 |g64| (float32 sums of k terms err by
 * about k 2^-24 of their scale; a wrong transpose or a dropped term errs by O(1)).
 */
function checkF32(name: string, f: (...xs: Tensor[]) => Tensor, shapes: number[][]) {
  test(`float32 gradient of ${name} matches float64 finite differences (${path} kernels)`, () => {
    const values = shapes.map((s) => randData(s.reduce((a, b) => a * b, 1)));
    const x32 = values.map((v, i) => new Tensor(Float32Array.from(v), shapes[i], true));
    const out32 = f(...x32);
    const w = Float64Array.from({ length: out32.size }, (_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.5));
    const g32 = grad(T.sum(T.mul(out32, new Tensor(Float32Array.from(w), out32.shape))), x32);
    // The float64 reference starts from the float32 inputs, so only the arithmetic differs.
    const x64 = x32.map((x) => new Tensor(Float64Array.from(x.data), x.shape));
    const scalar = () => {
      const o = f(...x64).data;
      let s = 0;
      for (let i = 0; i < o.length; i++) s += o[i] * w[i];
      return s;
    };
    const eps = 1e-6;
    noGrad(() => {
      x64.forEach((x, i) => {
        const num = new Float64Array(x.size);
        for (let j = 0; j < x.size; j++) {
          const v = x.data[j];
          x.data[j] = v + eps;
          const up = scalar();
          x.data[j] = v - eps;
          const down = scalar();
          x.data[j] = v;
          num[j] = (up - down) / (2 * eps);
        }
        const scale = num.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let j = 0; j < x.size; j++) {
          const err = Math.abs(g32[i].data[j] - num[j]);
          assert.ok(
            err <= 2e-4 * scale + 1e-4 * Math.abs(num[j]),
            `${name}: input ${i} element ${j}: float32 ${g32[i].data[j]}, float64 ${num[j]} (scale ${scale})`,
          );
        }
      });
    });
  });
}

// 16x24x12 = 4,608 multiply-adds forward; the backward products (g B^T, A^T g) are as large.
for (const [tA, tB] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
]) {
  checkF32(`tanh(matmul) 16x24x12 transA=${tA} transB=${tB}`, (a, b) => T.tanh(T.matmul(a, b, tA, tB)), [tA ? [24, 16] : [16, 24], tB ? [12, 24] : [24, 12]]);
}
checkF32('batched matmul [3,12,20]x[3,20,8]', (a, b) => T.matmul(a, b), [
  [3, 12, 20],
  [3, 20, 8],
]);
checkF32('a two-layer tanh MLP (linear, tanh, linear) on a batch of 32', (x, w1, b1, w2, b2) => T.linear(T.tanh(T.linear(x, w1, b1)), w2, b2), [
  [32, 6],
  [6, 24],
  [24],
  [24, 5],
  [5],
]);
for (const act of ['relu', 'tanh'] as const) {
  // 32x24 = 768 outputs: above the elementwise kernels' 512 as well as gemm's threshold.
  checkF32(`a two-layer MLP of fused linearAct(${act}) layers on a batch of 32`, (x, w1, b1, w2, b2) => T.linearAct(T.linearAct(x, w1, b1, act), w2, b2, act), [
    [32, 6],
    [6, 24],
    [24],
    [24, 24],
    [24],
  ]);
}
checkF32('tanh of 300 elements, scaled into its large-|x| branch', (x) => T.tanh(T.mul(x, 4)), [[300]]);

test('the shapes above reach the WebAssembly kernels when they are on', () => {
  // Guards the sizes against the thresholds in wasm/gemm.ts (512) and wasm/tanh.ts (16).
  assert.ok(12 * 20 * 8 >= 512 && 16 * 24 * 12 >= 512 && 32 * 6 * 24 >= 512 && 32 * 24 * 5 >= 512 && 300 >= 16);
  assert.ok(path === 'wasm-simd' || /disabled/.test(kernelInfo().reason ?? ''), `kernels: ${JSON.stringify(kernelInfo())}`);
});
