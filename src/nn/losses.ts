/** Losses used across algorithms, built from tensor ops (so they differentiate twice). */
import { type Tensor, sub, mul, mean, square, logSoftmax, takeAlongAxis, neg, abs, minimum, add, assertFinite } from '../tensor/index.ts';

/** Mean squared error. */
export function mse(pred: Tensor, target: Tensor): Tensor {
  return mean(square(sub(pred, target)));
}

/** Huber loss (smooth L1) with threshold delta. */
export function huber(pred: Tensor, target: Tensor, delta = 1): Tensor {
  const a = abs(sub(pred, target));
  const q = minimum(a, delta);
  return mean(add(mul(square(q), 0.5), mul(sub(a, q), delta)));
}

/** Mean cross-entropy of integer labels under logits [B, K]. */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  return neg(mean(takeAlongAxis(logSoftmax(logits), labels, 1)));
}

/**
 * Stop training with a clear message when a loss is NaN/Inf: which quantity, at which step.
 * Cheap (one value), so algorithms call it on every loss they optimise.
 */
export function checkLoss(loss: Tensor, quantity: string, step: number): void {
  if (!Number.isFinite(loss.data[0])) {
    assertFinite(loss, `${quantity} at update ${step}: the loss is not finite (lower the learning rate, check inputs for NaN)`);
  }
}
