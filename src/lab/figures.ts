/**
 * The data behind the lab page's figures (src/web/lab): each function is one section's computation,
 * built from the lab's own estimators, so the page and `ascent lab ...` agree number for number.
 * Browser-safe: no Node imports (the page runs these in a Web Worker).
 */
import { Rng } from '../rng/index.ts';
import { BatchView, estimate, estimatorName, checkEstimatorSpec, type EstimatorSpec } from './estimators.ts';
import { solveExact } from './exact.ts';
import { ImportanceView } from './importance.ts';
import { randomMDP, riverSwim, twoStateMDP, type TabularMDP } from './mdp.ts';
import { policyLogProbs, randomPolicy, withTheta, type SoftmaxPolicy } from './policy.ts';
import { sampleBatch } from './sample.ts';
import { EstimateAccumulator, type EstimateStats } from './stats.ts';

/** The MDPs the page offers, built exactly as `ascent lab estimators --mdp ...` builds them. */
export interface LabMDPChoice {
  mdp: 'random' | 'riverswim';
  seed: number;
  states?: number;
  actions?: number;
  horizon?: number;
}

export function labMDP(c: LabMDPChoice): TabularMDP {
  if (c.mdp === 'riverswim') return riverSwim(Math.max(3, c.states ?? 5), c.horizon ?? 10);
  if (c.mdp !== 'random') throw new RangeError(`lab MDP must be 'random' or 'riverswim', got ${JSON.stringify(c.mdp)}`);
  return randomMDP({ numStates: c.states ?? 5, numActions: c.actions ?? 3, horizon: c.horizon ?? 10, seed: c.seed });
}

export interface ScatterOptions extends LabMDPChoice {
  estimator: EstimatorSpec;
  /** Trajectories per estimate (N). */
  batchSize: number;
  /** Estimates drawn (M). */
  draws: number;
}

export interface ScatterResult {
  name: string;
  /** Exact J and ||grad J||; the exact gradient sits at (||grad J||, 0) in the projection. */
  J: number;
  gradNorm: number;
  /** Each estimate projected on (e1, e2), interleaved x0, y0, x1, y1, ...: e1 = grad J / ||grad J||, e2 = the direction of largest spread orthogonal to e1. */
  points: Float64Array;
  /** The mean estimate, projected. */
  mean: [number, number];
  /** Fraction of the estimates' total variance that lies in the (e1, e2) plane. */
  planeVarianceFraction: number;
  stats: EstimateStats;
}

/**
 * Section 1: M independent score-function estimates from batches of N trajectories, projected to 2-D.
 * Batches come from Rng(seed, 101) with the default policy, as in runEstimatorLab, so `stats` equals
 * that estimator's row of `ascent lab estimators --batch-size N --batches M --seed s --json`.
 */
export function scoreFunctionScatter(o: ScatterOptions): ScatterResult {
  checkEstimatorSpec(o.estimator);
  const N = o.batchSize,
    M = o.draws;
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`scatter: batchSize must be an integer >= 2, got ${N}`);
  if (!Number.isInteger(M) || M < 2) throw new RangeError(`scatter: draws must be an integer >= 2, got ${M}`);
  if (o.estimator.population || o.estimator.previous) throw new RangeError('scatter: population and previous baselines are not offered here');
  const mdp = labMDP(o);
  const policy = randomPolicy(mdp, { seed: o.seed, scale: 1 });
  const exact = solveExact(mdp, policy);
  const d = policy.theta.length;
  const acc = new EstimateAccumulator(exact.grad);
  const all = new Float64Array(M * d);
  const rng = new Rng(o.seed, 101);
  for (let m = 0; m < M; m++) {
    const view = new BatchView(mdp, policy, exact.probs, exact.V, sampleBatch(mdp, policy, exact.probs, N, rng));
    const g = estimate(o.estimator, view, all.subarray(m * d, (m + 1) * d));
    acc.add(g);
  }
  const gradNorm = Math.sqrt(exact.grad.reduce((s, g) => s + g * g, 0)); // as runEstimatorLab reports it
  const e1 = Float64Array.from(exact.grad, (g) => g / (gradNorm || 1));
  // Residuals orthogonal to e1; their top principal direction (power iteration on the covariance) is e2.
  const mean = acc.mean;
  const resid = new Float64Array(M * d);
  for (let m = 0; m < M; m++) {
    const x = all.subarray(m * d, (m + 1) * d);
    let dot = 0;
    for (let k = 0; k < d; k++) dot += (x[k] - mean[k]) * e1[k];
    for (let k = 0; k < d; k++) resid[m * d + k] = x[k] - mean[k] - dot * e1[k];
  }
  let e2 = new Float64Array(d);
  const start = new Rng(o.seed, 404);
  for (let k = 0; k < d; k++) e2[k] = start.normal();
  for (let it = 0; it < 60; it++) {
    const next = new Float64Array(d);
    for (let m = 0; m < M; m++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += resid[m * d + k] * e2[k];
      for (let k = 0; k < d; k++) next[k] += dot * resid[m * d + k];
    }
    let dot1 = 0;
    for (let k = 0; k < d; k++) dot1 += next[k] * e1[k];
    for (let k = 0; k < d; k++) next[k] -= dot1 * e1[k];
    const n = Math.hypot(...next);
    if (!(n > 0)) break;
    e2 = Float64Array.from(next, (v) => v / n);
  }
  const points = new Float64Array(2 * M);
  let inPlane = 0;
  for (let m = 0; m < M; m++) {
    let x = 0,
      y = 0;
    for (let k = 0; k < d; k++) {
      x += all[m * d + k] * e1[k];
      y += all[m * d + k] * e2[k];
    }
    points[2 * m] = x;
    points[2 * m + 1] = y;
  }
  let mx = 0,
    my = 0;
  for (let k = 0; k < d; k++) {
    mx += mean[k] * e1[k];
    my += mean[k] * e2[k];
  }
  for (let m = 0; m < M; m++) inPlane += (points[2 * m] - mx) ** 2 + (points[2 * m + 1] - my) ** 2;
  const stats = acc.stats();
  return {
    name: estimatorName(o.estimator),
    J: exact.J,
    gradNorm,
    points,
    mean: [mx, my],
    planeVarianceFraction: inPlane / (M - 1) / stats.totalVariance,
    stats,
  };
}

