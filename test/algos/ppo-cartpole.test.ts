import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PPO } from '../../src/algos/ppo.ts';
import { findPreset } from '../../src/train/node/presets.ts';

/**
 * The RL Baselines3 Zoo's tuned PPO CartPole-v1 hyperparameters, as presets/ppo.yaml holds them (the
 * one copy: this test measures the preset `ascent train ppo CartPole-v1` uses); each test sets totalSteps.
 */
const { totalSteps: _, ...ZOO_CARTPOLE } = findPreset('ppo', 'CartPole-v1')!.config;

/**
 * Train until the greedy policy's mean return over 10 fixed episodes (seeds 100-109) reaches
 * `threshold` (checked after every update once the training return passes `gate`); the steps it took.
 */
function stepsToGreedy(agent: PPO, threshold: number, gate: number): { steps: number; greedy: number } {
  let greedy = NaN;
  agent.learn({ stop: (l) => l.returnMean >= gate && (greedy = agent.evaluate({ episodes: 10, seed: 100 }).mean) >= threshold });
  agent.close();
  return { steps: greedy >= threshold ? agent.steps : Infinity, greedy };
}

// Greedy >= 475 (Gymnasium's CartPole-v1 reward threshold, not the 500 ceiling) within the Zoo's
// 100,000 steps. Measured: 18,688-21,248 steps on seeds 0-4, about 4 CPU s each.
for (const seed of [0, 1, 2]) {
  test(`PPO (Zoo settings) reaches a greedy 475 on CartPole-v1 within 100,000 steps (seed ${seed})`, () => {
    const { steps, greedy } = stepsToGreedy(new PPO({ env: 'CartPole-v1', seed, totalSteps: 100_000, ...ZOO_CARTPOLE }), 475, 150);
    assert.ok(steps <= 100_000, `greedy mean ${greedy} after 100,000 steps`);
  });
}

// The KL-penalised objective, beta adapted per the PPO paper (section 4), over all 40,000 steps (its
// failure was a late collapse). With the Zoo's one full-batch minibatch x 20 epochs the final return
// varied widely (mean of the last 100 episodes 221, 289, 142 on seeds 1-3; 96 and 75 on seeds 2-3
// before beta used the post-update KL); with SB3's minibatch 64 x 10 epochs it was 361, 355, 280 and
// the greedy return 500 on all three (before the fix: 169, 295, 342, beta down to 1e-11).
for (const seed of [1, 2, 3]) {
  test(`the adaptive-KL objective learns CartPole-v1 and keeps it (seed ${seed})`, () => {
    const agent = new PPO({
      env: 'CartPole-v1',
      seed,
      objective: 'adaptiveKl',
      klTarget: 0.01,
      totalSteps: 40_000,
      ...ZOO_CARTPOLE,
      batchSize: 64,
      epochs: 10,
    });
    const logs = agent.learn();
    const greedy = agent.evaluate({ episodes: 10, seed: 100 }).mean;
    agent.close();
    assert.ok(new Set(logs.map((l) => l.klBeta)).size > 1, 'beta was adapted');
    const last = logs[logs.length - 1].returnMean;
    assert.ok(last > 200 && greedy >= 450, `after 40,000 steps: mean return ${last} (last 100 episodes), greedy ${greedy}`);
  });
}
