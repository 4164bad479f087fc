/**
 * One game, three observations (npm run bench:pixels): PPO on Catch-v0 (the state: ball and paddle
 * positions), CatchPixels-v0 (the board as a [1, 10, 5] image, the small CNN encoder) and
 * CatchDict-v0 (a 6x5 board with a random paddle start: the ball as an image, the paddle as a vector,
 * the combined encoder), with the same PPO settings: environment steps and training seconds to
 * the same greedy threshold (0.9, a 95% catch rate), side by side in one process.
 *
 *   node --import tsx bench/learning/pixels.ts [--seeds 3] [--only name,name] [--budget 32768] [--out file-stem]
 */
import { Protocol, type RunResult } from './run-one.ts';
import { fmtSummary, flag, machine, printTable, summarise, writeResult } from './driver.ts';
import { PPO } from '../../src/algos/ppo.ts';
import { loadavg } from 'node:os';

/** test/policies/cnn.test.ts's settings for CatchPixels-v0, used for every observation. */
const PPO_CATCH = { numEnvs: 8, nSteps: 32, batchSize: 64, epochs: 4, lr: 1e-3, entCoef: 0.01 };

const PRESETS: Record<string, { env: string; config: Record<string, unknown>; note: string }> = {
  'catch-state': { env: 'Catch-v0', config: PPO_CATCH, note: 'MLP 64x64 on [ball column, ball row, paddle column]' },
  'catch-pixels': { env: 'CatchPixels-v0', config: PPO_CATCH, note: "small CNN ('auto' on 10x5) on the board image" },
  'catch-dict': { env: 'CatchDict-v0', config: PPO_CATCH, note: 'CNN on the ball image + MLP on the paddle column, concatenated' },
};

function run(name: string, env: string, config: Record<string, unknown>, seed: number, budget: number): RunResult {
  const load = loadavg().map((x) => +x.toFixed(2));
  // Greedy evaluations of 20 episodes every 1024 steps: Catch's episodes are short and its returns +-1.
  const proto = new Protocol({ name, impl: 'ascent', env, seed, threshold: 0.9, gate: -Infinity, budget, evalEvery: 1024, evalEpisodes: 20 });
  const agent = new PPO({ ...config, env, seed, totalSteps: budget } as any);
  agent.learn({
    stop: (log) =>
      proto.afterUpdate(
        log.steps,
        log.episodes > 0 ? log.returnMean : -Infinity,
        (episodes, s) => agent.evaluate({ episodes, seed: s, deterministic: true }).mean,
      ),
  });
  const fin = agent.evaluate({ episodes: 100, seed: 100, deterministic: true });
  const steps = agent.steps;
  agent.close();
  return proto.result(steps, { mean: fin.mean, std: fin.std, episodes: 100 }, load);
}

const seeds = Number(flag('seeds') ?? 3);
const budget = Number(flag('budget') ?? 32_768);
for (const [k, v] of [
  ['seeds', seeds],
  ['budget', budget],
] as const)
  if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`--${k} must be a positive integer, got ${flag(k)}`);
const only = flag('only')?.split(',');
for (const n of only ?? []) if (!(n in PRESETS)) throw new RangeError(`--only: unknown preset '${n}'; presets: ${Object.keys(PRESETS).join(', ')}`);
const chosen = Object.entries(PRESETS).filter(([n]) => !only || only.includes(n));

const before = machine();
console.log(`pixels bench: PPO to a greedy 0.9 within ${budget} steps, ${seeds} seed(s); ${chosen.map(([n]) => n).join(', ')}`);
console.log(`machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}`);
const runs: Record<string, RunResult[]> = {};
for (const [name, p] of chosen) {
  runs[name] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const r = run(name, p.env, p.config, seed, budget);
    runs[name].push(r);
    console.log(
      `${name} seed ${seed}: ${r.reached ? `reached at ${r.stepsToThreshold} steps, ${r.secondsToThreshold} s` : `not reached in ${r.steps} steps (${r.trainSeconds} s)`}; final greedy ${r.finalEval.mean.toFixed(2)} (100 episodes)`,
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
printTable(['preset', 'env', 'reached', 'steps to 0.9', 'seconds to 0.9', 'final greedy', 'steps/s'], rows);
const after = machine();
console.log(`load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')} (${after.cores} cores shared with other jobs)`);
const file = writeResult(flag('out') ?? 'learning-pixels', {
  bench: 'learning/pixels',
  date: new Date().toISOString(),
  machine: { ...before, loadavgAfter: after.loadavg },
  threshold: 0.9,
  budget,
  seeds,
  presets: Object.fromEntries(chosen),
  runs,
});
console.log(`wrote ${file}`);
