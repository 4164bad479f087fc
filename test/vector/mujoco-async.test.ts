// A MuJoCo id in a worker-thread vector env: the workers load the MuJoCo module themselves (the
// registry knows the ids before the wasm loads), so no setupModules are needed, and the async
// vector env steps exactly as the sync one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncVectorEnv, SyncVectorEnv } from '../../src/vector/index.ts';
import { make } from '../../src/envs/registry.ts';
import { loadMujoco } from '../../src/envs/mujoco/index.ts';

test('AsyncVectorEnv makes MuJoCo envs in its workers and matches SyncVectorEnv', { timeout: 120_000 }, async () => {
  const av = await AsyncVectorEnv.create({ envId: 'InvertedPendulum-v5', numEnvs: 2, numWorkers: 1 });
  await loadMujoco();
  const sv = new SyncVectorEnv([0, 1].map(() => () => make('InvertedPendulum-v5')));
  try {
    const a = av.reset({ seed: 3 }),
      s = sv.reset({ seed: 3 });
    assert.deepEqual(Array.from(a.obs), Array.from(s.obs));
    const act = Float32Array.of(0.5, -0.25);
    for (let t = 0; t < 5; t++) {
      const ra = av.step(act),
        rs = sv.step(act);
      assert.deepEqual(Array.from(ra.obs), Array.from(rs.obs), `step ${t}`);
      assert.deepEqual(Array.from(ra.rewards), Array.from(rs.rewards), `step ${t}`);
    }
  } finally {
    av.close();
    sv.close();
  }
});
