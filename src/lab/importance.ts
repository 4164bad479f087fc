/**
 * Importance-sampled policy gradients: the gradient at theta' from trajectories sampled under theta
 * (CS285 lecture 5, "off-policy policy gradient"; Precup et al. 2000 for the per-decision form).
 * With ratios rho_t = pi'(a_t|s_t) / pi(a_t|s_t) and W_t = prod_{t'' <= t} rho_t'' (products taken as
 * sums of log-ratios, exponentiated once), and score' = grad log pi'(a_t|s_t):
 *   trajectory          (1/N) sum_i W_{H-1} (sum_t score'_t) (sum_t gamma^t r_t)                  unbiased
 *   perDecision         (1/N) sum_i sum_t score'_t sum_{t' >= t} gamma^t' r_t' W_t'               unbiased
 *   perDecisionNoFuture (1/N) sum_i sum_t score'_t W_t sum_{t' >= t} gamma^t' r_t'                biased
 *   firstOrder          (1/N) sum_i sum_t score'_t rho_t sum_{t' >= t} gamma^t' r_t'              biased
 * The last drops the state-marginal ratio; its bias grows with ||theta' - theta|| (the basis of
 * TRPO/PPO's surrogate). At theta' = theta they reduce to `full` and `rewardToGo`.
 */
import type { TabularMDP } from './mdp.ts';
import { addScore, rowOffset, type SoftmaxPolicy } from './policy.ts';
import type { TrajectoryBatch } from './sample.ts';

export type ImportanceKind = 'trajectory' | 'perDecision' | 'perDecisionNoFuture' | 'firstOrder';
export const IMPORTANCE_KINDS: ImportanceKind[] = ['trajectory', 'perDecision', 'perDecisionNoFuture', 'firstOrder'];
export const IMPORTANCE_UNBIASED: Record<ImportanceKind, boolean> = {
  trajectory: true,
  perDecision: true,
  perDecisionNoFuture: false,
  firstOrder: false,
};

/** Per-batch log-ratios and the pieces every importance-sampled estimator needs. */
export class ImportanceView {
  readonly N: number;
  readonly H: number;
  /** log rho_t at t * N + i. */
  readonly logRatio: Float64Array;
  /** log W_t = sum_{t'' <= t} log rho_t'' at t * N + i. */
  readonly logCumRatio: Float64Array;

  constructor(
    readonly mdp: TabularMDP,
    /** The target policy theta' (its shape also gives the row layout of both tables). */
    readonly target: SoftmaxPolicy,
    /** pi' table (policyProbs of target). */
    readonly targetProbs: Float64Array,
    readonly targetLogProbs: Float64Array,
    /** log pi of the behaviour policy, same layout. */
    readonly behaviourLogProbs: Float64Array,
    readonly batch: TrajectoryBatch,
  ) {
    const { N, H, states, actions } = batch;
    this.N = N;
    this.H = H;
    this.logRatio = new Float64Array(H * N);
    this.logCumRatio = new Float64Array(H * N);
    for (let i = 0; i < N; i++) {
      let cum = 0;
      for (let t = 0; t < H; t++) {
        const k = t * N + i;
        const j = rowOffset(target, t, states[k]) + actions[k];
        const lr = targetLogProbs[j] - behaviourLogProbs[j];
        this.logRatio[k] = lr;
        this.logCumRatio[k] = cum += lr;
      }
    }
  }

  /** Whole-trajectory weights W_{H-1, i}, length N. */
  trajectoryWeights(): Float64Array {
    const w = new Float64Array(this.N);
    for (let i = 0; i < this.N; i++) w[i] = Math.exp(this.logCumRatio[(this.H - 1) * this.N + i]);
    return w;
  }

  /** The estimate of `kind` at theta', written to `out`. */
  estimate(kind: ImportanceKind, out = new Float64Array(this.target.theta.length)): Float64Array {
    const { N, H, logRatio, logCumRatio } = this;
    const { rewards, states, actions } = this.batch;
    const gamma = this.mdp.gamma;
    const A = this.mdp.numActions;
    out.fill(0);
    const w = new Float64Array(H); // per-step weight of trajectory i
    const disc = new Float64Array(H);
    for (let t = 0, d = 1; t < H; t++, d *= gamma) disc[t] = d;
    for (let i = 0; i < N; i++) {
      if (kind === 'trajectory') {
        let R = 0;
        for (let t = 0; t < H; t++) R += disc[t] * rewards[t * N + i];
        w.fill(Math.exp(logCumRatio[(H - 1) * N + i]) * R);
      } else {
        // Backward over t: tail = sum_{t' >= t} gamma^t' r_t' (times W_t' for perDecision).
        let tail = 0;
        for (let t = H - 1; t >= 0; t--) {
          const k = t * N + i;
          if (kind === 'perDecision') {
            tail += disc[t] * rewards[k] * Math.exp(logCumRatio[k]);
            w[t] = tail;
          } else {
            tail += disc[t] * rewards[k];
            w[t] = tail * Math.exp(kind === 'firstOrder' ? logRatio[k] : logCumRatio[k]);
          }
        }
      }
      for (let t = 0; t < H; t++) {
        const k = t * N + i;
        addScore(out, this.targetProbs, rowOffset(this.target, t, states[k]), actions[k], w[t] / N, A);
      }
    }
    return out;
  }
}

// The ESS diagnostics live with the rollout estimators (offpolicy-pg uses them too).
export { weightDiagnostics, type WeightDiagnostics } from '../rollout/importance.ts';

/**
 * Exact E_theta[W_{H-1}^2] by dynamic programming over the state marginal:
 * m_0 = rho_0; m_{t+1}(s') = sum_{s,a} m_t(s) pi'(a|s)^2 / pi(a|s) P(s'|s,a). Then N / E[W^2] is the
 * population effective sample size, which decays geometrically with the horizon.
 */
export function exactSecondMoment(mdp: TabularMDP, target: SoftmaxPolicy, targetProbs: Float64Array, behaviourProbs: Float64Array): number {
  const { numStates: S, numActions: A, horizon: H, transitions: P } = mdp;
  let m = Float64Array.from(mdp.initial);
  let total = 0;
  for (let t = 0; t < H; t++) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      if (m[s] === 0) continue;
      const off = rowOffset(target, t, s);
      for (let a = 0; a < A; a++) {
        const b = behaviourProbs[off + a];
        if (b === 0) continue;
        const w = (m[s] * targetProbs[off + a] * targetProbs[off + a]) / b;
        if (t === H - 1) total += w;
        else for (let s2 = 0; s2 < S; s2++) next[s2] += w * P[(s * A + a) * S + s2];
      }
    }
    m = next;
  }
  return total;
}
