/**
 * REINFORCE on CartPole-v1 to a greedy 475 (npm run bench:learning:reinforce):
 * Ascent's REINFORCE with its defaults (reward-to-go, learned value baseline, 8 envs x 256 steps,
 * Adam 3e-3), and with the example's estimator and settings (EXAMPLE_IN_ASCENT), next to the TensorFlow.js cart-pole example's approach (per-step tfjs.variableGrads,
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

// Greedy evaluation at least every 2048 steps (Ascent's batch), excluded from the timed training.
const common = { env: 'CartPole-v1', threshold: 475, gate: 400, evalInterval: 2048, budget, maxSeconds, evalEpisodes: 10, evalSeed: 1000 };
/**
 * The example's estimator in Ascent: 20 whole episodes per update, discounted reward-to-go (0.95)
 * normalised over the batch, no baseline, mean over all steps, Adam 0.05, one elu layer of 4 units,
 * no gradient clipping. A 2-logit softmax is the same family as its sigmoid Bernoulli. With the
 * estimator equal, the difference left is the engine: per-step tfjs gradients vs one batched pass.
 */
const EXAMPLE_IN_ASCENT = {
  numEnvs: 4,
  batchEpisodes: TFJS_EXAMPLE.gamesPerIteration,
  batchSteps: 0,
  returns: 'rewardToGo',
  baseline: 'none',
  normalizeAdvantages: true,
  gamma: TFJS_EXAMPLE.discountRate,
  lr: TFJS_EXAMPLE.learningRate,
  maxGradNorm: 0,
  policy: { kind: 'auto', hidden: [TFJS_EXAMPLE.hidden], activation: 'elu', logStd: 'learned', logStdInit: 0 },
};
const sides: { label: string; spec: (seed: number) => RunSpec }[] = [
  { label: 'ascent-reinforce', spec: (seed) => ({ ...common, name: 'ascent-reinforce', impl: 'ascent', algo: 'reinforce', config: {}, seed }) },
  {
    label: 'ascent, example settings',
    spec: (seed) => ({ ...common, name: 'ascent-example-settings', impl: 'ascent', algo: 'reinforce', config: EXAMPLE_IN_ASCENT, seed }),
  },
  {
    label: `tfjs-${backend} example`,
    spec: (seed) => ({ ...common, name: `tfjs-${backend}-example`, impl: 'tfjs-cartpole', tfjs: { backend, ...TFJS_EXAMPLE }, seed }),
  },
];

const before = machine();
console.log(`REINFORCE vs the tfjs cart-pole example on CartPole-v1 (greedy >= 475), ${seeds} seeds, budget ${budget} steps / ${maxSeconds} s`);
console.log(
  `machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}${before.nodeFlags.length ? `; child node flags ${before.nodeFlags.join(' ')}` : ''}`,
);
const runs: Record<string, RunResult[]> = Object.fromEntries(sides.map((s) => [s.label, []]));
for (let seed = 0; seed < seeds; seed++) {
  for (const side of sides) {
    const r = await runChild(side.spec(seed));
    runs[side.label].push(r);
    console.log(
      `${side.label} seed ${seed}: ${r.reached ? `reached at ${r.stepsToThreshold} steps, ${r.secondsToThreshold} s` : `censored (${r.stoppedBy}) at ${r.steps} steps, ${r.trainSeconds} s, best greedy ${r.bestEval ?? '-'}`}; peak RSS ${r.maxRssMB} MB`,
    );
  }
}

const rows = sides.map((s) => {
  const rs = runs[s.label];
  const ok = rs.filter((r) => r.reached);
  return [
    s.label,
    `${ok.length}/${rs.length}`,
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
const tfjsRuns = runs[sides[sides.length - 1].label];
const ratioRows = sides.slice(0, -1).map((side) => {
  const perSeed = runs[side.label].map((ar, i) => {
    const tr = tfjsRuns[i];
    if (!ar.reached) return { seed: i, ratio: null, note: 'Ascent did not reach 475' };
    if (!tr.reached) return { seed: i, ratio: +(tr.trainSeconds / ar.secondsToThreshold!).toFixed(2), note: 'lower bound: tfjs censored' };
    return { seed: i, ratio: +(tr.secondsToThreshold! / ar.secondsToThreshold!).toFixed(2), note: '' };
  });
  const exact = summarise(perSeed.filter((r) => r.ratio !== null && !r.note).map((r) => r.ratio!));
  return { ascent: side.label, perSeed, median: exact.median, min: exact.min, max: exact.max };
});
console.log();
for (const row of ratioRows) {
  const seedsText = row.perSeed.map((r) => (r.ratio === null ? '-' : (r.note ? '>=' : '') + r.ratio)).join(', ');
  console.log(`tfjs / ${row.ascent}: wall seconds to 475 per seed ${seedsText}; median where both reached ${fmtSummary(row, 2)}`);
}
const after = machine();
console.log(`load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')} (${after.cores} cores shared with other jobs)`);

const file = writeResult(flag('out') ?? 'learning-reinforce-vs-tfjs', {
  bench: 'learning/reinforce-vs-tfjs',
  date: new Date().toISOString(),
  machine: { ...before, loadavgAfter: after.loadavg },
  protocol: {
    ...common,
    seeds,
    tfjs: { backend, ...TFJS_EXAMPLE },
    ascent: { 'ascent-reinforce': 'REINFORCE_DEFAULTS', 'ascent, example settings': EXAMPLE_IN_ASCENT },
  },
  runs,
  ratios: ratioRows,
});
console.log(`wrote ${file}`);
