import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, checkGradients, slice, concat, sum, grad, mul } from '../../src/tensor/index.ts';
import { LSTMCell, GRUCell, lstmStep, lstmStepReference, lstmSequence, gruStep, maskState, makeCell } from '../../src/nn/recurrent.ts';

const sig = (v: number) => 1 / (1 + Math.exp(-v));
function randn(rng: Rng, shape: number[], scale = 0.5): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < d.length; i++) d[i] = scale * rng.normal();
  return new Tensor(d, shape);
}

test('LSTM step matches the equations computed by hand (H = 1, one input)', () => {
  // Gate order i, f, g, o (PyTorch's).
  const wIh = Tensor.from([0.5, -0.3, 0.8, 0.1], [1, 4], 'float64');
  const wHh = Tensor.from([0.2, 0.4, -0.6, 0.7], [1, 4], 'float64');
  const b = Tensor.from([0.1, 1, -0.2, 0.05], [4], 'float64');
  const x = 0.9,
    h = -0.4,
    c = 0.3;
  const out = lstmStep(Tensor.from([x], [1, 1], 'float64'), Tensor.from([h], [1, 1], 'float64'), Tensor.from([c], [1, 1], 'float64'), wIh, wHh, b);
  const pre = [0, 1, 2, 3].map((k) => x * wIh.data[k] + h * wHh.data[k] + b.data[k]);
  const c2 = sig(pre[1]) * c + sig(pre[0]) * Math.tanh(pre[2]);
  const h2 = sig(pre[3]) * Math.tanh(c2);
  assert.ok(Math.abs(out.c.data[0] - c2) < 1e-12, `c ${out.c.data[0]} vs ${c2}`);
  assert.ok(Math.abs(out.h.data[0] - h2) < 1e-12, `h ${out.h.data[0]} vs ${h2}`);
});

test('GRU step matches the equations computed by hand (H = 1, one input)', () => {
  // Gate order r, z, n; b_hn sits inside r * (...), as in PyTorch.
  const wIh = Tensor.from([0.5, -0.3, 0.8], [1, 3], 'float64');
  const wHh = Tensor.from([0.2, 0.4, -0.6], [1, 3], 'float64');
  const bIh = Tensor.from([0.1, -0.2, 0.3], [3], 'float64');
  const bHh = Tensor.from([-0.1, 0.25, 0.15], [3], 'float64');
  const x = 0.9,
    h = -0.4;
  const out = gruStep(Tensor.from([x], [1, 1], 'float64'), Tensor.from([h], [1, 1], 'float64'), wIh, wHh, bIh, bHh);
  const r = sig(x * 0.5 + 0.1 + h * 0.2 - 0.1),
    z = sig(x * -0.3 - 0.2 + h * 0.4 + 0.25);
  const n = Math.tanh(x * 0.8 + 0.3 + r * (h * -0.6 + 0.15));
  const want = (1 - z) * n + z * h;
  assert.ok(Math.abs(out.data[0] - want) < 1e-12, `${out.data[0]} vs ${want}`);
});

/** Unroll a cell function over T steps with episode-start masks, summing nothing: returns all h. */
function unrollLstm(T: number, B: number, starts: number[]) {
  return (xs: Tensor, h0: Tensor, c0: Tensor, wIh: Tensor, wHh: Tensor, b: Tensor) => {
    let s = { h: h0, c: c0 };
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const m = maskState(s, starts.slice(t * B, (t + 1) * B));
      s = lstmStep(slice(xs, 0, t * B, (t + 1) * B), m.h, m.c!, wIh, wHh, b);
      hs.push(s.h, s.c);
    }
    return concat(hs, 0);
  };
}

