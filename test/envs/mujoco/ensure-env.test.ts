// MuJoCo ids before the WebAssembly module is loaded: the errors say how to load it, and
// ensureEnv / loadAllEnvs load it on request. Each test file runs in its own process, so nothing
// has loaded MuJoCo before the first test here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureEnv, loadAllEnvs, make, pendingIds, registeredIds, spec } from '../../../src/envs/index.ts';
import { MUJOCO_IDS, MUJOCO_SPECS } from '../../../src/envs/mujoco/index.ts';
import { checkEnvId } from '../../../src/train/setup.ts';
import { PPO } from '../../../src/algos/ppo.ts';

test('before loading: make, spec and algorithms name `await loadMujoco()` for MuJoCo ids', () => {
  assert.deepEqual(pendingIds(), [...MUJOCO_IDS].sort());
  assert.ok(!registeredIds().includes('Hopper-v5'));
  const how = /"Hopper-v5" is a MuJoCo task, registered once its module is loaded: call `await loadMujoco\(\)`/;
  assert.throws(() => make('Hopper-v5'), how);
  assert.throws(() => spec('Hopper-v5'), how);
  assert.throws(() => checkEnvId('Hopper-v5'), how);
  assert.throws(() => new PPO({ env: 'Hopper-v5' }), how);
  // A misspelt MuJoCo id is suggested even before loading.
  assert.throws(() => make('Hoper-v5'), /no environment registered with id "Hoper-v5"; the closest registered ids are Hopper-v5/);
  assert.throws(() => checkEnvId('Hoper-v5'), /unknown environment 'Hoper-v5'; closest: Hopper-v5/);
});

test('ensureEnv loads MuJoCo for its ids only, and rejects unknown ids with the closest names', async () => {
  await ensureEnv('CartPole-v1');
  assert.equal(pendingIds().length, MUJOCO_IDS.length, 'a classic id loads nothing');
  await assert.rejects(ensureEnv('Hoper-v5'), /closest registered ids are Hopper-v5/);
  await ensureEnv('InvertedPendulum-v5');
  assert.deepEqual(pendingIds(), []);
  const env = make('InvertedPendulum-v5');
  assert.equal(env.reset({ seed: 0 }).obs.length, 4);
  env.close();
  const ppo = new PPO({ env: 'InvertedPendulum-v5', numEnvs: 1, nSteps: 8, batchSize: 8 });
  ppo.close();
  await loadAllEnvs();
});

test('MUJOCO_IDS are the ids MUJOCO_SPECS registers', () => {
  assert.deepEqual(
    MUJOCO_SPECS.map((s) => s.id),
    [...MUJOCO_IDS],
  );
});
