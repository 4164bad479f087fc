/**
 * REINFORCE on CartPole-v1 to a greedy 475 (npm run bench:learning:reinforce):
 * Ascent's REINFORCE with its defaults (reward-to-go, learned value baseline, 8 envs x 256 steps,
 * Adam 3e-3) next to the TensorFlow.js cart-pole example's approach (per-step tfjs.variableGrads,
 * see tfjs-cartpole.ts), both on Ascent's CartPole-v1, seeds run one after the other, each run in
 * its own process. Both stop by the same protocol (run-one.ts): a greedy 10-episode mean >= 475,
 * or the step budget / time cap (censored, reported as such). Ratio = tfjs seconds / Ascent seconds.
 *
 *   node --import tsx bench/learning/reinforce-vs-tfjs.ts [--seeds 3] [--budget 200000]
 *        [--max-seconds 600] [--backend cpu|wasm]
 */
import { fmtSummary, flag, machine, printTable, runChild, summarise, writeResult } from './driver.ts';
import type { RunResult, RunSpec } from './run-one.ts';
import { TFJS_EXAMPLE } from './tfjs-cartpole.ts';

const seeds = Number(flag('seeds') ?? 3);
const budget = Number(flag('budget') ?? 200_000);
const maxSeconds = Number(flag('max-seconds') ?? 600);
const backend = (flag('backend') ?? 'cpu') as 'cpu' | 'wasm';
if (!(Number.isInteger(seeds) && seeds > 0)) throw new RangeError(`--seeds must be a positive integer, got ${flag('seeds')}`);
if (backend !== 'cpu' && backend !== 'wasm') throw new RangeError(`--backend must be cpu or wasm, got ${backend}`);

const common = { env: 'CartPole-v1', threshold: 475, gate: 400, budget, maxSeconds, evalEpisodes: 10, evalSeed: 1000 };
const sides: { label: string; spec: (seed: number) => RunSpec }[] = [
  { label: 'ascent-reinforce', spec: (seed) => ({ ...common, name: 'ascent-reinforce', impl: 'ascent', algo: 'reinforce', config: {}, seed }) },
  { label: `tfjs-${backend} example`, spec: (seed) => ({ ...common, name: `tfjs-${backend}-example`, impl: 'tfjs-cartpole', tfjs: { backend, ...TFJS_EXAMPLE }, seed }) },
];

const before = machine();
console.log(`REINFORCE vs the tfjs cart-pole example on CartPole-v1 (greedy >= 475), ${seeds} seeds, budget ${budget} steps / ${maxSeconds} s`);
console.log(`machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}`);
const runs: Record<string, RunResult[]> = Object.fromEntries(sides.map((s) => [s.label, []]));
for (let seed = 0; seed < seeds; seed++) {
  for (const side of sides) {
    const r = await runChild(side.spec(seed));
    runs[side.label].push(r);
    console.log(`${side.label} seed ${seed}: ${r.reached ? `reached at ${r.stepsToThreshold} steps, ${r.secondsToThreshold} s` : `censored (${r.stoppedBy}) at ${r.steps} steps, ${r.trainSeconds} s, best greedy ${r.bestEval ?? '-'}`}; peak RSS ${r.maxRssMB} MB`);
  }
}

const rows = sides.map((s) => {
  const rs = runs[s.label];
  const ok = rs.filter((r) => r.reached);
  return [
    s.label, `${ok.length}/${rs.length}`,
    fmtSummary(summarise(ok.map((r) => r.stepsToThreshold!)), 0, 1000) + 'k',
    fmtSummary(summarise(ok.map((r) => r.secondsToThreshold!)), 1),
    fmtSummary(summarise(rs.map((r) => r.steps / r.trainSeconds)), 0),
    fmtSummary(summarise(rs.map((r) => r.finalEval.mean)), 0),
    fmtSummary(summarise(rs.map((r) => r.maxRssMB)), 0),
  ];
});
console.log();
printTable(['implementation', 'reached', 'steps to 475', 'seconds to 475', 'train steps/s', 'final greedy', 'peak RSS MB'], rows);

// Per seed: tfjs seconds / Ascent seconds. A censored tfjs run gives a lower bound (its seconds so far).
const [a, t] = sides.map((s) => runs[s.label]);
const ratios = a.map((ar, i) => {
  const tr = t[i];
  if (!ar.reached) return { seed: i, ratio: null, note: 'Ascent did not reach 475' };
  if (!tr.reached) return { seed: i, ratio: +(tr.trainSeconds / ar.secondsToThreshold!).toFixed(2), note: 'lower bound: tfjs censored' };
  return { seed: i, ratio: +(tr.secondsToThreshold! / ar.secondsToThreshold!).toFixed(2), note: '' };
});
console.log();
for (const r of ratios) console.log(`seed ${r.seed}: tfjs / Ascent wall seconds to 475 = ${r.ratio === null ? '-' : (r.note ? '>= ' : '') + r.ratio}${r.note ? ` (${r.note})` : ''}`);
const exact = ratios.filter((r) => r.ratio !== null && !r.note).map((r) => r.ratio!);
const median = summarise(exact);
if (exact.length) console.log(`median ratio over seeds where both reached: ${fmtSummary(median, 1)}`);
const after = machine();
console.log(`load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')} (${after.cores} cores shared with other jobs)`);

const file = writeResult('learning-reinforce-vs-tfjs', {
  bench: 'learning/reinforce-vs-tfjs', date: new Date().toISOString(), machine: { ...before, loadavgAfter: after.loadavg },
  protocol: { ...common, seeds, tfjs: { backend, ...TFJS_EXAMPLE }, ascent: 'REINFORCE_DEFAULTS' },
  runs, ratios, medianRatio: median.median,
});
console.log(`wrote ${file}`);
