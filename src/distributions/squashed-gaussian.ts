/**
 * Tanh-squashed diagonal Gaussian (SAC: Haarnoja et al. 2018, appendix C): a = tanh(u), u ~ N(mean, std^2).
 * Actions lie in (-1, 1)^D; rescaling to an env's bounds is the job of the RescaleAction wrapper.
 *
 * Change of variables: log p(a) = log N(u) - sum_d log(1 - tanh(u_d)^2), and
 * log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), which stays finite for large |u|
 * (where 1 - tanh(u)^2 rounds to 0).
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, noGrad, add, sub, mul, tanh, softplus, sum, clip, atanh, allocData, tanhGaussianRsample } from '../tensor/index.ts';
import type { Actions, Distribution } from './types.ts';
import { actionTensor, checkSameKind, flatActions } from './common.ts';
import { DiagGaussian, type LogStd } from './diag-gaussian.ts';

/**
 * The largest value below 1 of each dtype. An action of exactly +-1 (density 0: u = +-Inf) is read
 * as +-this, the nearest action inside the support; every other value is used as it is.
 */
const INSIDE = { float32: 1 - 2 ** -24, float64: 1 - 2 ** -53 } as const;
/** How far tanh(preTanh) may be from the action given with it (float32 rounding is ~6e-8). */
const PRE_TANH_TOLERANCE = 1e-5;

export interface SquashedSample {
  /** tanh(u), [B, D], differentiable in mean and log-std. */
  action: Tensor;
  /** log p(action), [B], computed from u (exact even where tanh(u) rounds to +-1). */
  logProb: Tensor;
  /** u, [B, D]: the Gaussian sample before squashing (pass it to logProb with the action for an exact log-prob). */
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
    // A log-std per row (SAC's actor head): three fused ops (tensor/ops/tanh-gaussian.ts) instead of
    // about twenty, with the same noise draw.
    if (this.logStd.shape[0] === this.batchSize) {
      const eps = new Tensor(rng.fillNormal(allocData(this.mean.dtype, this.mean.size)), this.mean.shape);
      return tanhGaussianRsample(this.mean, this.logStd, eps);
    }
    const u = this.base.rsample(rng);
    return { action: tanh(u), logProb: this.logProbPreTanh(u), preTanh: u };
  }

  sample(rng: Rng): Float32Array {
    return this.sampleWithPreTanh(rng).actions;
  }

  /**
   * Actions with their pre-tanh values u (off the tape; the same draw as sample and rsample with the
   * same rng). Keep `preTanh` where a log-probability will be needed later: logProb(actions, preTanh)
   * is exact, whereas a float32 action near +-1 has lost u (tanh(u) rounds to 1 for u > 9.01).
   */
  sampleWithPreTanh(rng: Rng): { actions: Float32Array; preTanh: Float32Array } {
    const u = noGrad(() => this.base.rsample(rng));
    return { actions: Float32Array.from(noGrad(() => tanh(u)).data), preTanh: Float32Array.from(u.data) };
  }

  /**
   * log p(a) of squashed actions in [-1, 1], [B]. With `preTanh` (the u with a = tanh(u), as kept by
   * sampleWithPreTanh or rsample), it is computed from u and exact; u must match the actions, and
   * gradients flow through u (a Tensor), not through the actions.
   * Without it, u = atanh(a) is evaluated in float64 from the action's value (arrays are read in
   * float64, not rounded to the distribution's dtype first); only an action of exactly +-1 is moved,
   * to the nearest value inside (-1, 1) of its precision (1 - 2^-24 for float32).
   */
  logProb(actions: Actions, preTanh?: Actions): Tensor {
    const where = 'SquashedGaussian.logProb';
    const B = this.batchSize,
      D = this.eventSize,
      dtype = this.mean.dtype;
    const what = `B * D = ${B} * ${D}`;
    if (preTanh !== undefined) {
      const a = flatActions(where, actions, B * D, what);
      const u = actionTensor(`${where} (preTanh)`, preTanh, B, D, dtype);
      const ud = u.data;
      for (let i = 0; i < a.length; i++) {
        if (!(Math.abs(Math.tanh(ud[i]) - a[i]) <= PRE_TANH_TOLERANCE)) {
          throw new RangeError(`${where}: preTanh value ${ud[i]} at flat index ${i} does not match action ${a[i]} (tanh(u) must equal the action)`);
        }
      }
      return this.logProbPreTanh(u);
    }
    const checkSupport = (d: ArrayLike<number>) => {
      for (let i = 0; i < d.length; i++) {
        if (!(d[i] >= -1 && d[i] <= 1)) throw new RangeError(`${where}: action ${d[i]} at flat index ${i} is outside the support [-1, 1]`);
      }
    };
    if (actions instanceof Tensor) {
      // Differentiable in the actions (the pathwise case).
      const a = actionTensor(where, actions, B, D, dtype);
      checkSupport(a.data);
      const inside = INSIDE[a.dtype];
      return this.logProbPreTanh(atanh(clip(a, -inside, inside)));
    }
    const a = flatActions(where, actions, B * D, what);
    checkSupport(a);
    const inside = INSIDE[actions instanceof Float32Array ? 'float32' : dtype];
    const u = a.map((v) => Math.atanh(v >= 1 ? inside : v <= -1 ? -inside : v));
    return this.logProbPreTanh(Tensor.from(u, [B, D], dtype));
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
