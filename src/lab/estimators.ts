/**
 * Score-function (REINFORCE) gradient estimators over a batch of N whole trajectories:
 *   g = (1/N) sum_i sum_t grad log pi(a_it | s_it) * w_it
 * with the weight w chosen by the estimator (Williams 1992; Levine's CS285 lecture 5; GAE from
 * Schulman et al. 2016). With gamma < 1 each weight carries gamma^t so that the estimate is unbiased
 * for J = E[sum_t gamma^t r_t].
 */
import { episodeReturns, gae, rewardToGo, type RolloutSteps } from '../rollout/returns.ts';
import type { TabularMDP } from './mdp.ts';
import { addScore, rowOffset, type SoftmaxPolicy } from './policy.ts';
import type { Rng } from '../rng/index.ts';
import { sampleBatch, type TrajectoryBatch } from './sample.ts';
import type { OptimalBaseline } from '../rollout/baselines.ts';

export type ReturnKind = 'full' | 'rewardToGo' | 'gae';
export type BaselineKind = 'none' | 'mean' | 'optimal' | 'value';

export interface EstimatorSpec {
  /** full: r(tau) on every step; rewardToGo: Q-hat(t); gae: GAE(lambda) advantages from the exact V. */
  returns: ReturnKind;
  /**
   * none; mean: batch average of the return (per step t for rewardToGo); optimal: per-parameter
   * b_k = E[g_k^2 r] / E[g_k^2] from per-trajectory score sums g (full only); value: the exact V_t(s_t)
   * (rewardToGo only). gae ignores this (its baseline is V).
   */
  baseline?: BaselineKind;
  /** mean / optimal: compute trajectory i's baseline without trajectory i, which makes them unbiased. */
  leaveOneOut?: boolean;
  /**
   * mean / optimal: use the population baseline, fixed across batches (mean: E[r(tau)] = J, or
   * E[gamma^t Q-hat_t] per step, both exact; optimal: b_k from an independent pilot sample). Unbiased,
   * and the quantity the theory's variance comparison is about; an algorithm can only approximate it.
   */
  population?: boolean;
  /**
   * mean / optimal with returns 'full': estimate the baseline from the previous batches only (the
   * running estimate REINFORCE uses: rollout/baselines.ts, exponentially weighted; none before the
   * first batch). Independent of the batch, so unbiased; estimated from many more trajectories than
   * leave-one-out, so it keeps the variance the baseline is meant to remove.
   */
  previous?: boolean;
  /** gae: lambda in [0, 1]. */
  lambda?: number;
}

export function estimatorName(spec: EstimatorSpec): string {
  if (spec.returns === 'gae') return `gae(${spec.lambda})`;
  const b = spec.baseline ?? 'none';
  if (b === 'none') return spec.returns;
  return `${spec.returns}+${b}${spec.leaveOneOut ? '(LOO)' : spec.population ? '(pop)' : spec.previous ? '(prev)' : ''}`;
}

/** Whether theory says the estimator is unbiased (batch-estimated baselines are not, unless leave-one-out). */
export function unbiasedInTheory(spec: EstimatorSpec): boolean {
  const b = spec.baseline ?? 'none';
  return spec.returns === 'gae' || !((b === 'mean' || b === 'optimal') && !spec.leaveOneOut && !spec.population && !spec.previous);
}

