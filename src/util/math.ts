/** Numerical constants the densities share (one home, so the Gaussian terms agree everywhere). */

/** 0.5 * log(2 pi): the normal density's constant, log N(x; mu, sigma) = -z^2/2 - log sigma - HALF_LOG_2PI. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
