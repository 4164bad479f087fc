/**
 * V-trace (Espeholt et al. 2018, IMPALA, arXiv:1802.01561, section 4.1): value targets and
 * policy-gradient advantages from steps that a behaviour policy mu took, for a target policy pi,
 * with truncated per-decision importance weights. Used for stale distributed rollouts: mu is the
 * parameter version that acted, pi the learner's current one.
 *
 *   rho_t = min(rhoBar, pi(a_t|s_t) / mu(a_t|s_t))       truncated weight of the TD error
 *   c_t   = lambda * min(cBar, pi(a_t|s_t) / mu(a_t|s_t)) traces, with Retrace's lambda
 *                                                         (Munos et al. 2016, arXiv:1606.02647)
 *   delta_t = rho_t (r_t + gamma V(s_{t+1}) - V(s_t))
 *   v_t - V(s_t) = delta_t + gamma c_t (v_{t+1} - V(s_{t+1}))        within the episode
 *   A_t = rho_t (r_t + gamma [V(s_{t+1}) + lambda (v_{t+1} - V(s_{t+1}))] - V(s_t))
 *
 * For lambda = 1, A_t is IMPALA's rho_t (r_t + gamma v_{t+1} - V(s_t)). On-policy (pi = mu) with
 * rhoBar, cBar >= 1, v_t and A_t are GAE(lambda)'s returns and advantages exactly. Episode ends and
 * bootstraps follow gae(): V(s_{t+1}) is 0 after termination, finalValues after truncation,
 * lastValues after the unfinished last step (v beyond the batch is V itself).
 */
import type { Bootstrap, Numbers, RolloutSteps } from './returns.ts';

export interface VtraceOptions extends Bootstrap {
  gamma: number;
  /** Trace decay (GAE's lambda). Default 1 (IMPALA). */
  lambda?: number;
  /** Truncation of the weights of the TD errors (IMPALA's rho-bar). Default 1. */
  rhoBar?: number;
  /** Truncation of the traces (IMPALA's c-bar). Default 1. */
  cBar?: number;
}

export interface VtraceResult {
  /** Value targets v_t. */
  returns: Float64Array;
  /** Policy-gradient advantages A_t (the truncated weight rho_t included). */
  advantages: Float64Array;
  /** The truncated weights rho_t = min(rhoBar, pi / mu). */
  rhos: Float64Array;
}

/**
 * V-trace targets and advantages over a time-major [T, numEnvs] batch. `logRhos[i]` is
 * log pi(a_i|s_i) - log mu(a_i|s_i): the target's log-probability over the behaviour's.
 */
export function vtrace(steps: RolloutSteps, values: Numbers, logRhos: Numbers, o: VtraceOptions): VtraceResult {
  const { rewards, terminated, truncated, numEnvs: n } = steps;
  const N = rewards.length;
  const { gamma, lambda = 1, rhoBar = 1, cBar = 1 } = o;
  if (!Number.isInteger(n) || n <= 0 || N % n !== 0) throw new RangeError(`vtrace: ${N} rewards do not form [T, numEnvs = ${n}]`);
  if (values.length !== N || logRhos.length !== N || terminated.length !== N || truncated.length !== N)
    throw new RangeError(`vtrace: values (${values.length}), logRhos (${logRhos.length}), terminated and truncated must each have T * numEnvs = ${N} entries`);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`vtrace: gamma must be in [0, 1], got ${gamma}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`vtrace: lambda must be in [0, 1], got ${lambda}`);
  if (!(rhoBar > 0) || !(cBar > 0)) throw new RangeError(`vtrace: rhoBar and cBar must be positive, got ${rhoBar} and ${cBar}`);
  if (o.lastValues && o.lastValues.length !== n) throw new RangeError(`vtrace: lastValues must have numEnvs = ${n} entries, got ${o.lastValues.length}`);
  const T = N / n;
  const returns = new Float64Array(N);
  const advantages = new Float64Array(N);
  const rhos = new Float64Array(N);
  for (let e = 0; e < n; e++) {
    // v_{t+1} - V(s_{t+1}) of the step after this one (0 past the episode or the batch).
    let nextCorr = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      const lr = logRhos[i];
      if (Number.isNaN(lr)) throw new RangeError(`vtrace: logRhos[${i}] is NaN`);
      const ratio = Math.exp(lr);
      const rho = Math.min(rhoBar, ratio);
      const c = lambda * Math.min(cBar, ratio);
      let nextValue: number;
      let carry = 0;
      if (terminated[i]) nextValue = 0;
      else if (truncated[i]) {
        if (!o.finalValues) throw new Error(`vtrace: step ${t} of env ${e} is truncated but no finalValues were given`);
        nextValue = o.finalValues[i];
      } else if (t === T - 1) {
        if (!o.lastValues) throw new Error(`vtrace: env ${e}'s last step is unfinished but no lastValues were given`);
        nextValue = o.lastValues[e];
      } else {
        nextValue = values[i + n];
        carry = 1;
      }
      const td = rewards[i] + gamma * nextValue - values[i];
      const tail = carry * nextCorr;
      const corr = rho * td + gamma * c * tail;
      returns[i] = values[i] + corr;
      advantages[i] = rho * (td + gamma * lambda * tail);
      rhos[i] = rho;
      nextCorr = corr;
    }
  }
  return { returns, advantages, rhos };
}
