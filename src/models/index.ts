/** models/: learned dynamics (probabilistic ensembles), termination functions, branched model rollouts. */
export * from './ensemble.ts';
export * from './termination.ts';
export * from './rollout.ts';
export * from './pathwise.ts';
