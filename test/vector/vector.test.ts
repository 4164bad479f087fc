import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../src/envs/index.ts';
import { AsyncVectorEnv, SyncVectorEnv, makeVec, type VectorEnv } from '../../src/vector/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { ScriptedEnv } from '../wrappers/scripted.ts';
import { loadMujoco } from '../../src/envs/mujoco/index.ts';

const arr = (a: ArrayLike<number>) => Array.from(a);

test('SyncVectorEnv next-step autoreset (Gymnasium 1.x default): the step after the end resets', () => {
  const e0 = new ScriptedEnv(2),
    e1 = new ScriptedEnv(3);
  const v = new SyncVectorEnv([() => e0, () => e1]);
  assert.equal(v.autoresetMode, 'next-step');
  assert.deepEqual(arr(v.reset({ seed: 10 }).obs), [0, 0]);
  assert.deepEqual([e0.seeds, e1.seeds], [[10], [11]], 'env i is seeded with seed + i');
  let r = v.step([0.5, 0.5]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated)],
    [
      [1, 1],
      [1, 1],
      [0, 0],
    ],
  );
  r = v.step([0.5, 0.5]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated)],
    [
      [2, 2],
      [2, 2],
      [1, 0],
    ],
  );
  assert.equal(r.finalObs, null);
  r = v.step([1.5, 0.5]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated), arr(r.truncated)],
    [
      [0, 3],
      [0, 3],
      [0, 1],
      [0, 0],
    ],
  );
  assert.equal(e0.actions.length, 2, 'the reset step ignores its action');
  assert.deepEqual(e0.seeds, [10, undefined], 'autoreset does not reseed');
  r = v.step([0.5, 0.5]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated)],
    [
      [1, 0],
      [1, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(r.infos[1], { resetInfo: 2 });
});

test('SyncVectorEnv same-step autoreset: reset within the step, final obs and info kept', () => {
  const v = new SyncVectorEnv([() => new ScriptedEnv(2), () => new ScriptedEnv(3)], { autoresetMode: 'same-step' });
  v.reset();
  v.step([0, 0]);
  let r = v.step([0, 0]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated)],
    [
      [0, 2],
      [2, 2],
      [1, 0],
    ],
  );
  assert.deepEqual(arr(r.finalMask!), [1, 0]);
  assert.equal(r.finalObs![0], 2);
  assert.deepEqual(r.finalInfos, [{}, null]);
  assert.deepEqual(r.infos[0], { resetInfo: 2 });
  r = v.step([0, 0]);
  assert.deepEqual(
    [arr(r.obs), arr(r.rewards), arr(r.terminated), arr(r.finalMask!)],
    [
      [1, 0],
      [1, 3],
      [0, 1],
      [0, 1],
    ],
  );
  assert.equal(r.finalObs![1], 3);
});

test('SyncVectorEnv batches Box actions and names the env of a failing step', () => {
  const v = new SyncVectorEnv([0, 1, 2].map(() => () => make('Pendulum-v1')));
  assert.equal(v.actDim, 1);
  assert.equal(v.obsDim, 3);
  v.reset({ seed: 0 });
  const single = make('Pendulum-v1');
  single.reset({ seed: 1 });
  const r = v.step(Float32Array.of(0.5, -1, 2));
  assert.deepEqual(arr(r.obs.subarray(3, 6)), arr(single.step([-1]).obs));
  assert.throws(() => v.step([0, NaN, 0]), /SyncVectorEnv: env 1: Pendulum-v1: action \[NaN\] is NaN/);
  assert.throws(() => v.step([0, 0]), /expected 3 action values/);
});

function compare(a: VectorEnv, b: VectorEnv, steps: number, seed: number): void {
  const ra = a.reset({ seed }),
    rb = b.reset({ seed });
  assert.deepEqual(arr(ra.obs), arr(rb.obs));
  const rng = new Rng(seed);
  const acts = new Float64Array(a.numEnvs);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < acts.length; i++) acts[i] = rng.int(2);
    const x = a.step(acts),
      y = b.step(acts);
    assert.deepEqual(arr(x.obs), arr(y.obs), `obs at step ${t}`);
    assert.deepEqual(arr(x.rewards), arr(y.rewards));
    assert.deepEqual(arr(x.terminated), arr(y.terminated));
    assert.deepEqual(arr(x.truncated), arr(y.truncated));
    if (a.autoresetMode === 'same-step') {
      assert.deepEqual(arr(x.finalMask!), arr(y.finalMask!));
      for (let i = 0; i < a.numEnvs; i++) {
        if (x.finalMask![i]) assert.deepEqual(arr(x.finalObs!.subarray(i * 4, i * 4 + 4)), arr(y.finalObs!.subarray(i * 4, i * 4 + 4)));
      }
    }
  }
}

