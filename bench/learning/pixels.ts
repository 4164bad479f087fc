/**
 * One game, three observations (npm run bench:pixels): PPO on Catch-v0 (the state: ball and paddle
 * positions), CatchPixels-v0 (the board as a [1, 10, 5] image, the small CNN encoder) and
 * CatchDict-v0 (a 6x5 board with a random paddle start: the ball as an image, the paddle as a vector,
 * the combined encoder), with the same PPO settings: environment steps and training seconds to
 * the same greedy threshold (0.9, a 95% catch rate), side by side in one process.
 *
 *   node --import tsx bench/learning/pixels.ts [--group catch|cartpole] [--seeds 3] [--seed-start 0] [--only name,name]
 *     [--budget steps] [--max-seconds s] [--config '{"lr":1e-3}'] [--out file-stem]
 *
 * --group cartpole: CartPole-v1 (state) beside CartPolePixels-v1 (4 stacked 40x60 frames, NatureCNN),
 * the same PPO settings, to a greedy 475, with learning curves (wall and CPU seconds) and the pixel
 * path's env steps/s, in bench/results/learning-pixels-cartpole.json.
 */
import { Protocol, type RunResult } from './run-one.ts';
import { RESULTS_DIR, fmtSummary, flag, machine, printTable, summarise, writeResult } from './driver.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PPO } from '../../src/algos/ppo.ts';
import { loadavg } from 'node:os';
import { execSync } from 'node:child_process';
import { make } from '../../src/envs/index.ts';
import { Rng } from '../../src/rng/index.ts';

/** test/policies/cnn.test.ts's settings for CatchPixels-v0, used for every observation. */
const PPO_CATCH = { numEnvs: 8, nSteps: 32, batchSize: 64, epochs: 4, lr: 1e-3, entCoef: 0.01 };

/**
 * CartPole, state and pixels, with one PPO setting (ours, tuned on short runs on this machine; no
 * published PPO setting for pixel CartPole exists that we know of). It starts from rl-baselines3-zoo's
 * CartPole-v1 PPO (8 envs, 32 steps, gamma 0.98, lambda 0.8, no entropy bonus) with fewer epochs
 * (4, not 20: an epoch of NatureCNN updates costs ~50x one of the 64x64 MLP's) and a lower rate for
 * the CNN, and normalises observations (running mean and std per input, clipped to 10). The frames
 * are nearly all white background, the same in every state: raw, the CNN's features barely differ
 * between states, the value function explained 1% of the returns' variance over the first 2k steps
 * and each update moved the policy by a KL of ~1e-5; normalised, the background is 0 and the cart
 * and pole stand out (explained variance 0.5-0.7, KL 1e-3..1e-2 over the same steps, same seed).
 */
const PPO_CARTPOLE = {
  numEnvs: 8,
  nSteps: 32,
  batchSize: 64,
  epochs: 4,
  lr: 3e-4,
  gamma: 0.98,
  gaeLambda: 0.8,
  entCoef: 0,
  lrSchedule: 'linear',
  normalizeObs: true,
};

interface Preset {
  env: string;
  config: Record<string, unknown>;
  note: string;
  /** Which result file and table it belongs to. */
  group: 'catch' | 'cartpole';
  threshold: number;
  budget: number;
  /** Greedy evaluations: at least this many steps apart, of this many episodes. */
  evalEvery: number;
  evalEpisodes: number;
}

const CATCH = { group: 'catch', threshold: 0.9, budget: 32_768, evalEvery: 1024, evalEpisodes: 20 } as const;
/**
 * CartPole: greedy 475 over 10 episodes, CartPole-v1's own reward threshold (Gymnasium's "solved"),
 * so that the pixel policy must balance nearly the whole 500 steps, not only survive 195 (v0's).
 */
const CARTPOLE = { group: 'cartpole', threshold: 475, budget: 300_000, evalEvery: 10_000, evalEpisodes: 10 } as const;

