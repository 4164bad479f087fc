// envKwargs: an algorithm's config carries the env's constructor options (Gymnasium's
// make(id, **kwargs), the RL Zoo's env_kwargs). The training envs, the evaluation env and a
// checkpoint's player are all made with them, and an option the env does not take is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMujoco } from '../../src/envs/mujoco/index.ts';
import type { PendulumEnv } from '../../src/envs/classic/pendulum.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { initialDriverState } from '../../src/train/driver.ts';
import { algorithmEntry, buildConfig, createAlgorithm, ConfigError } from '../../src/train/setup.ts';
import { Player } from '../../src/web/player.ts';
import type { Algorithm } from '../../src/algos/types.ts';
import { RUN } from '../web/fixtures.ts';

await loadMujoco();

function build(algo: string, env: string, sets: Record<string, unknown>): Algorithm {
  const entry = algorithmEntry(algo);
  return createAlgorithm(entry, buildConfig(entry, env, { sets, flags: { seed: 3, steps: 4096 } }));
}

/** The unwrapped env of an algorithm's first training env (a vector env's, or its only one). */
const trainingEnv = (a: Algorithm) => {
  const e = (a as unknown as { env: { envs?: { unwrapped: unknown }[]; unwrapped: unknown } }).env;
  return (e.envs ? e.envs[0].unwrapped : e.unwrapped) as PendulumEnv;
};

test('Pendulum-v1 with g = 2 in every algorithm that trains on it: training and evaluation envs both take it', () => {
  for (const algo of ['reinforce', 'ppo', 'trpo', 'npg', 'offpolicy-pg', 'sac', 'mbpo', 'mbpg', 'recurrent-ppo']) {
    const light = build(algo, 'Pendulum-v1', { envKwargs: { g: 2 } });
    const plain = build(algo, 'Pendulum-v1', {});
    try {
      assert.equal(trainingEnv(light).g, 2, algo);
      assert.equal(trainingEnv(plain).g, 10, algo);
      // The same policy (same seed) on the same episodes: only gravity differs, so the returns do.
      const a = light.evaluate({ episodes: 1, seed: 5 }).returns[0],
        b = plain.evaluate({ episodes: 1, seed: 5 }).returns[0];
      assert.notEqual(a, b, `${algo}: evaluation with g = 2 returned what g = 10 returns (${a})`);
    } finally {
      light.close();
      plain.close();
    }
  }
});

test('Hopper-v5 observing its x position (12 numbers, not 11): PPO trains, evaluates and plays from a checkpoint', () => {
  const entry = algorithmEntry('ppo');
  const config = buildConfig(entry, 'Hopper-v5', {
    sets: { envKwargs: { excludeCurrentPositionsFromObservation: false }, numEnvs: 1, nSteps: 64, batchSize: 64, epochs: 1 },
    flags: { seed: 0, steps: 4096 },
  });
  const algo = createAlgorithm(entry, config);
  try {
    assert.deepEqual((algo as unknown as { env: { singleObservationSpace: { shape: number[] } } }).env.singleObservationSpace.shape, [12]);
    algo.update();
    assert.equal(algo.evaluate({ episodes: 1, seed: 0 }).returns.length, 1);
    const run = { ...RUN, threshold: null };
    const bytes = encodeCheckpoint(
      { kind: 'last', state: algo.getState(), driver: initialDriverState(run), steps: 64 },
      { algo: 'ppo', env: 'Hopper-v5', config, run },
    );
    const player = new Player(bytes, { frames: 'physics' });
    try {
      for (let t = 0; t < 5; t++) assert.ok(Number.isFinite(player.step().reward));
    } finally {
      player.close();
    }
  } finally {
    algo.close();
  }
});

test('options the env does not take, or of the wrong type: a config error naming the algorithm, the env and its options', () => {
  assert.throws(
    () => build('ppo', 'CartPole-v1', { envKwargs: { foo: 1 } }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message === 'ppo: envKwargs: CartPole-v1: unknown option "foo"; the options are renderMode, suttonBartoReward, renderWidth, renderHeight',
  );
  assert.throws(
    () => build('sac', 'Pendulum-v1', { envKwargs: { g: 'strong' } }),
    /^ConfigError: sac: envKwargs: Pendulum-v1: option g must be a finite number, got "strong"$/,
  );
  assert.throws(
    () => build('ppo', 'Hopper-v5', { envKwargs: { ctrlCost: 0.1 } }),
    /^ConfigError: ppo: envKwargs: Hopper-v5: unknown option "ctrlCost"; the options are renderMode, frameSkip/,
  );
  assert.throws(() => build('ppo', 'CartPole-v1', { envKwargs: 3 }), /ppo: 'envKwargs' must be a mapping of option names to values, or null, got 3/);
});
