/**
 * The importance-sampling part of the lab: (a) bias and variance of each importance-sampled estimator
 * as the target theta' = theta + alpha * u moves away from the sampling policy theta; (b) effective
 * sample size of the whole-trajectory weights against the horizon T.
 */
import { Rng } from '../rng/index.ts';
import { BatchView, estimate } from './estimators.ts';
import { solveExact } from './exact.ts';
import { IMPORTANCE_KINDS, IMPORTANCE_UNBIASED, ImportanceView, exactSecondMoment, weightDiagnostics, type ImportanceKind } from './importance.ts';
import { fmt, table } from './lab.ts';
import { randomMDP, type RandomMDPOptions, type TabularMDP } from './mdp.ts';
import { checkPolicy, policyLogProbs, randomPolicy, withTheta, type SoftmaxPolicy } from './policy.ts';
import { sampleBatch } from './sample.ts';
import { EstimateAccumulator, meanAndSE, type EstimateStats } from './stats.ts';

export interface ImportanceLabOptions {
  /** Default: randomMDP({ seed, horizon: 8 }). */
  mdp?: TabularMDP;
  /** The sampling (behaviour) policy theta. Default: randomPolicy(mdp, { seed }). */
  policy?: SoftmaxPolicy;
  /** Direction u of the move; rescaled so that its RMS entry is 1 (alpha = typical change of one logit). Default: random normal from seed. */
  direction?: Float64Array;
  /** alpha values. Default [0, 0.1, 0.25, 0.5, 1]. */
  stepSizes?: number[];
  batchSize?: number;
  numBatches?: number;
  seed?: number;
}

export interface ImportanceEstimatorResult extends EstimateStats {
  kind: ImportanceKind;
  unbiasedInTheory: boolean;
  /** totalVariance / total variance of on-policy reward-to-go sampled at theta' itself. */
  varianceVsOnPolicy: number;
}

export interface ImportanceStepResult {
  alpha: number;
  /** KL(pi_theta || pi_theta') averaged over the sampling policy's state visits (per step, summed over t). */
  klTrajectory: number;
  /** Exact J(theta') and ||grad J(theta')||. */
  J: number;
  gradNorm: number;
  /** Population ESS fraction 1 / E[W^2] (exact) and the sampled mean ESS / N and max/mean weight ratio. */
  exactEssFraction: number;
  essFraction: number;
  maxOverMean: number;
  /** Total variance of on-policy reward-to-go at theta' with the same N (the reference). */
  onPolicyVariance: number;
  estimators: ImportanceEstimatorResult[];
}

export interface ImportanceLabReport {
  mdp: { name: string; numStates: number; numActions: number; horizon: number; gamma: number };
  batchSize: number;
  numBatches: number;
  seed: number;
  steps: ImportanceStepResult[];
}