/** The estimators of section 2: the lecture's sequence with leave-one-out baselines, and GAE at the chosen lambdas. */
export function comparisonEstimators(lambdas: number[]): EstimatorSpec[] {
  const specs: EstimatorSpec[] = [
    { returns: 'full' },
    { returns: 'full', baseline: 'mean', leaveOneOut: true },
    { returns: 'full', baseline: 'optimal', leaveOneOut: true },
    { returns: 'rewardToGo' },
    { returns: 'rewardToGo', baseline: 'mean', leaveOneOut: true },
    { returns: 'rewardToGo', baseline: 'value' },
  ];
  for (const l of [...new Set(lambdas)].sort((a, b) => a - b)) specs.push({ returns: 'gae', lambda: l });
  return specs;
}

export interface ImportanceWeightsResult {
  horizon: number;
  alpha: number;
  /** log10 of the whole-trajectory weights W_{H-1} (one per trajectory). */
  trajectory: Float64Array;
  /** log10 of the per-decision weights W_t (every step of every trajectory). */
  perDecision: Float64Array;
  /** log10 of the single-step ratios rho_t the first-order form uses. */
  firstOrder: Float64Array;
}

/**
 * Section 3's histograms: importance weights of n trajectories drawn under the default policy theta
 * of randomMDP({ seed, horizon }), for the target theta + alpha u (u as in runImportanceLab: random
 * normal from Rng(seed, 303), RMS 1 per logit).
 */
export function importanceWeightSample(o: { seed: number; horizon: number; alpha: number; trajectories: number }): ImportanceWeightsResult {
  const mdp = randomMDP({ seed: o.seed, horizon: o.horizon });
  const policy = randomPolicy(mdp, { seed: o.seed });
  const d = policy.theta.length;
  const dirRng = new Rng(o.seed, 303);
  const u = Float64Array.from({ length: d }, () => dirRng.normal());
  const rms = Math.sqrt(u.reduce((s, x) => s + x * x, 0) / d);
  const target = withTheta(
    policy,
    Float64Array.from(policy.theta, (x, k) => x + (o.alpha * u[k]) / rms),
  );
  const n = o.trajectories;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`importanceWeightSample: trajectories must be a positive integer, got ${n}`);
  const probs = solveExact(mdp, policy).probs;
  const batch = sampleBatch(mdp, policy, probs, n, new Rng(o.seed, 505));
  const targetLog = policyLogProbs(target);
  const view = new ImportanceView(mdp, target, Float64Array.from(targetLog, Math.exp), targetLog, policyLogProbs(policy), batch);
  const H = mdp.horizon;
  return {
    horizon: H,
    alpha: o.alpha,
    trajectory: Float64Array.from(view.logCumRatio.subarray((H - 1) * n), (x) => x / Math.LN10),
    perDecision: Float64Array.from(view.logCumRatio, (x) => x / Math.LN10),
    firstOrder: Float64Array.from(view.logRatio, (x) => x / Math.LN10),
  };
}

/**
 * Section 4's problem: twoStateMDP(horizon) with two parameters phi, each setting the logit of action
 * 1 in one state through a scale c: theta[s] = (0, c_s phi_s). A large c_1 / c_0 is a badly scaled
 * parameterisation of the same policies: J's contours are stretched, the vanilla gradient points
 * across them, the natural gradient does not care.
 */
