// The whole-MLP op (issue 12's small-network fast path): one op on the tape whose forward and
// backward run in WebAssembly, bit for bit what the per-layer ops (linearAct, linear) compute, in
// every order of forwards and backwards, with second derivatives through the per-layer graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import {
  Tensor,
  grad,
  hessianVectorProduct,
  FusedMlpKernels,
  mlp,
  mlpLayers,
  setWasmKernels,
  kernelInfo,
  type MlpLayerActivation,
} from '../../src/tensor/index.ts';
import { MLP } from '../../src/nn/index.ts';

const rng = new Rng(12);
const param = (shape: number[], requiresGrad = true, dtype: 'float32' | 'float64' = 'float32') => {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  rng.fillUniform(d, -1, 1);
  return new Tensor(d, shape, requiresGrad);
};

/** Bit-equal arrays, NaN equal to NaN. */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

/** Equal within `rel` of the largest magnitude of each pair of arrays. */
function close(a: Tensor[], b: Tensor[], rel: number, what: string) {
  a.forEach((t, i) => {
    const scale = Math.max(1, ...Array.from(b[i].data, Math.abs));
    t.data.forEach((e, j) => assert.ok(Math.abs(e - b[i].data[j]) <= rel * scale, `${what} ${i}[${j}]: ${e} vs ${b[i].data[j]}`));
  });
}

function net(sizes: number[], dtype: 'float32' | 'float64' = 'float32') {
  const ws: Tensor[] = [],
    bs: Tensor[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    ws.push(param([sizes[i], sizes[i + 1]], true, dtype));
    bs.push(param([sizes[i + 1]], true, dtype));
  }
  return { ws, bs, params: ws.flatMap((w, i) => [w, bs[i]]), kernels: new FusedMlpKernels(sizes) };
}

const wasm = kernelInfo().path === 'wasm-simd';
const hidden = (act: 'relu' | 'tanh', L: number): MlpLayerActivation[] => Array.from({ length: L }, (_, i) => (i === L - 1 ? 'identity' : act));

for (const [sizes, n, act] of [
  [[3, 64, 64, 2], 100, 'relu'], // RLtools' Pendulum SAC actor
  [[4, 64, 64, 1], 100, 'relu'], // and critic
  [[5, 37, 48, 3], 64, 'tanh'], // widths not multiples of 4 (padded rows)
  [[17, 32, 300, 8], 600, 'relu'], // several k-blocks in dW and dx
  [[300, 48, 4], 20, 'relu'], // two k-blocks in a relu layer's forward (relu applied as the last one is stored)
] as [number[], number, 'relu' | 'tanh'][]) {
  test(`mlp equals the per-layer ops bit for bit: values, dx and every dW, db (${sizes.join('-')}, batch ${n}, ${act})`, () => {
    const { ws, bs, params, kernels } = net(sizes);
    const acts = hidden(act, ws.length);
    const x = param([n, sizes[0]]);
    const seed = param([n, sizes[sizes.length - 1]], false);
    const y = mlp(x, ws, bs, acts, kernels),
      z = mlpLayers(x, ws, bs, acts);
    same(y.data, z.data, 'values');
    const gy = grad(T.sum(T.mul(y, seed)), [x, ...params]),
      gz = grad(T.sum(T.mul(z, seed)), [x, ...params]);
    gy.forEach((g, i) => same(g.data, gz[i].data, `gradient ${i}`));
    // Frozen weights (an actor's loss through a critic): only dx.
    for (const p of params) p.requiresGrad = false;
    const [fx] = grad(T.sum(T.mul(mlp(x, ws, bs, acts, kernels), seed)), [x]);
    same(fx.data, gz[0].data, 'dx with frozen weights');
    // An input that needs no gradient (the first layer of a network on observations): weights only.
    for (const p of params) p.requiresGrad = true;
    x.requiresGrad = false;
    const gw = grad(T.sum(T.mul(mlp(x, ws, bs, acts, kernels), seed)), params);
    gw.forEach((g, i) => same(g.data, gz[i + 1].data, `weight gradient ${i} with a constant input`));
  });
}