export function runImportanceLab(opts: ImportanceLabOptions = {}): ImportanceLabReport {
  const seed = opts.seed ?? 0;
  const mdp = opts.mdp ?? randomMDP({ seed, horizon: 8 });
  const policy = opts.policy ?? randomPolicy(mdp, { seed });
  checkPolicy(mdp, policy);
  const N = opts.batchSize ?? 16;
  const M = opts.numBatches ?? 1000;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`runImportanceLab: batchSize must be a positive integer, got ${N}`);
  if (!Number.isInteger(M) || M < 2) throw new RangeError(`runImportanceLab: numBatches must be an integer >= 2, got ${M}`);
  const u = unitRms(opts.direction ?? randomDirection(policy.theta.length, seed), policy.theta.length);
  const alphas = opts.stepSizes ?? [0, 0.1, 0.25, 0.5, 1];
  for (const a of alphas) if (!Number.isFinite(a)) throw new RangeError(`runImportanceLab: step sizes must be finite, got ${a}`);

  const behaviour = solveExact(mdp, policy);
  const behaviourLog = policyLogProbs(policy);
  const steps = alphas.map((alpha, j) => {
    const theta2 = Float64Array.from(policy.theta, (x, k) => x + alpha * u[k]);
    const target = withTheta(policy, theta2);
    const exact = solveExact(mdp, target);
    const targetLog = policyLogProbs(target);
    const accs = IMPORTANCE_KINDS.map(() => new EstimateAccumulator(exact.grad));
    const onPolicy = new EstimateAccumulator(exact.grad);
    const ess: number[] = [],
      ratio: number[] = [];
    // Same sampling seed for every alpha: the rows differ only by theta'.
    const rng = new Rng(seed, 202);
    const rngOn = new Rng(seed + 1000003 * (j + 1), 203);
    const buf = new Float64Array(theta2.length);
    for (let m = 0; m < M; m++) {
      const batch = sampleBatch(mdp, policy, behaviour.probs, N, rng);
      const view = new ImportanceView(mdp, target, exact.probs, targetLog, behaviourLog, batch);
      IMPORTANCE_KINDS.forEach((kind, e) => accs[e].add(view.estimate(kind, buf)));
      const d = weightDiagnostics(view.logCumRatio.subarray((mdp.horizon - 1) * N));
      ess.push(d.essFraction);
      ratio.push(d.maxOverMean);
      const own = new BatchView(mdp, target, exact.probs, exact.V, sampleBatch(mdp, target, exact.probs, N, rngOn));
      onPolicy.add(estimate({ returns: 'rewardToGo' }, own, buf));
    }
    const onVar = onPolicy.stats().totalVariance;
    return {
      alpha,
      klTrajectory: trajectoryKL(mdp, policy, behaviour.probs, behaviourLog, behaviour.occupancy, targetLog),
      J: exact.J,
      gradNorm: Math.sqrt(exact.grad.reduce((s, g) => s + g * g, 0)),
      exactEssFraction: 1 / exactSecondMoment(mdp, target, exact.probs, behaviour.probs),
      essFraction: meanAndSE(ess).mean,
      maxOverMean: meanAndSE(ratio).mean,
      onPolicyVariance: onVar,
      estimators: IMPORTANCE_KINDS.map((kind, e) => {
        const s = accs[e].stats();
        return { kind, unbiasedInTheory: IMPORTANCE_UNBIASED[kind], ...s, varianceVsOnPolicy: s.totalVariance / onVar };
      }),
    };
  });
  return {
    mdp: { name: mdp.name, numStates: mdp.numStates, numActions: mdp.numActions, horizon: mdp.horizon, gamma: mdp.gamma },
    batchSize: N,
    numBatches: M,
    seed,
    steps,
  };
}

export function formatImportanceLabReport(r: ImportanceLabReport): string {
  const lines = [
    `Importance-sampled gradients at theta' = theta + alpha * u (u random, RMS 1 per logit), samples from theta`,
    `${r.mdp.name}, gamma ${r.mdp.gamma}; N = ${r.batchSize} trajectories per batch, M = ${r.numBatches} batches, seed ${r.seed}`,
    `var/on = total variance / that of on-policy reward-to-go sampled at theta' (same N); ESS of whole-trajectory weights`,
    '',
  ];
  const cols = [
    'alpha',
    'KL(traj)',
    'ESS/N exact',
    'ESS/N',
    'max/mean w',
    'estimator',
    'unbiased',
    'bias/SE',
    'max|z|',
    'rel.bias',
    'total var',
    'var/on',
    'cos',
  ];
  // The estimator columns have the shape of lab.ts's table: other fields, one report each.
  const rows: string[][] = [];
  for (const s of r.steps) {
    s.estimators.forEach((e, j) =>
      rows.push([
        j === 0 ? fmt(s.alpha, 2) : '',
        j === 0 ? fmt(s.klTrajectory, 3) : '',
        j === 0 ? fmt(s.exactEssFraction, 3) : '',
        j === 0 ? fmt(s.essFraction, 3) : '',
        j === 0 ? fmt(s.maxOverMean, 2) : '',
        e.kind,
        e.unbiasedInTheory ? 'yes' : 'no',
        fmt(e.biasSE, 2),
        fmt(e.maxZ, 2),
        fmt(e.relativeBias, 3),
        fmt(e.totalVariance),
        fmt(e.varianceVsOnPolicy, 2),
        fmt(e.meanCosine, 3),
      ]),
    );
  }
  return lines.join('\n') + '\n' + table(cols, rows);
}

