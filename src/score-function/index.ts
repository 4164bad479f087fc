/**
 * Gradient estimators for stochastic computation graphs (Schulman, Heess, Weber & Abbeel, 2015):
 * the score-function (likelihood-ratio, REINFORCE) estimator, which differentiates an expectation
 * through a sampling step that has no derivative (a discrete choice, hard attention, a
 * non-differentiable cost), and the pathwise (reparameterisation) estimator where the sample is a
 * differentiable function of the parameters and noise (see `DiagGaussian.rsample`).
 */
import { Tensor, add, exp, mean, mul, sub } from '../tensor/index.ts';

/** stopgrad(x): the same values, cut from the tape. */
export function detach(x: Tensor): Tensor {
  return x.detach();
}

export interface SurrogateTerms {
  /** log p_theta(z) of each sample, [N] (on the tape). */
  logProb: Tensor;
  /** The cost f(z) of each sample, [N]; may itself depend on parameters differentiably. */
  cost: Tensor;
  /**
   * A baseline b subtracted inside the score term: a number, a [N] tensor (e.g. a learned
   * prediction; it is detached here), or 'leaveOneOut' (each sample's baseline is the mean cost
   * of the other samples, which keeps the estimator unbiased).
   */
  baseline?: number | Tensor | 'leaveOneOut';
}

/**
 * The surrogate whose gradient is the score-function estimate of grad E_z~p_theta[f(z)]:
 *   mean( log p(z) * stopgrad(f(z) - b) + f(z) ),
 * the second term carrying the pathwise part when f depends on theta directly. Its value is not
 * the objective; only its gradient is meaningful.
 */
export function surrogateLoss({ logProb, cost, baseline }: SurrogateTerms): Tensor {
  const n = cost.size;
  const c = detach(cost);
  let b: Tensor | number = 0;
  if (baseline === 'leaveOneOut') {
    if (n < 2) throw new RangeError('surrogateLoss: a leave-one-out baseline needs at least 2 samples');
    let total = 0;
    for (let i = 0; i < n; i++) total += c.data[i];
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = (total - c.data[i]) / (n - 1);
    b = new Tensor(d, c.shape);
  } else if (baseline instanceof Tensor) {
    if (baseline.size !== 1 && baseline.size !== n) {
      throw new RangeError(`surrogateLoss: baseline has ${baseline.size} values; expected 1 or one per sample (${n})`);
    }
    b = detach(baseline);
  } else if (typeof baseline === 'number') b = baseline;
  if (logProb.size !== n) throw new RangeError(`surrogateLoss: logProb has ${logProb.size} values, cost has ${n}`);
  const score = mul(logProb, sub(c, b));
  return cost.requiresGrad ? mean(add(score, cost)) : mean(score);
}

/**
 * DiCE's MagicBox (Foerster et al., 2018): exp(tau - stopgrad(tau)). It evaluates to 1, and its
 * derivative of any order is that of the score function, so mean(magicBox(sum log p) * cost) can
 * be differentiated repeatedly (unbiased higher-order gradients).
 */
export function magicBox(logProbSum: Tensor): Tensor {
  return exp(sub(logProbSum, detach(logProbSum)));
}
