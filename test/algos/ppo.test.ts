import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PPO } from '../../src/algos/ppo.ts';

/** The RL Baselines3 Zoo's tuned PPO CartPole-v1 hyperparameters. */
const ZOO_CARTPOLE = { numEnvs: 8, nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, epochs: 20, lr: 1e-3, lrSchedule: 'linear', clipSchedule: 'linear', entCoef: 0 } as const;

test('PPO (Zoo settings) reaches a greedy 500 on CartPole-v1 within 100,000 steps', () => {
  const agent = new PPO({ env: 'CartPole-v1', seed: 0, totalSteps: 100_000, ...ZOO_CARTPOLE });
  agent.learn({ stop: (l) => l.returnMean >= 495 && agent.evaluate({ episodes: 5 }).mean >= 500 });
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(agent.steps <= 100_000 && ev.mean >= 500, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

test('PPO reaches -250 or better on Pendulum-v1 (greedy evaluation)', () => {
  const agent = new PPO({ env: 'Pendulum-v1', seed: 0, numEnvs: 4, nSteps: 1024, batchSize: 256, epochs: 10, gamma: 0.9, gaeLambda: 0.95, lr: 1e-3, totalSteps: 250_000 });
  agent.learn({ stop: (l) => l.returnMean >= -250 && agent.evaluate({ episodes: 5 }).mean >= -220 });
  const ev = agent.evaluate({ episodes: 10, seed: 100 });
  agent.close();
  assert.ok(ev.mean >= -250, `greedy mean ${ev.mean} after ${agent.steps} steps`);
});

test('the adaptive-KL objective learns CartPole-v1 and moves beta toward the KL target', () => {
  const agent = new PPO({ env: 'CartPole-v1', seed: 1, objective: 'adaptiveKl', klTarget: 0.01, totalSteps: 40_000, ...ZOO_CARTPOLE });
  const logs = agent.learn();
  agent.close();
  const betas = new Set(logs.map((l) => l.klBeta));
  assert.ok(betas.size > 1, 'beta was adapted');
  assert.ok(logs[logs.length - 1].returnMean > 150, `mean return ${logs[logs.length - 1].returnMean}`);
});

test('diagnostics are logged per update and target-KL early stopping cuts epochs', () => {
  const agent = new PPO({ env: 'CartPole-v1', seed: 2, nSteps: 256, batchSize: 64, epochs: 30, lr: 3e-3, targetKl: 0.001 });
  const log = agent.update();
  agent.close();
  for (const k of ['approxKl', 'clipFraction', 'explainedVariance', 'entropy', 'policyLoss', 'valueLoss', 'lr', 'clipRange']) {
    assert.ok(k in log && (Number.isFinite(log[k]) || k === 'explainedVariance'), `${k}: ${log[k]}`);
  }
  assert.ok(log.epochs < 30, `stopped after ${log.epochs} epochs`);
});

test('bad input: negative clip range, batch larger than the rollout, KL target of 0 name the key', () => {
  assert.throws(() => new PPO({ clipRange: -0.1 }), /ppo: 'clipRange' must be > 0, got -0.1/);
  assert.throws(() => new PPO({ nSteps: 16, numEnvs: 2, batchSize: 64 }), /'batchSize' \(64\) is larger than the rollout batch nSteps \* numEnvs = 32/);
  assert.throws(() => new PPO({ objective: 'adaptiveKl', klTarget: 0 }), /'klTarget' must be > 0, got 0/);
  assert.throws(() => new PPO({ objective: 'kl' as any }), /'objective' must be one of "clip", "adaptiveKl"/);
});
