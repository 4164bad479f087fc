/**
 * The reparameterised sample of a tanh-squashed diagonal Gaussian with its log-density, as three
 * small ops instead of about twenty (issue 12: at SAC's small sizes the cost is per-op overhead).
 *
 *   u = mean + exp(logStd) eps,   a = tanh(u),
 *   log p(a) = sum_d [ -eps_d^2 / 2 - logStd_d - log(2 pi) / 2 - log(1 - tanh(u_d)^2) ]
 *
 * with log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)) (finite for large |u|). Because
 * (u - mean) / std = eps, the Gaussian part's derivative in the mean is 0 and in the log-std -1;
 * the change of variables adds d/du [-log(1 - tanh(u)^2)] = 2 tanh(u) (Haarnoja et al. 2018,
 * appendix C). First-order backwards are loops; a backward that is itself differentiated
 * (createGraph) rebuilds the same function from elementwise ops and differentiates that.
 */
import { Tensor, record, allocData, shapeStr, isGradEnabled, gradients, withGrad } from '../tensor.ts';
import { add, mul, sub, exp, square, tanh, softplus } from './elementwise.ts';
import { sum } from './reduce.ts';
import { HALF_LOG_2PI } from '../../util/math.ts';

export interface TanhGaussianSample {
  /** u, [B, D]. */
  preTanh: Tensor;
  /** tanh(u), [B, D]. */
  action: Tensor;
  /** log p(tanh(u)), [B]. */
  logProb: Tensor;
}

/** The same three results from elementwise ops (the createGraph path; also the reference in tests). */
export function tanhGaussianRsampleOps(mean: Tensor, logStd: Tensor, eps: Tensor): TanhGaussianSample {
  const u = add(mean, mul(exp(logStd), eps));
  const logDet = mul(sub(sub(Math.LN2, u), softplus(mul(u, -2))), 2);
  const base = sum(sub(mul(square(eps), -0.5), add(logStd, HALF_LOG_2PI)), 1);
  return { preTanh: u, action: tanh(u), logProb: sub(base, sum(logDet, 1)) };
}

/**
 * mean, logStd and eps [B, D] (logStd per row, as SAC's actor head gives it); eps is a constant
 * (the standard normal draw).
 */
export function tanhGaussianRsample(mean: Tensor, logStd: Tensor, eps: Tensor): TanhGaussianSample {
  if (mean.rank !== 2 || logStd.rank !== 2 || eps.rank !== 2 || [logStd, eps].some((t) => t.shape[0] !== mean.shape[0] || t.shape[1] !== mean.shape[1])) {
    throw new RangeError(
      `tanhGaussianRsample: mean, logStd and eps must all be [B, D]; got ${shapeStr(mean.shape)}, ${shapeStr(logStd.shape)}, ${shapeStr(eps.shape)}`,
    );
  }
  const [B, D] = mean.shape;
  const n = B * D,
    dtype = mean.dtype === 'float64' || logStd.dtype === 'float64' ? 'float64' : 'float32';
  const m = mean.data,
    ls = logStd.data,
    e = eps.data;
  const u = allocData(dtype, n, false),
    a = allocData(dtype, n, false),
    se = allocData(dtype, n, false), // std * eps = u - mean: d u / d logStd
    lp = allocData(dtype, B, false);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let d = i * D; d < (i + 1) * D; d++) {
      const z = e[d],
        sd = Math.exp(ls[d]) * z;
      const ud = m[d] + sd;
      se[d] = sd;
      u[d] = ud;
      a[d] = Math.tanh(ud);
      const x = -2 * ud; // softplus(-2u), stable for large |u|
      const softplus = (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
      s += -0.5 * z * z - ls[d] - HALF_LOG_2PI - 2 * (Math.LN2 - ud - softplus);
    }
    lp[i] = s;
  }
  const inputs = [mean, logStd];
  // With createGraph: the ops' graph, differentiated with a graph.
  const viaOps = (pick: (r: TanhGaussianSample) => Tensor, g: Tensor) =>
    withGrad(() => gradients(pick(tanhGaussianRsampleOps(mean, logStd, eps)), inputs, { seed: g, createGraph: true, allowUnused: true }));
  /** d/dmean = du, d/dlogStd = du std eps + extra (per element), as tensors. */
  const grads = (du: (k: number) => number, extra: (k: number) => number): (Tensor | null)[] => {
    const dm = mean.requiresGrad ? allocData(dtype, n, false) : null,
      dls = logStd.requiresGrad ? allocData(dtype, n, false) : null;
    for (let k = 0; k < n; k++) {
      const g = du(k);
      if (dm) dm[k] = g;
      if (dls) dls[k] = g * se[k] + extra(k);
    }
    return [dm && new Tensor(dm, mean.shape), dls && new Tensor(dls, logStd.shape)];
  };
  const preTanh = record('tanhGaussian.u', new Tensor(u, [B, D]), inputs, (g) => {
    if (isGradEnabled()) return viaOps((r) => r.preTanh, g);
    const gd = g.data;
    return grads(
      (k) => gd[k],
      () => 0,
    );
  });
  const action = record('tanhGaussian.action', new Tensor(a, [B, D]), inputs, (g) => {
    if (isGradEnabled()) return viaOps((r) => r.action, g);
    const gd = g.data;
    return grads(
      (k) => gd[k] * (1 - a[k] * a[k]),
      () => 0,
    );
  });
  const logProb = record('tanhGaussian.logProb', new Tensor(lp, [B]), inputs, (g) => {
    if (isGradEnabled()) return viaOps((r) => r.logProb, g);
    const gd = g.data;
    return grads(
      (k) => 2 * gd[(k / D) | 0] * a[k],
      (k) => -gd[(k / D) | 0],
    );
  });
  return { preTanh, action, logProb };
}