export interface EssHorizonOptions {
  horizons?: number[];
  /** Random MDP settings other than the horizon (same seed: same dynamics for every horizon). */
  mdp?: Omit<RandomMDPOptions, 'horizon'>;
  /** Move of theta' (RMS change per logit). Default 0.3. */
  alpha?: number;
  batchSize?: number;
  numBatches?: number;
  seed?: number;
}

export interface EssHorizonRow {
  horizon: number;
  /** 1 / E[W^2], exact. */
  exactEssFraction: number;
  /** Sampled mean ESS / N and mean max/mean weight ratio over batches. */
  essFraction: number;
  maxOverMean: number;
  /** Variance ratio (vs on-policy reward-to-go at theta') of the whole-trajectory and per-decision estimators. */
  trajectoryVarianceVsOnPolicy: number;
  perDecisionVarianceVsOnPolicy: number;
}

/** ESS of whole-trajectory importance weights against the horizon, with a fixed stationary policy move. */
export function runEssVsHorizon(opts: EssHorizonOptions = {}): EssHorizonRow[] {
  const seed = opts.seed ?? 0;
  const horizons = opts.horizons ?? [2, 5, 10, 20, 40];
  return horizons.map((H) => {
    const mdp = randomMDP({ ...opts.mdp, seed: opts.mdp?.seed ?? seed, horizon: H });
    const policy = randomPolicy(mdp, { seed }); // stationary: the same theta for every H
    const r = runImportanceLab({
      mdp,
      policy,
      stepSizes: [opts.alpha ?? 0.3],
      seed,
      batchSize: opts.batchSize ?? 16,
      numBatches: opts.numBatches ?? 500,
    });
    const s = r.steps[0];
    const est = (k: ImportanceKind) => s.estimators.find((e) => e.kind === k)!;
    return {
      horizon: H,
      exactEssFraction: s.exactEssFraction,
      essFraction: s.essFraction,
      maxOverMean: s.maxOverMean,
      trajectoryVarianceVsOnPolicy: est('trajectory').varianceVsOnPolicy,
      perDecisionVarianceVsOnPolicy: est('perDecision').varianceVsOnPolicy,
    };
  });
}

export function formatEssVsHorizon(rows: EssHorizonRow[], note = ''): string {
  const cols = ['T', 'ESS/N exact', 'ESS/N sampled', 'max/mean w', 'var/on trajectory', 'var/on perDecision'];
  return (
    (note ? note + '\n' : '') +
    table(
      cols,
      rows.map((r) => [
        String(r.horizon),
        fmt(r.exactEssFraction, 4),
        fmt(r.essFraction, 4),
        fmt(r.maxOverMean, 2),
        fmt(r.trajectoryVarianceVsOnPolicy, 2),
        fmt(r.perDecisionVarianceVsOnPolicy, 2),
      ]),
    )
  );
}

function randomDirection(d: number, seed: number): Float64Array {
  const rng = new Rng(seed, 303);
  return Float64Array.from({ length: d }, () => rng.normal());
}

function unitRms(u: Float64Array, d: number): Float64Array {
  if (u.length !== d) throw new RangeError(`runImportanceLab: direction must have length ${d}, got ${u.length}`);
  let ss = 0;
  for (const x of u) ss += x * x;
  if (!(ss > 0) || !Number.isFinite(ss)) throw new RangeError('runImportanceLab: direction must be finite and not all zero');
  const scale = Math.sqrt(d / ss);
  return Float64Array.from(u, (x) => x * scale);
}

/** KL(p_theta(tau) || p_theta'(tau)) = sum_t E_{d_t}[KL(pi_t(.|s) || pi'_t(.|s))]: the dynamics cancel. */
function trajectoryKL(mdp: TabularMDP, policy: SoftmaxPolicy, probs: Float64Array, logP: Float64Array, occupancy: Float64Array, logQ: Float64Array): number {
  const { numStates: S, numActions: A, horizon: H } = mdp;
  let kl = 0;
  for (let t = 0; t < H; t++) {
    for (let s = 0; s < S; s++) {
      const off = policy.timeDependent ? (t * S + s) * A : s * A;
      let k = 0;
      for (let a = 0; a < A; a++) k += probs[off + a] * (logP[off + a] - logQ[off + a]);
      kl += occupancy[t * S + s] * k;
    }
  }
  return kl;
}
