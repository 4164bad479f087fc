/**
 * The estimator lab: many independent batches of trajectories from one tabular MDP and policy; every
 * estimator sees the same batches (common random numbers, so variance ratios are sharp); each is
 * compared with the exact gradient from dynamic programming.
 */
import { Rng } from '../rng/index.ts';
import { BatchView, checkEstimatorSpec, estimate, estimatorName, populationBaselines, unbiasedInTheory, type EstimatorSpec } from './estimators.ts';
import { solveExact } from './exact.ts';
import { randomMDP, type TabularMDP } from './mdp.ts';
import { checkPolicy, randomPolicy, type SoftmaxPolicy } from './policy.ts';
import { sampleBatch } from './sample.ts';
import { OptimalBaseline } from '../rollout/baselines.ts';
import { EstimateAccumulator, pairedDifference, type EstimateStats } from './stats.ts';

/** The lecture's sequence: whole return, causality, baselines, the exact value, GAE. */
export const DEFAULT_ESTIMATORS: EstimatorSpec[] = [
  { returns: 'full' },
  { returns: 'full', baseline: 'mean' },
  { returns: 'full', baseline: 'mean', leaveOneOut: true },
  { returns: 'full', baseline: 'mean', population: true },
  { returns: 'full', baseline: 'mean', previous: true },
  { returns: 'full', baseline: 'optimal' },
  { returns: 'full', baseline: 'optimal', leaveOneOut: true },
  { returns: 'full', baseline: 'optimal', population: true },
  { returns: 'full', baseline: 'optimal', previous: true },
  { returns: 'rewardToGo' },
  { returns: 'rewardToGo', baseline: 'mean' },
  { returns: 'rewardToGo', baseline: 'mean', leaveOneOut: true },
  { returns: 'rewardToGo', baseline: 'mean', population: true },
  { returns: 'rewardToGo', baseline: 'value' },
  { returns: 'gae', lambda: 0 },
  { returns: 'gae', lambda: 0.5 },
  { returns: 'gae', lambda: 0.95 },
];

export interface LabOptions {
  /** Default: randomMDP({ seed }) (5 states, 3 actions, horizon 10). */
  mdp?: TabularMDP;
  /** Default: randomPolicy(mdp, { seed, scale: 1, timeDependent }). */
  policy?: SoftmaxPolicy;
  /** For the default policy: one logit table per step (theta[t,s,a]) instead of theta[s,a]. Default false. */
  timeDependent?: boolean;
  /** Trajectories per batch (N). Default 16. */
  batchSize?: number;
  /** Independent batches (M). Default 1000. */
  numBatches?: number;
  seed?: number;
  estimators?: EstimatorSpec[];
  /** Independent trajectories for the population optimal baseline (only drawn when an estimator needs it). Default 20000. */
  pilotTrajectories?: number;
}

export interface EstimatorResult extends EstimateStats {
  name: string;
  spec: EstimatorSpec;
  unbiasedInTheory: boolean;
  /** totalVariance / totalVariance of plain `full` REINFORCE (NaN if `full` is not in the run). */
  varianceRatio: number;
}

export interface LabReport {
  mdp: { name: string; numStates: number; numActions: number; horizon: number; gamma: number; rewardNoise: number };
  policy: { timeDependent: boolean; numParams: number };
  batchSize: number;
  numBatches: number;
  seed: number;
  /** Trajectories of the independent pilot sample for the population optimal baseline (0: none drawn). */
  pilotTrajectories: number;
  exact: { J: number; gradNorm: number };
  estimators: EstimatorResult[];
  /** Per-batch ||estimate - exact||^2 by estimator name, for paired comparisons (not enumerable: left out of JSON). */
  readonly squaredErrors: Record<string, number[]>;
}

