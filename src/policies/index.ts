/** policies/: action distributions on observations (categorical, Gaussian), value functions, SAC's actor and critics. */
export * from './policy.ts';
export * from './recurrent.ts';
export * from './cnn.ts';
export * from './actor-critic.ts';
