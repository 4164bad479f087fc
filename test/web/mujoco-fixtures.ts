/** A PPO checkpoint on a MuJoCo task (untrained: its episodes end and its robot moves), for the web tests. */
import { loadMujoco } from '../../src/envs/mujoco/index.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { initialDriverState } from '../../src/train/driver.ts';
import { algorithmEntry, buildConfig, createAlgorithm } from '../../src/train/setup.ts';
import { RUN } from './fixtures.ts';

export async function mujocoCheckpoint(env = 'InvertedPendulum-v5', seed = 0): Promise<Uint8Array> {
  await loadMujoco();
  const entry = algorithmEntry('ppo');
  const config = buildConfig(entry, env, { sets: { numEnvs: 1, nSteps: 64, batchSize: 64, epochs: 1 }, flags: { seed, steps: 4096 } });
  const algo = createAlgorithm(entry, config);
  const run = { ...RUN, threshold: null };
  const bytes = encodeCheckpoint({ kind: 'last', state: algo.getState(), driver: initialDriverState(run), steps: 0 }, { algo: 'ppo', env, config, run });
  algo.close();
  return bytes;
}
