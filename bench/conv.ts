/**
 * Conv throughput at NatureCNN's size (4x84x84 frames; 32 8x8/4, 64 4x4/2, 64 3x3/1, bias and
 * ReLU each), forward and forward+backward (gradients of sum(output) for all filters and biases),
 * side by side in one run, samples interleaved round by round so a load spike hits every engine:
 *
 *  - ascent: conv2d with its relu as one op, as CnnEncoder runs it (wasm im2col, gemm with the
 *    bias and relu, NCHW layout; wasm backward);
 *  - ascent-composed: the same conv as recorded ops (im2col, matmul, add, transpose, relu), what
 *    conv2d was before the fused op (its im2col/col2im now also run in wasm);
 *  - tfjs-wasm: TensorFlow.js's wasm backend (XNNPACK, SIMD, 1 thread), NHWC as tfjs wants it.
 *    Forward only: tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel;
 *  - tfjs-cpu: TensorFlow.js's plain-JS backend, forward and backward, only at --tfjs-cpu-batches
 *    (its backward took 48 s of CPU per batch of 32: one sample, no warm-up);
 *  - jax: JAX on the CPU, jit-compiled (bench/conv_jax.py; a Python with jax: JAX_PYTHON or
 *    /tmp/jaxvenv, as bench/opponents/jax-sac.ts finds it).
 *
 * Before timing, every engine's output (and gradients where it has them) is checked against
 * ascent's on the same weights and data. Reported: CPU milliseconds per batch (process CPU time;
 * for jax all of its process's threads), median over rounds, and wall milliseconds; ratios to ascent.
 *
 *   node --import tsx bench/conv.ts [--batches 32,64,256] [--rounds 7] [--tfjs-cpu-batches 32]
 *        [--only ascent,tfjs-wasm,...] [--out conv]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/rng/index.ts';
import { Tensor, grad, sum, relu, conv2d, matmul, reshape, transpose, add, kernelInfo } from '../src/tensor/index.ts';
import { im2col } from '../src/tensor/ops/conv.ts';
import { flag, machine, printTable, writeResult } from './learning/driver.ts';
import { findJaxPython } from './opponents/jax-sac.ts';
import { median } from './measure.ts';

const LAYERS = [
  [4, 32, 8, 4],
  [32, 64, 4, 2],
  [64, 64, 3, 1],
] as const;
const IMAGE = [4, 84, 84] as const;

const ints = (name: string, dflt: number[]) => {
  const v = flag(name);
  if (v === undefined) return dflt;
  const xs = v.split(',').map(Number);
  if (!xs.every((x) => Number.isInteger(x) && x > 0)) throw new RangeError(`--${name}: expected positive integers separated by commas, got '${v}'`);
  return xs;
};
const batches = ints('batches', [32, 64, 256]);
const [rounds] = ints('rounds', [7]);
const tfjsCpuBatches = ints('tfjs-cpu-batches', []);
const ENGINES = ['ascent', 'ascent-composed', 'tfjs-wasm', 'tfjs-cpu', 'jax'];
const only = flag('only')?.split(',');
for (const e of only ?? []) if (!ENGINES.includes(e)) throw new RangeError(`--only: unknown engine '${e}'; engines: ${ENGINES.join(', ')}`);
const wanted = (e: string) => !only || only.includes(e);

type Pass = 'fwd' | 'bwd';
interface Sample {
  wall: number;
  cpu: number;
}
interface Engine {
  name: string;
  passes: Pass[];
  /** Output [B, 32... ] NCHW and, with gradients, the six gradients in ascent's layout. */
  check(): Promise<{ y: Float32Array; grads?: Float32Array[] }>;
  run(pass: Pass): Promise<Sample>;
  close?(): void;
}

