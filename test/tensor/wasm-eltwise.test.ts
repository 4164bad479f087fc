// The WebAssembly relu, relu-backward, Adam and Polyak kernels (issue 12) against the JS reference
// paths, bit for bit where the arithmetic is the same and within float32 rounding where it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { reluInto, reluBackwardInto, sumAxis } from '../../src/tensor/kernels.ts';
import { Tensor, add } from '../../src/tensor/index.ts';
import {
  wasmRelu,
  wasmReluBackward,
  wasmTanhBackward,
  wasmColSum,
  wasmAdd,
  setWasmKernels,
  setWasmEltwiseThreshold,
  kernelInfo,
  privateKernels,
} from '../../src/tensor/wasm/index.ts';
import { Adam, polyak } from '../../src/nn/index.ts';

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

/** Random data with the special values relu must get right mixed in. */
function data(n: number, seed: number): Float32Array {
  const x = new Rng(seed).fillUniform(new Float32Array(n), -2, 2) as Float32Array;
  const special = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38];
  for (let i = 0; i < n; i += 7) x[i] = special[(i / 7) % special.length];
  return x;
}

/** Same values, NaN counted equal to NaN and -0 distinct from 0 (Object.is). */
function sameValues(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('wasm relu and relu-backward equal the JS branchless loops (NaN, -0, Inf, odd sizes, in place)', wasmOnly, () => {
  setWasmEltwiseThreshold(0);
  try {
    for (const n of [1, 3, 4, 5, 17, 64, 513, 4099]) {
      const x = data(n, n),
        g = data(n, n + 1);
      const yw = new Float32Array(n),
        yj = new Float32Array(n),
        dw = new Float32Array(n),
        dj = new Float32Array(n);
      assert.ok(wasmRelu(x, yw), 'wasm path taken');
      withKernels(false, () => reluInto(x, yj));
      sameValues(yw, yj, `relu n=${n}`);
      assert.ok(wasmReluBackward(x, g, dw));
      withKernels(false, () => reluBackwardInto(x, g, dj));
      sameValues(dw, dj, `reluBackward at the input, n=${n}`);
      // At relu's output (what a fused layer keeps): the same mask.
      assert.ok(wasmReluBackward(yw, g, dw));
      withKernels(false, () => reluBackwardInto(yj, g, dj));
      sameValues(dw, dj, `reluBackward at the output, n=${n}`);
      const inPlace = x.slice();
      assert.ok(wasmRelu(inPlace, inPlace));
      sameValues(inPlace, yj, `relu in place, n=${n}`);
    }
  } finally {
    setWasmEltwiseThreshold();
  }
});

test('relu kernels stay in JS below the size threshold', wasmOnly, () => {
  const x = data(8, 1);
  assert.equal(wasmRelu(x, new Float32Array(8)), false);
  assert.equal(wasmReluBackward(x, x, new Float32Array(8)), false);
});

/** Three parameters (sizes not multiples of 4), a few Adam steps with the given kernels setting. */
function adamRun(on: boolean, steps: number, opts = { lr: 0.01, weightDecay: 0.1 }, skip = -1): { params: Float32Array[]; state: Float32Array[] } {
  return withKernels(on, () => {
    const rng = new Rng(5);
    const ps = [7, 256 * 3 + 1, 1].map((n) => Tensor.param(rng.fillNormal(new Float32Array(n)) as Float32Array, [n]));
    const opt = new Adam(ps, opts);
    // `skip`: that parameter gets no gradient on odd steps (the per-parameter path; the others, one call).
    for (let s = 0; s < steps; s++)
      opt.step(ps.map((p, i) => (i === skip && s % 2 ? null : new Tensor(rng.fillNormal(new Float32Array(p.size), 0, 1 + s) as Float32Array, p.shape))));
    return { params: ps.map((p) => Float32Array.from(p.data)), state: opt.getState().buffers };
  });
}

for (const skip of [-1, 1])
  test(
    `Adam with moments resident in wasm memory matches the JS loop to float32 rounding${skip < 0 ? '' : ' (a parameter without gradient every other step)'}`,
    wasmOnly,
    () => {
      const w = adamRun(true, 10, undefined, skip),
        j = adamRun(false, 10, undefined, skip);
      for (let i = 0; i < w.params.length; i++) {
        for (let e = 0; e < w.params[i].length; e++) {
          const a = w.params[i][e],
            b = j.params[i][e];
          assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `param ${i}[${e}]: wasm ${a}, JS ${b}`);
        }
      }
      // A moment is a running sum whose terms cancel: its rounding error scales with the buffer's largest values.
      for (let i = 0; i < w.state.length; i++) {
        const scale = j.state[i].reduce((s, v) => Math.max(s, Math.abs(v)), 0);
        for (let e = 0; e < w.state[i].length; e++) {
          const a = w.state[i][e],
            b = j.state[i][e];
          assert.ok(Math.abs(a - b) <= 1e-6 * scale, `moment ${i}[${e}]: wasm ${a}, JS ${b}`);
        }
      }
    },
  );

