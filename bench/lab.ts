/**
 * The estimator lab at full size: bias and variance of every REINFORCE estimator against the exact
 * gradient on three MDPs, then the importance-sampled estimators (step-size sweep and ESS against the
 * horizon). Prints the tables and writes bench/results/lab.json.
 *
 *   npm run bench:lab              (about two minutes on the 2-core build machine)
 *   npm run bench:lab -- --quick   (a tenth of the batches, for a smoke run)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compareEstimators,
  fmt,
  formatEssVsHorizon,
  formatImportanceLabReport,
  formatLabReport,
  randomMDP,
  riverSwim,
  runEssVsHorizon,
  runEstimatorLab,
  runImportanceLab,
  table,
  type EstimatorSpec,
  type LabOptions,
} from '../src/lab/index.ts';

const quick = process.argv.includes('--quick');
const scale = (m: number) => (quick ? Math.max(50, Math.round(m / 10)) : m);
const seed = 2026;

function timed<T>(label: string, f: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = f();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`[${label}: ${seconds.toFixed(1)} s]\n`);
  return { value, seconds };
}

const labs: Record<string, LabOptions> = {
  'random-stationary': { mdp: randomMDP({ numStates: 8, numActions: 4, horizon: 20, seed }), seed, batchSize: 32, numBatches: scale(10000) },
  'random-markov': {
    mdp: randomMDP({ numStates: 8, numActions: 4, horizon: 20, gamma: 0.95, seed }),
    timeDependent: true,
    seed,
    batchSize: 32,
    numBatches: scale(10000),
  },
  riverswim: { mdp: riverSwim(6, 20), seed, batchSize: 32, numBatches: scale(10000) },
};

const results: Record<string, unknown> = {};
const seconds: Record<string, number> = {};
for (const [name, opts] of Object.entries(labs)) {
  const { value, seconds: s } = timed(name, () => runEstimatorLab(opts));
  console.log(formatLabReport(value));
  results[name] = value;
  seconds[name] = s;
}

// The optimal baseline against the mean baselines at the batch size people use (N = 16), paired on
// the same batches: mean difference of squared errors and its standard error (negative: optimal wins).
const small: EstimatorSpec[] = [
  { returns: 'full', baseline: 'mean' },
  { returns: 'full', baseline: 'mean', leaveOneOut: true },
  { returns: 'full', baseline: 'mean', previous: true },
  { returns: 'full', baseline: 'optimal', leaveOneOut: true },
  { returns: 'full', baseline: 'optimal', previous: true },
];
const pairs: [string, string][] = [
  ['full+optimal(prev)', 'full+mean(prev)'],
  ['full+optimal(prev)', 'full+mean(LOO)'],
  ['full+optimal(prev)', 'full+mean'],
  ['full+optimal(LOO)', 'full+mean(LOO)'],
];
const optimalVsMean: Record<string, { a: string; b: string; mean: number; se: number; z: number }[]> = {};
const n16 = timed('optimal-vs-mean-N16', () => {
  const rows: string[][] = [];
  for (const [name, opts] of Object.entries(labs)) {
    const r = runEstimatorLab({ ...opts, batchSize: 16, estimators: small });
    optimalVsMean[name] = pairs.map(([a, b]) => {
      const d = compareEstimators(r, a, b);
      rows.push([name, `${a} - ${b}`, fmt(d.mean), fmt(d.se), fmt(d.mean / d.se, 1)]);
      return { a, b, mean: d.mean, se: d.se, z: d.mean / d.se };
    });
  }
  return rows;
});
console.log('Optimal vs mean baseline at N = 16: paired MSE difference (negative: the first is better)\n');
console.log(table(['lab', 'pair', 'MSE diff', 'SE', 'z'], n16.value) + '\n');
seconds.optimalVsMeanN16 = n16.seconds;

const is = timed('importance', () =>
  runImportanceLab({
    mdp: randomMDP({ numStates: 5, numActions: 3, horizon: 10, seed }),
    seed,
    batchSize: 32,
    numBatches: scale(20000),
    stepSizes: [0, 0.1, 0.25, 0.5, 1, 2],
  }),
);
console.log(formatImportanceLabReport(is.value));
seconds.importance = is.seconds;

const essOpts = { horizons: [2, 5, 10, 20, 40, 80], mdp: { numStates: 5, numActions: 3 }, alpha: 0.3, seed, batchSize: 32, numBatches: scale(2000) };
const ess = timed('ess-vs-horizon', () => runEssVsHorizon(essOpts));
console.log(
  formatEssVsHorizon(
    ess.value,
    `ESS of whole-trajectory weights against T: random MDP S=5 A=3, stationary policy, theta' = theta + 0.3 u, N = 32, M = ${essOpts.numBatches}`,
  ),
);
seconds.essVsHorizon = ess.seconds;

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'lab.json');
mkdirSync(dirname(out), { recursive: true });
const json = JSON.stringify(
  {
    date: new Date().toISOString(),
    node: process.version,
    quick,
    seed,
    seconds,
    estimatorLabs: results,
    optimalVsMeanN16: optimalVsMean,
    importance: is.value,
    essVsHorizon: { options: essOpts, rows: ess.value },
  },
  null,
  1,
);
writeFileSync(out + '.tmp', json);
renameSync(out + '.tmp', out);
console.log(`\nwrote ${out}`);
