import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';

test('the same seed gives the same stream; different seeds and streams differ', () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43),
    d = new Rng(42, 1);
  const xs = Array.from({ length: 8 }, () => a.nextUint32());
  assert.deepEqual(
    Array.from({ length: 8 }, () => b.nextUint32()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 8 }, () => c.nextUint32()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 8 }, () => d.nextUint32()),
    xs,
  );
});

test('uniform, normal and integer draws have the right moments (within 5 standard errors)', () => {
  const r = new Rng(1);
  const n = 200_000;
  let su = 0,
    su2 = 0,
    sn = 0,
    sn2 = 0,
    sn4 = 0;
  const counts = new Array(7).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.random();
    assert.ok(u >= 0 && u < 1);
    su += u;
    su2 += u * u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
    sn4 += z ** 4;
    counts[r.int(7)]++;
  }
  const se = (sd: number) => (5 * sd) / Math.sqrt(n);
  assert.ok(Math.abs(su / n - 0.5) < se(Math.sqrt(1 / 12)));
  assert.ok(Math.abs(su2 / n - 1 / 3) < se(0.3));
  assert.ok(Math.abs(sn / n) < se(1));
  assert.ok(Math.abs(sn2 / n - 1) < se(Math.SQRT2));
  assert.ok(Math.abs(sn4 / n - 3) < se(Math.sqrt(96)));
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 7) < se(Math.sqrt((1 / 7) * (6 / 7))));
});

test('categorical draws follow the weights; zero weights are never drawn', () => {
  const r = new Rng(2);
  const w = [0.5, 0, 1.5, 2];
  const counts = [0, 0, 0, 0];
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[r.categorical(w)]++;
  assert.equal(counts[1], 0);
  [0.125, 0, 0.375, 0.5].forEach((p, k) => assert.ok(Math.abs(counts[k] / n - p) < 0.01, `${k}: ${counts[k] / n}`));
  assert.throws(() => r.categorical([0, 0]), /not all zero/);
});

test('saved state (including the cached Box-Muller normal) restores the exact stream', () => {
  const r = new Rng(3);
  r.normal(); // leaves a cached spare
  const s = JSON.parse(JSON.stringify(r.getState()));
  const a = Array.from({ length: 5 }, () => r.normal());
  const q = Rng.fromState(s);
  assert.deepEqual(
    Array.from({ length: 5 }, () => q.normal()),
    a,
  );
});

test('split streams are independent of each other and reproducible', () => {
  const a = new Rng(5),
    b = new Rng(5);
  const a1 = a.split(),
    a2 = a.split();
  const b1 = b.split();
  const xs = Array.from({ length: 1000 }, () => a1.random());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b1.random()),
    xs,
  );
  const ys = Array.from({ length: 1000 }, () => a2.random());
  let cov = 0;
  for (let i = 0; i < 1000; i++) cov += (xs[i] - 0.5) * (ys[i] - 0.5);
  assert.ok(Math.abs(cov / 1000) < (5 * (1 / 12)) / Math.sqrt(1000), `covariance ${cov / 1000}`);
});

test('permutation is a permutation; bad inputs name the value', () => {
  const p = Array.from(new Rng(6).permutation(50)).sort((x, y) => x - y);
  assert.deepEqual(
    p,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.throws(() => new Rng(1.5), /seed must be an integer, got 1.5/);
  assert.throws(() => new Rng(0).int(0), /n must be an integer in \[1, 2\^32\], got 0/);
  assert.throws(() => new Rng(0).setState({ s: [1, 2] } as any), /expected \{ s: \[4 uint32 words\]/);
});
