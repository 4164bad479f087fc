import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecurrentPPO } from '../../src/algos/recurrent-ppo.ts';

// Velocity-masked CartPole observes [x, theta] only. A memoryless PPO policy stays near a greedy
// return of 40-50 (measured: PPO, 8 envs x 128 steps, 100k steps); a recurrent one must infer
// the velocities from the history to do better.
test('recurrent PPO (LSTM) on CartPoleMaskedVelocity-v1 reaches a greedy return of 200 within 40k steps', () => {
  const algo = new RecurrentPPO({
    env: 'CartPoleMaskedVelocity-v1', numEnvs: 8, nSteps: 128, seqLen: 16, batchSize: 256, epochs: 10,
    lr: 3e-4, normalizeObs: true, totalSteps: 40960,
  });
  let best = 0;
  const seen: number[] = [];
  algo.learn({
    stop: (l) => {
      if (l.steps % 10240 !== 0) return false;
      const r = algo.evaluate({ episodes: 5 }).mean;
      seen.push(Math.round(r));
      best = Math.max(best, r);
      return best >= 200;
    },
  });
  assert.ok(best >= 200, `greedy returns at 10k-step checkpoints: ${seen.join(', ')}`);
  algo.close();
});
