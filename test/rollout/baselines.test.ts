import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptimalBaseline } from '../../src/rollout/index.ts';

const close = (a: ArrayLike<number>, b: number[], what: string) =>
  b.forEach((v, k) => assert.ok(Math.abs(a[k] - v) <= 1e-12 * Math.max(1, Math.abs(v)), `${what}[${k}]: ${a[k]} vs ${v}`));

test('optimal baseline: b_k = sum g_k^2 r / sum g_k^2 on a hand-computed batch, not sum g_k r / sum g_k', () => {
  // Two trajectories, three parameters: g_1 = [1, 2, 0] with r = 4, g_2 = [3, 0, 0] with r = 10.
  const b = new OptimalBaseline(3);
  close(b.baseline(), [0, 0, 0], 'before any data (plain REINFORCE)');
  b.add([1, 2, 0, 3, 0, 0], [4, 10]);
  // o_0 = (1*4 + 9*10) / (1 + 9) = 9.4 (the E[g r]/E[g] form gives (4 + 30) / 4 = 8.5);
  // o_1 = 4*4 / 4 = 4; parameter 2 never moved: the mean return 7.
  close(b.ratios(), [9.4, 4, 7], 'ratios');
  // Shrinkage towards m = 7 with v = Var(r) = 9 and n_k = (sum g^2)^2 / sum g^4: n_0 = 10^2 / (1 + 81), n_1 = 4^2 / 16 = 1.
  const s0 = 2.4 * 2.4,
    s1 = 9;
  close(b.baseline(), [7 + (2.4 * s0) / (s0 + 9 / (100 / 82)), 7 - (3 * s1) / (s1 + 9 / 1), 7], 'baseline');
  assert.equal(b.meanReturn(), 7);
});

test('optimal baseline: earlier batches decay; E[g_k^2] ~ 0 relative to the others falls back to the mean return', () => {
  const b = new OptimalBaseline(3, 0.5);
  b.add([1, 2, 0, 3, 0, 0], [4, 10]);
  b.add([0, 1, 0], [1]);
  // num_1 = 0.5 * 16 + 1 = 9, den_1 = 0.5 * 4 + 1 = 3; o_0 unchanged; mean (0.5 * 14 + 1) / (0.5 * 2 + 1) = 4.
  close(b.ratios(), [9.4, 3, 4], 'decayed ratios');
  const tiny = new OptimalBaseline(2);
  tiny.add([1e-7, 1, 2e-7, 1], [1, 3]);
  close(tiny.ratios(), [2, (1 + 3) / 2], 'guarded'); // den_0 = 5e-14 < 1e-12 * den_1: the mean return 2
});

test('optimal baseline: state round-trips exactly; bad input is refused', () => {
  const a = new OptimalBaseline(2);
  a.add([0.3, -1.7, 2.2, 0.1], [1.5, -0.25]);
  const b = new OptimalBaseline(2);
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  assert.deepEqual(Array.from(b.baseline()), Array.from(a.baseline()));
  assert.throws(() => a.add([1, 2, 3], [1, 2]), /scores must have length N \* size = 2 \* 2, got 3/);
  assert.throws(() => a.add([1, 2], [NaN]), /returns\[0\] is NaN/);
  assert.throws(() => b.setState({ ...a.getState(), num: [1] }), /expected finite num, den and quad arrays of length 2/);
  assert.throws(() => new OptimalBaseline(0), /size must be a positive integer, got 0/);
});
