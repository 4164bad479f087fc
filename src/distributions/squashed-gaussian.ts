/**
 * Tanh-squashed diagonal Gaussian (SAC: Haarnoja et al. 2018, appendix C): a = tanh(u), u ~ N(mean, std^2).
 * Actions lie in (-1, 1)^D; rescaling to an env's bounds is the job of the RescaleAction wrapper.
 *
 * Change of variables: log p(a) = log N(u) - sum_d log(1 - tanh(u_d)^2), and
 * log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), which stays finite for large |u|
 * (where 1 - tanh(u)^2 rounds to 0).
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, noGrad, add, sub, mul, neg, tanh, softplus, sum, log1p, clip } from '../tensor/index.ts';
import type { Actions, Distribution } from './types.ts';
import { actionTensor, checkSameKind } from './common.ts';
import { DiagGaussian, type LogStd } from './diag-gaussian.ts';

/** |a| is clamped to 1 - this before atanh, so actions on (or rounded onto) the boundary get a finite log-prob. */
const BOUNDARY = { float32: 1e-6, float64: 1e-12 } as const;

export interface SquashedSample {
  /** tanh(u), [B, D], differentiable in mean and log-std. */
  action: Tensor;
  /** log p(action), [B], computed from u (exact even where tanh(u) rounds to +-1). */
  logProb: Tensor;
  /** u, [B, D]: the Gaussian sample before squashing. */
  preTanh: Tensor;
}

export class SquashedGaussian implements Distribution<Float32Array> {
  /** The Gaussian of the pre-squash variable u. */
  readonly base: DiagGaussian;
  readonly batchSize: number;
  readonly eventSize: number;
  readonly paramShape: number[];

  constructor(mean: Tensor, logStd: LogStd) {
    this.base = new DiagGaussian(mean, logStd);
    this.batchSize = this.base.batchSize;
    this.eventSize = this.base.eventSize;
    this.paramShape = this.base.paramShape;
  }

  get mean(): Tensor {
    return this.base.mean;
  }

  get logStd(): Tensor {
    return this.base.logStd;
  }

  /** Reparameterised sample with its log-probability (what SAC's actor loss needs). */
  rsample(rng: Rng): SquashedSample {
    const u = this.base.rsample(rng);
    return { action: tanh(u), logProb: this.logProbPreTanh(u), preTanh: u };
  }

  sample(rng: Rng): Float32Array {
    return Float32Array.from(noGrad(() => tanh(this.base.rsample(rng))).data);
  }

  /** log p(a) of squashed actions in (-1, 1); recovers u = atanh(a) after clamping |a| <= 1 - 1e-6 (float32) or 1 - 1e-12 (float64). */
  logProb(actions: Actions): Tensor {
    const a = actionTensor('SquashedGaussian.logProb', actions, this.batchSize, this.eventSize, this.mean.dtype);
    const d = a.data;
    for (let i = 0; i < d.length; i++) {
      if (!(d[i] >= -1 && d[i] <= 1)) {
        throw new RangeError(`SquashedGaussian.logProb: action ${d[i]} at flat index ${i} is outside the support [-1, 1]`);
      }
    }
    const e = BOUNDARY[this.mean.dtype];
    const c = clip(a, -1 + e, 1 - e);
    const u = mul(sub(log1p(c), log1p(neg(c))), 0.5); // atanh(c)
    return this.logProbPreTanh(u);
  }

  /** log p(tanh(u)) from the pre-squash value u, [B, D] -> [B]. */
  logProbPreTanh(u: Tensor): Tensor {
    return sub(this.base.logProb(u), sum(logDetTanh(u), 1));
  }

  /**
   * The entropy has no closed form (it needs E[log(1 - tanh(u)^2)]); use entropyEstimate.
   * Throws so that code written for closed-form entropies cannot silently get a random number.
   */
  entropy(): Tensor {
    throw new Error(
      'SquashedGaussian.entropy: the entropy of a tanh-squashed Gaussian has no closed form; ' +
        'use entropyEstimate(rng, nSamples) (a Monte-Carlo estimate) or -logProb of a sample, as SAC does',
    );
  }

  /**
   * Monte-Carlo entropy, [B]: H[tanh(U)] = H[U] + E[sum_d log(1 - tanh(u_d)^2)] (change of variables),
   * with the Gaussian part exact and the expectation averaged over `nSamples` reparameterised draws.
   * Unbiased, and differentiable in mean and log-std. Lower variance than averaging -logProb(sample).
   */
  entropyEstimate(rng: Rng, nSamples = 1): Tensor {
    if (!Number.isInteger(nSamples) || nSamples < 1) {
      throw new RangeError(`SquashedGaussian.entropyEstimate: nSamples must be a positive integer, got ${nSamples}`);
    }
    let acc: Tensor | null = null;
    for (let i = 0; i < nSamples; i++) {
      const t = sum(logDetTanh(this.base.rsample(rng)), 1);
      acc = acc ? add(acc, t) : t;
    }
    return add(this.base.entropy(), mul(acc!, 1 / nSamples));
  }

  /** tanh(mean): the squashed Gaussian's median (its mode only approximately). */
  mode(): Float32Array {
    const m = this.mean.data;
    const out = new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = Math.tanh(m[i]);
    return out;
  }

  /**
   * KL(this || other), [B]. Exact: KL is invariant under the same invertible map applied to both
   * (the log-determinants cancel in log p(a) - log q(a)), so it equals the KL of the pre-squash Gaussians.
   */
  kl(other: SquashedGaussian): Tensor {
    const q = checkSameKind('SquashedGaussian.kl', other, SquashedGaussian, this.batchSize, this.eventSize);
    return this.base.kl(q.base);
  }
}

/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), elementwise. */
export function logDetTanh(u: Tensor): Tensor {
  return mul(sub(sub(Math.LN2, u), softplus(mul(u, -2))), 2);
}