test('LSTM gradients through 4 steps (with an episode start inside) match float64 finite differences', () => {
  const rng = new Rng(1);
  const T = 4,
    B = 3,
    I = 2,
    H = 3;
  const starts = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0];
  const r = checkGradients(unrollLstm(T, B, starts), [
    randn(rng, [T * B, I]),
    randn(rng, [B, H]),
    randn(rng, [B, H]),
    randn(rng, [I, 4 * H]),
    randn(rng, [H, 4 * H]),
    randn(rng, [4 * H]),
  ]);
  assert.ok(r.ok, JSON.stringify(r));
});

test('GRU gradients through 4 steps (with an episode start inside) match float64 finite differences', () => {
  const rng = new Rng(2);
  const T = 4,
    B = 3,
    I = 2,
    H = 3;
  const starts = [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
  const f = (xs: Tensor, h0: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor) => {
    let h = h0;
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      h = maskState({ h }, starts.slice(t * B, (t + 1) * B)).h;
      h = gruStep(slice(xs, 0, t * B, (t + 1) * B), h, wIh, wHh, bIh, bHh);
      hs.push(h);
    }
    return concat(hs, 0);
  };
  const r = checkGradients(f, [
    randn(rng, [T * B, I]),
    randn(rng, [B, H]),
    randn(rng, [I, 3 * H]),
    randn(rng, [H, 3 * H]),
    randn(rng, [3 * H]),
    randn(rng, [3 * H]),
  ]);
  assert.ok(r.ok, JSON.stringify(r));
});

test('an episode start cuts the gradient: the loss after a start does not depend on the state before it', () => {
  const rng = new Rng(3);
  const cell = new LSTMCell(2, 4, rng);
  const xs = Tensor.from(rng.fillNormal(new Float32Array(3 * 1 * 2)), [3, 1, 2]);
  const h0 = Tensor.param(rng.fillNormal(new Float32Array(4)) as Float32Array, [1, 4]);
  const c0 = Tensor.param(rng.fillNormal(new Float32Array(4)) as Float32Array, [1, 4]);
  const cut = cell.forwardSequence(xs, { h: h0, c: c0 }, [0, 1, 0]);
  const last = slice(cut.out, 0, 2, 3);
  const g = grad(sum(last), [h0, c0], { allowUnused: true });
  assert.ok(
    g.every((gi) => gi === null || gi.data.every((v) => v === 0)),
    'state before the start must get no gradient',
  );
  const kept = cell.forwardSequence(xs, { h: h0, c: c0 }, [0, 0, 0]);
  const g2 = grad(sum(slice(kept.out, 0, 2, 3)), [h0]);
  assert.ok(
    g2[0].data.some((v) => v !== 0),
    'without the start the state does get a gradient',
  );
});

test('forwardSequence equals stepping the cell by hand, for LSTM and GRU', () => {
  for (const kind of ['lstm', 'gru'] as const) {
    const rng = new Rng(4);
    const cell = makeCell(kind, 3, 5, rng);
    const T = 3,
      B = 2;
    const xs = Tensor.from(rng.fillNormal(new Float32Array(T * B * 3)), [T, B, 3]);
    const starts = [1, 1, 0, 1, 0, 0];
    const seq = cell.forwardSequence(xs, cell.initialState(B), starts);
    let s = cell.initialState(B);
    for (let t = 0; t < T; t++) {
      s = cell.stepNoGrad(Tensor.from(xs.data.subarray(t * B * 3, (t + 1) * B * 3), [B, 3]), maskState(s, starts.slice(t * B, (t + 1) * B)));
      const got = seq.out.data.subarray(t * B * 5, (t + 1) * B * 5);
      s.h.data.forEach((v, k) => assert.ok(Math.abs(got[k] - v) < 1e-6, `${kind} step ${t} [${k}]: ${got[k]} vs ${v}`));
    }
    const packed = cell.packState(seq.state);
    const back = cell.unpackState(packed, B);
    assert.deepEqual(Array.from(back.h.data), Array.from(seq.state.h.data));
    if (kind === 'lstm') assert.deepEqual(Array.from(back.c!.data), Array.from(seq.state.c!.data));
  }
});

