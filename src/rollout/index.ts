/** Rollouts: discounting, full returns, reward-to-go, GAE and V-trace over time-major [T, numEnvs] arrays. */
export * from './returns.ts';
export * from './collector.ts';
export * from './replay.ts';
export * from './episodes.ts';
export * from './importance.ts';
export * from './baselines.ts';
export * from './recurrent.ts';
export * from './vtrace.ts';
