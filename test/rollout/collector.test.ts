import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Collector } from '../../src/rollout/index.ts';
import { GaussianPolicy, CategoricalPolicy, ValueFunction } from '../../src/policies/index.ts';
import { makeTrainingEnvs } from '../../src/algos/common.ts';
import { SyncVectorEnv } from '../../src/vector/sync.ts';
import { make } from '../../src/envs/index.ts';

test('truncated episodes bootstrap from V(final observation); terminated ones never do', () => {
  // Pendulum-v1 never terminates and is truncated at 200 steps.
  const env = makeTrainingEnvs('Pendulum-v1', 2);
  const rng = new Rng(0);
  const pi = new GaussianPolicy(3, 1, rng);
  const v = new ValueFunction(3, rng);
  const ro = new Collector(env, pi, new Rng(1), { value: v, seed: 5 }).collect(250);
  for (let t = 0; t < ro.T; t++)
    for (let e = 0; e < 2; e++) {
      const i = t * 2 + e;
      assert.equal(ro.terminated[i], 0);
      assert.equal(ro.truncated[i], t === 199 ? 1 : 0, `t ${t}`);
      if (t !== 199) assert.equal(ro.finalValues![i], 0);
    }
  // The final value is V of the episode's last observation, not of the reset observation in the next row.
  assert.notEqual(ro.finalValues![199 * 2], 0);
  assert.notEqual(ro.finalValues![199 * 2], v.predict(ro.obs.slice(200 * 2 * 3, 200 * 2 * 3 + 3), 1)[0], 'not V(reset obs)');
  assert.deepEqual(
    ro.episodes.map((e) => e.length),
    [200, 200],
  );
  assert.equal(ro.lastValues!.length, 2);
});

test('CartPole terminations end episodes without bootstrap and the next row holds the reset observation', () => {
  const env = makeTrainingEnvs('CartPole-v1', 3);
  const pi = new CategoricalPolicy(4, 2, new Rng(0));
  const ro = new Collector(env, pi, new Rng(1), { value: new ValueFunction(4, new Rng(2)), seed: 0 }).collect(100);
  let ends = 0;
  for (let i = 0; i < ro.T * 3; i++)
    if (ro.terminated[i]) {
      ends++;
      assert.equal(ro.finalValues![i], 0);
    }
  assert.ok(ends > 0 && ro.episodes.length === ends);
  for (const e of ro.episodes) assert.ok(e.length >= 8 && e.length <= 100);
});

test('collectEpisodes gives every env exactly its quota of whole episodes and masks the rest', () => {
  const env = makeTrainingEnvs('CartPole-v1', 2);
  const c = new Collector(env, new CategoricalPolicy(4, 2, new Rng(0)), new Rng(1), { seed: 3 });
  const ro = c.collectEpisodes(3);
  assert.equal(ro.episodes.length, 6);
  const used = ro.mask.reduce((a, b) => a + b, 0);
  assert.equal(
    used,
    ro.episodes.reduce((a, e) => a + e.length, 0),
  );
});

test('bad input: next-step autoreset and mismatched policy sizes are refused', () => {
  const nextStep = new SyncVectorEnv([() => make('CartPole-v1')]);
  assert.throws(() => new Collector(nextStep, new CategoricalPolicy(4, 2, new Rng(0)), new Rng(0)), /autoresetMode 'same-step'/);
  assert.throws(
    () => new Collector(makeTrainingEnvs('CartPole-v1', 1), new CategoricalPolicy(3, 2, new Rng(0)), new Rng(0)),
    /policy expects obs 3 .* env gives 4/,
  );
});
