import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { gemm } from '../../src/tensor/kernels.ts';
import * as T from '../../src/tensor/index.ts';
import { wasmGemm, wasmTanh, setWasmKernels, setWasmFma, setWasmGemmThreshold, setWasmTanhThreshold, kernelInfo } from '../../src/tensor/wasm/index.ts';
import { uleb, sleb } from '../../src/tensor/wasm/emitter.ts';
import { buildKernelModule } from '../../src/tensor/wasm/gemm-kernel.ts';

const rng = new Rng(11);

/**
 * Tests of the WebAssembly kernels themselves skip, saying why, when the kernels are off
 * (ASCENT_WASM=0, or no SIMD in this runtime); the rest of this file runs on both paths.
 */
const info = kernelInfo();
const off = info.path === 'wasm-simd' ? false : `WebAssembly kernels are off here: ${info.reason}`;
const wasmOnly = { skip: off };

/** Runs fn with the kernels set to `on`, then restores the previous setting (whatever ASCENT_WASM chose). */
function withKernels<T>(on: boolean, fn: () => T): T {
  const prev = setWasmKernels(on);
  try {
    return fn();
  } finally {
    setWasmKernels(prev);
  }
}

/** The exact product in float64 and, per element, sum |a||b| (the scale of its rounding error). */
function reference(
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C0: Float32Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  acc: boolean,
) {
  const exact = new Float64Array(m * n),
    scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = acc ? C0[cOff + i * n + j] : 0,
        t = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const a = A[aOff + (tA ? p * m + i : i * k + p)],
          b = B[bOff + (tB ? j * k + p : p * n + j)];
        s += a * b;
        t += Math.abs(a * b);
      }
      exact[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { exact, scale };
}

/** Runs one product through the wasm kernel (forced) and checks it against float64 and the JS gemm. */
function checkProduct(m: number, k: number, n: number, tA: boolean, tB: boolean, acc: boolean, batch = 1) {
  // Offsets into batched buffers: the product used is the last matrix of `batch`.
  const aOff = (batch - 1) * m * k,
    bOff = (batch - 1) * k * n,
    cOff = (batch - 1) * m * n;
  const A = new Float32Array(batch * m * k),
    B = new Float32Array(batch * k * n),
    C0 = new Float32Array(batch * m * n);
  rng.fillUniform(A, -1, 1);
  rng.fillUniform(B, -1, 1);
  rng.fillUniform(C0, -1, 1);
  const Cw = C0.slice(),
    Cj = C0.slice();
  setWasmGemmThreshold(0);
  try {
    assert.ok(wasmGemm(A, aOff, B, bOff, Cw, cOff, m, k, n, tA, tB, acc), 'wasm path taken');
  } finally {
    setWasmGemmThreshold();
  }
  withKernels(false, () => gemm(A, aOff, B, bOff, Cj, cOff, m, k, n, tA, tB, acc));
  const { exact, scale } = reference(A, aOff, B, bOff, C0, cOff, m, k, n, tA, tB, acc);
  // float32 accumulation: error <= ~k * 2^-24 * sum|a b|; allow a margin over the typical sqrt(k).
  const eps = 2 ** -24;
  for (let e = 0; e < m * n; e++) {
    const tol = (k + 2) * eps * scale[e] + 1e-30;
    const w = Cw[cOff + e],
      js = Cj[cOff + e];
    assert.ok(Math.abs(w - exact[e]) <= tol, `wasm C[${e}] = ${w}, exact ${exact[e]} (${m}x${k}x${n} tA=${tA} tB=${tB} acc=${acc})`);
    assert.ok(Math.abs(w - js) <= 2 * tol, `wasm C[${e}] = ${w} vs js ${js}`);
  }
  // Nothing outside the product's slot was touched.
  for (let e = 0; e < cOff; e++) assert.equal(Cw[e], C0[e], `C[${e}] outside the output was written`);
}

test('LEB128 encodings match the specification examples', () => {
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-64), [0x40]);
});

