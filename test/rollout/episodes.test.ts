import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EpisodeTracker, recentSummary } from '../../src/rollout/episodes.ts';

test('EpisodeTracker: per-env returns and lengths, closed on done, hand-computed summary', () => {
  const t = new EpisodeTracker(2);
  assert.equal(t.step(0, 1, false), null);
  assert.equal(t.step(1, 5, false), null);
  assert.deepEqual(t.step(0, 2, true), { return: 3, length: 2 });
  assert.equal(t.returns[0], 0);
  assert.equal(t.lengths[0], 0);
  assert.equal(t.returns[1], 5, 'env 1 keeps its running episode');
  assert.deepEqual(t.step(1, -1, true), { return: 4, length: 2 });
  // Returns 3 and 4: mean 3.5, population std 0.5; lengths 2 and 2.
  assert.deepEqual(t.summary(), { returnMean: 3.5, returnStd: 0.5, lengthMean: 2 });
  assert.deepEqual(recentSummary([]), { returnMean: NaN, returnStd: NaN, lengthMean: NaN });
});

test('EpisodeTracker: a given final record wins, keep=false closes without recording, the window drops the oldest', () => {
  const t = new EpisodeTracker(1, 3);
  t.step(0, 0.5, false);
  assert.deepEqual(t.step(0, 0.5, true, { return: 10, length: 7 }), { return: 10, length: 7 });
  assert.deepEqual(t.step(0, 2, true, undefined, false), { return: 2, length: 1 });
  assert.equal(t.recent.length, 1, 'an episode closed with keep=false is not in recent');
  for (let i = 1; i <= 3; i++) t.step(0, i, true);
  assert.deepEqual(
    t.recent.map((e) => e.return),
    [1, 2, 3],
  );
});

test('EpisodeTracker: state round trip mid-episode; restart zeroes running episodes; bad input is named', () => {
  const a = new EpisodeTracker(2);
  a.step(0, 1.25, false);
  a.step(1, 2, true);
  const b = new EpisodeTracker(2);
  b.setState(JSON.parse(JSON.stringify(a.getState())));
  assert.deepEqual(b.step(0, 1, true), { return: 2.25, length: 2 });
  assert.deepEqual(b.recent[0], { return: 2, length: 1 });
  b.step(1, 3, false);
  b.restart();
  assert.deepEqual(Array.from(b.lengths), [0, 0]);
  assert.equal(b.recent.length, 2, 'restart keeps the finished episodes');
  assert.throws(() => new EpisodeTracker(0), /numEnvs must be a positive integer, got 0/);
  assert.throws(() => b.setState({ epReturn: [0], epLength: [0], recent: [] }), /state is for 1 envs, this tracker has 2/);
});
