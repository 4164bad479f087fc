/**
 * Sample efficiency on one task: real env steps until the greedy return first reaches the threshold,
 * for PPO, SAC and MBPO, several seeds. Evaluation (5 episodes, deterministic) after every update of
 * at most `every` env steps. Run:
 *   node --import tsx bench/model-based/sample-efficiency.ts [env] [threshold] [seeds] [maxSteps]
 * defaults: Pendulum-v1 -250 3 100000 (PPO needs far more than 20k steps here). Writes bench/results/model-based-sample-efficiency.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { PPO } from '../../src/algos/ppo.ts';
import { SAC } from '../../src/algos/sac.ts';
import { findPreset } from '../../src/train/node/presets.ts';
import { MBPO } from '../../src/algos/model-based/mbpo.ts';
import type { Algorithm, UpdateLog } from '../../src/algos/types.ts';

const [env = 'Pendulum-v1', thr = '-250', nSeeds = '3', max = '100000'] = process.argv.slice(2);
const threshold = Number(thr),
  maxSteps = Number(max);

const makers: Record<string, (seed: number) => Algorithm & { learn(o: { stop?: (l: UpdateLog) => boolean }): unknown }> = {
  // PPO: the settings of test/algos/ppo.test.ts (Zoo-like: 4 envs x 1024 steps, batch 256, gamma 0.9, gae 0.95, 10 epochs, lr 1e-3).
  ppo: (seed) => new PPO({ env, seed, numEnvs: 4, nSteps: 1024, batchSize: 256, gamma: 0.9, gaeLambda: 0.95, epochs: 10, lr: 1e-3, totalSteps: maxSteps }),
  sac: (seed) => new SAC({ ...findPreset('sac', env)?.config, env, seed, hidden: [64, 64], batchSize: 128, logInterval: 500, totalSteps: maxSteps }),
  // MBPO: the settings of test/algos/mbpo.test.ts's Pendulum test.
  mbpo: (seed) =>
    new MBPO({
      env,
      seed,
      hidden: [64, 64],
      batchSize: 128,
      gradientSteps: 10,
      rolloutsPerStep: 20,
      lr: 1e-3,
      realRatio: 0.5,
      rolloutSchedule: [0, 1, 1, 1],
      modelTrainFreq: 250,
      epochLength: 1000,
      learningStarts: 250,
      logInterval: 250,
      totalSteps: Math.min(maxSteps, 10_000),
      model: { ensembleSize: 5, numElites: 4, hidden: [64, 64], activation: 'elu', lr: 1e-3, weightDecay: 5e-5, maxLogVarInit: 0.5, minLogVarInit: -10 },
      modelBatchSize: 64,
      modelMaxEpochs: 100,
      patience: 10,
    }),
};

const rows: { algo: string; seed: number; steps: number | null; seconds: number; last: number }[] = [];
for (const [algo, make] of Object.entries(makers)) {
  for (let seed = 0; seed < Number(nSeeds); seed++) {
    const a = make(seed);
    const t = performance.now();
    let steps: number | null = null,
      last = -Infinity;
    a.learn({
      stop: (log) => {
        last = a.evaluate({ episodes: 5, seed: 100 }).mean;
        if (last >= threshold) steps = log.steps;
        return steps !== null;
      },
    });
    rows.push({ algo, seed, steps, seconds: (performance.now() - t) / 1000, last });
    console.log(algo, seed, steps ?? `not within ${maxSteps}`, `${rows[rows.length - 1].seconds.toFixed(0)} s`);
    a.close();
  }
}
const summary = Object.keys(makers).map((algo) => {
  const r = rows.filter((x) => x.algo === algo),
    ok = r.filter((x) => x.steps !== null).map((x) => x.steps!);
  ok.sort((x, y) => x - y);
  return {
    algo,
    solved: `${ok.length}/${r.length}`,
    medianSteps: ok.length ? ok[Math.floor(ok.length / 2)] : null,
    meanSeconds: r.reduce((s, x) => s + x.seconds, 0) / r.length,
  };
});
console.table(summary);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/model-based-sample-efficiency.json', JSON.stringify({ env, threshold, maxSteps, rows, summary }, null, 2));
