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
// Vector envs (gymnasium.vector) and the factory (gymnasium.make_vec). Chosen names, not the whole
// folder: VectorCore is an implementation detail; runWorker and the spawner types are here so a
// browser app can run AsyncVectorEnv's workers in Web Workers. AsyncVectorEnv imports nothing
// Node-specific (the worker_threads adapter is loaded lazily), so the browser build can carry it.
export {
  SyncVectorEnv,
  AsyncVectorEnv,
  makeVec,
  runWorker,
  type VectorEnv,
  type VectorEnvState,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
  type AutoresetMode,
  type SyncVectorEnvOptions,
  type AsyncVectorEnvOptions,
  type MakeVecOptions,
  type WorkerSpawner,
  type WorkerHandle,
  type WorkerInit,
  type WorkerMessage,
  type SharedBatch,
} from './vector/index.ts';
export * from './rollout/index.ts';
export * from './policies/index.ts';
export * from './algos/index.ts';
export * as lab from './lab/index.ts';
export * as scoreFunction from './score-function/index.ts';
export * from './models/index.ts';
export * from './train/index.ts';
// Trained policies out of the library: ONNX, TensorFlow.js, the zero-dependency runner.
export * from './export/index.ts';
