// The gemm on two threads (issue 12): worker threads share the kernels' WebAssembly memory and
// each computes a band of C's rows; the result is bit for bit the single-threaded one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, gemm, grad, kernelInfo, setGemmThreads, setGemmThreadThreshold, gemmThreadsReady, setWasmKernels } from '../../src/tensor/index.ts';

const rng = new Rng(5);
const rand = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

/** Every gemm variant on one set of shapes, results in order. */
function workload(): Float32Array[] {
  const out: Float32Array[] = [];
  const r = new Rng(9);
  const u = (n: number) => r.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  for (const [m, k, n] of [
    [64, 48, 40],
    [37, 23, 9], // rows not a multiple of the 4-row band
    [8, 300, 12], // several k-blocks
    [200, 17, 256],
  ])
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
    ])
      for (const mode of ['plain', 'accumulate', 'bias+relu', 'bias+tanh'] as const) {
        const A = u(m * k),
          B = u(k * n),
          C = u(m * n),
          bias = u(n);
        const act = mode === 'bias+relu' ? 1 : mode === 'bias+tanh' ? 2 : 0;
        gemm(A, 0, B, 0, C, 0, m, k, n, tA, tB, mode === 'accumulate', act, mode.startsWith('bias') ? bias : undefined);
        out.push(C);
      }
  // linearAct's backward (dense backward: dx and dW products)
  const x = new Tensor(u(96 * 40), [96, 40], true),
    w = new Tensor(u(40 * 64), [40, 64], true),
    b = new Tensor(u(64), [64], true);
  const seed = new Tensor(u(96 * 64), [96, 64]);
  for (const g of grad(T.sum(T.mul(T.linearAct(x, w, b, 'relu'), seed)), [x, w, b])) out.push(g.data as Float32Array);
  return out;
}

async function withThreads<R>(n: number, fn: () => R): Promise<R> {
  const prev = setGemmThreads(n);
  setGemmThreadThreshold(0); // every size through the threads
  try {
    const start = Date.now();
    while (gemmThreadsReady() < n && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 10));
    return fn();
  } finally {
    setGemmThreadThreshold();
    setGemmThreads(prev);
  }
}

test('gemm on 2 threads equals 1 thread bit for bit (every transpose, accumulate, bias and activation; linearAct backward)', async (t) => {
  if (kernelInfo().path !== 'wasm-simd') return t.skip('no WebAssembly kernels here');
  const one = workload();
  const two = await withThreads(2, () => {
    const info = kernelInfo();
    assert.equal(info.threads, 2, `threads: ${JSON.stringify(info)}`);
    assert.equal(gemmThreadsReady(), 2, 'the worker is up');
    return workload();
  });
  assert.equal(two.length, one.length);
  one.forEach((a, i) => same(two[i], a, `result ${i}`));
  assert.equal(kernelInfo().threads, 1, 'threads back to one');
});

test('with threads on, small products and the JS path are unchanged', async () => {
  const A = rand(4 * 5),
    B = rand(5 * 3);
  const c1 = new Float32Array(12),
    c2 = new Float32Array(12);
  gemm(A, 0, B, 0, c1, 0, 4, 5, 3, false, false);
  await withThreads(2, () => {
    const prev = setWasmKernels(false);
    try {
      gemm(A, 0, B, 0, c2, 0, 4, 5, 3, false, false);
    } finally {
      setWasmKernels(prev);
    }
  });
  const c3 = new Float32Array(12);
  const prev = setWasmKernels(false);
  try {
    gemm(A, 0, B, 0, c3, 0, 4, 5, 3, false, false);
  } finally {
    setWasmKernels(prev);
  }
  same(c2, c3, 'JS path with threads on');
  assert.ok(
    c1.every((v, i) => Math.abs(v - c3[i]) < 1e-5),
    'wasm and JS agree',
  );
});

test('setGemmThreads and setGemmThreadThreshold name bad values', () => {
  assert.throws(() => setGemmThreads(0), /setGemmThreads: expected an integer number of threads in \[1, 64\], got 0/);
  assert.throws(() => setGemmThreads(1.5), /got 1.5/);
  assert.throws(() => setGemmThreadThreshold(-1), /setGemmThreadThreshold: expected a number of multiply-adds >= 0, got -1/);
});
