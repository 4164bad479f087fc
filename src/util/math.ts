/**
 * Numerical constants and small statistics shared across folders: one home each, so that the
 * Gaussian terms of the distributions, the SAC actor and the dynamics ensemble agree everywhere.
 */

/** 0.5 * log(2 pi): the normal density's constant, log N(x; mu, sigma) = -z^2/2 - log sigma - HALF_LOG_2PI. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)): finite for large |u| (the tanh squashing's log-Jacobian). */
export function logDetTanh(u: number): number {
  const x = -2 * u;
  const softplus = x > 20 ? x : Math.log1p(Math.exp(x));
  return 2 * (Math.LN2 - u - softplus);
}

/** Mean and population standard deviation; NaN for both when x is empty ("not measured" in a log row). */
export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  if (x.length === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / x.length) };
}
