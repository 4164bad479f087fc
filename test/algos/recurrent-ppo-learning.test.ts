import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecurrentPPO } from '../../src/algos/recurrent-ppo.ts';

// Velocity-masked CartPole observes [x, theta] only. A memoryless PPO policy stays near a greedy
// return of 40-50 (measured: PPO, 8 envs x 128 steps, 100k steps); a recurrent one must infer
// the velocities from the history to do better. The settings are presets/recurrent-ppo.yaml's
// (RL Zoo's CartPoleNoVel-v1 PPO settings, observations normalised), with which greedy 475 came
// within 51-82k steps on seeds 0 and 1 (2026-11-26); the seqLen 16, lr 3e-4 settings before them
// reached it on 1 seed of 3.
const CONFIG = {
  env: 'CartPoleMaskedVelocity-v1',
  numEnvs: 8,
  nSteps: 32,
  seqLen: 32,
  batchSize: 256,
  gamma: 0.98,
  gaeLambda: 0.8,
  epochs: 20,
  entCoef: 0,
  lr: 1e-3,
  lrSchedule: 'linear' as const,
  clipRange: 0.2,
  clipSchedule: 'linear' as const,
  normalizeObs: true,
  totalSteps: 200_000,
};

/**
 * Train until a greedy evaluation (5 episodes, every 10240 steps) reaches `target` or `budget` steps
 * pass; returns every evaluation as [steps, mean return].
 */
function trainTo(target: number, budget: number): [number, number][] {
  const algo = new RecurrentPPO(CONFIG);
  const seen: [number, number][] = [];
  algo.learn({
    stop: (l) => {
      if (l.steps % 10240 !== 0) return false;
      const r = algo.evaluate({ episodes: 5 }).mean;
      seen.push([l.steps, r]);
      return r >= target || l.steps >= budget;
    },
  });
  algo.close();
  return seen;
}

// Seed 0 (measured 2026-11-26): greedy 54, 36, 76, 176 at 10k-40k steps, then 475 within 200k: the
// issue's "475 within 200k steps in CI time" (the whole test took 220 s at load 6-7 on the 2-core
// build machine; the evaluations are printed as the test's diagnostic).
test('recurrent PPO (LSTM) on CartPoleMaskedVelocity-v1 reaches a greedy 150 within 40k steps and the threshold 475 within 200k', (t) => {
  const seen = trainTo(475, 200_000);
  const shown = seen.map(([n, r]) => `${n}: ${Math.round(r)}`).join(', ');
  t.diagnostic(`greedy returns by steps: ${shown}`);
  assert.ok(
    seen.some(([n, r]) => n <= 40960 && r >= 150),
    `greedy returns: ${shown}`,
  );
  assert.ok(
    seen.some(([, r]) => r >= 475),
    `greedy returns: ${shown}`,
  );
});
