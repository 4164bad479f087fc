import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discountedCumsum, rewardToGo, episodeReturns, gae, type RolloutSteps } from '../../src/rollout/index.ts';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

// Two envs, T = 3, layout index t * 2 + e.
// env 0: rewards 1, 1, 1; truncated after t = 1 (V(s'_final) = 10); t = 2 unfinished (lastValues[0] = 4).
// env 1: rewards 0, 2, 5; terminated after t = 2.
const twoEnvs: RolloutSteps = {
  numEnvs: 2,
  rewards: new Float32Array([1, 0, 1, 2, 1, 5]),
  terminated: new Uint8Array([0, 0, 0, 0, 0, 1]),
  truncated: new Uint8Array([0, 0, 1, 0, 0, 0]),
};
const finalValues = new Float64Array([NaN, NaN, 10, NaN, NaN, NaN]); // read only where truncated
const lastValues = [4, 99]; // env 1's last step is terminated: 99 must be ignored

test('discountedCumsum sums backwards with the discount', () => {
  close(discountedCumsum([1, 2, 3], 0.5), [1 + 0.5 * (2 + 0.5 * 3), 2 + 1.5, 3]);
});

test('rewardToGo restarts at termination, one env', () => {
  const steps: RolloutSteps = {
    numEnvs: 1,
    rewards: [1, 2, 3, 4],
    terminated: new Uint8Array([0, 1, 0, 1]),
    truncated: new Uint8Array(4),
  };
  close(rewardToGo(steps, 0.5), [2, 2, 5, 4]);
});

test('rewardToGo bootstraps truncated and unfinished steps only when values are given', () => {
  // env0: t1 = 1 + .9*10 = 10, t0 = 1 + .9*10 = 10, t2 = 1 + .9*4 = 4.6
  // env1: t2 = 5, t1 = 2 + .9*5 = 6.5, t0 = .9*6.5 = 5.85
  close(rewardToGo(twoEnvs, 0.9, { finalValues, lastValues }), [10, 5.85, 10, 6.5, 4.6, 5]);
  // No values: truncation ends the sum, the unfinished tail is the observed partial sum.
  close(rewardToGo(twoEnvs, 0.9), [1.9, 5.85, 1, 6.5, 1, 5]);
});

test('episodeReturns gives each step its episode return and refuses an unfinished episode by default', () => {
  assert.throws(() => episodeReturns(twoEnvs, 0.9, { finalValues }), /env 0's episode starting at step 2 did not finish/);
  const ex = episodeReturns(twoEnvs, 0.9, { finalValues, unfinished: 'exclude' });
  // env0 episode [0,1]: 1 + .9 + .81*10 = 10; env1: .9*2 + .81*5 = 5.85
  close(ex.returns, [10, 5.85, 10, 5.85, 0, 5.85]);
  assert.deepEqual([...ex.mask], [1, 1, 1, 1, 0, 1]);
  assert.equal(ex.numEpisodes, 2);
  const bs = episodeReturns(twoEnvs, 0.9, { finalValues, lastValues, unfinished: 'bootstrap' });
  close(bs.returns, [10, 5.85, 10, 5.85, 4.6, 5.85]);
  assert.equal(bs.numEpisodes, 3);
  // Without finalValues the truncated episode's return is its reward sum.
  close(episodeReturns(twoEnvs, 0.9, { unfinished: 'exclude' }).returns, [1.9, 5.85, 1.9, 5.85, 0, 5.85]);
});

test('episodeReturns treats an episode begun before the batch as incomplete', () => {
  const opts = { finalValues, lastValues, unfinished: 'bootstrap' as const, continuing: [0, 1] };
  assert.throws(() => episodeReturns(twoEnvs, 0.9, opts), /env 1 continues an episode begun before this batch/);
  const ex = episodeReturns(twoEnvs, 0.9, { finalValues, unfinished: 'exclude', continuing: [0, 1] });
  assert.deepEqual([...ex.mask], [1, 0, 1, 0, 0, 0]);
});

test('gae matches hand-computed advantages with truncation bootstrapping and two envs', () => {
  const values = new Float64Array([2, 1, 3, 2, 1, 3]); // env0: 2,3,1  env1: 1,2,3
  const { advantages, returns } = gae(twoEnvs, values, { gamma: 0.9, lambda: 0.5, finalValues, lastValues });
  // env0: t2 delta = 1 + .9*4 - 1 = 3.6; t1 delta = 1 + .9*10 - 3 = 7 (episode ends); t0 = 1 + 2.7 - 2 + .45*7 = 4.85
  // env1: t2 delta = 5 - 3 = 2; t1 = 2 + 2.7 - 2 + .45*2 = 3.6; t0 = 1.8 - 1 + .45*3.6 = 2.42
  close(advantages, [4.85, 2.42, 7, 3.6, 3.6, 2], 1e-12);
  close(returns, [6.85, 3.42, 10, 5.6, 4.6, 5], 1e-12);
});

test('gae with lambda = 1 is reward-to-go minus V, with lambda = 0 the TD residual', () => {
  const values = new Float64Array([2, 1, 3, 2, 1, 3]);
  const rtg = rewardToGo(twoEnvs, 0.9, { finalValues, lastValues });
  const a1 = gae(twoEnvs, values, { gamma: 0.9, lambda: 1, finalValues, lastValues }).advantages;
  close(
    a1,
    [...rtg].map((g, i) => g - values[i]),
    1e-12,
  );
  const a0 = gae(twoEnvs, values, { gamma: 0.9, lambda: 0, finalValues, lastValues }).advantages;
  close(a0, [1.7, 0.8, 7, 2.7, 3.6, 2], 1e-12);
});

test('bad input gives errors that name the problem', () => {
  const values = new Float64Array(6);
  assert.throws(() => gae(twoEnvs, values, { gamma: 0.9, lambda: 0.5, lastValues }), /truncated but no finalValues/);
  assert.throws(() => gae(twoEnvs, values, { gamma: 0.9, lambda: 0.5, finalValues }), /last step is unfinished but no lastValues/);
  assert.throws(() => gae(twoEnvs, values, { gamma: 0.9, lambda: 1.5, finalValues, lastValues }), /lambda must be in \[0, 1\], got 1.5/);
  assert.throws(() => gae(twoEnvs, new Float64Array(5), { gamma: 0.9, lambda: 0.5 }), /values must have length T \* numEnvs = 6, got 5/);
  assert.throws(() => rewardToGo({ ...twoEnvs, numEnvs: 4 }, 0.9), /not a multiple of numEnvs = 4/);
  assert.throws(() => rewardToGo({ ...twoEnvs, terminated: new Uint8Array(5) }, 0.9), /terminated must be a Uint8Array of length 6/);
  assert.throws(() => rewardToGo(twoEnvs, 1.1), /gamma must be in \[0, 1\], got 1.1/);
  assert.throws(() => rewardToGo(twoEnvs, 0.9, { finalValues: new Float64Array(6), lastValues: [1] }), /lastValues must have length numEnvs = 2, got 1/);
  assert.throws(() => rewardToGo(twoEnvs, 0.9, { finalValues: new Float64Array(6).fill(NaN) }), /finalValues\[2\] is NaN at a truncated step/);
  assert.throws(() => episodeReturns(twoEnvs, 0.9, { unfinished: 'bootstrap' }), /needs lastValues/);
});
