import test from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, type AlgorithmEntry } from '../../src/algos/index.ts';
import { buildConfig, checkActionSpace, algorithmEntry, checkEnvId, ConfigError } from '../../src/train/setup.ts';
import { parseAssignment, setDotted } from '../../src/train/overrides.ts';
import { progressRow, csvLine, parseCsv, parseJsonl, tensorboardScalars } from '../../src/train/progress.ts';

test('--set values are YAML scalars at dotted paths', () => {
  assert.deepEqual(parseAssignment('lr=3e-4'), ['lr', 3e-4]);
  assert.deepEqual(parseAssignment('normalizeAdvantages=false'), ['normalizeAdvantages', false]);
  assert.deepEqual(parseAssignment('policy.hidden=[32, 32]'), ['policy.hidden', [32, 32]]);
  assert.deepEqual(parseAssignment('returns=full'), ['returns', 'full']);
  assert.throws(() => parseAssignment('lr'), /expects key=value/);
  assert.throws(() => parseAssignment('a..b=1'), /not a dotted key path/);
  assert.deepEqual(setDotted({ policy: { kind: 'auto' } }, 'policy.hidden', [8]), { policy: { kind: 'auto', hidden: [8] } });
});

test('config layers: defaults < preset < file < --set < flags, validated by the algorithm schema', () => {
  const e = ALGORITHMS.reinforce;
  const c = buildConfig(e, 'Acrobot-v1', {
    preset: { lr: 0.1, gamma: 0.9, numEnvs: 2 },
    file: { lr: 0.2, policy: { hidden: [16] } },
    sets: { lr: 0.3 },
    flags: { envs: 4, seed: 7, steps: 999 },
  });
  assert.equal(c.env, 'Acrobot-v1');
  assert.equal(c.lr, 0.3);
  assert.equal(c.gamma, 0.9);
  assert.equal(c.numEnvs, 4);
  assert.equal(c.seed, 7);
  assert.equal(c.totalSteps, 999);
  assert.deepEqual((c.policy as any).hidden, [16]);
  assert.equal((c.policy as any).activation, 'tanh', 'nested defaults survive a partial override');
  assert.throws(
    () => buildConfig(e, 'CartPole-v1', { sets: { policy: { hiden: [1] } } }),
    (err: Error) => err instanceof ConfigError && /unknown config key 'policy\.hiden'.*valid keys: policy\.kind/.test(err.message),
  );
  assert.throws(() => buildConfig(e, 'CartPole-v1', { file: { env: 'Acrobot-v1' } }), /config sets env 'Acrobot-v1' but the command names 'CartPole-v1'/);
});

test('unknown names suggest the closest; an unsupported action space is refused', () => {
  assert.throws(() => algorithmEntry('ppo2'), /unknown algorithm 'ppo2'; closest: ppo/);
  assert.throws(() => checkEnvId('Pendulum-v0'), /unknown environment 'Pendulum-v0'; closest: Pendulum-v1/);
  const discreteOnly: AlgorithmEntry = { ...ALGORITHMS.reinforce, name: 'dqnlike', actionSpaces: ['discrete'] };
  assert.throws(
    () => checkActionSpace(discreteOnly, 'Pendulum-v1'),
    /dqnlike does not support Pendulum-v1's continuous action space Box.*; it supports discrete actions/,
  );
  checkActionSpace(discreteOnly, 'CartPole-v1');
  // ... and names envs that fit, nearest by name first, without the velocity-masked variants.
  assert.throws(
    () => checkActionSpace(ALGORITHMS.sac, 'CartPole-v1'),
    /it supports continuous actions: try Pendulum-v1 or ContinuousCartPole-v0 \(ascent list/,
  );
  assert.throws(() => checkActionSpace(ALGORITHMS.sac, 'MountainCar-v0'), /try MountainCarContinuous-v0 or Pendulum-v1 /);
  assert.throws(() => checkActionSpace(discreteOnly, 'PendulumMaskedVelocity-v1'), /try \w+-v\d or \w+-v\d /);
});

test('progress rows: CSV and JSONL hold the same values, missing evaluations and NaN as empty/null', () => {
  const log = { iteration: 1, steps: 256, seconds: 0.5, episodes: 3, returnMean: 12.25, returnStd: 1 / 3, lengthMean: 12.25, valueLoss: NaN };
  const rows = [
    progressRow(log, null),
    progressRow(
      { ...log, iteration: 2, steps: 512 },
      { steps: 512, iteration: 2, episodes: 5, seed: 1, deterministic: true, mean: 20.5, std: 0.1, lengthMean: 20.5, returns: [], lengths: [] },
    ),
  ];
  const cols = Object.keys(rows[0]);
  const csv = [cols.join(','), ...rows.map((r) => csvLine(cols, r))].join('\n') + '\n';
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  assert.deepEqual(parseCsv(csv), parseJsonl(jsonl));
  assert.equal(rows[0].valueLoss, null);
  assert.equal(rows[0].evalMean, null);
  assert.deepEqual(tensorboardScalars(rows[1]), {
    'time/seconds': 0.5,
    'rollout/episodes': 3,
    'rollout/returnMean': 12.25,
    'rollout/returnStd': 1 / 3,
    'rollout/lengthMean': 12.25,
    'eval/mean': 20.5,
    'eval/std': 0.1,
    'eval/lengthMean': 20.5,
    'eval/episodes': 5,
  });
});
