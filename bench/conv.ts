/**
 * Conv throughput at NatureCNN's size (4x84x84 frames; 32 8x8/4, 64 4x4/2, 64 3x3/1, ReLU), forward
 * and forward+backward (gradients of all filters and biases), Ascent (im2col + gemm) beside
 * TensorFlow.js's wasm backend (XNNPACK), side by side in one run. Reports milliseconds per batch
 * (median of repeats) and the ratio.
 *
 * tfjs-wasm 4.22 registers no Conv2DBackpropFilter kernel, so forward+backward is compared with
 * tfjs's cpu backend.
 *
 *   node --import tsx bench/conv.ts [batch ...]      (default 32 64)
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/rng/index.ts';
import { Tensor, grad, sum, relu, conv2d } from '../src/tensor/index.ts';

const LAYERS = [
  [4, 32, 8, 4],
  [32, 64, 4, 2],
  [64, 64, 3, 1],
] as const;
const batches = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const sizes = batches.length ? batches : [32, 64];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
async function time(fn: () => unknown | Promise<unknown>, reps: number, warmup = true): Promise<number> {
  if (warmup) await fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const rng = new Rng(0);
const params = LAYERS.map(([c, o, k]) => ({
  w: Tensor.param(rng.fillNormal(new Float32Array(o * c * k * k), 0, Math.sqrt(2 / (c * k * k))) as Float32Array, [o, c, k, k]),
  b: Tensor.param(new Float32Array(o), [o]),
}));
const ours = (x: Tensor) => {
  let h = x;
  LAYERS.forEach(([, , , s], i) => (h = relu(conv2d(h, params[i].w, params[i].b, { stride: s }))));
  return h;
};

const require = createRequire(import.meta.url);
setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
await tf.setBackend('wasm');
// tfjs takes NHWC input and HWIO filters.
const tw = params.map(({ w, b }, i) => {
  const [c, o, k] = LAYERS[i];
  const hwio = new Float32Array(w.size);
  for (let oo = 0; oo < o; oo++)
    for (let cc = 0; cc < c; cc++)
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) hwio[((y * k + x) * c + cc) * o + oo] = w.data[((oo * c + cc) * k + y) * k + x];
  return { w: tf.variable(tf.tensor4d(hwio, [k, k, c, o])), b: tf.variable(tf.tensor1d(b.data as Float32Array)) };
});
const theirs = (x: tf.Tensor4D) => {
  let h = x;
  LAYERS.forEach(([, , , s], i) => (h = tf.relu(tf.add(tf.conv2d(h, tw[i].w as tf.Tensor4D, s, 'valid'), tw[i].b)) as tf.Tensor4D));
  return h;
};

console.log(`NatureCNN conv stack (3 layers, 4x84x84), ms per batch (median); tfjs ${tf.version.tfjs} wasm backend`);
console.log('batch | pass     | ascent ms | tfjs ms (fwd: wasm, fwd+bwd: cpu) | ascent / tfjs');
const rows: Record<string, number | string>[] = [];
for (const B of sizes) {
  const xd = rng.fillNormal(new Float32Array(B * 4 * 84 * 84)) as Float32Array;
  const x = new Tensor(xd, [B, 4, 84, 84]);
  const xt = tf.tensor4d(xd, [B, 4, 84, 84]).transpose([0, 2, 3, 1]) as tf.Tensor4D;
  const reps = B >= 128 ? 3 : 5;
  const fwdA = await time(() => ours(x), reps);
  const fwdT = await time(async () => {
    const y = tf.tidy(() => theirs(xt));
    await y.data();
    y.dispose();
  }, reps);
  console.log(`${String(B).padStart(5)} | forward  | ${fwdA.toFixed(1).padStart(9)} | ${fwdT.toFixed(1).padStart(12)} | ${(fwdA / fwdT).toFixed(2)}`);
  const vars = params.flatMap((p) => [p.w, p.b]);
  const bwdA = await time(() => grad(sum(ours(x)), vars), reps);
  const vt = tw.flatMap((p) => [p.w, p.b]);
  // tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel: its backward is timed on the cpu backend.
  await tf.setBackend('cpu');
  const bwdT = await time(
    async () => {
      const { grads, value } = tf.variableGrads(() => tf.sum(theirs(xt)) as tf.Scalar, vt as tf.Variable[]);
      await Promise.all(Object.values(grads).map((g) => g.data()));
      Object.values(grads).forEach((g) => g.dispose());
      value.dispose();
    },
    1,
    false,
  ); // tfjs-cpu's conv backward takes tens of seconds per batch: one timed run
  await tf.setBackend('wasm');
  for (const [pass, a, t] of [
    ['forward', fwdA, fwdT],
    ['fwd+bwd', bwdA, bwdT],
  ] as const) {
    if (pass === 'fwd+bwd')
      console.log(`${String(B).padStart(5)} | ${pass.padEnd(8)} | ${a.toFixed(1).padStart(9)} | ${t.toFixed(1).padStart(12)} | ${(a / t).toFixed(2)}`);
    rows.push({ batch: B, pass, ascentMs: a, tfjsWasmMs: t, ratio: a / t });
  }
  xt.dispose();
}
console.log(JSON.stringify(rows));