test('the emitted gemm modules validate, with and without relaxed fma', () => {
  assert.ok(WebAssembly.validate(buildKernelModule({ mr: 4, nv: 2, fma: false })));
  for (const [mr, nv] of [
    [1, 1],
    [3, 3],
    [6, 2],
  ])
    assert.ok(WebAssembly.validate(buildKernelModule({ mr, nv, fma: false })), `${mr}x${nv}`);
  // Relaxed SIMD may be missing (Node 20): then the module must fail validation, not crash.
  assert.equal(typeof WebAssembly.validate(buildKernelModule({ mr: 4, nv: 2, fma: true })), 'boolean');
});

// Skipped only when the kernels were turned off on purpose: a runtime without SIMD fails here.
test('SIMD is available in this runtime and the wasm path is active', { skip: /disabled/.test(info.reason ?? '') ? off : false }, () => {
  assert.equal(kernelInfo().path, 'wasm-simd', kernelInfo().reason);
});

const sizes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 8],
  [5, 9, 12],
  [65, 63, 17],
  [2, 300, 3],
  [7, 513, 33],
];
for (const [m, k, n] of sizes) {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      test(`wasm gemm ${m}x${k}x${n} transA=${tA} transB=${tB} matches float64 and JS, with and without accumulate`, wasmOnly, () => {
        checkProduct(m, k, n, tA, tB, false, 2);
        checkProduct(m, k, n, tA, tB, true, 3);
      });
    }
  }
}

test('wasm gemm at PPO sizes (4096x64x64 forward, backward products, two-column heads)', wasmOnly, () => {
  checkProduct(4096, 64, 64, false, false, true);
  checkProduct(4096, 64, 64, false, true, false);
  checkProduct(64, 4096, 64, true, false, false);
  checkProduct(4096, 64, 2, false, false, true);
  checkProduct(64, 4096, 2, true, false, false);
});

test('relaxed-SIMD fma and plain SIMD gemms both meet the float32 bound, and repeat bit for bit', wasmOnly, () => {
  const fmaDefault = kernelInfo().fma;
  for (const fma of [false, true]) {
    const prev = setWasmFma(fma);
    try {
      // fma is on only where the runtime has relaxed SIMD (Node 21+, or Node 20 through V8's flag).
      if (fma && !kernelInfo().fma) continue;
      assert.equal(kernelInfo().fma, fma);
      checkProduct(256, 256, 256, false, false, true);
      checkProduct(256, 256, 23, false, true, false);
      checkProduct(23, 256, 256, true, false, false);
      const A = new Rng(1).fillUniform(new Float32Array(64 * 96), -1, 1) as Float32Array;
      const B = new Rng(2).fillUniform(new Float32Array(96 * 40), -1, 1) as Float32Array;
      const C1 = new Float32Array(64 * 40),
        C2 = new Float32Array(64 * 40);
      gemm(A, 0, B, 0, C1, 0, 64, 96, 40, false, false);
      gemm(A, 0, B, 0, C2, 0, 64, 96, 40, false, false);
      assert.deepEqual(C1, C2);
    } finally {
      setWasmFma(prev);
    }
  }
  assert.equal(kernelInfo().fma, fmaDefault, 'restored (ASCENT_WASM_RELAXED=0 keeps fma off)');
});

test('gemm with a bias row: C = 1 b + A B (then relu or tanh) equals the JS path, padded widths and several k-blocks', () => {
  for (const [m, k, n] of [
    [5, 9, 12],
    [7, 300, 6],
    [33, 17, 1],
    [256, 256, 256],
    [3, 70, 3],
  ]) {
    for (const act of [0, 1, 2] as const) {
      const A = new Rng(m).fillUniform(new Float32Array(m * k), -1, 1) as Float32Array;
      const B = new Rng(k).fillUniform(new Float32Array(k * n), -1, 1) as Float32Array;
      const b = new Rng(n).fillUniform(new Float32Array(n), -1, 1) as Float32Array;
      const Cw = new Float32Array(m * n).fill(9),
        Cj = new Float32Array(m * n).fill(9);
      setWasmGemmThreshold(0);
      try {
        gemm(A, 0, B, 0, Cw, 0, m, k, n, false, false, true, act, b); // accumulate is ignored with a bias
      } finally {
        setWasmGemmThreshold();
      }
      withKernels(false, () => gemm(A, 0, B, 0, Cj, 0, m, k, n, false, false, false, act, b));
      const ref = reference(A, 0, B, 0, new Float32Array(m * n), 0, m, k, n, false, false, false);
      for (let e = 0; e < m * n; e++) {
        const z = ref.exact[e] + b[e % n],
          tol = (k + 3) * 2 ** -24 * (ref.scale[e] + Math.abs(b[e % n])) + 1e-30;
        const want = act === 1 ? Math.max(z, 0) : act === 2 ? Math.tanh(z) : z;
        assert.ok(Math.abs(Cw[e] - want) <= tol + (act === 2 ? 2e-7 : 0), `${m}x${k}x${n} act ${act}: C[${e}] = ${Cw[e]}, want ${want}`);
        assert.ok(Math.abs(Cw[e] - Cj[e]) <= 2 * tol + (act === 2 ? 4e-7 : 0), `${m}x${k}x${n} act ${act}: wasm ${Cw[e]} vs JS ${Cj[e]}`);
      }
    }
  }
});

