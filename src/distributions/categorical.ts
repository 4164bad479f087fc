/**
 * Categorical distribution over K actions, from unnormalised logits [B, K].
 *
 * Log-probabilities are logSoftmax(logits), so logProb(a) is minus the cross-entropy of the taken
 * action. Logits may be -Infinity to mask out actions (their probability is exactly 0).
 */
import type { Rng } from '../rng/index.ts';
import {
  type Tensor,
  noGrad,
  isGradEnabled,
  logSoftmax,
  softmax,
  takeAlongAxis,
  reshape,
  exp,
  log,
  maximum,
  mul,
  sub,
  sum,
  neg,
  shapeStr,
} from '../tensor/index.ts';
import type { Actions, Distribution } from './types.ts';
import { batchShape, checkSameKind, flatActions, minFinite } from './common.ts';

export class Categorical implements Distribution<Int32Array> {
  readonly logits: Tensor;
  readonly batchSize: number;
  /** K: the number of categories. */
  readonly numCategories: number;
  readonly eventSize = 1;
  readonly paramShape: number[];
  private logp: Tensor | null = null;

  constructor(logits: Tensor) {
    const [B, K] = batchShape('Categorical', 'logits', logits);
    if (K < 1) throw new RangeError(`Categorical: logits ${shapeStr(logits.shape)} need at least one category`);
    this.logits = logits;
    this.batchSize = B;
    this.numCategories = K;
    this.paramShape = [B, K];
  }

  /**
   * From probabilities [B, K] (rows summing to 1). Zero probabilities are floored at the dtype's
   * smallest normal number so that log stays finite and gradients stay defined.
   */
  static fromProbs(probs: Tensor): Categorical {
    batchShape('Categorical.fromProbs', 'probs', probs);
    const d = probs.data;
    for (let i = 0; i < d.length; i++) {
      if (!(d[i] >= 0 && d[i] <= 1)) {
        throw new RangeError(`Categorical.fromProbs: probability ${d[i]} at flat index ${i} is not in [0, 1]`);
      }
    }
    const tiny = probs.dtype === 'float64' ? 2.2250738585072014e-308 : 1.1754943508222875e-38;
    return new Categorical(log(maximum(probs, tiny)));
  }

  /**
   * Normalised log-probabilities [B, K]. Cached once computed with gradients on; a result computed
   * under noGrad (e.g. entropy for logging) is not cached, so a later loss still gets its gradient.
   */
  logProbs(): Tensor {
    if (this.logp) return this.logp;
    const lp = logSoftmax(this.logits, 1);
    if (isGradEnabled()) this.logp = lp;
    return lp;
  }

  /** Probabilities [B, K], differentiable. */
  probs(): Tensor {
    return softmax(this.logits, 1);
  }

  sample(rng: Rng): Int32Array {
    const B = this.batchSize,
      K = this.numCategories;
    const p = noGrad(() => softmax(this.logits, 1)).data;
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        if (!Number.isFinite(p[b * K + k])) {
          throw new RangeError(`Categorical.sample: row ${b} has non-finite probabilities (logits NaN or all -Infinity)`);
        }
      }
      out[b] = rng.categorical(p, b * K, K);
    }
    return out;
  }

  /** log p(a_b) for one action index per row: the negative cross-entropy, [B]. */
  logProb(actions: Actions): Tensor {
    const B = this.batchSize,
      K = this.numCategories;
    const a = flatActions('Categorical.logProb', actions, B, `one action index per row, B`);
    const idx = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      if (!Number.isInteger(a[b]) || a[b] < 0 || a[b] >= K) {
        throw new RangeError(`Categorical.logProb: action ${a[b]} at position ${b} is outside the support {0, ..., ${K - 1}} (K = ${K} logits)`);
      }
      idx[b] = a[b];
    }
    return reshape(takeAlongAxis(this.logProbs(), idx, 1), [B]);
  }

  /** -sum_k p_k log p_k, with 0 log 0 = 0 for masked (-Infinity) logits. */
  entropy(): Tensor {
    const lp = this.logProbs();
    return neg(sum(mul(exp(lp), this.finiteLog(lp)), 1));
  }

  /** The most probable action per row (the first one at ties). */
  mode(): Int32Array {
    const B = this.batchSize,
      K = this.numCategories,
      l = this.logits.data;
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (l[b * K + k] > l[b * K + best]) best = k;
      out[b] = best;
    }
    return out;
  }

  /** KL(this || other) = sum_k p_k (log p_k - log q_k), [B]. */
  kl(other: Categorical): Tensor {
    checkSameKind('Categorical.kl', other, Categorical, this.batchSize, this.numCategories);
    const lp = this.logProbs(),
      lq = other.logProbs();
    return sum(mul(exp(lp), sub(this.finiteLog(lp), this.finiteLog(lq))), 1);
  }

  /** log-probabilities with -Infinity replaced by the most negative finite number (so 0 * log 0 = 0). */
  private finiteLog(lp: Tensor): Tensor {
    return maximum(lp, minFinite(lp.dtype));
  }
}