const PRESETS: Record<string, Preset> = {
  'catch-state': { ...CATCH, env: 'Catch-v0', config: PPO_CATCH, note: 'MLP 64x64 on [ball column, ball row, paddle column]' },
  'catch-pixels': { ...CATCH, env: 'CatchPixels-v0', config: PPO_CATCH, note: "small CNN ('auto' on 10x5) on the board image" },
  'catch-dict': { ...CATCH, env: 'CatchDict-v0', config: PPO_CATCH, note: 'CNN on the ball image + MLP on the paddle column, concatenated' },
  'cartpole-state': { ...CARTPOLE, env: 'CartPole-v1', config: PPO_CARTPOLE, note: 'MLP 64x64 on [x, x_dot, theta, theta_dot]' },
  // The ablation: the same setting without observation normalisation.
  'cartpole-state-raw': {
    ...CARTPOLE,
    env: 'CartPole-v1',
    config: { ...PPO_CARTPOLE, normalizeObs: false },
    note: 'cartpole-state without observation normalisation',
  },
  'cartpole-pixels-raw': {
    ...CARTPOLE,
    env: 'CartPolePixels-v1',
    config: { ...PPO_CARTPOLE, normalizeObs: false },
    note: 'cartpole-pixels without observation normalisation (raw frames in [0, 1])',
  },
  'cartpole-pixels': {
    ...CARTPOLE,
    env: 'CartPolePixels-v1',
    config: PPO_CARTPOLE,
    note: "NatureCNN ('auto' on 40x60) on 4 stacked grayscale frames [4, 40, 60], policy and value each with their own",
  },
};

/** One point of a learning curve: after an update, the training episodes' mean; at an evaluation, the greedy mean too. */
interface CurvePoint {
  steps: number;
  seconds: number;
  /** CPU seconds of this process (user + system): on a shared machine, the cost that load does not inflate. */
  cpuSeconds: number;
  trainReturn: number | null;
  greedy?: number;
}

function run(name: string, p: Preset, config: Record<string, unknown>, seed: number, budget: number, maxSeconds: number) {
  const load = loadavg().map((x) => +x.toFixed(2));
  const { env, threshold, evalEvery, evalEpisodes } = p;
  // Gate -Infinity: a greedy evaluation every evalEvery steps whatever the training returns.
  const proto = new Protocol({ name, impl: 'ascent', env, seed, threshold, gate: -Infinity, budget, evalEvery, evalEpisodes, maxSeconds });
  const agent = new PPO({ ...config, env, seed, totalSteps: budget } as any);
  const curve: CurvePoint[] = [];
  const cpu0 = process.cpuUsage();
  const cpuSeconds = () => {
    const c = process.cpuUsage(cpu0);
    return +((c.user + c.system) / 1e6).toFixed(2);
  };
  agent.learn({
    stop: (log) => {
      const point: CurvePoint = {
        steps: log.steps,
        seconds: +proto.trainSeconds().toFixed(2),
        cpuSeconds: cpuSeconds(),
        trainReturn: log.episodes > 0 ? +log.returnMean.toFixed(2) : null,
      };
      const stop = proto.afterUpdate(log.steps, log.episodes > 0 ? log.returnMean : -Infinity, (episodes, s) => {
        const g = agent.evaluate({ episodes, seed: s, deterministic: true }).mean;
        point.greedy = +g.toFixed(2);
        return g;
      });
      if (p.group === 'cartpole') curve.push(point);
      return stop;
    },
  });
  const fin = agent.evaluate({ episodes: p.group === 'catch' ? 100 : 20, seed: 100, deterministic: true });
  const steps = agent.steps;
  agent.close();
  const r = proto.result(steps, { mean: fin.mean, std: fin.std, episodes: p.group === 'catch' ? 100 : 20 }, load);
  if (p.group !== 'cartpole') return r;
  // CartPole-v0's threshold on the way: the first greedy evaluation of 195 or more.
  const at195 = curve.find((c) => (c.greedy ?? -Infinity) >= 195);
  const last = curve[curve.length - 1];
  return {
    ...r,
    cpuSeconds: cpuSeconds(),
    cpuSecondsPerStepTrain: last ? +(last.cpuSeconds / last.steps).toExponential(3) : null,
    firstGreedy195: at195 ? { steps: at195.steps, seconds: at195.seconds, cpuSeconds: at195.cpuSeconds } : null,
    curve,
  };
}