test('initialisation: orthogonal recurrent gate blocks, LSTM forget-gate bias 1, other biases 0', () => {
  const H = 6;
  const lstm = new LSTMCell(4, H, new Rng(5));
  const b = lstm.bias.data;
  for (let j = 0; j < 4 * H; j++) assert.equal(b[j], j >= H && j < 2 * H ? 1 : 0, `bias[${j}]`);
  for (let k = 0; k < 4; k++) {
    for (let a = 0; a < H; a++)
      for (let c = 0; c < H; c++) {
        let dot = 0;
        for (let r = 0; r < H; r++) dot += lstm.wHh.data[r * 4 * H + k * H + a] * lstm.wHh.data[r * 4 * H + k * H + c];
        assert.ok(Math.abs(dot - (a === c ? 1 : 0)) < 1e-5, `block ${k} (${a},${c}): ${dot}`);
      }
  }
  const gru = new GRUCell(4, H, new Rng(5));
  assert.ok(gru.bIh.data.every((v) => v === 0) && gru.bHh.data.every((v) => v === 0));
  assert.equal(gru.numParameters(), 4 * 3 * H + H * 3 * H + 6 * H);
});

test('bad sizes and inputs get errors naming the value and the expected form', () => {
  assert.throws(() => new LSTMCell(0, 4, new Rng(0)), /inFeatures must be a positive integer, got 0/);
  assert.throws(() => makeCell('rnn' as 'lstm', 2, 2, new Rng(0)), /cell must be 'lstm' or 'gru', got "rnn"/);
  const cell = new GRUCell(3, 2, new Rng(0));
  assert.throws(() => cell.forwardSequence(Tensor.zeros([2, 1, 4]), cell.initialState(1)), /expected input \[T, B, 3\], got \[2,1,4\]/);
});

test('fused LSTM step: the same values and gradients as the composed ops, in float64 and in float32', () => {
  const rng = new Rng(6);
  const B = 5,
    I = 3,
    H = 4;
  const ins64 = [randn(rng, [B, I]), randn(rng, [B, H]), randn(rng, [B, H]), randn(rng, [I, 4 * H]), randn(rng, [H, 4 * H]), randn(rng, [4 * H])];
  const w = Tensor.from(
    Array.from({ length: B * H }, (_, k) => Math.sin(k + 1)),
    [B, H],
    'float64',
  );
  const run = (step: typeof lstmStep, ins: Tensor[]) => {
    const xs = ins.map((t) => Tensor.param(t.data.slice() as Float32Array, t.shape));
    const o = step(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]);
    const loss = sum(mul(o.h, w.dtype === xs[0].dtype ? w : Tensor.from(w.data, w.shape))).add(sum(mul(o.c, o.c)));
    return { h: Array.from(o.h.data), c: Array.from(o.c.data), g: grad(loss, xs).map((t) => Array.from(t.data)) };
  };
  const ref = run(lstmStepReference, ins64),
    fused = run(lstmStep, ins64);
  const close = (a: number[], b: number[], tol: number, what: string) =>
    a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) <= tol * (1 + Math.abs(b[k])), `${what}[${k}]: ${v} vs ${b[k]}`));
  close(fused.h, ref.h, 1e-12, 'h64');
  close(fused.c, ref.c, 1e-12, 'c64');
  fused.g.forEach((g, i) => close(g, ref.g[i], 1e-12, `grad64 ${i}`));
  // The float32 fast path against the float64 reference.
  const f32 = run(
    lstmStep,
    ins64.map((t) => new Tensor(Float32Array.from(t.data), t.shape)),
  );
  close(f32.h, ref.h, 1e-5, 'h32');
  close(f32.c, ref.c, 1e-5, 'c32');
  f32.g.forEach((g, i) => close(g, ref.g[i], 1e-4, `grad32 ${i}`));
});

