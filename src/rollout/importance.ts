/**
 * Diagnostics of importance weights w_i = p(tau_i) / q(tau_i): how many of N weighted samples
 * effectively count. Used by the importance-sampled policy gradient (algos/offpolicy-pg.ts) and by
 * the estimator lab (lab/importance.ts), which measures them against exact values.
 */

export interface WeightDiagnostics {
  /** Kish effective sample size (sum w)^2 / sum w^2, in [1, N]. */
  ess: number;
  /** ess / N. */
  essFraction: number;
  /** max_i w_i / mean_i w_i (1 when all weights agree, N when one trajectory takes everything). */
  maxOverMean: number;
}

/** ESS and max/mean ratio of weights given as logs (scaled by the max so that nothing overflows). */
export function weightDiagnostics(logW: ArrayLike<number>): WeightDiagnostics {
  const n = logW.length;
  if (n === 0) throw new RangeError('weightDiagnostics: no weights');
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logW[i]);
  if (!Number.isFinite(max)) throw new RangeError(`weightDiagnostics: the largest log-weight is ${max}`);
  let s1 = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(logW[i] - max);
    s1 += w;
    s2 += w * w;
  }
  const ess = (s1 * s1) / s2;
  return { ess, essFraction: ess / n, maxOverMean: n / s1 };
}
