import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelBasedPG } from '../../src/algos/model-based/mbpg.ts';

test('model-based PG (2.5): bad configs are refused', () => {
  assert.throws(() => new ModelBasedPG({ env: 'ContinuousCartPole-v0', horizon: 300 }), /rollout length 300 \('horizon'\) is longer than ContinuousCartPole-v0's episode limit of 200 steps/);
  assert.throws(() => new ModelBasedPG({ env: 'CartPole-v1' }), /mbpg: needs a continuous \(Box\) action space/);
  assert.throws(() => new ModelBasedPG({ env: 'Pendulum-v1', model: { ensembleSize: 0 } as never }), /ensembleSize must be a positive integer, got 0/);
});

// PPO epochs on 100-step model rollouts (32 branches, 5 rollouts per iteration) after every 200 real steps.
test('model-based PG (2.5) balances the continuous cart-pole (greedy >= 195) within 2,000 real steps, learning from model rollouts only', { timeout: 300_000 }, () => {
  const a = new ModelBasedPG({ env: 'ContinuousCartPole-v0', seed: 0, realSteps: 200, horizon: 100, branches: 32, pgIterations: 5, totalSteps: 2000, modelMaxEpochs: 100 });
  let reached = -1, last = -Infinity, modelSteps = 0;
  a.learn({ stop: (log) => {
    modelSteps += log.modelSteps;
    last = a.evaluate({ episodes: 5, seed: 100 }).mean;
    if (last >= 195) reached = log.steps;
    return reached > 0;
  } });
  console.log(`model-based PG ContinuousCartPole-v0: greedy ${last.toFixed(1)} at ${reached > 0 ? reached : 'never'} real steps (${modelSteps} model steps)`);
  assert.ok(reached > 0 && reached <= 2000, `greedy return ${last} after ${a.steps} real steps`);
  // The policy only ever trained on model data: many more model steps than real ones.
  assert.ok(modelSteps >= 10 * a.steps);
});
