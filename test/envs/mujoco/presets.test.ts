// The MuJoCo presets load before the WebAssembly module is (the CLI loads presets for any env),
// resolve against each algorithm's config schema, and cite their sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPresets } from '../../../src/train/node/presets.ts';
import { pendingIds } from '../../../src/envs/index.ts';
import { MUJOCO_IDS } from '../../../src/envs/mujoco/ids.ts';

test('MuJoCo presets: PPO (CleanRL) on all eleven tasks, SAC and TRPO (RL Zoo) on the locomotion tasks', () => {
  assert.ok(pendingIds().includes('Hopper-v5'), 'MuJoCo is not loaded in this process');
  const presets = loadPresets().filter((p) => (MUJOCO_IDS as readonly string[]).includes(p.env));
  const by = (algo: string) =>
    presets
      .filter((p) => p.algo === algo)
      .map((p) => p.env)
      .sort();
  assert.deepEqual(by('ppo'), [...MUJOCO_IDS].sort());
  const locomotion = ['Ant-v5', 'HalfCheetah-v5', 'Hopper-v5', 'Humanoid-v5', 'Swimmer-v5', 'Walker2d-v5'];
  assert.deepEqual(by('sac'), locomotion);
  assert.deepEqual(by('trpo'), locomotion);
  for (const p of presets) {
    assert.match(p.source, p.algo === 'ppo' ? /^CleanRL ppo_continuous_action\.py/ : /^RL Baselines3 Zoo, hyperparams\/(sac|trpo)\.yml/, `${p.algo} ${p.env}`);
  }
  const hopper = presets.find((p) => p.algo === 'ppo' && p.env === 'Hopper-v5')!;
  assert.deepEqual(
    [
      hopper.config.nSteps,
      hopper.config.batchSize,
      hopper.config.lrSchedule,
      hopper.config.clipRangeVf,
      hopper.config.normalizeObs,
      hopper.config.normalizeReward,
      hopper.config.totalSteps,
    ],
    [2048, 64, 'linear', 0.2, true, true, 1_000_000],
  );
  assert.equal(presets.find((p) => p.algo === 'trpo' && p.env === 'HalfCheetah-v5')!.config.targetKl, 0.04);
  assert.equal(presets.find((p) => p.algo === 'sac' && p.env === 'Swimmer-v5')!.config.gamma, 0.9999);
});