for (const mode of ['next-step', 'same-step'] as const) {
  test(`AsyncVectorEnv (2 workers, ${mode}) matches SyncVectorEnv step for step, with episode statistics`, async () => {
    const av = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 5, numWorkers: 2, autoresetMode: mode, recordEpisodeStatistics: true });
    const sv = await makeVec('CartPole-v1', 5, { autoresetMode: mode, recordEpisodeStatistics: true });
    try {
      compare(av, sv, 300, 3);
      // Episode statistics cross the thread boundary.
      let episodes = 0;
      for (let t = 0; t < 200; t++) {
        const r = av.step([1, 1, 1, 1, 1]);
        const infos = mode === 'same-step' ? r.finalInfos! : r.infos;
        for (const info of infos) if (info?.episode) episodes++;
      }
      assert.ok(episodes > 5, `saw ${episodes} episode records`);
    } finally {
      await av.close();
    }
  });
}

test('AsyncVectorEnv surfaces a worker exception naming the env, shuts down cleanly, rejects bad ids', async () => {
  const av = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 4, numWorkers: 2 });
  av.reset({ seed: 0 });
  assert.throws(() => av.step([0, 1, 0, 9]), /AsyncVectorEnv: env 3: CartPole-v1: action 9 is not in the action space Discrete\(2\)/);
  await av.close();
  const shared = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 4, numWorkers: 1, mainThreadShare: true });
  shared.reset({ seed: 0 });
  assert.throws(() => shared.step([0, 7, 0, 0]), /AsyncVectorEnv: env 1: CartPole-v1: action 7/, 'an env of the main-thread share');
  assert.throws(() => shared.step([0, 0, 0, 7]), /AsyncVectorEnv: env 3: CartPole-v1: action 7/, 'an env of the worker');
  await shared.close();
  await av.close();
  assert.throws(() => av.step([0, 0, 0, 0]), /used after close/);
  await assert.rejects(AsyncVectorEnv.create({ envId: 'CartPol-v1', numEnvs: 2 }), /closest registered ids are CartPole-v1/);
  await assert.rejects(AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 2, numWorkers: 3 }), /numWorkers must be an integer in \[1, numEnvs=2\]/);
});

test('AsyncVectorEnv with a main-thread share batches Box actions like SyncVectorEnv (Pendulum-v1, same-step)', async () => {
  const av = await AsyncVectorEnv.create({ envId: 'Pendulum-v1', numEnvs: 3, numWorkers: 1, mainThreadShare: true, autoresetMode: 'same-step' });
  const sv = new SyncVectorEnv(
    [0, 1, 2].map(() => () => make('Pendulum-v1')),
    { autoresetMode: 'same-step' },
  );
  try {
    assert.deepEqual(arr(av.reset({ seed: 9 }).obs), arr(sv.reset({ seed: 9 }).obs));
    const rng = new Rng(1);
    for (let t = 0; t < 250; t++) {
      const acts = Float32Array.from({ length: 3 }, () => rng.uniform(-3, 3));
      const x = av.step(acts),
        y = sv.step(acts);
      assert.deepEqual(arr(x.obs), arr(y.obs));
      assert.deepEqual(arr(x.rewards), arr(y.rewards));
      assert.deepEqual(arr(x.truncated), arr(y.truncated));
      assert.deepEqual(arr(x.finalMask!), arr(y.finalMask!));
      if (t === 199) assert.deepEqual(arr(x.truncated), [1, 1, 1], 'TimeLimit 200 truncates every env at step 200');
    }
  } finally {
    await av.close();
  }
});

test('AsyncVectorEnv reports a worker that fails while starting', async () => {
  const boom = 'data:text/javascript,' + encodeURIComponent('throw new Error("setup exploded")');
  await assert.rejects(
    AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 2, numWorkers: 1, setupModules: [boom] }),
    /AsyncVectorEnv: worker 0 \(envs 0\.\.1\) failed to start: setup exploded/,
  );
});

test('a step takes numEnvs * actDim action values, env i reading values i*actDim..(i+1)*actDim (Reacher-v5, 2 per env)', async () => {
  await loadMujoco();
  const sv = new SyncVectorEnv([0, 1, 2].map(() => () => make('Reacher-v5')));
  const av = await AsyncVectorEnv.create({ envId: 'Reacher-v5', numEnvs: 3, numWorkers: 1, mainThreadShare: true });
  try {
    for (const [who, v] of [
      ['SyncVectorEnv', sv],
      ['AsyncVectorEnv', av],
    ] as const) {
      assert.equal(v.actDim, 2);
      v.reset({ seed: 4 });
      for (const n of [1, 2, 3, 5, 7])
        assert.throws(() => v.step(new Float32Array(n)), new RegExp(`${who}: expected 6 action values \\(numEnvs \\* actDim\\), got ${n}`));
      const single = make('Reacher-v5');
      single.reset({ seed: 6 });
      const r = v.step(Float32Array.of(0.1, 0.2, -0.3, 0.4, 0.5, -0.6));
      assert.deepEqual(arr(r.obs.subarray(2 * v.obsDim, 3 * v.obsDim)), arr(Float32Array.from(single.step(Float32Array.of(0.5, -0.6)).obs)), who);
      single.close();
    }
  } finally {
    sv.close();
    await av.close();
  }
});
