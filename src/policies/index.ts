/** policies/: action distributions on observations (categorical, Gaussian) and value functions. */
export * from './policy.ts';
export * from './recurrent.ts';
export * from './cnn.ts';
