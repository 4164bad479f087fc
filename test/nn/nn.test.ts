import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, sum, square, mul, noGrad, softmax } from '../../src/tensor/index.ts';
import {
  MLP,
  Linear,
  Adam,
  SGD,
  clipGradNorm,
  globalNorm,
  orthogonal,
  linearSchedule as linear,
  cosineSchedule as cosine,
  makeSchedule,
  serializeParams,
  deserializeParams,
  loadParamsInto,
  mse,
  huber,
  crossEntropy,
  checkLoss,
} from '../../src/nn/index.ts';

test('orthogonal init has orthonormal columns (tall) and rows (wide), scaled by the gain', () => {
  const rng = new Rng(1);
  for (const [r, c] of [
    [8, 3],
    [3, 8],
    [5, 5],
  ]) {
    const w = orthogonal(rng, r, c, 2);
    const k = Math.min(r, c);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let t = 0; t < Math.max(r, c); t++) dot += r >= c ? w[t * c + i] * w[t * c + j] : w[i * c + t] * w[j * c + t];
        assert.ok(Math.abs(dot - (i === j ? 4 : 0)) < 1e-5, `[${r},${c}] (${i},${j}): ${dot}`);
      }
  }
});

test('Adam takes the bias-corrected first step lr * sign(g) and matches a hand-computed second step', () => {
  const p = Tensor.param(Float32Array.from([1, -2]), [2]);
  const opt = new Adam([p], { lr: 0.1 });
  opt.step([Tensor.from([0.5, -3])]);
  assert.ok(Math.abs(p.data[0] - 0.9) < 1e-6 && Math.abs(p.data[1] + 1.9) < 1e-6);
  opt.step([Tensor.from([1, 1])]);
  // m = 0.09*0.5 + 0.1*1 ... computed in float64 by hand:
  const m = 0.9 * 0.1 * 0.5 + 0.1 * 1,
    v = 0.999 * 0.001 * 0.25 + 0.001 * 1;
  const expected = 0.9 - (0.1 * m) / (1 - 0.81) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
  assert.ok(Math.abs(p.data[0] - expected) < 1e-6, `${p.data[0]} vs ${expected}`);
});

test('Adam state round-trips: two optimizers restored from the same state take identical steps', () => {
  const rng = new Rng(3);
  const a = new MLP([3, 4, 2], rng);
  const opt = new Adam(a.parameters(), { lr: 0.01 });
  const x = Tensor.from(rng.fillNormal(new Float32Array(6)), [2, 3]);
  const g = () => grad(sum(square(a.forward(x))), a.parameters());
  opt.step(g());
  const saved = opt.getState();
  const params = a.parameters().map((p) => p.data.slice());
  opt.step(g());
  const after = a.parameters().map((p) => p.data.slice());
  a.parameters().forEach((p, i) => p.data.set(params[i]));
  const opt2 = new Adam(a.parameters(), { lr: 0.5 });
  opt2.setState(saved);
  opt2.step(g());
  a.parameters().forEach((p, i) => assert.deepEqual(p.data, after[i]));
});

test('SGD with momentum follows the heavy-ball recursion', () => {
  const p = Tensor.param(Float32Array.from([0]), [1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.5 });
  opt.step([Tensor.from([1])]);
  opt.step([Tensor.from([1])]);
  assert.ok(Math.abs(p.data[0] - -(0.1 + 0.15)) < 1e-7);
});

test('clipGradNorm scales to the max norm and returns the norm before clipping', () => {
  const g = [Tensor.from([3, 0]), Tensor.from([4])];
  assert.equal(clipGradNorm(g, 1), 5);
  assert.ok(Math.abs(globalNorm(g) - 1) < 1e-5);
  const small = [Tensor.from([0.1])];
  clipGradNorm(small, 1);
  assert.ok(Math.abs(small[0].data[0] - 0.1) < 1e-7);
  assert.throws(() => clipGradNorm([Tensor.from([NaN])], 1), /NaN/);
});

