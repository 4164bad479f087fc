/** The estimator lab: exact policy gradients of small tabular MDPs against sampled estimators. */
export * from './mdp.ts';
export * from './policy.ts';
export * from './exact.ts';
export * from './sample.ts';
export * from './estimators.ts';
export * from './stats.ts';
export * from './lab.ts';
export * from './importance.ts';
export * from './importance-lab.ts';
export * from './figures.ts';