export function checkEstimatorSpec(spec: EstimatorSpec): void {
  const b = spec.baseline ?? 'none';
  if (spec.returns !== 'full' && spec.returns !== 'rewardToGo' && spec.returns !== 'gae') {
    throw new RangeError(`estimator: returns must be 'full', 'rewardToGo' or 'gae', got ${JSON.stringify(spec.returns)}`);
  }
  if (!['none', 'mean', 'optimal', 'value'].includes(b)) {
    throw new RangeError(`estimator: baseline must be 'none', 'mean', 'optimal' or 'value', got ${JSON.stringify(b)}`);
  }
  if (spec.returns === 'gae') {
    if (!(typeof spec.lambda === 'number' && spec.lambda >= 0 && spec.lambda <= 1)) {
      throw new RangeError(`estimator gae: lambda must be a number in [0, 1], got ${spec.lambda}`);
    }
    if (b !== 'none') throw new RangeError(`estimator gae: baseline must be omitted (GAE uses the exact V), got '${b}'`);
  }
  if ((spec.leaveOneOut || spec.population || spec.previous) && b !== 'mean' && b !== 'optimal') {
    throw new RangeError(`estimator: leaveOneOut, population and previous apply to baselines 'mean' and 'optimal' only, got baseline '${b}'`);
  }
  if ([spec.leaveOneOut, spec.population, spec.previous].filter(Boolean).length > 1) {
    throw new RangeError(`estimator: choose one of leaveOneOut, population and previous for baseline '${b}', not more`);
  }
  if (spec.previous && spec.returns !== 'full') {
    throw new RangeError(`estimator: previous applies to returns 'full' only, got returns '${spec.returns}'`);
  }
  if (b === 'optimal' && spec.returns !== 'full') {
    throw new RangeError(`estimator: baseline 'optimal' is defined for returns 'full' only, got returns '${spec.returns}'`);
  }
  if (b === 'value' && spec.returns !== 'rewardToGo') {
    throw new RangeError(`estimator: baseline 'value' is defined for returns 'rewardToGo' only (use 'gae' for GAE), got '${spec.returns}'`);
  }
}

/** Baselines that do not depend on the batch (see EstimatorSpec.population). */
export interface PopulationBaselines {
  /** E[r(tau)] = J. */
  meanReturn: number;
  /** E[gamma^t Q-hat_t] per step t, length H. */
  meanRewardToGo: Float64Array;
  /** Per-parameter b_k = E[g_k^2 r] / E[g_k^2], length d (from an independent sample). */
  optimal?: Float64Array;
}

/** Per-batch quantities shared by all estimators, computed once and cached. */
export class BatchView {
  readonly N: number;
  readonly H: number;
  readonly d: number;
  readonly steps: RolloutSteps;
  private cache = new Map<string, Float64Array>();

  constructor(
    readonly mdp: TabularMDP,
    readonly policy: SoftmaxPolicy,
    readonly probs: Float64Array,
    /** Exact V_t(s) at t * S + s (t = 0 .. H), used by the value baseline and GAE. */
    readonly V: Float64Array,
    readonly batch: TrajectoryBatch,
    readonly population?: PopulationBaselines,
  ) {
    this.N = batch.N;
    this.H = batch.H;
    this.d = policy.theta.length;
    // The horizon is part of the MDP: every trajectory terminates after step H-1.
    const terminated = new Uint8Array(this.H * this.N);
    terminated.fill(1, (this.H - 1) * this.N);
    this.steps = { rewards: batch.rewards, terminated, truncated: new Uint8Array(this.H * this.N), numEnvs: this.N };
  }

  private memo(key: string, f: () => Float64Array): Float64Array {
    let v = this.cache.get(key);
    if (!v) this.cache.set(key, (v = f()));
    return v;
  }

  /** r(tau_i) = sum_t gamma^t r_it, length N. */
  fullReturns(): Float64Array {
    return this.memo('full', () => episodeReturns(this.steps, this.mdp.gamma).returns.slice(0, this.N));
  }

  /** gamma^t Q-hat_it, [H, N]. */
  discountedRewardToGo(): Float64Array {
    return this.memo('rtg', () => discountWeights(rewardToGo(this.steps, this.mdp.gamma), this.N, this.mdp.gamma));
  }

  /** V_t(s_it), [H, N]. */
  values(): Float64Array {
    return this.memo('values', () => {
      const { N, H } = this;
      const S = this.mdp.numStates;
      const out = new Float64Array(H * N);
      for (let t = 0; t < H; t++) for (let i = 0; i < N; i++) out[t * N + i] = this.V[t * S + this.batch.states[t * N + i]];
      return out;
    });
  }

