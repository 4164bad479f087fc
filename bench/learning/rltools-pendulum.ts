/**
 * SAC and PPO on RLtools' Pendulum settings (issue 12; RLtools, Eschmann et al. 2023):
 * - sac: 10,000 env steps, 64x64 networks, batch 100, one gradient step per env step;
 * - ppo: 4 envs x 1024 steps x 75 iterations, batch 256, 2 epochs, 64x64 ReLU.
 * CPU seconds of the training loop (process.cpuUsage, user + system; evaluation excluded), then a
 * greedy evaluation to show that the policy learned.
 *
 *   node --import tsx bench/learning/rltools-pendulum.ts [--algo sac|ppo] [--src <dir>] [--seeds 0,1] [--out <json>]
 *   node --import tsx bench/learning/rltools-pendulum.ts --ab <old src dir> [--rounds 3] [--algo ...] [--seeds ...] [--out <json>]
 *
 * `--src` loads the algorithm from another checkout's src/ (e.g. a `git worktree` of an older
 * commit), so old and new run side by side on the same machine and load. `--ab` alternates old
 * (that dir) and new (--src or this checkout) in child processes, one seed at a time, and reports
 * new/old CPU ratios per pair (load drifts; adjacent pairs see about the same).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const src = resolve(arg('--src') ?? new URL('../../src', import.meta.url).pathname);
const seeds = (arg('--seeds') ?? '0').split(',').map(Number);
const out = arg('--out');
const algoName = arg('--algo') ?? 'sac';
if (algoName !== 'sac' && algoName !== 'ppo') throw new Error(`--algo: expected sac or ppo, got ${algoName}`);

/** RLtools' setting; lr 1e-3 as rl-baselines3-zoo's Pendulum SAC, learning after 100 random steps (SB3's default). */
export const RLTOOLS_SAC_PENDULUM = {
  env: 'Pendulum-v1',
  totalSteps: 10_000,
  hidden: [64, 64],
  batchSize: 100,
  trainFreq: 1,
  gradientSteps: 1,
  learningStarts: 100,
  lr: 1e-3,
  logInterval: 1000,
};

/** RLtools' PPO Pendulum sizes; the rest (gamma, GAE, lr) are Ascent's PPO defaults: this row is about CPU time. */
export const RLTOOLS_PPO_PENDULUM = {
  env: 'Pendulum-v1',
  numEnvs: 4,
  nSteps: 1024,
  totalSteps: 4 * 1024 * 75,
  batchSize: 256,
  epochs: 2,
  policy: { kind: 'auto', hidden: [64, 64], activation: 'relu', logStd: 'learned', logStdInit: 0 },
  valueHidden: [64, 64],
};

const config = algoName === 'sac' ? RLTOOLS_SAC_PENDULUM : RLTOOLS_PPO_PENDULUM;
const abOld = arg('--ab');
if (abOld !== undefined) {
  const rounds = Number(arg('--rounds') ?? '2');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${arg('--rounds')}`);
  const runs: Record<'old' | 'new', unknown[]> = { old: [], new: [] },
    ratios: number[] = [];
  const one = (dir: string, seed: number) => {
    const tmp = join(tmpdir(), `rltools-ab-${process.pid}.json`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', new URL(import.meta.url).pathname, '--algo', algoName, '--src', dir, '--seeds', String(seed), '--out', tmp],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (r.status !== 0) throw new Error(`--ab: the run of ${dir} seed ${seed} exited with ${r.status}`);
    return JSON.parse(readFileSync(tmp, 'utf8')).rows[0];
  };
  for (let k = 0; k < rounds; k++) {
    for (const seed of seeds) {
      const o = one(resolve(abOld), seed),
        n = one(src, seed);
      runs.old.push(o);
      runs.new.push(n);
      ratios.push(n.cpuSeconds / o.cpuSeconds);
      console.log(JSON.stringify({ round: k, seed, old: o.cpuSeconds, new: n.cpuSeconds, ratio: ratios.at(-1), evalOld: o.evalMean, evalNew: n.evalMean }));
    }
  }
  const result = {
    bench: `${algoName} on Pendulum-v1, RLtools' setting, old and new alternated`,
    old: resolve(abOld),
    new: src,
    config,
    runs,
    ratios,
    meanRatio: ratios.reduce((a, b) => a + b, 0) / ratios.length,
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    date: new Date().toISOString(),
    command: `node --import tsx bench/learning/rltools-pendulum.ts ${process.argv.slice(2).join(' ')}`,
  };
  console.log(`mean new/old CPU ratio ${result.meanRatio.toFixed(3)}`);
  if (out) writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  process.exit(0);
}
const Algo = algoName === 'sac' ? (await import(pathToFileURL(`${src}/algos/sac.ts`).href)).SAC : (await import(pathToFileURL(`${src}/algos/ppo.ts`).href)).PPO;
const rows = [];
for (const seed of seeds) {
  const algo = new Algo({ ...config, seed });
  const load0 = loadavg()[0];
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  algo.learn();
  const c = process.cpuUsage(c0),
    wall = (performance.now() - t0) / 1000;
  const ev = algo.evaluate({ episodes: 10, seed: 100 });
  algo.close();
  const row = { seed, cpuSeconds: (c.user + c.system) / 1e6, wallSeconds: wall, evalMean: ev.mean, load: [load0, loadavg()[0]] };
  rows.push(row);
  console.log(JSON.stringify(row));
}
const result = {
  bench: `${algoName} on Pendulum-v1, RLtools' setting`,
  src,
  config,
  rows,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  date: new Date().toISOString(),
  command: `node --import tsx bench/learning/rltools-pendulum.ts ${process.argv.slice(2).join(' ')}`,
};
if (out) writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