export function runEstimatorLab(opts: LabOptions = {}): LabReport {
  const seed = opts.seed ?? 0;
  const mdp = opts.mdp ?? randomMDP({ seed });
  const policy = opts.policy ?? randomPolicy(mdp, { seed, scale: 1, timeDependent: opts.timeDependent ?? false });
  checkPolicy(mdp, policy);
  const N = opts.batchSize ?? 16;
  const M = opts.numBatches ?? 1000;
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`runEstimatorLab: batchSize must be an integer >= 2, got ${N}`);
  if (!Number.isInteger(M) || M < 2) throw new RangeError(`runEstimatorLab: numBatches must be an integer >= 2, got ${M}`);
  const specs = opts.estimators ?? DEFAULT_ESTIMATORS;
  if (specs.length === 0) throw new RangeError('runEstimatorLab: estimators is empty');
  specs.forEach(checkEstimatorSpec);
  const names = specs.map(estimatorName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new RangeError(`runEstimatorLab: estimator ${dup} is listed twice`);

  const exact = solveExact(mdp, policy);
  const needPilot = specs.some((s) => s.population && s.baseline === 'optimal');
  const pilot = opts.pilotTrajectories ?? 20000;
  if (needPilot && !(Number.isInteger(pilot) && pilot > 0)) {
    throw new RangeError(`runEstimatorLab: pilotTrajectories must be a positive integer, got ${pilot}`);
  }
  const population = populationBaselines(mdp, policy, exact, needPilot ? pilot : 0, new Rng(seed, 102));
  const accs = specs.map(() => new EstimateAccumulator(exact.grad));
  const rng = new Rng(seed, 101);
  const buf = new Float64Array(policy.theta.length);
  // One earlier-batch estimate per `previous` estimator, updated after each batch as REINFORCE does.
  const previous = specs.map((s) => (s.previous ? new OptimalBaseline(policy.theta.length) : undefined));
  for (let m = 0; m < M; m++) {
    const view = new BatchView(mdp, policy, exact.probs, exact.V, sampleBatch(mdp, policy, exact.probs, N, rng), population);
    for (let e = 0; e < specs.length; e++) {
      accs[e].add(estimate(specs[e], view, buf, previous[e]));
      previous[e]?.add(view.trajectoryScores(), view.fullReturns());
    }
  }

  const stats = accs.map((a) => a.stats());
  const fullIdx = specs.findIndex((s) => s.returns === 'full' && (s.baseline ?? 'none') === 'none');
  const fullVar = fullIdx >= 0 ? stats[fullIdx].totalVariance : NaN;
  const report: LabReport = {
    mdp: { name: mdp.name, numStates: mdp.numStates, numActions: mdp.numActions, horizon: mdp.horizon, gamma: mdp.gamma, rewardNoise: mdp.rewardNoise },
    policy: { timeDependent: policy.timeDependent, numParams: policy.theta.length },
    batchSize: N,
    numBatches: M,
    seed,
    pilotTrajectories: needPilot ? pilot : 0,
    exact: { J: exact.J, gradNorm: Math.sqrt(exact.grad.reduce((s, g) => s + g * g, 0)) },
    estimators: specs.map((spec, e) => ({
      name: names[e],
      spec,
      unbiasedInTheory: unbiasedInTheory(spec),
      ...stats[e],
      varianceRatio: stats[e].totalVariance / fullVar,
    })),
    squaredErrors: {},
  };
  const sq: Record<string, number[]> = {};
  names.forEach((n, e) => (sq[n] = accs[e].squaredErrors));
  Object.defineProperty(report, 'squaredErrors', { value: sq, enumerable: false });
  return report;
}

/**
 * Paired comparison of two estimators' mean squared error on the same batches: mean of
 * (||g_a - exact||^2 - ||g_b - exact||^2) and its standard error. For unbiased estimators the MSE is
 * the total variance, so a negative mean several SEs from 0 says a has lower variance than b.
 */
export function compareEstimators(report: LabReport, a: string, b: string): { mean: number; se: number } {
  const sa = report.squaredErrors[a],
    sb = report.squaredErrors[b];
  if (!sa || !sb) throw new RangeError(`compareEstimators: unknown estimator ${!sa ? a : b}; have ${Object.keys(report.squaredErrors).join(', ')}`);
  return pairedDifference(sa, sb);
}

/** The report as a fixed-width text table. */
export function formatLabReport(r: LabReport): string {
  const head = [
    `Estimator lab: ${r.mdp.name}, gamma ${r.mdp.gamma}, reward noise ${r.mdp.rewardNoise}; ` +
      `${r.policy.timeDependent ? 'time-dependent' : 'stationary'} softmax policy, ${r.policy.numParams} parameters`,
    `N = ${r.batchSize} trajectories per batch, M = ${r.numBatches} batches, seed ${r.seed}` +
      `${r.pilotTrajectories ? `, optimal(pop) from ${r.pilotTrajectories} pilot trajectories` : ''}; exact J = ${fmt(r.exact.J)}, ||grad J|| = ${fmt(r.exact.gradNorm)}`,
    `bias/SE = ||mean - exact|| / sqrt(tr Cov / M) (about 1 when unbiased); max|z| over coordinates; var = tr Cov of one batch estimate`,
    `baselines: plain = from the batch itself; LOO = leave-one-out (unbiased); pop = population value, fixed across batches; ` +
      `prev = from the previous batches (as REINFORCE; unbiased)`,
  ];
  const cols = ['estimator', 'unbiased', 'bias/SE', 'max|z|', 'rel.bias', 'total var', 'var/full', 'MSE', 'cos'];
  const rows = r.estimators.map((e) => [
    e.name,
    e.unbiasedInTheory ? 'yes' : 'no',
    fmt(e.biasSE, 2),
    fmt(e.maxZ, 2),
    fmt(e.relativeBias, 3),
    fmt(e.totalVariance),
    fmt(e.varianceRatio, 3),
    fmt(e.mse),
    fmt(e.meanCosine, 3),
  ]);
  return [...head, '', table(cols, rows)].join('\n');
}

/** A plain left/right-aligned text table. */
export function table(cols: string[], rows: string[][]): string {
  const widths = cols.map((c, j) => Math.max(c.length, ...rows.map((row) => row[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return x.toFixed(digits);
}