/** Seconds of CPU (user + system) this process used since `c0`. */
function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** Env steps per second with uniformly random actions (the env and its wrappers alone, no policy), by wall and CPU time. */
function envSpeed(id: string, kwargs: Record<string, unknown>, steps: number) {
  const env = make(id, { kwargs });
  const rng = new Rng(0);
  env.reset({ seed: 0 });
  const t0 = performance.now(),
    c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const r = env.step(rng.int(2));
    if (r.terminated || r.truncated) env.reset();
  }
  const seconds = (performance.now() - t0) / 1000,
    cpu = cpuSince(c0);
  return {
    id,
    kwargs,
    steps,
    stepsPerSecond: Math.round(steps / seconds),
    microsecondsPerStep: +((seconds / steps) * 1e6).toFixed(1),
    stepsPerCpuSecond: Math.round(steps / cpu),
    cpuMicrosecondsPerStep: +((cpu / steps) * 1e6).toFixed(1),
  };
}

const ENV_SPEED_CASES: [string, Record<string, unknown>, number][] = [
  ['CartPole-v1', {}, 20_000],
  ['CartPolePixels-v1', {}, 3000],
  ['CartPolePixels-v1', { renderSize: [400, 600] }, 600],
];

function printEnvSpeed(speed: ReturnType<typeof envSpeed>[]): void {
  printTable(
    ['env', 'kwargs', 'steps/s', 'us/step', 'steps/CPU s', 'CPU us/step'],
    speed.map((r) => [
      r.id,
      JSON.stringify(r.kwargs),
      String(r.stepsPerSecond),
      String(r.microsecondsPerStep),
      String(r.stepsPerCpuSecond),
      String(r.cpuMicrosecondsPerStep),
    ]),
  );
}

/** PPO's training speed (collect + update) for a preset over a few updates, by wall and CPU time. */
function ppoSpeed(name: string, p: Preset, updates: number) {
  const agent = new PPO({ ...p.config, env: p.env, seed: 0, totalSteps: p.budget } as any);
  const t0 = performance.now(),
    c0 = process.cpuUsage();
  let n = 0;
  agent.learn({ stop: () => ++n >= updates });
  const seconds = (performance.now() - t0) / 1000,
    cpu = cpuSince(c0);
  const steps = agent.steps;
  agent.close();
  return { preset: name, env: p.env, steps, stepsPerSecond: Math.round(steps / seconds), stepsPerCpuSecond: Math.round(steps / cpu) };
}

/**
 * --speed: the pixel path's speed alone (env steps/s with and without pixels; PPO steps/s for the
 * state and pixel presets), by CPU time as well as wall time since the machine is shared.
 */
function speedMain(out: string): void {
  const before = machine();
  console.log(`machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}`);
  const envs = ENV_SPEED_CASES.map(([id, k, n]) => envSpeed(id, k, n));
  printEnvSpeed(envs);
  const ppo = [ppoSpeed('cartpole-state', PRESETS['cartpole-state'], 40), ppoSpeed('cartpole-pixels', PRESETS['cartpole-pixels'], 8)];
  printTable(
    ['preset', 'steps', 'PPO steps/s', 'PPO steps/CPU s'],
    ppo.map((r) => [r.preset, String(r.steps), String(r.stepsPerSecond), String(r.stepsPerCpuSecond)]),
  );
  const after = machine();
  const file = writeResult(out, {
    bench: 'learning/pixels --speed',
    date: new Date().toISOString(),
    command: `node --import tsx bench/learning/pixels.ts ${process.argv.slice(2).join(' ')}`,
    commit: execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim(),
    machine: { ...before, loadavgAfter: after.loadavg },
    envSpeed: envs,
    ppoSpeed: ppo,
  });
  console.log(`wrote ${file}`);
}