test('memory grows for a large product and is reused by a smaller one afterwards', wasmOnly, () => {
  checkProduct(300, 700, 90, false, false, false);
  checkProduct(2, 3, 4, true, true, true);
});

test('setWasmKernels(false) falls back to JS, which still computes the product, and returns the previous setting', () => {
  const before = kernelInfo().path;
  withKernels(false, () => {
    assert.equal(kernelInfo().path, 'js');
    assert.match(kernelInfo().reason ?? '', /disabled/);
    const A = Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) - 3);
    const B = Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 5) - 2);
    const C = new Float32Array(64 * 64);
    assert.equal(wasmGemm(A, 0, B, 0, C, 0, 64, 64, 64, false, false, false), false);
    assert.ok(
      C.every((v) => v === 0),
      'the disabled kernel wrote nothing',
    );
    gemm(A, 0, B, 0, C, 0, 64, 64, 64, false, false, false);
    let s = 0;
    for (let p = 0; p < 64; p++) s += A[p] * B[p * 64];
    assert.equal(C[0], s);
    assert.equal(setWasmKernels(false), false, 'returns the previous setting');
  });
  assert.equal(kernelInfo().path, before, 'restored');
});

test('small products stay on the JS path; float64 data never goes to wasm', () => {
  const A = new Float32Array(4),
    B = new Float32Array(4),
    C = new Float32Array(4);
  assert.equal(wasmGemm(A, 0, B, 0, C, 0, 2, 2, 2, false, false, false), false);
  const A64 = new Float64Array(64 * 64).fill(0.5),
    C64 = new Float64Array(64 * 64);
  gemm(A64, 0, A64, 0, C64, 0, 64, 64, 64, false, false, false);
  assert.equal(C64[0], 16);
  assert.throws(() => setWasmGemmThreshold(-1), /multiply-adds >= 0, got -1/);
});

/** Distance in units in the last place between two float32 values (via their ordered bit patterns). */
function ulpDistance(a: Float32Array, b: Float32Array): Int32Array {
  const ia = new Int32Array(a.buffer, a.byteOffset, a.length),
    ib = new Int32Array(b.buffer, b.byteOffset, b.length);
  const ord = (v: number) => (v < 0 ? -(v & 0x7fffffff) : v);
  return Int32Array.from(ia, (v, i) => Math.abs(ord(v) - ord(ib[i])));
}

test('wasm tanh is within 1 ulp of Math.tanh over a strided sweep of all float32 magnitudes, both signs', wasmOnly, () => {
  setWasmTanhThreshold(0);
  try {
    // Every 1021st bit pattern below +Infinity (2.1M inputs), alternating signs.
    const step = 1021,
      n = Math.floor(0x7f800000 / step);
    const bits = Int32Array.from({ length: n }, (_, i) => (i * step) | ((i & 1) << 31));
    const x = new Float32Array(bits.buffer);
    const y = new Float32Array(n),
      ref = Float32Array.from(x, Math.tanh);
    assert.ok(wasmTanh(x, y));
    const d = ulpDistance(y, ref);
    let worst = 0;
    for (let i = 0; i < n; i++) if (d[i] > d[worst]) worst = i;
    assert.ok(d[worst] <= 1, `tanh(${x[worst]}) = ${y[worst]}, Math.tanh gives ${ref[worst]} (${d[worst]} ulp)`);
  } finally {
    setWasmTanhThreshold();
  }
});

