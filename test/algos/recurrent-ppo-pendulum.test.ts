import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecurrentPPO } from '../../src/algos/recurrent-ppo.ts';
import { loadPresets } from '../../src/train/node/presets.ts';

// Velocity-masked Pendulum observes [cos theta, sin theta] only: memoryless PPO stays near a greedy
// -1100 in 400k steps, while an LSTM infers the angular velocity from the history. The settings
// are presets/recurrent-ppo.yaml's (RL Zoo's PendulumNoVel-v1, gSDE replaced by a learned
// state-independent log-std, lr annealed linearly). Minutes of CPU at ~100-400 steps/s: behind
// ASCENT_SLOW=1; the bench (npm run bench:memory -- --task pendulum) measures three seeds beside
// the baselines: seed 1 reached -250 at 160k steps (2026-11-26), seeds 0 and 2 at 217k and 303k.
const SLOW = process.env.ASCENT_SLOW === '1';
const SLOW_SEED = 1;
const SLOW_BUDGET = 200_000;

test('the PendulumMaskedVelocity-v1 preset is the RL Zoo PendulumNoVel-v1 settings that the bench measures', () => {
  const p = loadPresets().find((x) => x.algo === 'recurrent-ppo' && x.env === 'PendulumMaskedVelocity-v1');
  assert.ok(p, 'presets/recurrent-ppo.yaml has a PendulumMaskedVelocity-v1 entry');
  const { totalSteps, ...rest } = p.config as Record<string, unknown>;
  assert.deepEqual(rest, {
    numEnvs: 4,
    nSteps: 1024,
    seqLen: 64,
    batchSize: 256,
    gamma: 0.9,
    gaeLambda: 0.95,
    epochs: 10,
    entCoef: 0,
    lr: 0.001,
    lrSchedule: 'linear',
    clipRange: 0.2,
  });
  assert.equal(totalSteps, 400_000, 'the lr anneals over the budget the bench used');
  assert.equal(p.run?.threshold, -250);
});

test(
  'recurrent PPO (LSTM) with the preset reaches a greedy -250 on PendulumMaskedVelocity-v1 within 200k steps on seed 1 (ASCENT_SLOW=1)',
  { skip: !SLOW && 'set ASCENT_SLOW=1 (several CPU minutes)', timeout: 3_600_000 },
  () => {
    const p = loadPresets().find((x) => x.algo === 'recurrent-ppo' && x.env === 'PendulumMaskedVelocity-v1')!;
    const algo = new RecurrentPPO({ ...(p.config as object), env: 'PendulumMaskedVelocity-v1', seed: SLOW_SEED });
    let best = -Infinity;
    const seen: string[] = [];
    algo.learn({
      stop: (l) => {
        // Every update: the bench's protocol evaluated about as often, and reached -250 between multiples of 20k.
        const r = algo.evaluate({ episodes: 10, seed: 1000, deterministic: true }).mean;
        seen.push(`${l.steps}: ${Math.round(r)}`);
        best = Math.max(best, r);
        return best >= -250 || l.steps >= SLOW_BUDGET;
      },
    });
    algo.close();
    assert.ok(best >= -250, `greedy returns: ${seen.join(', ')}`);
  },
);