function trainMain(): void {
  const group = flag('group') ?? 'catch';
  if (group !== 'catch' && group !== 'cartpole') throw new RangeError(`--group must be 'catch' or 'cartpole', got '${group}'`);
  const seeds = Number(flag('seeds') ?? 3);
  const seedStart = Number(flag('seed-start') ?? 0);
  const budgetFlag = flag('budget');
  const maxSeconds = Number(flag('max-seconds') ?? 0);
  for (const [k, v, min] of [
    ['seeds', seeds, 1],
    ['seed-start', seedStart, 0],
    ['budget', Number(budgetFlag ?? 1), 1],
    ['max-seconds', maxSeconds, 0],
  ] as const)
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`--${k} must be an integer >= ${min}, got ${flag(k)}`);
  /** --config '{"lr":1e-3}': overrides of the presets' PPO settings (for tuning; recorded in the result). */
  const overrides = JSON.parse(flag('config') ?? '{}') as Record<string, unknown>;
  const only = flag('only')?.split(',');
  for (const n of only ?? []) if (!(n in PRESETS)) throw new RangeError(`--only: unknown preset '${n}'; presets: ${Object.keys(PRESETS).join(', ')}`);
  const chosen = Object.entries(PRESETS)
    .filter(([n, p]) => (only ? only.includes(n) : p.group === group))
    .map(([n, p]) => [n, { ...p, config: { ...p.config, ...overrides }, budget: budgetFlag ? Number(budgetFlag) : p.budget }] as [string, Preset]);
  const { threshold } = chosen[0][1];
  if (chosen.some(([, p]) => p.threshold !== threshold)) throw new RangeError('--only: choose presets of one group (their thresholds differ)');

  const before = machine();
  const commit = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
  const dirty = execSync('git status --porcelain -- src bench/learning', { encoding: 'utf8' }).trim() !== '';
  const command = `node --import tsx bench/learning/pixels.ts ${process.argv.slice(2).join(' ')}`;
  console.log(
    `pixels bench: PPO to a greedy ${threshold}, seeds ${seedStart}..${seedStart + seeds - 1}; ${chosen.map(([n, p]) => `${n} (${p.budget} steps)`).join(', ')}`,
  );
  console.log(`machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}`);

  // The pixel path's speed: CartPole alone, and the pixel pipeline drawn small (default) and at Gymnasium's 600x400.
  const speed = group === 'cartpole' || chosen.some(([, p]) => p.group === 'cartpole') ? ENV_SPEED_CASES.map(([id, k, n]) => envSpeed(id, k, n)) : undefined;
  if (speed) printEnvSpeed(speed);

  const runs: Record<string, RunResult[]> = {};
  for (const [name, p] of chosen) {
    runs[name] = [];
    for (let seed = seedStart; seed < seedStart + seeds; seed++) {
      const r = run(name, p, p.config, seed, p.budget, maxSeconds);
      runs[name].push(r);
      console.log(
        `${name} seed ${seed}: ${r.reached ? `reached at ${r.stepsToThreshold} steps, ${r.secondsToThreshold} s` : `not reached in ${r.steps} steps (${r.trainSeconds} s), best greedy ${r.bestEval}`}; final greedy ${r.finalEval.mean.toFixed(2)} (${r.finalEval.episodes} episodes)`,
      );
    }
  }
  const rows = chosen.map(([name, p]) => {
    const rs = runs[name];
    const ok = rs.filter((r) => r.reached);
    return [
      name,
      p.env,
      `${ok.length}/${rs.length}`,
      fmtSummary(summarise(ok.map((r) => r.stepsToThreshold!)), 1, 1000) + (ok.length ? 'k' : ''),
      fmtSummary(summarise(ok.map((r) => r.secondsToThreshold!)), 1),
      fmtSummary(summarise(rs.map((r) => r.finalEval.mean)), 2),
      fmtSummary(summarise(rs.map((r) => r.steps / r.trainSeconds)), 0),
    ];
  });
  console.log();
  printTable(['preset', 'env', 'reached', `steps to ${threshold}`, `seconds to ${threshold}`, 'final greedy', 'PPO steps/s'], rows);
  const after = machine();
  console.log(`load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')} (${after.cores} cores shared with other jobs)`);
  const file = writeResult(flag('out') ?? (group === 'cartpole' ? 'learning-pixels-cartpole' : 'learning-pixels'), {
    bench: 'learning/pixels',
    date: new Date().toISOString(),
    command,
    commit,
    uncommittedChanges: dirty,
    machine: { ...before, loadavgAfter: after.loadavg },
    threshold,
    seeds: { start: seedStart, count: seeds },
    maxSeconds,
    overrides,
    presets: Object.fromEntries(chosen),
    envSpeed: speed,
    runs,
  });
  console.log(`wrote ${file}`);
}