test('wasm tanh: special values, odd sizes, and the branch boundary', wasmOnly, () => {
  setWasmTanhThreshold(0);
  try {
    const x = Float32Array.of(NaN, -0, 0, Infinity, -Infinity, 1e-40, -1e-40, 9.02, 20, -20, 0.9, -0.9, Math.fround(0.8999999), 3);
    const y = new Float32Array(x.length);
    assert.ok(wasmTanh(x, y));
    assert.ok(Number.isNaN(y[0]));
    assert.ok(Object.is(y[1], -0) && Object.is(y[2], 0), 'signed zeros kept');
    assert.deepEqual(Array.from(y.subarray(3, 10)), [1, -1, Math.fround(1e-40), Math.fround(-1e-40), 1, 1, -1]);
    for (let i = 10; i < x.length; i++) assert.ok(Math.abs(y[i] - Math.tanh(x[i])) <= 6e-8, `tanh(${x[i]}) = ${y[i]}`);
    // In place.
    const z = Float32Array.from({ length: 37 }, (_, i) => i / 4 - 4);
    const expect = Float32Array.from(z, Math.tanh);
    assert.ok(wasmTanh(z, z));
    for (let i = 0; i < z.length; i++) assert.ok(Math.abs(z[i] - expect[i]) <= 1.2e-7, `in place tanh at ${i}`);
    // Sizes that are not whole vectors: nothing past the end of dst changes.
    for (const n of [1, 2, 3, 5, 7]) {
      const dst = new Float32Array(n + 1).fill(42);
      assert.ok(
        wasmTanh(
          Float32Array.from({ length: n }, (_, i) => i - 2),
          dst.subarray(0, n),
        ),
      );
      assert.equal(dst[n], 42);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(dst[i] - Math.tanh(i - 2)) <= 1.2e-7);
    }
  } finally {
    setWasmTanhThreshold();
  }
});

test('wasm tanh kernel: vector pairs and single vectors give the same bits; it writes exactly ceil(n / 4) vectors', wasmOnly, () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(buildKernelModule()), {}).exports as unknown as {
    memory: WebAssembly.Memory;
    tanh: (src: number, dst: number, n: number) => void;
  };
  const f32 = new Float32Array(e.memory.buffer);
  const x = Float32Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 6 : 1) * Math.sin(1.7 * i + 0.3));
  f32.set(x, 0);
  // One element at a time (a single vector per call): the reference bits.
  const one = x.map((_, i) => {
    e.tanh(4 * i, 4096, 1);
    return f32[1024];
  });
  for (let n = 1; n <= 37; n++) {
    f32.fill(42, 2048, 2048 + 48);
    e.tanh(0, 4 * 2048, n);
    const whole = 4 * Math.ceil(n / 4);
    for (let i = 0; i < n; i++) assert.ok(Object.is(f32[2048 + i], one[i]), `n = ${n}: tanh(x[${i}]) = ${f32[2048 + i]}, alone ${one[i]}`);
    for (let i = whole; i < whole + 8; i++) assert.equal(f32[2048 + i], 42, `n = ${n}: wrote past its last vector at ${i}`);
  }
});

test('the tanh op is within 1.2e-7 of Math.tanh for large float32 tensors (wasm when on) and exact in float64', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) / 50);
  const y32 = T.tanh(new T.Tensor(x, [1000])).data;
  const y64 = T.tanh(new T.Tensor(Float64Array.from(x), [1000])).data;
  for (let i = 0; i < 1000; i++) {
    assert.equal(y64[i], Math.tanh(x[i]), 'float64 path is Math.tanh');
    assert.ok(Math.abs(y32[i] - y64[i]) <= 1.2e-7, `float32 tanh(${x[i]})`);
  }
  withKernels(false, () => {
    const js = T.tanh(new T.Tensor(x, [1000])).data;
    for (let i = 0; i < 1000; i++) assert.equal(js[i], Math.fround(Math.tanh(x[i])), 'disabled: Math.tanh');
  });
});