test('Adam over a parameter set in one wasm call equals one Adam per parameter, bit for bit (pads, offsets, moments)', wasmOnly, () => {
  for (const skip of [-1, 1]) {
    const rng = new Rng(9);
    const init = [5, 64 * 3 + 2, 1, 12].map((n) => rng.fillNormal(new Float32Array(n)) as Float32Array);
    const together = init.map((d) => Tensor.param(d.slice(), [d.length]));
    const alone = init.map((d) => Tensor.param(d.slice(), [d.length]));
    const opt = new Adam(together, { lr: 0.02, weightDecay: 0.01 });
    const opts = alone.map((p) => new Adam([p], { lr: 0.02, weightDecay: 0.01 }));
    for (let s = 0; s < 6; s++) {
      const gs = init.map((d, i) => (i === skip && s % 2 ? null : (rng.fillNormal(new Float32Array(d.length), 0, 1 + s) as Float32Array)));
      opt.step(gs.map((g, i) => g && new Tensor(g.slice(), [init[i].length])));
      // A missing gradient still counts as a step (bias correction), as in the shared optimizer.
      opts.forEach((o, i) => {
        const g = gs[i];
        o.step([g && new Tensor(g.slice(), [g.length])]);
      });
    }
    together.forEach((p, i) => sameValues(p.data as Float32Array, alone[i].data as Float32Array, `skip ${skip}: parameter ${i}`));
    const st = opt.getState().buffers,
      n = init.length;
    opts.forEach((o, i) => {
      const [m, v] = o.getState().buffers;
      sameValues(st[i], m, `skip ${skip}: first moment ${i}`);
      sameValues(st[n + i], v, `skip ${skip}: second moment ${i}`);
    });
  }
});

test('Adam keeps working on its resident moments when the kernels are turned off, and a NaN gradient gives NaN', () => {
  const p = Tensor.param(
    Float32Array.from({ length: 40 }, (_, i) => i / 10),
    [40],
  );
  const opt = new Adam([p], { lr: 0.1 });
  opt.step([new Tensor(new Float32Array(40).fill(1), [40])]);
  withKernels(false, () => opt.step([new Tensor(new Float32Array(40).fill(1), [40])]));
  // Two steps of lr * sign(g) while the moments agree in sign: 0.2 down.
  for (let i = 0; i < 40; i++) assert.ok(Math.abs(p.data[i] - (i / 10 - 0.2)) < 1e-6, `p[${i}] = ${p.data[i]}`);
  const g = new Float32Array(40);
  g[3] = NaN;
  opt.step([new Tensor(g, [40])]);
  assert.ok(Number.isNaN(p.data[3]) && Number.isFinite(p.data[4]), 'NaN reaches the parameter it belongs to only');
});

test('Adam state round-trips through getState/setState on the wasm-resident buffers', () => {
  const a = adamRun(true, 3);
  const p = Tensor.param(new Float32Array(7), [7]);
  const opt = new Adam([p]);
  opt.setState({ kind: 'adam', step: 3, lr: 0.01, buffers: [a.state[0], a.state[3]] });
  const s = opt.getState();
  sameValues(s.buffers[0], a.state[0], 'm');
  sameValues(s.buffers[1], a.state[3], 'v');
});

