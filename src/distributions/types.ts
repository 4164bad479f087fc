/**
 * The interface every action distribution implements.
 *
 * A distribution holds a batch of B independent distributions, one per row of its parameter tensors
 * (batch along the first axis). Everything that returns a Tensor is built from tensor ops, so
 * gradients (and second derivatives, for Fisher-vector products) flow to the parameters.
 */
import type { Rng } from '../rng/index.ts';
import type { Tensor } from '../tensor/index.ts';

/** Actions given to logProb: a Tensor of shape [B, D] (or [B] when D is 1) or a flat array of B*D values. */
export type Actions = Tensor | ArrayLike<number>;

export interface Distribution<S extends ArrayLike<number> = ArrayLike<number>> {
  /** B: the number of distributions in the batch. */
  readonly batchSize: number;
  /** Values per action: 1 for Categorical, D for the vector-valued ones. sample() returns B * eventSize values. */
  readonly eventSize: number;
  /** One action per row, drawn with `rng` (no gradient). */
  sample(rng: Rng): S;
  /** log p(action) per row, [B], differentiable in the parameters (summed over the D action dimensions). */
  logProb(actions: Actions): Tensor;
  /** Entropy per row, [B]. SquashedGaussian has no closed form and throws (see its entropyEstimate). */
  entropy(): Tensor;
  /** The most likely action per row (no gradient). */
  mode(): S;
  /** KL(this || other) per row, [B]; `other` must be the same kind with the same shapes. */
  kl(other: this): Tensor;
}
