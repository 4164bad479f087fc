/**
 * The trained Humanoid-v5 committed in examples/humanoid/ (how it was trained: its README) still
 * loads, and its greedy policy still moves forward as recorded there: a change to the env, the
 * policy's act path, observation normalisation or the checkpoint format that breaks the trained agent
 * fails here, not only in the browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gait } from '../../../bench/mujoco-gait.ts';
import { loadEnvsFor } from '../../../src/cli/load-envs.ts';
import { readCheckpoint, restoreAlgorithm } from '../../../src/train/node/load.ts';

const RUN = join(import.meta.dirname, '..', '..', '..', 'examples', 'humanoid', 'ppo-Humanoid-v5-s0');
const recorded = JSON.parse(readFileSync(join(RUN, 'gait.json'), 'utf8')) as {
  steps: number;
  summary: { return: number; length: number; forward: number; speed: number };
};

test('the committed Humanoid-v5 checkpoint walks forward as recorded', async () => {
  const path = join(RUN, 'checkpoints', 'last.ascent');
  const ck = readCheckpoint(path);
  assert.equal(ck.env, 'Humanoid-v5');
  assert.equal(ck.steps, recorded.steps);
  await loadEnvsFor(ck.env);
  const algo = restoreAlgorithm(ck, path);
  try {
    const eps = gait(algo, ck.env, ck.config, 3, 1000);
    const mean = (f: (e: (typeof eps)[number]) => number) => eps.reduce((a, e) => a + f(e), 0) / eps.length;
    // Floating-point paths (FMA, plain SIMD, JS) may end a fall a few steps apart: margins, not equality.
    assert.ok(mean((e) => e.return) > 0.6 * recorded.summary.return, `mean return ${mean((e) => e.return)} vs recorded ${recorded.summary.return}`);
    assert.ok(mean((e) => e.forward) > 0.5 * recorded.summary.forward, `forward ${mean((e) => e.forward)} m vs recorded ${recorded.summary.forward}`);
    assert.ok(mean((e) => e.speed) > 0.25, `mean forward speed ${mean((e) => e.speed)} m/s`);
    // The reward's parts add up to the return (forward, survive, control and contact costs).
    for (const e of eps) {
      const parts = Object.values(e.parts).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(parts - e.return) < 1e-6 * Math.max(1, Math.abs(e.return)), `parts ${parts} vs return ${e.return}`);
    }
  } finally {
    algo.close();
  }
});
