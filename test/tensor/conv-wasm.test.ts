// conv2d's WebAssembly path (issue 14): im2col and col2im in wasm are bit for bit the JS loops on
// odd shapes, and the fused conv op (forward, first-order backward, and the recorded backward that
// a second derivative needs) agrees with the JS composition within float32 rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, sum, mul, tanh, relu, setWasmKernels, kernelInfo, setGemmThreads } from '../../src/tensor/index.ts';
import { conv2d, im2col } from '../../src/tensor/ops/conv.ts';
import { wasmIm2col, wasmCol2im, wasmConv2d, type ConvGeometry } from '../../src/tensor/wasm/conv.ts';

const info = kernelInfo();
const wasmOnly = { skip: info.path === 'wasm-simd' ? false : `WebAssembly kernels are off here: ${info.reason}` };

function withKernels<T>(on: boolean, fn: () => T): T {
  const prev = setWasmKernels(on);
  try {
    return fn();
  } finally {
    setWasmKernels(prev);
  }
}

const rng = new Rng(14);
const rand = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;

function geometry(N: number, C: number, H: number, W: number, kh: number, kw: number, stride: number, pad: number): ConvGeometry {
  return { N, C, H, W, kh, kw, stride, pad, OH: Math.floor((H + 2 * pad - kh) / stride) + 1, OW: Math.floor((W + 2 * pad - kw) / stride) + 1 };
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol * (1 + scale))) assert.fail(`${what}: [${i}] ${a[i]} vs ${b[i]} (scale ${scale})`);
}

// [N, C, H, W, kh, kw, stride, pad]: strides 1-4, paddings 0-2, non-square images and kernels,
// kernel widths that are and are not whole vectors, channels 1, 3 and 4, patches cut by every edge.
const SHAPES: number[][] = [
  [2, 1, 10, 5, 3, 3, 1, 1], // Catch's board, the small encoder's first layer
  [3, 3, 11, 7, 3, 3, 2, 1],
  [2, 4, 13, 17, 8, 8, 4, 2],
  [1, 4, 12, 9, 4, 4, 3, 2],
  [2, 3, 9, 14, 5, 2, 2, 1],
  [1, 1, 7, 7, 7, 7, 1, 2],
  [2, 4, 21, 21, 8, 8, 4, 0], // NatureCNN's first layer on a smaller frame
  [1, 3, 6, 11, 1, 5, 3, 0],
];

test('wasm im2col is bit for bit the JS im2col (strides 1-4, paddings 0-2, non-square, 1/3/4 channels)', wasmOnly, () => {
  for (const s of SHAPES) {
    const [N, C, H, W, kh, kw, stride, pad] = s;
    const g = geometry(N, C, H, W, kh, kw, stride, pad);
    const x = rand(N * C * H * W);
    const want = withKernels(false, () => im2col(new Tensor(x, [N, C, H, W]), kh, kw, stride, pad).data);
    // poison the output so a position the kernel forgets shows up
    const got = new Float32Array(want.length).fill(Number.NaN);
    assert.ok(wasmIm2col(x, g, got));
    same(got, want, `im2col [${s}]`);
  }
});

test('wasm col2im is bit for bit the JS col2im (the backward of im2col) on the same shapes', wasmOnly, () => {
  for (const s of SHAPES) {
    const [N, C, H, W, kh, kw, stride, pad] = s;
    const g = geometry(N, C, H, W, kh, kw, stride, pad);
    const rows = N * g.OH * g.OW,
      K = C * kh * kw;
    const cols = rand(rows * K);
    // The JS col2im is im2col's backward: d/dx sum(im2col(x) * cols).
    const want = withKernels(false, () => {
      const x = Tensor.param(new Float32Array(N * C * H * W), [N, C, H, W]);
      return grad(sum(mul(im2col(x, kh, kw, stride, pad), new Tensor(cols, [rows, K]))), [x])[0].data;
    });
    const got = new Float32Array(want.length).fill(Number.NaN);
    assert.ok(wasmCol2im(cols, g, got));
    same(got, want, `col2im [${s}]`);
  }
});

/** conv2d's output and the gradients of sum(tanh(conv) * r) for x, w and b; `fused`: relu as conv2d's activation, else relu after it (or none). */
function convAndGrads(x: Float32Array, w: Float32Array, b: Float32Array, s: number[], O: number, act: 'none' | 'fused' | 'after' = 'none') {
  const [N, C, H, W, kh, kw, stride, pad] = s;
  const xt = Tensor.param(x, [N, C, H, W]),
    wt = Tensor.param(w, [O, C, kh, kw]),
    bt = Tensor.param(b, [O]);
  const y =
    act === 'fused'
      ? conv2d(xt, wt, bt, { stride, padding: pad, activation: 'relu' })
      : act === 'after'
        ? relu(conv2d(xt, wt, bt, { stride, padding: pad }))
        : conv2d(xt, wt, bt, { stride, padding: pad });
  const r = new Tensor(rand(y.size), y.shape);
  return { y: y.data, grads: grad(sum(mul(tanh(y), r)), [xt, wt, bt]).map((t) => t.data) };
}

test('the fused wasm conv2d and its backward agree with the JS composition (float32 rounding)', wasmOnly, () => {
  // Output channels 5 and 6 are not whole vectors; [9, 4, 30, 30, 5, 5, 1, 2] spans several chunks.
  const cases: [number[], number][] = [...SHAPES.map((s, i): [number[], number] => [s, [5, 8, 6, 16, 3, 4, 32, 2][i]]), [[9, 4, 30, 30, 5, 5, 1, 2], 12]];
  for (const [s, O] of cases) {
    const [N, C, H, W, kh, kw] = s;
    const x = rand(N * C * H * W),
      w = rand(O * C * kh * kw),
      b = rand(O);
    const seed = rng.getState();
    const fast = convAndGrads(x, w, b, s, O);
    rng.setState(seed);
    const slow = withKernels(false, () => convAndGrads(x, w, b, s, O));
    close(fast.y, slow.y, 1e-5, `y [${s}] O ${O}`);
    ['dx', 'dw', 'db'].forEach((name, k) => close(fast.grads[k], slow.grads[k], 1e-5, `${name} [${s}] O ${O}`));
  }
});