test('globalNorm: every element counts, whatever the length (four partial sums and a tail), float32 and float64', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 4099]) {
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * (i % 5 === 4 ? 10 : 1));
    const b = Float64Array.from({ length: n + 2 }, (_, i) => Math.cos(i) / 3);
    let exact = 0;
    for (const v of [...a, ...b]) exact += v * v;
    const got = globalNorm([new Tensor(a, [n]), null, new Tensor(b, [n + 2])]);
    assert.ok(Math.abs(got - Math.sqrt(exact)) <= 1e-12 * Math.sqrt(exact), `n = ${n}: ${got} vs ${Math.sqrt(exact)}`);
  }
});

test('schedules: linear and cosine reach their endpoints; bad specs name the key', () => {
  assert.equal(linear(1e-3)(0), 1e-3);
  assert.equal(linear(1e-3)(1), 0);
  assert.ok(Math.abs(linear(1, 0.5)(0.5) - 0.75) < 1e-12);
  assert.ok(Math.abs(cosine(1, 0)(0.5) - 0.5) < 1e-12);
  assert.equal(cosine(1, 0.1, 0.2)(0.1), 0.5);
  // After a warm-up of 0.2: the decay starts at `start` and is half done at 0.6; a warm-up of the whole run ends at `end`.
  assert.equal(cosine(1, 0.1, 0.2)(0.2), 1);
  assert.ok(Math.abs(cosine(1, 0.1, 0.2)(0.6) - 0.55) < 1e-12);
  assert.equal(cosine(1, 0.1, 0.2)(1), 0.1);
  assert.equal(cosine(1, 0.1, 1)(1), 0.1);
  assert.equal(makeSchedule(3e-4)(0.7), 3e-4);
  assert.throws(() => makeSchedule({ kind: 'exp' } as any, 'ppo.lr'), /ppo\.lr/);
});

test('huber: half the square inside delta (default 1), linear outside; softmax normalises the last axis by default', () => {
  const pred = new Tensor(Float32Array.of(0.5, 3, -2), [3]),
    target = new Tensor(Float32Array.of(0, 0, 0), [3]);
  // 0.5 * 0.25, then 0.5 * 1 + (3 - 1), then 0.5 * 1 + (2 - 1): mean 4.125 / 3.
  assert.ok(Math.abs(huber(pred, target).item() - 4.125 / 3) < 1e-6);
  // delta = 2: 0.125, 0.5 * 4 + 2 * (3 - 2) = 4, 0.5 * 4 = 2.
  assert.ok(Math.abs(huber(pred, target, 2).item() - 6.125 / 3) < 1e-6);
  const p = softmax(new Tensor(Float32Array.of(1, 2, 3, 0, 0, 0), [2, 3])).data;
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-6 && Math.abs(p[3] - 1 / 3) < 1e-6, `rows ${Array.from(p)}`);
});

test('an MLP trained with Adam fits a 1-D regression (sin) to low error', () => {
  const rng = new Rng(11);
  const net = new MLP([1, 32, 32, 1], rng, { activation: 'tanh' });
  const n = 128;
  const x = new Float32Array(n),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = -3 + (6 * i) / (n - 1);
    y[i] = Math.sin(x[i]);
  }
  const X = new Tensor(x, [n, 1]),
    Y = new Tensor(y, [n, 1]);
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  let loss = Infinity;
  for (let it = 0; it < 800; it++) {
    const l = mse(net.forward(X), Y);
    checkLoss(l, 'regression', it);
    loss = l.item();
    opt.step(grad(l, net.parameters()));
  }
  assert.ok(loss < 2e-3, `final MSE ${loss}`);
});

test('an MLP classifier trained with Adam separates two interleaved spirals', () => {
  const rng = new Rng(5);
  const n = 200;
  const x = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2,
      r = 0.2 + (1.8 * Math.floor(i / 2)) / (n / 2);
    const a = 2.2 * r + Math.PI * c;
    x[2 * i] = r * Math.cos(a) + rng.normal(0, 0.03);
    x[2 * i + 1] = r * Math.sin(a) + rng.normal(0, 0.03);
    labels[i] = c;
  }
  const X = new Tensor(x, [n, 2]);
  const net = new MLP([2, 64, 64, 2], rng, { activation: 'relu' });
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  for (let it = 0; it < 600; it++) opt.step(grad(crossEntropy(net.forward(X), labels), net.parameters()));
  const p = noGrad(() => softmax(net.forward(X)));
  let correct = 0;
  for (let i = 0; i < n; i++) if ((p.data[2 * i + 1] > 0.5 ? 1 : 0) === labels[i]) correct++;
  assert.ok(correct / n >= 0.97, `accuracy ${correct / n}`);
});