async function timed(fn: () => unknown): Promise<Sample> {
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

const rng = new Rng(0);
// He-normal filters and small biases, shared by every engine.
const weights = LAYERS.map(([c, o, k]) => ({
  w: rng.fillNormal(new Float32Array(o * c * k * k), 0, Math.sqrt(2 / (c * k * k))) as Float32Array,
  b: rng.fillNormal(new Float32Array(o), 0, 0.01) as Float32Array,
}));

function ascentEngine(name: string, composed: boolean, x: Float32Array, B: number): Engine {
  const params = weights.map(({ w, b }, i) => {
    const [c, o, k] = LAYERS[i];
    return { w: Tensor.param(w, [o, c, k, k]), b: Tensor.param(b, [o]) };
  });
  const xt = new Tensor(x, [B, ...IMAGE]);
  // conv2d as it was composed before the fused op: im2col, matmul with the filters, bias, NCHW.
  const composedConv = (h: Tensor, w: Tensor, b: Tensor, s: number) => {
    const [O, C, k] = w.shape;
    const OH = Math.floor((h.shape[2] - k) / s) + 1;
    const y = add(matmul(im2col(h, k, k, s, 0), reshape(w, [O, C * k * k]), false, true), b);
    return reshape(transpose(reshape(y, [h.shape[0], OH * OH, O]), [0, 2, 1]), [h.shape[0], O, OH, OH]);
  };
  const stack = () => {
    let h = xt;
    LAYERS.forEach(([, , , s], i) => {
      h = composed ? relu(composedConv(h, params[i].w, params[i].b, s)) : conv2d(h, params[i].w, params[i].b, { stride: s, activation: 'relu' });
    });
    return h;
  };
  const vars = params.flatMap((p) => [p.w, p.b]);
  const backward = () => grad(sum(stack()), vars);
  return {
    name,
    passes: ['fwd', 'bwd'],
    async check() {
      return { y: stack().data as Float32Array, grads: backward().map((g) => g.data as Float32Array) };
    },
    run: (pass) => timed(pass === 'fwd' ? stack : backward),
  };
}

async function tfjsEngine(backend: 'wasm' | 'cpu', x: Float32Array, B: number, withBackward: boolean): Promise<Engine> {
  await tf.setBackend(backend);
  // tfjs takes NHWC input and HWIO filters.
  const tw = weights.map(({ w, b }, i) => {
    const [c, o, k] = LAYERS[i];
    const hwio = new Float32Array(w.length);
    for (let oo = 0; oo < o; oo++)
      for (let cc = 0; cc < c; cc++)
        for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) hwio[((y * k + xx) * c + cc) * o + oo] = w[((oo * c + cc) * k + y) * k + xx];
    return { w: tf.variable(tf.tensor4d(hwio, [k, k, c, o])), b: tf.variable(tf.tensor1d(b)) };
  });
  const xt = tf.tidy(() => tf.tensor4d(x, [B, ...IMAGE]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
  const stack = () => {
    let h = xt;
    LAYERS.forEach(([, , , s], i) => {
      h = tf.relu(tf.add(tf.conv2d(h, tw[i].w as tf.Tensor4D, s, 'valid'), tw[i].b)) as tf.Tensor4D;
    });
    return h;
  };
  const vars = tw.flatMap((p) => [p.w, p.b]);
  const gradients = () => {
    const { grads, value } = tf.variableGrads(() => tf.sum(stack()) as tf.Scalar, vars);
    value.dispose();
    return vars.map((v) => grads[v.name]);
  };
  const use = () => tf.setBackend(backend);
  return {
    name: `tfjs-${backend}`,
    passes: withBackward ? ['fwd', 'bwd'] : ['fwd'],
    async check() {
      await use();
      const y = tf.tidy(() => stack().transpose([0, 3, 1, 2]));
      const out = { y: (await y.data()) as Float32Array, grads: undefined as Float32Array[] | undefined };
      y.dispose();
      if (withBackward) {
        const gs = gradients();
        out.grads = await Promise.all(
          gs.map(async (g, j) => {
            const d = (await g.data()) as Float32Array;
            g.dispose();
            if (j % 2) return d; // a bias
            // HWIO -> OIHW
            const [c, o, k] = LAYERS[j >> 1];
            const oihw = new Float32Array(d.length);
            for (let oo = 0; oo < o; oo++)
              for (let cc = 0; cc < c; cc++)
                for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) oihw[((oo * c + cc) * k + y) * k + xx] = d[((y * k + xx) * c + cc) * o + oo];
            return oihw;
          }),
        );
      }
      return out;
    },
    async run(pass) {
      await use();
      return timed(async () => {
        if (pass === 'fwd') {
          const y = tf.tidy(stack);
          await y.data();
          y.dispose();
        } else {
          const gs = gradients();
          await Promise.all(gs.map((g) => g.data()));
          gs.forEach((g) => g.dispose());
        }
      });
    },
    close() {
      xt.dispose();
      vars.forEach((v) => v.dispose());
    },
  };
}

async function jaxEngine(python: string, x: Float32Array, B: number): Promise<Engine> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'conv_jax.py');
  const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const ask = async (cmd: string) => {
    child.stdin.write(`${cmd}\n`);
    const r = await it.next();
    if (r.done) throw new Error(`conv_jax.py ended before answering '${cmd}'`);
    return JSON.parse(r.value);
  };
  const file = path.join(tmpdir(), `ascent-conv-jax-${process.pid}.f32`);
  const parts = [x, ...weights.flatMap(({ w, b }) => [w, b])];
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(file, all);
  await ask(`load ${file} ${B}`);
  const out = new Float32Array(new Uint8Array(readFileSync(`${file}.out`)).buffer);
  rmSync(file);
  rmSync(`${file}.out`);
  const yLen = out.length - weights.reduce((n, { w, b }) => n + w.length + b.length, 0);
  const grads: Float32Array[] = [];
  at = yLen;
  for (const { w, b } of weights)
    for (const p of [w, b]) {
      grads.push(out.slice(at, at + p.length));
      at += p.length;
    }
  return {
    name: 'jax',
    passes: ['fwd', 'bwd'],
    check: async () => ({ y: out.slice(0, yLen), grads }),
    async run(pass) {
      const r = await ask(`${pass} 1`);
      return { wall: r.wall * 1000, cpu: r.cpu * 1000 };
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
}

/** max |a - b| / max |b|. */
function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

const require = createRequire(import.meta.url);
setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
const jaxPy = wanted('jax') ? findJaxPython() : { reason: 'not asked for (--only)' };
const before = machine();
const ki = kernelInfo();
console.log(`NatureCNN conv stack (3 layers + ReLU, ${IMAGE.join('x')}), CPU ms per batch (median of ${rounds} interleaved rounds)`);
console.log(
  `machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}; ascent kernels ${ki.path}${ki.fma ? ' (fma)' : ''}, tfjs ${tf.version.tfjs}`,
);
if ('reason' in jaxPy) console.log(`jax: skipped (${jaxPy.reason})`);

const results: Record<string, unknown>[] = [];
const checks: Record<string, unknown>[] = [];
for (const B of batches) {
  const x = rng.fillUniform(new Float32Array(B * IMAGE[0] * IMAGE[1] * IMAGE[2]), 0, 1) as Float32Array;
  const engines: Engine[] = [];
  if (wanted('ascent')) engines.push(ascentEngine('ascent', false, x, B));
  if (wanted('ascent-composed')) engines.push(ascentEngine('ascent-composed', true, x, B));
  if (wanted('tfjs-wasm')) engines.push(await tfjsEngine('wasm', x, B, false));
  if (wanted('tfjs-cpu') && tfjsCpuBatches.includes(B)) engines.push(await tfjsEngine('cpu', x, B, true));
  if ('python' in jaxPy) engines.push(await jaxEngine(jaxPy.python, x, B));

  // Same weights and data: outputs and gradients must agree before anything is timed.
  const ref = await (engines.find((e) => e.name === 'ascent') ?? engines[0]).check();
  for (const e of engines) {
    const c = await e.check();
    const yErr = relErr(c.y, ref.y);
    const gErr = c.grads && ref.grads ? Math.max(...c.grads.map((g, i) => relErr(g, ref.grads![i]))) : undefined;
    checks.push({ batch: B, engine: e.name, outputRelErr: yErr, gradRelErr: gErr });
    if (!(yErr < 1e-4) || (gErr !== undefined && !(gErr < 1e-3)))
      throw new Error(`batch ${B}: ${e.name} disagrees with ascent (output ${yErr.toExponential(2)}, gradients ${gErr?.toExponential(2)})`);
  }

  const samples = new Map<string, Sample[]>();
  // warm-up (jit, first-use allocation); tfjs-cpu's check() was its warm-up
  for (const e of engines) if (e.name !== 'tfjs-cpu') for (const p of e.passes) await e.run(p);
  for (let r = 0; r < rounds; r++)
    for (const e of engines)
      for (const p of e.passes) {
        // tfjs-cpu's backward takes seconds: one round of it is enough.
        if (e.name === 'tfjs-cpu' && r > 0) continue;
        const key = `${e.name}/${p}`;
        samples.set(key, [...(samples.get(key) ?? []), await e.run(p)]);
      }
  for (const e of engines) e.close?.();

  const rows: string[][] = [];
  for (const pass of ['fwd', 'bwd'] as const) {
    const base = samples.get(`ascent/${pass}`);
    for (const e of engines) {
      const s = samples.get(`${e.name}/${pass}`);
      if (!s) continue;
      const cpu = median(s.map((q) => q.cpu)),
        wall = median(s.map((q) => q.wall));
      const ratio = base ? cpu / median(base.map((q) => q.cpu)) : Number.NaN;
      results.push({ batch: B, pass, engine: e.name, cpuMs: +cpu.toFixed(2), wallMs: +wall.toFixed(2), samples: s.length, cpuVsAscent: +ratio.toFixed(3) });
      rows.push([String(B), pass === 'fwd' ? 'forward' : 'fwd+bwd', e.name, cpu.toFixed(1), wall.toFixed(1), String(s.length), ratio.toFixed(2)]);
    }
  }
  console.log();
  printTable(['batch', 'pass', 'engine', 'cpu ms', 'wall ms', 'n', 'cpu / ascent'], rows);
}
const after = machine();
console.log(`\nload average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}`);
const file = writeResult(flag('out') ?? 'conv', {
  bench: 'conv',
  date: new Date().toISOString(),
  machine: { ...before, loadavgAfter: after.loadavg },
  kernels: ki,
  tfjs: tf.version.tfjs,
  jax: 'python' in jaxPy ? jaxPy.python : jaxPy.reason,
  layers: LAYERS,
  image: IMAGE,
  rounds,
  checks,
  results,
});
console.log(`wrote ${file}`);
process.exit(0);