test("conv2d's fused relu (gemm epilogue, one backward) agrees with relu after the JS conv", wasmOnly, () => {
  SHAPES.forEach((s, i) => {
    const [N, C, H, W, kh, kw] = s;
    const O = [5, 8, 6, 16, 3, 4, 32, 2][i];
    const x = rand(N * C * H * W),
      w = rand(O * C * kh * kw),
      b = rand(O);
    const seed = rng.getState();
    const fast = convAndGrads(x, w, b, s, O, 'fused');
    rng.setState(seed);
    const slow = withKernels(false, () => convAndGrads(x, w, b, s, O, 'after'));
    close(fast.y, slow.y, 1e-5, `relu y [${s}]`);
    assert.ok(fast.y.some((v) => v === 0) && fast.y.some((v) => v > 0), 'both sides of the relu are exercised');
    ['dx', 'dw', 'db'].forEach((name, k) => close(fast.grads[k], slow.grads[k], 1e-5, `relu ${name} [${s}]`));
  });
  // A second derivative through the fused relu: its backward as recorded ops. The loss weighs y by
  // r, so that dL/dx depends on relu's mask (with sum(y^2) the mask is already in y).
  const x0 = rand(2 * 3 * 7 * 6),
    w0 = rand(4 * 3 * 3 * 3),
    r = new Tensor(rand(2 * 4 * 4 * 3), [2, 4, 4, 3]);
  const run = () => {
    const x = Tensor.param(x0, [2, 3, 7, 6]),
      w = Tensor.param(w0, [4, 3, 3, 3]);
    const y = conv2d(x, w, undefined, { stride: 2, padding: 1, activation: 'relu' });
    const [gx] = grad(sum(mul(y, r)), [x], { createGraph: true });
    return grad(sum(mul(gx, gx)), [w])[0].data;
  };
  close(run(), withKernels(false, run), 1e-5, 'd/dw |dL/dx|^2 with relu');
  assert.throws(
    () => conv2d(new Tensor(x0, [2, 3, 7, 6]), new Tensor(w0, [4, 3, 3, 3]), undefined, { activation: 'tanh' as 'relu' }),
    /conv2d: activation must be 'relu' or absent, got "tanh"/,
  );
});

test('the fused conv2d without a bias, and with inputs that need no gradient', wasmOnly, () => {
  const s = [3, 3, 11, 7, 3, 3, 2, 1];
  const g = geometry(3, 3, 11, 7, 3, 3, 2, 1);
  const x = rand(3 * 3 * 11 * 7),
    w = rand(4 * 27);
  const y = new Float32Array(3 * 4 * g.OH * g.OW);
  assert.ok(wasmConv2d(x, w, null, g, 4, 0, y));
  const want = withKernels(false, () => conv2d(new Tensor(x, [3, 3, 11, 7]), new Tensor(w, [4, 3, 3, 3]), undefined, { stride: 2, padding: 1 }).data);
  close(y, want, 1e-5, `no bias [${s}]`);
  // Only the filters need a gradient (a first layer on observations): dx is not computed.
  const wt = Tensor.param(w, [4, 3, 3, 3]);
  const [gw] = grad(sum(conv2d(new Tensor(x, [3, 3, 11, 7]), wt, undefined, { stride: 2, padding: 1 })), [wt]);
  const [gwJs] = withKernels(false, () => {
    const w2 = Tensor.param(w, [4, 3, 3, 3]);
    return grad(sum(conv2d(new Tensor(x, [3, 3, 11, 7]), w2, undefined, { stride: 2, padding: 1 })), [w2]);
  });
  close(gw.data, gwJs.data, 1e-5, 'dw alone');
});

test("the fused conv2d's recorded backward: a gradient of a gradient agrees with the JS path", wasmOnly, () => {
  const x0 = rand(2 * 3 * 7 * 6),
    w0 = rand(4 * 3 * 3 * 3);
  // s(w) = sum((d loss / d x)^2), loss = sum(conv(x, w)^2): needs the backward as recorded ops.
  const run = () => {
    const x = Tensor.param(x0, [2, 3, 7, 6]),
      w = Tensor.param(w0, [4, 3, 3, 3]);
    const y = conv2d(x, w, undefined, { stride: 2, padding: 1 });
    const [gx] = grad(sum(mul(y, y)), [x], { createGraph: true });
    return grad(sum(mul(gx, gx)), [w])[0].data;
  };
  close(run(), withKernels(false, run), 1e-5, 'd/dw |dL/dx|^2');
});

test('conv2d on gemm threads (shared wasm memory) matches one thread bit for bit', wasmOnly, () => {
  const s = [2, 4, 21, 21, 8, 8, 4, 0];
  const x = rand(2 * 4 * 21 * 21),
    w = rand(8 * 4 * 64),
    b = rand(8);
  const seed = rng.getState();
  const one = convAndGrads(x, w, b, s, 8);
  const prev = setGemmThreads(2);
  try {
    rng.setState(seed);
    const two = convAndGrads(x, w, b, s, 8);
    same(two.y, one.y, 'y');
    two.grads.forEach((g, k) => same(g, one.grads[k], `grad ${k}`));
  } finally {
    setGemmThreads(prev);
  }
});