test('two forwards on the tape, then their backwards in either order: the first one is saved and restored', () => {
  const sizes = [4, 64, 64, 1];
  const { ws, bs, params, kernels } = net(sizes);
  const acts = hidden('relu', 3);
  const x1 = param([100, 4], false),
    x2 = param([100, 4], false);
  const ref1 = grad(T.sum(T.square(mlpLayers(x1, ws, bs, acts))), params),
    ref2 = grad(T.sum(T.square(mlpLayers(x2, ws, bs, acts))), params);
  for (const order of [
    [0, 1],
    [1, 0],
  ]) {
    const ys = [mlp(x1, ws, bs, acts, kernels), mlp(x2, ws, bs, acts, kernels)];
    for (const k of order) {
      const g = grad(T.sum(T.square(ys[k])), params);
      g.forEach((gi, i) => same(gi.data, (k === 0 ? ref1 : ref2)[i].data, `order ${order}, forward ${k}, gradient ${i}`));
    }
  }
  // A second backward of a forward whose memory was reused since (the per-layer recomputation).
  const y = mlp(x1, ws, bs, acts, kernels);
  grad(T.sum(T.square(y)), params);
  mlp(x2, ws, bs, acts, kernels);
  grad(T.sum(T.square(y)), params).forEach((gi, i) => same(gi.data, ref1[i].data, `second backward, gradient ${i}`));
  // A different batch size in between.
  const y3 = mlp(x1, ws, bs, acts, kernels);
  mlp(param([7, 4], false), ws, bs, acts, kernels);
  grad(T.sum(T.square(y3)), params).forEach((gi, i) => same(gi.data, ref1[i].data, `batch size changed, gradient ${i}`));
});

test('mlp is differentiable twice (createGraph): Hessian-vector products equal the per-layer graph’s', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const sizes = [5, 16, 12, 3];
    const { ws, bs, params, kernels } = net(sizes, dtype);
    const acts = hidden('tanh', 3);
    const x = param([9, 5], true, dtype);
    const v = [x, ...params].map((p) => param(p.shape, false, dtype));
    const hf = hessianVectorProduct(T.sum(T.square(mlp(x, ws, bs, acts, kernels))), [x, ...params], v);
    const hu = hessianVectorProduct(T.sum(T.square(mlpLayers(x, ws, bs, acts))), [x, ...params], v);
    // float64 runs the same JS kernels both ways: equal. In float32 the fused forward runs every
    // layer in wasm where the per-layer ops send the smallest products to JS: equal to rounding.
    if (dtype === 'float64') hf.forEach((h, i) => same(h.data, hu[i].data, `${dtype} Hv ${i}`));
    else close(hf, hu, 1e-5, `${dtype} Hv`);
  }
});

test('mlp with the WebAssembly kernels off (ASCENT_WASM=0), or turned off between forward and backward, equals the per-layer ops', () => {
  const sizes = [3, 64, 64, 2];
  const { ws, bs, params, kernels } = net(sizes);
  const acts = hidden('relu', 3);
  const x = param([100, 3]);
  const ref = grad(T.sum(T.square(mlpLayers(x, ws, bs, acts))), [x, ...params]);
  const refY = mlpLayers(x, ws, bs, acts).data;
  const y = mlp(x, ws, bs, acts, kernels);
  const prev = setWasmKernels(false);
  try {
    if (wasm) same(y.data, refY, 'values (wasm forward)');
    // the backward of a wasm forward on the JS path: the per-layer recomputation (JS kernels), whose
    // seed 2y is the wasm forward's (so equal to rounding, not bit for bit, to an all-JS run)
    const g1 = grad(T.sum(T.square(y)), [x, ...params]);
    const jsRef = grad(T.sum(T.square(mlpLayers(x, ws, bs, acts))), [x, ...params]);
    close(g1, jsRef, 1e-5, 'backward after the kernels were turned off');
    const yj = mlp(x, ws, bs, acts, kernels);
    same(yj.data, mlpLayers(x, ws, bs, acts).data, 'values on the JS path');
    grad(T.sum(T.square(yj)), [x, ...params]).forEach((g, i) => same(g.data, jsRef[i].data, `JS path gradient ${i}`));
    close(jsRef, ref, 1e-5, 'JS path vs wasm path');
  } finally {
    setWasmKernels(prev);
  }
});

test('mlp keeps NaN: a NaN input row gives NaN outputs in that row and NaN weight gradients', () => {
  const { ws, bs, params, kernels } = net([8, 32, 32, 4]);
  const x = param([16, 8], false);
  x.data[3] = NaN;
  const y = mlp(x, ws, bs, hidden('relu', 3), kernels);
  for (let j = 0; j < 4; j++) assert.ok(Number.isNaN(y.data[j]), `y[0, ${j}] = ${y.data[j]}`);
  assert.ok(Number.isFinite(y.data[4]), 'row 1 is finite');
  const [gw] = grad(T.sum(y), params);
  assert.ok(Number.isNaN(gw.data[0]), `weight gradient ${gw.data[0]}`);
});

