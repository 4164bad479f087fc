import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, checkGradients, grad, sum, mul, tanh } from '../../src/tensor/index.ts';
import { conv2d, maxPool2d, avgPool2d, flattenBatch, im2col } from '../../src/tensor/ops/conv.ts';

function randn(rng: Rng, shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.normal();
  return new Tensor(d, shape);
}

/** The textbook definition, one output at a time. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | null, stride: number, pad: number): number[][][][] {
  const [N, C, H, W] = x.shape,
    [O, , kh, kw] = w.shape;
  const OH = Math.floor((H + 2 * pad - kh) / stride) + 1,
    OW = Math.floor((W + 2 * pad - kw) / stride) + 1;
  const at = (t: Tensor, i: number[]) => t.data[i.reduce((p, v, k) => p * t.shape[k] + v, 0)];
  const out: number[][][][] = [];
  for (let n = 0; n < N; n++) {
    out.push([]);
    for (let o = 0; o < O; o++) {
      out[n].push([]);
      for (let oy = 0; oy < OH; oy++) {
        out[n][o].push([]);
        for (let ox = 0; ox < OW; ox++) {
          let s = b ? b.data[o] : 0;
          for (let c = 0; c < C; c++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride - pad + ky,
                  ix = ox * stride - pad + kx;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += at(x, [n, c, iy, ix]) * at(w, [o, c, ky, kx]);
              }
          out[n][o][oy].push(s);
        }
      }
    }
  }
  return out;
}

test('conv2d equals the direct definition for strides 1-3 and paddings 0-2', () => {
  const rng = new Rng(1);
  for (const [stride, pad, kh, kw] of [
    [1, 0, 3, 3],
    [2, 1, 3, 3],
    [3, 2, 4, 2],
    [1, 1, 1, 1],
  ]) {
    const x = randn(rng, [2, 3, 7, 6]),
      w = randn(rng, [4, 3, kh, kw]),
      b = randn(rng, [4]);
    const y = conv2d(x, w, b, { stride, padding: pad });
    const want = naiveConv(x, w, b, stride, pad);
    assert.deepEqual(y.shape, [2, 4, want[0][0].length, want[0][0][0].length]);
    const flat = want.flat(3) as number[];
    flat.forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-12, `stride ${stride} pad ${pad} [${i}]: ${y.data[i]} vs ${v}`));
  }
});

test('conv2d gradients (input, filters, bias) match float64 finite differences, with stride and padding', () => {
  const rng = new Rng(2);
  const r = checkGradients(
    (x, w, b) => tanh(conv2d(x, w, b, { stride: 2, padding: 1 })),
    [randn(rng, [2, 2, 5, 4]), randn(rng, [3, 2, 3, 3]), randn(rng, [3])],
  );
  assert.ok(r.ok, JSON.stringify(r));
});

test('conv2d is differentiable twice: the gradient of a gradient matches finite differences', () => {
  const rng = new Rng(3);
  const x0 = randn(rng, [1, 2, 4, 4]),
    w0 = randn(rng, [2, 2, 3, 3]);
  // s(w) = sum((d loss / d x)^2) with loss = sum(conv(x, w)^2): ds/dw needs im2col's and col2im's backward passes.
  const s = (wd: Float64Array, createGraph: boolean) => {
    const x = new Tensor(x0.data, x0.shape, true),
      w = new Tensor(wd, w0.shape, true);
    const y = conv2d(x, w, undefined, { stride: 1, padding: 1 });
    const [gx] = grad(sum(mul(y, y)), [x], { createGraph });
    return { v: sum(mul(gx, gx)), w };
  };
  const { v, w } = s(w0.data as Float64Array, true);
  const [analytic] = grad(v, [w]);
  const eps = 1e-6;
  for (let i = 0; i < w0.size; i++) {
    const up = (w0.data as Float64Array).slice();
    up[i] += eps;
    const dn = (w0.data as Float64Array).slice();
    dn[i] -= eps;
    const numeric = (s(up, false).v.item() - s(dn, false).v.item()) / (2 * eps);
    assert.ok(Math.abs(analytic.data[i] - numeric) < 1e-5 * (1 + Math.abs(numeric)), `[${i}] ${analytic.data[i]} vs ${numeric}`);
  }
});

test('conv2d in float32 (the fast path) agrees with float64 to float32 precision', () => {
  const rng = new Rng(4);
  const x = randn(rng, [4, 4, 12, 12]),
    w = randn(rng, [8, 4, 3, 3]),
    b = randn(rng, [8]);
  const f32 = (t: Tensor) => Tensor.param(Float32Array.from(t.data), t.shape);
  const f64 = (t: Tensor) => new Tensor(Float64Array.from(t.data), t.shape, true);
  const run = (conv: (t: Tensor) => Tensor) => {
    const ins = [conv(x), conv(w), conv(b)];
    const y = conv2d(ins[0], ins[1], ins[2], { stride: 2, padding: 1 });
    const g = grad(sum(mul(y, y)), ins);
    return { y: y.data, g: g.map((t) => t.data) };
  };
  const a = run(f32),
    e = run(f64);
  for (let i = 0; i < e.y.length; i++) assert.ok(Math.abs(a.y[i] - e.y[i]) < 1e-4 * (1 + Math.abs(e.y[i])), `y[${i}]`);
  e.g.forEach((ge, k) => {
    for (let i = 0; i < ge.length; i++) assert.ok(Math.abs(a.g[k][i] - ge[i]) < 1e-3 * (1 + Math.abs(ge[i])), `grad ${k}[${i}]: ${a.g[k][i]} vs ${ge[i]}`);
  });
});

test('max pooling: values by hand, gradient to the first maximum, finite differences', () => {
  const x = Tensor.from([1, 5, 2, 0, 3, 4, 9, 1, 0, 2, 2, 8, 7, 6, 1, 3], [1, 1, 4, 4], 'float64');
  const y = maxPool2d(x, 2);
  assert.deepEqual(Array.from(y.data), [5, 9, 7, 8]);
  const xp = new Tensor(x.data, x.shape, true);
  const [g] = grad(sum(maxPool2d(xp, 2)), [xp]);
  assert.deepEqual(Array.from(g.data), [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0]);
  const rng = new Rng(5);
  const r = checkGradients((t) => maxPool2d(t, 3, 2, 1), [randn(rng, [2, 2, 5, 6])]);
  assert.ok(r.ok, JSON.stringify(r));
});

test('average pooling: values by hand and finite differences; flattenBatch keeps the batch axis', () => {
  const x = Tensor.from([1, 5, 2, 0, 3, 4, 9, 1, 0, 2, 2, 8, 7, 6, 1, 3], [1, 1, 4, 4], 'float64');
  assert.deepEqual(Array.from(avgPool2d(x, 2).data), [13 / 4, 12 / 4, 15 / 4, 14 / 4]);
  const rng = new Rng(6);
  const r = checkGradients((t) => avgPool2d(t, 2, 1, 1), [randn(rng, [1, 3, 4, 5])]);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(flattenBatch(Tensor.zeros([3, 2, 4, 5])).shape, [3, 40]);
});

test('bad shapes get errors naming them and the expected form', () => {
  assert.throws(() => conv2d(Tensor.zeros([1, 3, 8, 8]), Tensor.zeros([4, 2, 3, 3])), /expected x \[N, C, H, W\], w \[O, C, kh, kw\]/);
  assert.throws(() => conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([1, 1, 3, 3])), /a 3x3 kernel with padding 0 does not fit an input of 2x2/);
  assert.throws(() => im2col(Tensor.zeros([1, 1, 4, 4]), 2, 2, 0), /stride must be an integer >= 1, got 0/);
  assert.throws(() => maxPool2d(Tensor.zeros([4, 4]), 2), /expected an input \[N, C, H, W\], got \[4,4\]/);
});
