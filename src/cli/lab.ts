/** `ascent lab estimators` and `ascent lab importance`: the estimator lab's tables. */
import { writeFileSync } from 'node:fs';
import {
  formatEssVsHorizon,
  formatImportanceLabReport,
  formatLabReport,
  randomMDP,
  riverSwim,
  runEssVsHorizon,
  runEstimatorLab,
  runImportanceLab,
} from '../lab/index.ts';
import { ConfigError } from '../train/setup.ts';

function parseList(name: string, text: string, integer: boolean): number[] {
  const xs = text.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || (integer && !(Number.isInteger(x) && x >= 1)))) {
    throw new ConfigError(`--${name} must be a comma-separated list of ${integer ? 'positive integers' : 'numbers'}, got '${text}'`);
  }
  return xs;
}

function run<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError(e.message);
    throw e;
  }
}

export function labEstimatorsCommand(o: {
  seed: number;
  batches: number;
  batchSize: number;
  states: number;
  actions: number;
  horizon: number;
  mdp: string;
  timeDependent?: boolean;
  json?: string;
}): void {
  if (o.mdp !== 'random' && o.mdp !== 'riverswim') throw new ConfigError(`--mdp must be 'random' or 'riverswim', got '${o.mdp}'`);
  const mdp = run(() =>
    o.mdp === 'riverswim'
      ? riverSwim(Math.max(3, o.states), o.horizon)
      : randomMDP({ numStates: o.states, numActions: o.actions, horizon: o.horizon, seed: o.seed }),
  );
  const t0 = performance.now();
  const report = run(() => runEstimatorLab({ mdp, seed: o.seed, batchSize: o.batchSize, numBatches: o.batches, timeDependent: o.timeDependent ?? false }));
  process.stdout.write(formatLabReport(report) + `\n(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 1) + '\n');
}

export function labImportanceCommand(o: { seed: number; batches: number; batchSize: number; steps: string; horizons: string; json?: string }): void {
  const stepSizes = parseList('steps', o.steps, false);
  const horizons = parseList('horizons', o.horizons, true);
  const report = run(() => runImportanceLab({ seed: o.seed, batchSize: o.batchSize, numBatches: o.batches, stepSizes }));
  process.stdout.write(formatImportanceLabReport(report) + '\n\n');
  const rows = run(() => runEssVsHorizon({ horizons, seed: o.seed, batchSize: o.batchSize, numBatches: Math.max(2, Math.round(o.batches / 2)) }));
  process.stdout.write(formatEssVsHorizon(rows, `ESS of whole-trajectory weights against the horizon T (random MDP S=5 A=3, theta' = theta + 0.3 u)`) + '\n');
  if (o.json) writeFileSync(o.json, JSON.stringify({ importance: report, essVsHorizon: rows }, null, 1) + '\n');
}
