/**
 * ascent-rl: policy-gradient reinforcement learning for TypeScript.
 * The public face of the library; each folder's index.ts is the public face of its concept.
 */
export * from './rng/index.ts';
export * from './tensor/index.ts';
export * from './nn/index.ts';
export * from './distributions/index.ts';
export * from './envs/index.ts';
export * from './wrappers/index.ts';
export * from './rollout/index.ts';
export * from './policies/index.ts';
export * from './algos/index.ts';
export * as lab from './lab/index.ts';
export * as estimators from './estimators/index.ts';
export * from './models/index.ts';
export * from './train/index.ts';
