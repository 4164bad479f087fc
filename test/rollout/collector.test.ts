import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Collector, type Rollout } from '../../src/rollout/index.ts';
import { GaussianPolicy, CategoricalPolicy, ValueFunction, type Policy } from '../../src/policies/index.ts';
import { makeTrainingEnvs } from '../../src/algos/common.ts';
import { SyncVectorEnv } from '../../src/vector/sync.ts';
import { make, Box } from '../../src/envs/index.ts';
import { BaseEnv, type ResetResult, type StepResult } from '../../src/envs/env.ts';

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

/**
 * Env e counts its episode's steps: observation [t, id], reward 100 id + t + action; its episodes
 * end after `length` steps, terminated or truncated. With the policy and value below, every number
 * of a rollout is known in advance.
 */
class CountEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = new Box<Float32Array>(-1e6, 1e6, [2]);
  readonly actionSpace = new Box<Float32Array>(-1e6, 1e6, [1]);
  private t = 0;
  private readonly o = new Float32Array(2);
  constructor(
    readonly id: number,
    readonly length: number,
    readonly truncate: boolean,
  ) {
    super(null);
  }
  reset(): ResetResult<Float32Array> {
    this.t = 0;
    this.o.set([0, this.id]);
    return { obs: this.o, info: {} };
  }
  step(a: Float32Array): StepResult<Float32Array> {
    const reward = 100 * this.id + this.t + a[0];
    this.t++;
    this.o.set([this.t, this.id]);
    const end = this.t === this.length;
    const r = this.stepResult(this.o, reward, end && !this.truncate);
    r.truncated = end && this.truncate;
    return r;
  }
}

/** Acts a = 10 t + id with log-probability -t; V(o) = t + 0.5 id + 0.25. */
const countPolicy = {
  kind: 'gaussian',
  obsDim: 2,
  actDim: 1,
  act(obs: Float32Array, batch: number) {
    const actions = new Float32Array(batch),
      logProbs = new Float32Array(batch);
    for (let i = 0; i < batch; i++) {
      actions[i] = 10 * obs[2 * i] + obs[2 * i + 1];
      logProbs[i] = -obs[2 * i];
    }
    return { actions, logProbs };
  },
} as unknown as Policy;
const countValue = {
  predict(obs: Float32Array, batch: number) {
    const v = new Float32Array(batch);
    for (let i = 0; i < batch; i++) v[i] = obs[2 * i] + 0.5 * obs[2 * i + 1] + 0.25;
    return v;
  },
};

test('every column of a rollout holds the numbers of its step, across calls and past the columns growing', () => {
  // Env 0: episodes of 3 steps that terminate; env 1: episodes of 100 steps that are truncated.
  const env = new SyncVectorEnv([() => new CountEnv(0, 3, false), () => new CountEnv(1, 100, true)], { autoresetMode: 'same-step' });
  const c = new Collector(env, countPolicy, new Rng(0), { value: countValue });
  const check = (ro: Rollout, T: number, t0: number[], quota: number | null) => {
    assert.equal(ro.T, T);
    for (const k of ['actions', 'rewards', 'terminated', 'truncated', 'logProbs', 'values', 'finalValues', 'mask'] as const)
      assert.equal(ro[k]!.length, T * 2, k);
    assert.equal(ro.obs.length, T * 4);
    const seen = [0, 0];
    for (let s = 0; s < T; s++)
      for (let e = 0; e < 2; e++) {
        const i = s * 2 + e,
          len = e === 0 ? 3 : 100,
          t = (t0[e] + s) % len,
          end = t === len - 1;
        const at = `step ${s} env ${e}`;
        assert.deepEqual(Array.from(ro.obs.subarray(2 * i, 2 * i + 2)), [t, e], at);
        assert.equal(ro.actions[i], 10 * t + e, at);
        assert.equal(ro.logProbs[i], -t, at);
        assert.equal(ro.values![i], t + 0.5 * e + 0.25, at);
        assert.equal(ro.rewards[i], 100 * e + t + 10 * t + e, at);
        assert.equal(ro.terminated[i], end && e === 0 ? 1 : 0, at);
        assert.equal(ro.truncated[i], end && e === 1 ? 1 : 0, at);
        // V(final observation [100, 1]) on the truncated step only.
        assert.equal(ro.finalValues![i], end && e === 1 ? 100 + 0.5 + 0.25 : 0, at);
        assert.equal(ro.mask[i], quota === null || seen[e] < quota ? 1 : 0, at);
        if (end) seen[e]++;
      }
    return seen;
  };
  const a = c.collect(5);
  check(a, 5, [0, 0], null);
  assert.deepEqual(Array.from(a.lastValues!), [2 + 0.25, 5 + 0.75]);
  assert.deepEqual(Array.from(a.continuing), [0, 0]);
  // The second call continues every episode where the first stopped.
  const b = c.collect(98);
  check(b, 98, [2, 5], null);
  assert.deepEqual(Array.from(b.continuing), [1, 1]);
  assert.deepEqual(
    b.episodes.map((e) => e.length),
    [...Array(32).fill(3), 100, 3],
  );
  // Whole episodes: env 1's three take 300 steps, more than the 256 rows the columns start with.
  const ep = c.collectEpisodes(3);
  assert.deepEqual(check(ep, 300, [0, 0], 3), [100, 3]);
  assert.equal(ep.episodes.length, 6);
});