  /** gamma^t A^GAE(lambda)_it, [H, N]. */
  discountedGae(lambda: number): Float64Array {
    return this.memo(`gae${lambda}`, () =>
      discountWeights(gae(this.steps, this.values(), { gamma: this.mdp.gamma, lambda }).advantages, this.N, this.mdp.gamma),
    );
  }

  /** Per-trajectory score sums g_i = sum_t grad log pi(a_it|s_it), [N, d]. */
  trajectoryScores(): Float64Array {
    return this.memo('scores', () => {
      const { N, H, d } = this;
      const g = new Float64Array(N * d);
      for (let i = 0; i < N; i++) {
        const gi = g.subarray(i * d, (i + 1) * d);
        for (let t = 0; t < H; t++) this.addStep(gi, t, i, 1);
      }
      return g;
    });
  }

  /** out += w * grad log pi(a_it | s_it). */
  addStep(out: Float64Array, t: number, i: number, w: number): void {
    const k = t * this.N + i;
    addScore(out, this.probs, rowOffset(this.policy, t, this.batch.states[k]), this.batch.actions[k], w, this.mdp.numActions);
  }

  /** out = (1/N) sum_{t,i} w[t*N+i] * score_it. */
  weightedScore(w: Float64Array, out: Float64Array): Float64Array {
    out.fill(0);
    for (let t = 0; t < this.H; t++) for (let i = 0; i < this.N; i++) this.addStep(out, t, i, w[t * this.N + i] / this.N);
    return out;
  }
}

function discountWeights(x: Float64Array, N: number, gamma: number): Float64Array {
  if (gamma === 1) return x;
  let disc = 1;
  for (let t = 0; t * N < x.length; t++, disc *= gamma) for (let i = 0; i < N; i++) x[t * N + i] *= disc;
  return x;
}

/**
 * The gradient estimate of `spec` on one batch, written to `out` (length d). A `previous` spec reads
 * its baseline from `previous` (the earlier batches); the caller adds the batch to it afterwards
 * (see runEstimatorLab).
 */
export function estimate(spec: EstimatorSpec, view: BatchView, out = new Float64Array(view.d), previous?: OptimalBaseline): Float64Array {
  checkEstimatorSpec(spec);
  const { N, H } = view;
  const b = spec.baseline ?? 'none';
  const loo = !!spec.leaveOneOut;
  if (loo && N < 2) throw new RangeError(`estimator ${estimatorName(spec)}: leave-one-out needs N >= 2 trajectories per batch, got ${N}`);
  const pop = spec.population ? view.population : undefined;
  if (spec.population && !(pop && (b !== 'optimal' || pop.optimal))) {
    throw new Error(`estimator ${estimatorName(spec)}: the BatchView was built without population baselines${b === 'optimal' ? ' (optimal)' : ''}`);
  }
  if (spec.previous && !previous) throw new Error(`estimator ${estimatorName(spec)}: no earlier-batch estimate was given`);
  const w = new Float64Array(H * N);
  if (spec.returns === 'gae') return view.weightedScore(view.discountedGae(spec.lambda!), out);
  if (spec.returns === 'full') {
    const R = view.fullReturns();
    if (b === 'optimal') {
      if (spec.previous) return fixedBaseline(view, R, previous!.baseline(), out);
      return pop ? fixedBaseline(view, R, pop.optimal!, out) : optimalBaseline(view, R, loo, out);
    }
    let sum = 0;
    for (let i = 0; i < N; i++) sum += R[i];
    for (let i = 0; i < N; i++) {
      const base = b !== 'mean' ? 0 : pop ? pop.meanReturn : spec.previous ? previous!.meanReturn() : loo ? (sum - R[i]) / (N - 1) : sum / N;
      for (let t = 0; t < H; t++) w[t * N + i] = R[i] - base;
    }
    return view.weightedScore(w, out);
  }
  // rewardToGo
  const G = view.discountedRewardToGo();
  const V = b === 'value' ? view.values() : null;
  let disc = 1;
  for (let t = 0; t < H; t++, disc *= view.mdp.gamma) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += G[t * N + i];
    for (let i = 0; i < N; i++) {
      const k = t * N + i;
      let base = 0;
      if (b === 'mean') base = pop ? pop.meanRewardToGo[t] : loo ? (sum - G[k]) / (N - 1) : sum / N;
      else if (V) base = disc * V[k];
      w[k] = G[k] - base;
    }
  }
  return view.weightedScore(w, out);
}

