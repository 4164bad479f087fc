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
  seed: number;
  episodesDetail: { seed: number; return: number; length: number; forward: number }[];
};

test('the committed Humanoid-v5 checkpoint runs forward as recorded', async () => {
  const path = join(RUN, 'checkpoints', 'last.ascent');
  const ck = readCheckpoint(path);
  assert.equal(ck.env, 'Humanoid-v5');
  assert.equal(ck.steps, recorded.steps);
  await loadEnvsFor(ck.env);
  const algo = restoreAlgorithm(ck, path);
  try {
    const eps = gait(algo, ck.env, ck.config, 3, recorded.seed);
    const same = recorded.episodesDetail.slice(0, 3);
    const mean = <E>(xs: E[], f: (e: E) => number) => xs.reduce((a, e) => a + f(e), 0) / xs.length;
    // Floating-point paths (FMA, plain SIMD, JS) can send a seed's episode another way (and this policy
    // falls early on about one seed in five): margins against the same seeds' recorded episodes.
    const ret = mean(eps, (e) => e.return),
      fwd = mean(eps, (e) => e.forward);
    assert.ok(ret > 0.5 * mean(same, (e) => e.return), `mean return ${ret} vs recorded ${mean(same, (e) => e.return)}`);
    assert.ok(fwd > 0.5 * mean(same, (e) => e.forward), `forward ${fwd} m vs recorded ${mean(same, (e) => e.forward)}`);
    // It keeps running: at least one episode lasts 900 of the 1,000 steps, at over 1.5 m/s.
    assert.ok(
      eps.some((e) => e.length >= 900 && e.speed > 1.5),
      `lengths ${eps.map((e) => e.length)}, speeds ${eps.map((e) => e.speed.toFixed(2))}`,
    );
    // The reward's parts add up to the return (forward, survive, control and contact costs).
    for (const e of eps) {
      const parts = Object.values(e.parts).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(parts - e.return) < 1e-6 * Math.max(1, Math.abs(e.return)), `parts ${parts} vs return ${e.return}`);
    }
  } finally {
    algo.close();
  }
});