/**
 * --merge a,b,c: one result from several (seeds run as separate processes at the same time, the
 * --speed measurement): the runs per preset joined, each part's command, commit and load kept.
 */
function mergeMain(parts: string[], out: string): void {
  const docs = parts.map((name) => ({ name, doc: JSON.parse(readFileSync(path.join(RESULTS_DIR, `${name}.json`), 'utf8')) }));
  const runs: Record<string, any[]> = {};
  const presets: Record<string, unknown> = {};
  let threshold: number | undefined;
  let speed: any = null;
  for (const { doc } of docs) {
    if (doc.ppoSpeed) speed = { envSpeed: doc.envSpeed, ppoSpeed: doc.ppoSpeed, machine: doc.machine };
    for (const [k, v] of Object.entries(doc.presets ?? {})) presets[k] = v;
    for (const [k, rs] of Object.entries(doc.runs ?? {})) (runs[k] ??= []).push(...(rs as any[]));
    if (doc.threshold !== undefined) {
      if (threshold !== undefined && doc.threshold !== threshold) throw new RangeError(`--merge: parts have thresholds ${threshold} and ${doc.threshold}`);
      threshold = doc.threshold;
    }
  }
  for (const rs of Object.values(runs)) rs.sort((a, b) => a.seed - b.seed);
  const rows = Object.entries(runs).map(([name, rs]) => {
    const ok = rs.filter((r) => r.reached);
    const best = rs.map((r) => r.bestEval ?? -Infinity);
    return [
      name,
      `${ok.length}/${rs.length}`,
      fmtSummary(summarise(ok.map((r) => r.stepsToThreshold)), 1, 1000) + (ok.length ? 'k' : ''),
      fmtSummary(summarise(ok.map((r) => r.secondsToThreshold)), 1),
      fmtSummary(summarise(best), 1),
      fmtSummary(summarise(rs.map((r) => r.steps)), 1, 1000) + 'k',
      fmtSummary(summarise(rs.map((r) => r.steps / r.cpuSeconds)), 0),
    ];
  });
  printTable(['preset', 'reached', `steps to ${threshold}`, `seconds to ${threshold}`, 'best greedy', 'steps run', 'PPO steps/CPU s'], rows);
  const file = writeResult(out, {
    bench: 'learning/pixels --group cartpole',
    date: new Date().toISOString(),
    threshold,
    /** --note: what the parts cannot say themselves (e.g. runs stopped before they wrote a result). */
    note: flag('note') ?? null,
    parts: docs.map(({ name, doc }) => ({
      name,
      command: doc.command,
      commit: doc.commit,
      date: doc.date,
      machine: doc.machine,
      seeds: doc.seeds,
      maxSeconds: doc.maxSeconds,
      overrides: doc.overrides,
    })),
    presets,
    speed,
    runs,
  });
  console.log(`wrote ${file}`);
}

const merge = flag('merge');
if (merge) mergeMain(merge.split(','), flag('out') ?? 'learning-pixels-cartpole');
else if (process.argv.includes('--speed')) speedMain(flag('out') ?? 'learning-pixels-cartpole-speed');
else trainMain();
