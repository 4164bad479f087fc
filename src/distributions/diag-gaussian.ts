/**
 * Diagonal Gaussian over R^D, with mean [B, D] (usually a network's output) and log standard deviation
 * given in one of three forms:
 *   - fixed: a number or an array of D numbers (a constant, never trained);
 *   - state-independent, learned: a Tensor [D] (or [1, D]), shared by every row (as in PPO for MuJoCo);
 *   - state-dependent: a Tensor [B, D] (a second network head, as in SAC).
 * With a fixed std the log-likelihood is -||a - mean||^2 / (2 std^2) + const, so maximising it is
 * least-squares regression of the mean onto the actions.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, allocData, add, sub, mul, exp, square, sum, reshape, broadcastTo, shapeStr, type DType } from '../tensor/index.ts';
import type { Actions, Distribution } from './types.ts';
import { actionTensor, batchShape, checkSameKind } from './common.ts';
import { HALF_LOG_2PI } from '../util/math.ts';

export type LogStd = Tensor | number | ArrayLike<number>;

export class DiagGaussian implements Distribution<Float32Array> {
  readonly mean: Tensor;
  /** Log standard deviation, [1, D] (fixed or state-independent) or [B, D] (state-dependent). */
  readonly logStd: Tensor;
  readonly batchSize: number;
  readonly eventSize: number;
  readonly paramShape: number[];

  constructor(mean: Tensor, logStd: LogStd) {
    const [B, D] = batchShape('DiagGaussian', 'mean', mean);
    this.mean = mean;
    this.logStd = logStdTensor(logStd, B, D, mean.dtype);
    this.batchSize = B;
    this.eventSize = D;
    this.paramShape = [B, D];
  }

  /** A Gaussian with a fixed (untrained) standard deviation, given as std rather than log-std. */
  static withStd(mean: Tensor, std: number | ArrayLike<number>): DiagGaussian {
    const s = typeof std === 'number' ? [std] : Array.from(std);
    for (const v of s) {
      if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`DiagGaussian.withStd: std ${v} must be positive and finite`);
    }
    return new DiagGaussian(mean, typeof std === 'number' ? Math.log(std) : s.map(Math.log));
  }

  /** Standard deviation, broadcastable to [B, D]. */
  std(): Tensor {
    return exp(this.logStd);
  }

  sample(rng: Rng): Float32Array {
    const B = this.batchSize,
      D = this.eventSize;
    const m = this.mean.data,
      ls = this.logStd.data,
      perRow = this.logStd.shape[0] !== 1;
    const out = new Float32Array(B * D);
    for (let i = 0; i < B * D; i++) out[i] = m[i] + Math.exp(ls[perRow ? i : i % D]) * rng.normal();
    return out;
  }

  /** Reparameterised sample mean + std * eps, eps ~ N(0, I): a Tensor [B, D] differentiable in mean and log-std. */
  rsample(rng: Rng): Tensor {
    const eps = new Tensor(rng.fillNormal(allocData(this.mean.dtype, this.mean.size)), this.mean.shape);
    return add(this.mean, mul(this.std(), eps));
  }

  /**
   * sum_d [ -(a_d - mean_d)^2 / (2 std_d^2) - log std_d - log(2 pi) / 2 ], [B].
   * Gradients also flow into `actions` when it is a Tensor on the tape (the pathwise case).
   */
  logProb(actions: Actions): Tensor {
    const a = actionTensor('DiagGaussian.logProb', actions, this.batchSize, this.eventSize, this.mean.dtype);
    const z = mul(sub(a, this.mean), exp(mul(this.logStd, -1)));
    return sum(sub(mul(square(z), -0.5), add(this.logStd, HALF_LOG_2PI)), 1);
  }

  /** sum_d [ log std_d + (1 + log 2 pi) / 2 ], [B]. */
  entropy(): Tensor {
    const B = this.batchSize,
      D = this.eventSize;
    return add(sum(broadcastTo(this.logStd, [B, D]), 1), D * (0.5 + HALF_LOG_2PI));
  }

  mode(): Float32Array {
    return Float32Array.from(this.mean.data);
  }

  /** KL(p || q) = sum_d [ log(s_q/s_p) + (s_p^2 + (m_p - m_q)^2) / (2 s_q^2) - 1/2 ], [B]. */
  kl(other: DiagGaussian): Tensor {
    const q = checkSameKind('DiagGaussian.kl', other, DiagGaussian, this.batchSize, this.eventSize);
    const dls = sub(this.logStd, q.logStd);
    const ratio = exp(mul(dls, 2)); // s_p^2 / s_q^2
    const z = mul(sub(this.mean, q.mean), exp(mul(q.logStd, -1)));
    const perDim = add(mul(add(ratio, square(z)), 0.5), sub(mul(dls, -1), 0.5));
    return sum(broadcastTo(perDim, [this.batchSize, this.eventSize]), 1);
  }
}

/** The log-std argument as a Tensor [1, D] or [B, D] of the mean's dtype. */
function logStdTensor(logStd: LogStd, B: number, D: number, dtype: DType): Tensor {
  const expected = `a number, an array of ${D} numbers, or a Tensor [${D}], [1, ${D}] or [${B}, ${D}]`;
  if (typeof logStd === 'number') {
    if (!Number.isFinite(logStd)) throw new RangeError(`DiagGaussian: log-std ${logStd} must be finite`);
    return Tensor.full([1, D], logStd, dtype);
  }
  if (logStd instanceof Tensor) {
    const s = logStd.shape;
    if (s.length === 1 && s[0] === D) return reshape(logStd, [1, D]);
    if (s.length === 2 && (s[0] === 1 || s[0] === B) && s[1] === D) return logStd;
    throw new RangeError(`DiagGaussian: log-std has shape ${shapeStr(s)}; expected ${expected}`);
  }
  if (logStd && typeof logStd.length === 'number') {
    if (logStd.length !== D) throw new RangeError(`DiagGaussian: log-std array has ${logStd.length} values; expected ${expected}`);
    for (let i = 0; i < D; i++) {
      if (!Number.isFinite(logStd[i])) throw new RangeError(`DiagGaussian: log-std ${logStd[i]} at index ${i} must be finite`);
    }
    return Tensor.from(logStd, [1, D], dtype);
  }
  throw new TypeError(`DiagGaussian: log-std must be ${expected}, got ${typeof logStd}`);
}