export interface NaturalGradientOptions {
  /** c_0, c_1. */
  scales: [number, number];
  horizon?: number;
}

export interface NaturalPoint {
  phi: [number, number];
  J: number;
  /** dJ/dphi. */
  grad: [number, number];
  /** The trajectory Fisher in phi (diagonal here: one parameter per state): sum_t E_{d_t}[score score^T]. */
  fisher: [number, number];
  /** F^{-1} grad. */
  natural: [number, number];
}

export function twoParamProblem(o: NaturalGradientOptions): { mdp: TabularMDP; at(phi: [number, number]): NaturalPoint } {
  const [c0, c1] = o.scales;
  for (const c of o.scales)
    if (!(c > 0 && Number.isFinite(c))) throw new RangeError(`natural gradient: scales must be positive numbers, got ${o.scales.join(', ')}`);
  const mdp = twoStateMDP(o.horizon ?? 5);
  const base: SoftmaxPolicy = { numStates: 2, numActions: 2, horizon: mdp.horizon, timeDependent: false, theta: new Float64Array(4) };
  return {
    mdp,
    at(phi) {
      const pol = withTheta(base, Float64Array.from([0, c0 * phi[0], 0, c1 * phi[1]]));
      const ex = solveExact(mdp, pol);
      const c = [c0, c1];
      const grad: [number, number] = [0, 0],
        fisher: [number, number] = [0, 0];
      for (let s = 0; s < 2; s++) {
        // d theta[s,1] / d phi_s = c_s; the score of theta[s,1] is 1[a=1] - p, variance p(1-p).
        grad[s] = c[s] * ex.grad[2 * s + 1];
        const p = ex.probs[2 * s + 1];
        let visits = 0;
        for (let t = 0; t < mdp.horizon; t++) visits += ex.occupancy[t * 2 + s];
        fisher[s] = c[s] * c[s] * visits * p * (1 - p);
      }
      // Tiny damping: a saturated policy has F = g = 0 in that coordinate (0/0), where the step should be 0.
      const nat = (k: number) => grad[k] / (fisher[k] + 1e-12);
      return { phi, J: ex.J, grad, fisher, natural: [nat(0), nat(1)] };
    },
  };
}

export interface NaturalGradientResult {
  /** J on a grid over [lo, hi]^2: row-major, rows = phi_1. */
  grid: { lo: [number, number]; hi: [number, number]; n: number; J: Float64Array };
  start: NaturalPoint;
  /** Paths of ascent: vanilla phi += lr * grad, natural phi += sqrt(2 delta / g^T F^-1 g) F^-1 g (the KL-constrained step). */
  vanilla: NaturalPoint[];
  natural: NaturalPoint[];
  /** Max J over the grid's policies (this MDP's optimum is deterministic: at infinite logits, outside any window). */
  bestJ: number;
}

export function naturalGradientPaths(
  o: NaturalGradientOptions & { start: [number, number]; lr: number; delta: number; steps: number; gridN?: number; window?: [number, number] },
): NaturalGradientResult {
  const prob = twoParamProblem(o);
  if (!(o.lr > 0) || !(o.delta > 0)) throw new RangeError(`natural gradient: lr and delta must be positive, got ${o.lr}, ${o.delta}`);
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`natural gradient: steps must be an integer >= 0, got ${o.steps}`);
  const path = (step: (p: NaturalPoint) => [number, number]) => {
    const pts = [prob.at(o.start)];
    for (let k = 0; k < o.steps; k++) {
      const p = pts[pts.length - 1];
      const dlt = step(p);
      pts.push(prob.at([p.phi[0] + dlt[0], p.phi[1] + dlt[1]]));
    }
    return pts;
  };
  const vanilla = path((p) => [o.lr * p.grad[0], o.lr * p.grad[1]]);
  const natural = path((p) => {
    const q = p.grad[0] * p.natural[0] + p.grad[1] * p.natural[1];
    const s = q > 0 ? Math.sqrt((2 * o.delta) / q) : 0;
    return [s * p.natural[0], s * p.natural[1]];
  });
  // A fixed window (the paths may leave it: their end points are still reported).
  const lo: [number, number] = [o.window?.[0] ?? -4, o.window?.[0] ?? -4];
  const hi: [number, number] = [o.window?.[1] ?? 4, o.window?.[1] ?? 4];
  const n = o.gridN ?? 48;
  const J = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      J[i * n + j] = prob.at([lo[0] + ((hi[0] - lo[0]) * j) / (n - 1), lo[1] + ((hi[1] - lo[1]) * i) / (n - 1)]).J;
    }
  }
  return { grid: { lo, hi, n, J }, start: vanilla[0], vanilla, natural, bestJ: Math.max(...J) };
}