test('polyak: t += tau (s - t) over parameter lists, wasm and JS alike; bad input named', () => {
  for (const on of [true, false]) {
    withKernels(on, () => {
      const rng = new Rng(2);
      const s = [5, 1000].map((n) => new Tensor(rng.fillNormal(new Float32Array(n)) as Float32Array, [n]));
      const t = [5, 1000].map((n) => new Tensor(rng.fillNormal(new Float32Array(n)) as Float32Array, [n]));
      const want = t.map((ti, k) => ti.data.map((v, j) => Math.fround(v + 0.005 * (s[k].data[j] - v))));
      polyak(t, s, 0.005);
      t.forEach((ti, k) => ti.data.forEach((v, j) => assert.ok(Math.abs(v - want[k][j]) <= 2e-7 * Math.max(1, Math.abs(want[k][j])), `${on} [${k}][${j}]`)));
    });
  }
  const one = [new Tensor(new Float32Array(3), [3])];
  assert.throws(() => polyak(one, [new Tensor(new Float32Array(4), [4])], 0.1), /polyak: source 0 has 4 elements, target 3/);
  assert.throws(() => polyak(one, one, 1.5), /polyak: tau must be in \[0, 1\], got 1.5/);
});

test('privateKernels gives separate memories', wasmOnly, () => {
  const a = privateKernels(1 << 16)!,
    b = privateKernels(1 << 16)!;
  new Float32Array(a.memory.buffer)[0] = 1;
  assert.equal(new Float32Array(b.memory.buffer)[0], 0);
});

test('wasm column sums equal sumAxis in JS bit for bit (row order kept), NaN kept', wasmOnly, () => {
  setWasmEltwiseThreshold(0);
  try {
    for (const [rows, cols] of [
      [1, 4],
      [3, 8],
      [256, 256],
      [100, 64],
      [7, 4],
    ]) {
      const src = data(rows * cols, rows + cols);
      const w = new Float32Array(cols).fill(7),
        j = new Float32Array(cols);
      assert.ok(wasmColSum(src, w, rows, cols), 'wasm path taken');
      withKernels(false, () => sumAxis(src, j, 1, rows, cols));
      sameValues(w, j, `colsum ${rows}x${cols}`);
    }
    assert.equal(wasmColSum(new Float32Array(30), new Float32Array(6), 5, 6), false, 'cols not a multiple of 4 stay in JS');
  } finally {
    setWasmEltwiseThreshold();
  }
});

test('wasm tanh backward g (1 - y^2) is within |g| 2^-23 + 1 ulp of the JS loop (y^2 rounds in float32); NaN and Inf propagate', wasmOnly, () => {
  setWasmEltwiseThreshold(0);
  try {
    for (const n of [1, 5, 64, 1027]) {
      const y = new Rng(n).fillUniform(new Float32Array(n), -1, 1) as Float32Array,
        g = data(n, n + 3);
      const w = new Float32Array(n),
        j = new Float32Array(n);
      assert.ok(wasmTanhBackward(y, g, w), 'wasm path taken');
      for (let i = 0; i < n; i++) j[i] = g[i] * (1 - y[i] * y[i]);
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(j[i])) assert.ok(Number.isNaN(w[i]), `[${i}] ${w[i]} should be NaN`);
        else assert.ok(Object.is(w[i], j[i]) || Math.abs(w[i] - j[i]) <= 2 ** -23 * (Math.abs(g[i]) + Math.abs(j[i])), `[${i}] wasm ${w[i]} vs JS ${j[i]}`);
      }
    }
  } finally {
    setWasmEltwiseThreshold();
  }
});

test('wasm add (gradient accumulation) equals the JS float32 sum bit for bit: special values, odd sizes, the add op', wasmOnly, () => {
  setWasmEltwiseThreshold(0);
  try {
    for (const n of [1, 3, 5, 17, 513, 4099]) {
      const a = data(n, 3 * n),
        b = data(n, 3 * n + 1);
      b.reverse(); // specials meet ordinary values and each other (Inf + -Inf, -0 + 0)
      const w = new Float32Array(n);
      assert.ok(wasmAdd(a, b, w), 'wasm path taken');
      sameValues(
        w,
        a.map((x, i) => x + b[i]),
        `add n=${n}`,
      );
    }
  } finally {
    setWasmEltwiseThreshold();
  }
  // The op takes the wasm path from the threshold up and gives what it gives with the kernels off.
  const a = new Tensor(data(4096, 5), [64, 64]),
    b = new Tensor(data(4096, 6).reverse(), [64, 64]);
  sameValues(add(a, b).data as Float32Array, withKernels(false, () => add(a, b).data) as Float32Array, 'add op');
  assert.equal(wasmAdd(a.data as Float32Array, new Float32Array(10), new Float32Array(4096)), false, 'mismatched lengths go to JS');
});
