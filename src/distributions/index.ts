/**
 * distributions/: action distributions over batched parameter tensors (batch along the first axis).
 * Every logProb, entropy and kl is built from tensor ops, so gradients and second derivatives
 * (Fisher-vector products for the natural gradient) flow to the parameters.
 */
export type { Distribution, Actions } from './types.ts';
export { Categorical } from './categorical.ts';
export { DiagGaussian, type LogStd } from './diag-gaussian.ts';
export { SquashedGaussian, logDetTanh, type SquashedSample } from './squashed-gaussian.ts';
export { Bernoulli } from './bernoulli.ts';
