/**
 * Independent Bernoulli variables (a MultiBinary action), from logits [B, D]: p = sigmoid(logits).
 * Everything is written with softplus, log(1 + e^x), which never overflows:
 *   log p = -softplus(-l),  log(1 - p) = -softplus(l),  so  log p(x) = x l - softplus(l).
 */
import type { Rng } from '../rng/index.ts';
import { type Tensor, noGrad, sub, mul, sum, sigmoid, softplus } from '../tensor/index.ts';
import type { Actions, Distribution } from './types.ts';
import { actionTensor, batchShape, checkSameKind } from './common.ts';

export class Bernoulli implements Distribution<Uint8Array> {
  readonly logits: Tensor;
  readonly batchSize: number;
  readonly eventSize: number;
  readonly paramShape: number[];

  constructor(logits: Tensor) {
    const [B, D] = batchShape('Bernoulli', 'logits', logits);
    this.logits = logits;
    this.batchSize = B;
    this.eventSize = D;
    this.paramShape = [B, D];
  }

  /** P(x = 1), [B, D], differentiable. */
  probs(): Tensor {
    return sigmoid(this.logits);
  }

  /** B * D values in {0, 1}, row after row (the layout of a MultiBinary action). */
  sample(rng: Rng): Uint8Array {
    const p = noGrad(() => sigmoid(this.logits)).data;
    const out = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) {
      if (Number.isNaN(p[i])) throw new RangeError(`Bernoulli.sample: logit at flat index ${i} is NaN`);
      out[i] = rng.random() < p[i] ? 1 : 0;
    }
    return out;
  }

  /** sum_d [ x_d l_d - softplus(l_d) ], [B]; x must be 0 or 1. */
  logProb(actions: Actions): Tensor {
    const x = actionTensor('Bernoulli.logProb', actions, this.batchSize, this.eventSize, this.logits.dtype);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== 0 && d[i] !== 1) {
        throw new RangeError(`Bernoulli.logProb: action ${d[i]} at flat index ${i} is outside the support {0, 1}`);
      }
    }
    return sum(sub(mul(x, this.logits), softplus(this.logits)), 1);
  }

  /** sum_d [ softplus(l) - p l ], [B]. */
  entropy(): Tensor {
    const l = this.logits;
    return sum(sub(softplus(l), mul(sigmoid(l), l)), 1);
  }

  /** 1 where p > 1/2, else 0 (0 at exactly 1/2). */
  mode(): Uint8Array {
    const l = this.logits.data;
    const out = new Uint8Array(l.length);
    for (let i = 0; i < l.length; i++) out[i] = l[i] > 0 ? 1 : 0;
    return out;
  }

  /** KL(p || q) = sum_d [ p (l_p - l_q) + softplus(l_q) - softplus(l_p) ], [B]. */
  kl(other: Bernoulli): Tensor {
    const q = checkSameKind('Bernoulli.kl', other, Bernoulli, this.batchSize, this.eventSize);
    const lp = this.logits,
      lq = q.logits;
    return sum(sub(mul(sigmoid(lp), sub(lp, lq)), sub(softplus(lp), softplus(lq))), 1);
  }
}
