/**
 * CPU milliseconds of one SacLearner.train() call (the whole update: targets, critic, actor, alpha,
 * Polyak) at RLtools' Pendulum sizes (64x64, batch 100), after 1,000 steps of a real run so the
 * replay batch is real. Old and new side by side: `--src` loads another checkout's src/.
 *
 *   node --import tsx bench/learning/sac-update.ts [--src <dir>] [--calls 3000]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const src = resolve(arg('--src') ?? new URL('../../src', import.meta.url).pathname);
const calls = Number(arg('--calls') ?? 3000);
const { SAC } = await import(pathToFileURL(`${src}/algos/sac.ts`).href);
const algo = new SAC({ env: 'Pendulum-v1', totalSteps: 1000, hidden: [64, 64], batchSize: 100, learningStarts: 100, lr: 1e-3, logInterval: 1000, seed: 0 });
algo.learn();
const learner = algo.learner,
  rng = algo.rng;
const b = algo.replay.sample(100, rng);
for (let i = 0; i < 200; i++) learner.train(b, rng);
const c0 = process.cpuUsage();
for (let i = 0; i < calls; i++) learner.train(b, rng);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ src, cpuMsPerUpdate: (c.user + c.system) / 1000 / calls }));
algo.close();