/**
 * Per-parameter variance-minimising constant baseline (CS285 lecture 5; Greensmith et al. 2004):
 * b_k = sum_i g_ik^2 R_i / sum_i g_ik^2, then grad_k = (1/N) sum_i g_ik (R_i - b_k).
 */
function optimalBaseline(view: BatchView, R: Float64Array, loo: boolean, out: Float64Array): Float64Array {
  const { N, d } = view;
  const g = view.trajectoryScores();
  const num = new Float64Array(d);
  const den = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < d; k++) {
      const g2 = g[i * d + k] * g[i * d + k];
      num[k] += g2 * R[i];
      den[k] += g2;
    }
  }
  out.fill(0);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < d; k++) {
      const gik = g[i * d + k];
      if (gik === 0) continue;
      let bk: number;
      if (loo) {
        const g2 = gik * gik;
        const dd = den[k] - g2;
        // Cancellation guard: when only trajectory i touched k, dd is rounding noise, not a sum.
        bk = dd > 1e-12 * den[k] ? (num[k] - g2 * R[i]) / dd : 0;
      } else {
        bk = num[k] / den[k];
      }
      out[k] += (gik * (R[i] - bk)) / N;
    }
  }
  return out;
}

/** grad_k = (1/N) sum_i g_ik (R_i - b_k) with a fixed per-parameter baseline b. */
function fixedBaseline(view: BatchView, R: Float64Array, b: Float64Array, out: Float64Array): Float64Array {
  const { N, d } = view;
  const g = view.trajectoryScores();
  out.fill(0);
  for (let i = 0; i < N; i++) for (let k = 0; k < d; k++) out[k] += (g[i * d + k] * (R[i] - b[k])) / N;
  return out;
}

/**
 * Population baselines: the mean ones exactly from the DP solution (E[gamma^t Q-hat_t] =
 * gamma^t sum_s d_t(s) V_t(s)), the optimal one from `pilotTrajectories` independent trajectories
 * (in chunks, so memory stays O(chunk * d)).
 */
export function populationBaselines(
  mdp: TabularMDP,
  policy: SoftmaxPolicy,
  exact: { J: number; V: Float64Array; occupancy: Float64Array; probs: Float64Array },
  pilotTrajectories: number,
  rng: Rng,
): PopulationBaselines {
  const { numStates: S, horizon: H, gamma } = mdp;
  const meanRewardToGo = new Float64Array(H);
  for (let t = 0, disc = 1; t < H; t++, disc *= gamma) {
    let e = 0;
    for (let s = 0; s < S; s++) e += exact.occupancy[t * S + s] * exact.V[t * S + s];
    meanRewardToGo[t] = disc * e;
  }
  if (!(pilotTrajectories > 0)) return { meanReturn: exact.J, meanRewardToGo };
  const d = policy.theta.length;
  const num = new Float64Array(d),
    den = new Float64Array(d);
  for (let done = 0; done < pilotTrajectories; ) {
    const n = Math.min(1000, pilotTrajectories - done);
    const view = new BatchView(mdp, policy, exact.probs, exact.V, sampleBatch(mdp, policy, exact.probs, n, rng));
    const g = view.trajectoryScores();
    const R = view.fullReturns();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) {
        const g2 = g[i * d + k] * g[i * d + k];
        num[k] += g2 * R[i];
        den[k] += g2;
      }
    }
    done += n;
  }
  // A parameter the pilot never moved has g_k = 0 on (almost) every trajectory: any b works; use J.
  const optimal = Float64Array.from(num, (x, k) => (den[k] > 0 ? x / den[k] : exact.J));
  return { meanReturn: exact.J, meanRewardToGo, optimal };
}