test('fused LSTM step refuses double backward instead of returning a wrong second derivative', () => {
  const rng = new Rng(7);
  const cell = new LSTMCell(2, 3, rng);
  const x = Tensor.param(rng.fillNormal(new Float32Array(2)) as Float32Array, [1, 2]);
  const s = cell.step(x, cell.initialState(1));
  assert.throws(() => grad(sum(s.h), [x], { createGraph: true }), /double backward \(createGraph\) is not supported/);
});

test('fused LSTM sequence op: float64 finite differences through 5 steps with episode starts', () => {
  const rng = new Rng(8);
  const T = 5,
    B = 2,
    I = 3,
    H = 3;
  const starts = [1, 1, 0, 0, 0, 1, 0, 0, 1, 0];
  const r = checkGradients(
    (xs, h0, c0, wIh, wHh, b) => lstmSequence(xs, h0, c0, wIh, wHh, b, starts),
    [randn(rng, [T, B, I]), randn(rng, [B, H]), randn(rng, [B, H]), randn(rng, [I, 4 * H]), randn(rng, [H, 4 * H]), randn(rng, [4 * H])],
  );
  assert.ok(r.ok, JSON.stringify(r));
  // h0 and c0 still get gradients where the first step does not start an episode.
  const r2 = checkGradients(
    (xs, h0, c0, wIh, wHh, b) => lstmSequence(xs, h0, c0, wIh, wHh, b, null),
    [randn(rng, [T, B, I]), randn(rng, [B, H]), randn(rng, [B, H]), randn(rng, [I, 4 * H]), randn(rng, [H, 4 * H]), randn(rng, [4 * H])],
  );
  assert.ok(r2.ok, JSON.stringify(r2));
});

test('fused LSTM sequence op: the same values and float32 gradients as unrolling the composed step', () => {
  const rng = new Rng(9);
  const T = 6,
    B = 3,
    I = 2,
    H = 4;
  const starts = Array.from({ length: T * B }, (_, k) => (k < B || k % 7 === 0 ? 1 : 0));
  const base = [randn(rng, [T, B, I]), randn(rng, [B, H]), randn(rng, [B, H]), randn(rng, [I, 4 * H]), randn(rng, [H, 4 * H]), randn(rng, [4 * H])];
  const params = () => base.map((t) => Tensor.param(Float32Array.from(t.data), t.shape));
  const wts = Tensor.from(
    Array.from({ length: T * B * 2 * H }, (_, k) => Math.cos(k)),
    [T, B, 2 * H],
  );
  const a = params();
  const fused = lstmSequence(a[0], a[1], a[2], a[3], a[4], a[5], starts);
  const ga = grad(sum(mul(fused, wts)), a);
  const p = params();
  const ref = unrollLstm(T, B, starts)(p[0].reshape([T * B, I]), p[1], p[2], p[3], p[4], p[5]);
  // unrollLstm concatenates [h_0; c_0; h_1; ...] along rows: lay the weights out the same way.
  const w2 = new Float32Array(T * 2 * B * H);
  for (let t = 0; t < T; t++)
    for (let r = 0; r < B; r++)
      for (let j = 0; j < H; j++) {
        w2[(2 * t * B + r) * H + j] = wts.data[(t * B + r) * 2 * H + j];
        w2[((2 * t + 1) * B + r) * H + j] = wts.data[(t * B + r) * 2 * H + H + j];
      }
  const gp = grad(sum(mul(ref, new Tensor(w2, ref.shape))), p);
  for (let t = 0; t < T; t++)
    for (let r = 0; r < B; r++)
      for (let j = 0; j < H; j++) {
        assert.ok(Math.abs(fused.data[(t * B + r) * 2 * H + j] - ref.data[(2 * t * B + r) * H + j]) < 1e-5, `h ${t},${r},${j}`);
      }
  ga.forEach((g, i) =>
    g.data.forEach((v, k) => assert.ok(Math.abs(v - gp[i].data[k]) < 1e-4 * (1 + Math.abs(v)), `grad ${i}[${k}]: ${v} vs ${gp[i].data[k]}`)),
  );
});
