// Gradients returned by grad() own their buffers: a backward that passes its incoming gradient through
// unchanged (add, sub's left operand, reshape, broadcast without reduction) must not hand one buffer to
// two parameters, to the caller's seed, or to a forward tensor, since clipGradNorm and callers scale
// gradients in place (issue 11: clipping sum(p1 + p2) to norm 1 gave 0.141).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.ts';
import { Tensor, grad, gradients } from '../../src/tensor/index.ts';
import { Adam, SGD, clipGradNorm, globalNorm } from '../../src/nn/index.ts';

const param = (v: number[], shape = [v.length]) => Tensor.param(Float32Array.from(v), shape);

function assertDistinctBuffers(gs: (Tensor | null)[], others: Tensor[] = []): void {
  const seen = new Map<ArrayBufferLike, string>();
  const claim = (t: Tensor, what: string) => {
    const prev = seen.get(t.data.buffer);
    assert.equal(prev, undefined, `${what} shares its buffer with ${prev}`);
    seen.set(t.data.buffer, what);
  };
  others.forEach((t, i) => claim(t, `tensor ${i}`));
  gs.forEach((g, i) => g && claim(g, `gradient ${i}`));
}

test('clipping the gradients of sum(p1 + p2) to norm 1 gives norm 1 and the right values', () => {
  const p1 = param([1, 2, 3]),
    p2 = param([4, 5, 6]);
  const g = grad(T.sum(T.add(p1, p2)), [p1, p2]);
  assertDistinctBuffers(g, [p1, p2]);
  const before = clipGradNorm(g, 1);
  assert.ok(Math.abs(before - Math.sqrt(6)) < 1e-6, `norm before clipping ${before}`);
  assert.ok(Math.abs(globalNorm(g) - 1) < 1e-6, `norm after clipping ${globalNorm(g)}`);
  const each = 1 / Math.sqrt(6);
  for (const gi of g) for (const v of gi.data) assert.ok(Math.abs(v - each) < 1e-6, `component ${v}, expected ${each}`);
});

test('clipGradNorm scales each gradient by maxNorm / norm exactly once', () => {
  const g = [Tensor.from([3, 0]), Tensor.from([4])];
  assert.equal(clipGradNorm(g, 2), 5);
  assert.ok(Math.abs(g[0].data[0] - 1.2) < 1e-6 && g[0].data[1] === 0 && Math.abs(g[1].data[0] - 1.6) < 1e-6, `${g[0].data}, ${g[1].data}`);
  // The same tensor listed twice (aliasing in a caller's list) is still scaled once.
  const t = Tensor.from([3, 4]);
  clipGradNorm([t, t], 1);
  const n = Math.hypot(3, 4) * Math.SQRT2;
  assert.ok(Math.abs(t.data[0] - 3 / n) < 1e-6 && Math.abs(t.data[1] - 4 / n) < 1e-6, `${t.data}`);
});

test('identity-like backward passes (sub, reshape, broadcast without reduction, a sum of a sum) give owned buffers', () => {
  const p1 = param([1, 2, 3, 4], [2, 2]),
    p2 = param([5, 6, 7, 8], [2, 2]),
    p3 = param([1, 1, 1, 1]);
  const cases: [string, () => Tensor, Tensor[]][] = [
    ['sub', () => T.sum(T.sub(p1, p2)), [p1, p2]],
    ['reshape + add', () => T.sum(T.add(T.reshape(p1, [4]), p3)), [p1, p3]],
    ['broadcastTo same shape', () => T.sum(T.add(T.broadcastTo(p1, [2, 2]), p2)), [p1, p2]],
    ['add of the same parameter twice', () => T.sum(T.add(p1, p1)), [p1]],
    ['where', () => T.sum(T.add(T.where(T.Tensor.from([1, 0, 1, 0], [2, 2]), p1, p2), p1)), [p1, p2]],
  ];
  for (const [name, f, ps] of cases) {
    const g = grad(f(), ps);
    assertDistinctBuffers(g, ps);
    const copy = g.map((t) => Float32Array.from(t.data));
    g[0].data.fill(123); // an in-place change to one gradient touches no other
    g.slice(1).forEach((t, i) => assert.deepEqual(t.data, copy[i + 1], `${name}: gradient ${i + 1} changed`));
  }
});

test('a caller-provided seed is never returned as a gradient', () => {
  const p1 = param([1, 2]),
    p2 = param([3, 4]);
  const y = T.add(p1, p2);
  const seed = Tensor.from([0.5, -1]);
  const g = gradients(y, [p1, p2, y], { seed });
  assertDistinctBuffers(g, [seed, p1, p2, y]);
  g.forEach((t) => assert.deepEqual(Array.from(t!.data), [0.5, -1]));
});

test('gradients through createGraph stay distinct and differentiable', () => {
  const p1 = T.Tensor.param(Float64Array.from([1, 2]), [2]),
    p2 = T.Tensor.param(Float64Array.from([3, 4]), [2]);
  const f = T.sum(T.square(T.add(p1, p2)));
  const g = gradients(f, [p1, p2], { createGraph: true }) as Tensor[];
  assertDistinctBuffers(g, [p1, p2]);
  // g1 = g2 = 2 (p1 + p2), so d/dp1 sum(g1 * g2) = d/dp1 sum(4 (p1 + p2)^2) = 8 (p1 + p2).
  const h = grad(T.sum(T.mul(g[0], g[1])), [p1]);
  assert.deepEqual(Array.from(h[0].data), [32, 48]);
});

test('Adam and SGD on gradients reached through p1 + p2 update each parameter once', () => {
  for (const make of [(ps: Tensor[]) => new Adam(ps, { lr: 0.1 }), (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })]) {
    const a1 = param([1, 2]),
      a2 = param([3, 4]);
    const b1 = param([1, 2]),
      b2 = param([3, 4]);
    const optA = make([a1, a2]),
      optB = make([b1, b2]);
    for (let k = 0; k < 3; k++) {
      const ga = grad(T.sum(T.add(a1, a2)), [a1, a2]);
      clipGradNorm(ga, 1);
      optA.step(ga);
      // Reference: the same gradients as separate, unshared tensors.
      const v = 1 / 2;
      optB.step([Tensor.from([v, v]), Tensor.from([v, v])]);
    }
    for (const [x, y] of [
      [a1, b1],
      [a2, b2],
    ]) {
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(x.data[i] - y.data[i]) < 1e-6, `${x.data} vs ${y.data}`);
    }
  }
});

test('backward() accumulates into separate .grad buffers for p1 + p2', () => {
  const p1 = param([1, 2]),
    p2 = param([3, 4]);
  T.sum(T.add(p1, p2)).backward();
  T.sum(T.mul(T.add(p1, p2), 2)).backward();
  assert.notEqual(p1.grad!.data.buffer, p2.grad!.data.buffer);
  assert.deepEqual(Array.from(p1.grad!.data), [3, 3]);
  p1.grad!.data.fill(0);
  assert.deepEqual(Array.from(p2.grad!.data), [3, 3]);
});