test('MLP.forward runs as one mlp op for relu/tanh networks and equals its layers', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    const m = new MLP([6, 32, 32, 3], new Rng(1), { activation });
    const x = param([50, 6], false);
    const y = m.forward(x);
    assert.equal(y.node?.op, wasm ? 'mlp' : 'linear', activation);
    const ref = mlpLayers(
      x,
      m.layers.map((l) => l.weight),
      m.layers.map((l) => l.bias),
      hidden(activation, 3),
    );
    same(y.data, ref.data, `${activation} values`);
  }
  // elu has no fused kernel: the per-layer path.
  assert.equal(new MLP([6, 8, 3], new Rng(1), { activation: 'elu' }).forward(param([2, 6], false)).node?.op, 'linear');
});

test('mlp names bad layers, shapes and activations', () => {
  const { ws, bs, kernels } = net([3, 8, 2]);
  assert.throws(() => mlp(param([4, 5]), ws, bs, ['relu', 'identity'], kernels), /mlp: expected input \[n, 3\], got \[4,5\]/);
  assert.throws(
    () => mlp(param([4, 3]), ws, bs, ['elu' as MlpLayerActivation, 'identity'], kernels),
    /activation 0 must be 'relu', 'tanh' or 'identity', got elu/,
  );
  assert.throws(() => mlp(param([4, 3]), [ws[1], ws[0]], bs, ['relu', 'identity'], kernels), /layer 0 expects w \[3, 8\]/);
  assert.throws(() => mlp(param([4, 3]), ws.slice(0, 1), bs, ['relu'], kernels), /expected 2 layers/);
});

test('MLP.predict (off the tape) equals the per-layer forward bit for bit, also alternating with forwards on the tape', () => {
  const m = new MLP([4, 64, 64, 1], new Rng(2), { activation: 'relu' });
  const ws = m.layers.map((l) => l.weight),
    bs = m.layers.map((l) => l.bias);
  const x = param([100, 4], false);
  const ref = mlpLayers(x, ws, bs, hidden('relu', 3)).data;
  const onTape = m.forward(x); // its activations resident while predict runs
  same(m.predict(x.data as Float32Array, 100), ref, 'predict, batch 100');
  same(onTape.data, ref, 'forward');
  const [gw] = grad(T.sum(onTape), [ws[0]]);
  same(gw.data, grad(T.sum(mlpLayers(x, ws, bs, hidden('relu', 3))), [ws[0]])[0].data, 'gradient of the forward after a predict');
  // batch 1: the per-layer path (its smallest products run in JS)
  const x1 = param([1, 4], false);
  same(m.predict(x1.data as Float32Array, 1), mlpLayers(x1, ws, bs, hidden('relu', 3)).data, 'predict, batch 1');
});

test('the wasm transpose kernel (4x4 shuffle blocks) equals pack’s float-by-float transpose', async (t) => {
  const { kernels } = await import('../../src/tensor/wasm/runtime.ts');
  const K = kernels();
  if (!K) return t.skip('no WebAssembly kernels here');
  for (const [rows, cols] of [
    [4, 4],
    [8, 12],
    [64, 64],
    [12, 300],
  ]) {
    // src [cols, rows + 4] (a padded row), dst [rows, cols]: dst[r, c] = src[c, r]
    const srcRow = 4 * (rows + 4),
      dstRow = 4 * cols;
    const src = 0,
      a = src + cols * srcRow,
      b = a + rows * dstRow;
    const need = b + rows * dstRow;
    if (K.memory.buffer.byteLength < need) K.memory.grow(Math.ceil((need - K.memory.buffer.byteLength) / 65536));
    const f32 = new Float32Array(K.memory.buffer);
    rng.fillUniform(f32.subarray(0, (cols * srcRow) >> 2), -1, 1);
    K.transpose(src, srcRow, a, dstRow, rows, cols);
    K.pack(src, 4, srcRow, b, dstRow, rows, cols);
    same(f32.subarray(a >> 2, (a + rows * dstRow) >> 2), f32.subarray(b >> 2, (b + rows * dstRow) >> 2), `${rows}x${cols}`);
  }
});