test('parameter files round-trip exactly and refuse corruption, truncation and mismatched models', () => {
  const rng = new Rng(9);
  const a = new MLP([4, 8, 2], rng);
  const bytes = serializeParams(a.namedParameters(), { env: 'CartPole-v1' });
  const b = new MLP([4, 8, 2], new Rng(10));
  const header = loadParamsInto(b, bytes);
  assert.deepEqual(header.meta, { env: 'CartPole-v1' });
  a.parameters().forEach((p, i) => assert.deepEqual(b.parameters()[i].data, p.data));
  const corrupt = bytes.slice();
  corrupt[corrupt.length - 3] ^= 0xff;
  assert.throws(() => deserializeParams(corrupt), /checksum mismatch/);
  assert.throws(() => deserializeParams(bytes.slice(0, bytes.length - 8)), /truncated/);
  assert.throws(() => deserializeParams(new TextEncoder().encode('hello world, not params')), /not an Ascent parameter file/);
  assert.throws(() => loadParamsInto(new MLP([4, 16, 2], rng), bytes), /shape/);
  assert.throws(() => loadParamsInto(new MLP([4, 8, 8, 2], rng), bytes), /missing \[2\.weight, 2\.bias\]/);
});

test('bad input: MLP sizes, input width, Linear sizes, optimizer settings name the value', () => {
  const rng = new Rng(0);
  assert.throws(() => new MLP([4], rng), /at least two positive integers/);
  assert.throws(() => new MLP([4, 0, 2], rng), /\[4,0,2\]/);
  assert.throws(() => new MLP([4, 8, 2], rng).forward(Tensor.zeros([3, 5])), /expected input \[batch, 4\], got \[3,5\]/);
  assert.throws(() => new Linear(2.5, 3, rng), /inFeatures must be a positive integer, got 2.5/);
  assert.throws(() => new Adam([], { lr: -1 }), /learning rate .* got -1/);
  assert.throws(() => new Adam([], { beta1: 1 }), /beta1 must be in \[0, 1\), got 1/);
  const p = Tensor.param(new Float32Array(3), [3]);
  assert.throws(() => new Adam([p]).step([Tensor.zeros([4])]), /gradient 0 has shape \[4\], parameter has \[3\]/);
  assert.throws(() => checkLoss(mul(Tensor.scalar(NaN), 1), 'policy loss', 12), /policy loss at update 12/);
});

test('linear layer matches x W + b computed by hand', () => {
  const l = new Linear(2, 2, new Rng(0));
  l.weight.data.set([1, 2, 3, 4]);
  l.bias!.data.set([0.5, -0.5]);
  assert.deepEqual(Array.from(l.forward(Tensor.from([1, 1], [1, 2])).data), [4.5, 5.5]);
});

test('MLP.predict (tape-free, reused buffers) equals forward for every activation', async () => {
  const { noGrad } = await import('../../src/tensor/index.ts');
  for (const activation of ['tanh', 'relu', 'elu', 'sigmoid', 'identity'] as const) {
    const rng = new Rng(2);
    const net = new MLP([3, 16, 5], rng, { activation, outputActivation: activation === 'identity' ? 'tanh' : 'identity' });
    const x = rng.fillNormal(new Float32Array(7 * 3)) as Float32Array;
    const ref = noGrad(() => net.forward(new Tensor(x, [7, 3]))).data;
    const got = net.predict(x, 7);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ref[i] - got[i]) < 1e-6, `${activation}[${i}]`);
  }
  assert.throws(() => new MLP([3, 4], new Rng(0)).predict(new Float32Array(5), 2), /expected 2 x 3 = 6 inputs, got 5/);
});

test('parameter files load correctly from a Node Buffer that is a view into a shared pool', async () => {
  const { Buffer } = await import('node:buffer');
  const a = new MLP([3, 5, 2], new Rng(4));
  const bytes = serializeParams(a.namedParameters());
  // Buffer.from(string) and small file reads come from the shared pool, at a non-zero offset.
  const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(bytes)]).subarray(3);
  const loaded = deserializeParams(pooled);
  a.namedParameters().forEach(([n, p]) => assert.deepEqual(loaded.tensors.get(n)!.data, p.data));
});
