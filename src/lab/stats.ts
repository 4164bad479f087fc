/** Bias and variance of a vector estimator from many independent draws, against a known truth. */

export interface EstimateStats {
  /** ||mean - exact||. */
  biasNorm: number;
  /**
   * ||mean - exact|| / sqrt(trace(Cov) / M): the bias in standard errors of the mean. For an unbiased
   * estimator its square has expectation 1, so values near 1 mean "no bias detected".
   */
  biasSE: number;
  /** max_k |mean_k - exact_k| / sqrt(Var_k / M) over coordinates with variance (Infinity if a zero-variance one is off). */
  maxZ: number;
  /** ||mean - exact|| / ||exact||. */
  relativeBias: number;
  /** trace of the covariance of one estimate (sum of per-coordinate variances). */
  totalVariance: number;
  /** E||estimate - exact||^2, and its standard error. */
  mse: number;
  mseSE: number;
  /** Mean over draws of cos(estimate, exact). */
  meanCosine: number;
}

/** Streaming (Welford) per-coordinate mean and variance, plus per-draw squared error and cosine to the truth. */
export class EstimateAccumulator {
  count = 0;
  readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private cosSum = 0;
  /** ||estimate_b - exact||^2 for every draw b, kept for paired comparisons between estimators. */
  readonly squaredErrors: number[] = [];
  private readonly exactNorm: number;

  constructor(readonly exact: Float64Array) {
    this.mean = new Float64Array(exact.length);
    this.m2 = new Float64Array(exact.length);
    let nn = 0;
    for (let k = 0; k < exact.length; k++) nn += exact[k] * exact[k];
    this.exactNorm = Math.sqrt(nn);
  }

  add(x: Float64Array): void {
    const n = ++this.count;
    let se = 0,
      dot = 0,
      xx = 0;
    for (let k = 0; k < x.length; k++) {
      const delta = x[k] - this.mean[k];
      this.mean[k] += delta / n;
      this.m2[k] += delta * (x[k] - this.mean[k]);
      const e = x[k] - this.exact[k];
      se += e * e;
      dot += x[k] * this.exact[k];
      xx += x[k] * x[k];
    }
    this.squaredErrors.push(se);
    this.cosSum += xx > 0 && this.exactNorm > 0 ? dot / (Math.sqrt(xx) * this.exactNorm) : 0;
  }

  stats(): EstimateStats {
    const M = this.count;
    if (M < 2) throw new RangeError(`EstimateAccumulator: need at least 2 draws for a variance, got ${M}`);
    let trace = 0,
      bias2 = 0,
      maxZ = 0;
    for (let k = 0; k < this.mean.length; k++) {
      const v = this.m2[k] / (M - 1);
      trace += v;
      const diff = this.mean[k] - this.exact[k];
      bias2 += diff * diff;
      if (v > 0) maxZ = Math.max(maxZ, Math.abs(diff) / Math.sqrt(v / M));
      else if (Math.abs(diff) > 1e-12 * (1 + Math.abs(this.exact[k]))) maxZ = Infinity;
    }
    const biasNorm = Math.sqrt(bias2);
    const { mean: mse, se: mseSE } = meanAndSE(this.squaredErrors);
    return {
      biasNorm,
      biasSE: trace > 0 ? biasNorm / Math.sqrt(trace / M) : biasNorm > 0 ? Infinity : 0,
      maxZ,
      relativeBias: this.exactNorm > 0 ? biasNorm / this.exactNorm : biasNorm,
      totalVariance: trace,
      mse,
      mseSE,
      meanCosine: this.cosSum / M,
    };
  }
}

/** Sample mean and its standard error. */
export function meanAndSE(xs: ArrayLike<number>): { mean: number; se: number } {
  const n = xs.length;
  let mean = 0,
    m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - mean;
    mean += d / (i + 1);
    m2 += d * (xs[i] - mean);
  }
  return { mean, se: n > 1 ? Math.sqrt(m2 / (n - 1) / n) : Infinity };
}

/** Paired difference of two per-draw series (same draws): mean of a_b - b_b and its standard error. */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; se: number } {
  if (a.length !== b.length) throw new RangeError(`pairedDifference: series lengths differ (${a.length} vs ${b.length})`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return meanAndSE(d);
}
