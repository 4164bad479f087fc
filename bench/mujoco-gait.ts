/**
 * How a trained MuJoCo walker moves: greedy episodes from a checkpoint, with the return, the length,
 * how far the mass centre travelled forward (Gymnasium's info `x_position`) and the mean forward
 * speed (`x_velocity`), so that "it runs" is a number, not a picture.
 *
 *   node --import tsx bench/mujoco-gait.ts examples/humanoid/ppo-Humanoid-v5-s0 [--episodes 10] [--seed 1000] [--out FILE]
 *
 * Writes FILE (default bench/results/mujoco-gait-<env>.json). test/envs/mujoco/humanoid-checkpoint.test.ts uses
 * `gait` on the committed Humanoid checkpoint.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findObsNormalizer, makeEnv } from '../src/algos/common.ts';
import type { Algorithm } from '../src/algos/types.ts';
import { loadEnvsFor } from '../src/cli/load-envs.ts';
import { Rng } from '../src/rng/index.ts';
import { checkpointPath, readCheckpoint, restoreAlgorithm } from '../src/train/node/load.ts';
import { machine } from './learning/driver.ts';

export interface GaitEpisode {
  seed: number;
  return: number;
  length: number;
  /** Mass centre's x at the end minus at the start (metres). */
  forward: number;
  /** Mean of info.x_velocity over the steps (m/s). */
  speed: number;
  /** The reward's parts summed over the episode (info reward_*). */
  parts: Record<string, number>;
}

/** Greedy episodes of a restored algorithm on the evaluation env stack (frozen observation statistics). */
export function gait(algo: Algorithm, envId: string, config: Record<string, unknown>, episodes: number, seed: number): GaitEpisode[] {
  const out: GaitEpisode[] = [];
  for (let e = 0; e < episodes; e++) {
    const env = makeEnv(envId, { frameStack: (config.frameStack as number | undefined) ?? 1, normalizeObs: Boolean(config.normalizeObs) });
    const norm = findObsNormalizer(env);
    if (norm) {
      const train = findObsNormalizer((algo as any).env?.envs?.[0] ?? null);
      if (!train) throw new Error(`${algo.name} normalises observations but its statistics are not reachable`);
      norm.setStats(train.getStats());
      norm.updateRunningMean = false;
    }
    const rng = new Rng(seed + e, 7);
    let { obs } = env.reset({ seed: seed + e });
    algo.policy.resetState?.();
    let total = 0,
      length = 0,
      speed = 0,
      x0: number | null = null,
      x = 0;
    const parts: Record<string, number> = {};
    for (;;) {
      const { actions } = algo.policy.act(obs, 1, rng, true);
      const r = env.step(actions);
      const info = r.info as Record<string, number>;
      x0 ??= info.x_position; // after the first step: reset returns no info with a position
      x = info.x_position;
      speed += info.x_velocity;
      for (const [k, v] of Object.entries(info)) if (k.startsWith('reward_')) parts[k] = (parts[k] ?? 0) + v;
      total += r.reward;
      length++;
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    env.close();
    out.push({ seed: seed + e, return: total, length, forward: x - (x0 ?? x), speed: speed / length, parts });
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const run = args.find((a) => !a.startsWith('--'));
  if (!run) throw new Error('usage: bench/mujoco-gait.ts <run-dir or checkpoint> [--episodes N] [--seed S] [--best] [--out FILE]');
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    const v = i < 0 ? dflt : Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(args[i + 1])}`);
    return v;
  };
  const episodes = opt('episodes', 10),
    seed = opt('seed', 1000);
  const ckPath = checkpointPath(run, args.includes('--best') ? 'best' : 'last');
  const ck = readCheckpoint(ckPath);
  await loadEnvsFor(ck.env);
  const algo = restoreAlgorithm(ck, ckPath);
  const eps = gait(algo, ck.env, ck.config, episodes, seed);
  algo.close();
  const mean = (f: (e: GaitEpisode) => number) => eps.reduce((a, e) => a + f(e), 0) / eps.length;
  for (const e of eps)
    console.log(`seed ${e.seed}: return ${e.return.toFixed(1)}, ${e.length} steps, ${e.forward.toFixed(2)} m forward, ${e.speed.toFixed(2)} m/s`);
  const summary = { return: mean((e) => e.return), length: mean((e) => e.length), forward: mean((e) => e.forward), speed: mean((e) => e.speed) };
  console.log(
    `mean: return ${summary.return.toFixed(1)}, ${summary.length.toFixed(0)} steps, ${summary.forward.toFixed(2)} m, ${summary.speed.toFixed(2)} m/s`,
  );
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outAt = args.indexOf('--out');
  const file = outAt >= 0 ? args[outAt + 1] : path.join(here, 'results', `mujoco-gait-${ck.env}.json`);
  const result = {
    bench: 'mujoco-gait',
    date: new Date().toISOString(),
    machine: machine(),
    checkpoint: path.relative(process.cwd(), ckPath),
    steps: ck.steps,
    episodes,
    seed,
    summary,
    episodesDetail: eps,
  };
  writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
