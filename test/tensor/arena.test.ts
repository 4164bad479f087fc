// BufferArena (issue 12): a repeated training update inside arena.run allocates no typed arrays
// after its first runs, and computes exactly what it computes without the arena.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import * as T from '../../src/tensor/index.ts';
import { Tensor, BufferArena, grad } from '../../src/tensor/index.ts';
import { Adam, MLP } from '../../src/nn/index.ts';
import { SquashedGaussian } from '../../src/distributions/index.ts';

/** A small actor-critic style update: MLP forward, a squashed-Gaussian sample, two losses, grad, Adam. */
function makeUpdate(seed: number) {
  const rng = new Rng(seed);
  const net = new MLP([6, 64, 64, 4], rng, { activation: 'relu' });
  const opt = new Adam(net.parameters(), { lr: 1e-3 });
  const x = new Tensor(rng.fillNormal(new Float32Array(128 * 6)) as Float32Array, [128, 6]);
  const y = new Tensor(rng.fillNormal(new Float32Array(128 * 2)) as Float32Array, [128, 2]);
  const noise = new Rng(seed + 1);
  return () => {
    const out = net.forward(x);
    const d = new SquashedGaussian(T.slice(out, 1, 0, 2), T.clip(T.slice(out, 1, 2, 4), -5, 2));
    const { action, logProb } = d.rsample(noise);
    const loss = T.add(T.mean(T.square(T.sub(action, y))), T.mul(T.mean(logProb), 0.01));
    opt.step(grad(loss, net.parameters()));
    return loss.item();
  };
}

/** Counts `new Float32Array(...)` / `new Float64Array(...)` while fn runs. */
function countTypedArrays(fn: () => void): number {
  const g = globalThis as Record<string, unknown>;
  const saved = [g.Float32Array, g.Float64Array];
  let count = 0;
  const wrap = (C: unknown) => new Proxy(C as new (...a: unknown[]) => unknown, { construct: (t, args, nt) => (count++, Reflect.construct(t, args, nt)) });
  g.Float32Array = wrap(saved[0]);
  g.Float64Array = wrap(saved[1]);
  try {
    fn();
  } finally {
    [g.Float32Array, g.Float64Array] = saved;
  }
  return count;
}

test('an update inside arena.run allocates no typed arrays in steady state, and computes the same losses', () => {
  const plain = makeUpdate(4),
    pooled = makeUpdate(4),
    arena = new BufferArena();
  for (let i = 0; i < 3; i++) assert.equal(arena.run(pooled), plain(), `update ${i}`);
  const held = arena.allocations;
  assert.ok(held > 20, `the first run allocated its buffers (${held})`);
  const n = countTypedArrays(() => {
    for (let i = 0; i < 5; i++) assert.equal(arena.run(pooled), plain(), `steady update ${i}`);
  });
  assert.equal(arena.allocations, held, 'no buffer allocated by the arena after the first run');
  // The plain updates allocate many arrays; the pooled ones none.
  const m = countTypedArrays(() => void arena.run(pooled));
  assert.equal(m, 0, 'typed arrays constructed by one steady-state update in the arena');
  assert.ok(n > 5 * 20, `without the arena an update allocates (${n / 5} per update counted)`);
});

test('arena tensors are valid until the next run; runs do not nest; clear drops the buffers', () => {
  const arena = new BufferArena();
  const a = arena.run(() => T.add(Tensor.from([1, 2, 3]), 1));
  assert.deepEqual(Array.from(a.data), [2, 3, 4]);
  arena.run(() => T.add(Tensor.from([5, 5, 5]), 1));
  assert.deepEqual(Array.from(a.data), [6, 6, 6], 'the earlier result was overwritten by the next run, as documented');
  assert.throws(() => arena.run(() => arena.run(() => 0)), /BufferArena.run: this arena is already running/);
  // Another arena nests fine, and outside any run allocation is plain.
  const inner = new BufferArena();
  arena.run(() => inner.run(() => T.mul(Tensor.from([1]), 2)));
  assert.ok(arena.size.buffers > 0);
  arena.clear();
  assert.deepEqual(arena.size, { buffers: 0, bytes: 0 });
  const z = T.add(Tensor.from([1]), 1);
  assert.equal(z.data[0], 2);
});

test('arena buffers handed to ops that write every element are not zeroed, and nothing stale leaks into results', () => {
  const arena = new BufferArena();
  const x = new Tensor(
    Float32Array.from({ length: 600 }, (_, i) => i - 300),
    [20, 30],
  );
  const w = new Tensor(
    Float32Array.from({ length: 30 * 40 }, (_, i) => ((i % 7) - 3) / 10),
    [30, 40],
  );
  const run = (s: number) =>
    arena.run(() => {
      const h = T.linearAct(T.mul(x, s), w, undefined, 'relu');
      return Float32Array.from(T.add(T.exp(T.neg(T.matmul(h, w, false, true))), T.square(h).data.length).data);
    });
  const first = run(1),
    other = run(-2),
    again = run(1);
  assert.deepEqual(again, first, 'a run after a different one gives the same values');
  assert.notDeepEqual(other, first);
});
