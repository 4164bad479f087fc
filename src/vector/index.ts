export type { AutoresetMode, VectorEnv, VectorEnvState, VectorResetArgs, VectorResetResult, VectorStepResult } from './types.ts';
export { SyncVectorEnv, type SyncVectorEnvOptions } from './sync.ts';
export { AsyncVectorEnv, type AsyncVectorEnvOptions, type WorkerHandle, type WorkerSpawner } from './async.ts';
export { VectorCore, spaceDims, resetPlan, type ResetPlan } from './core.ts';
export { runWorker, type WorkerMessage } from './worker-loop.ts';
export type { WorkerInit, SharedBatch } from './protocol.ts';
export { makeVec, type MakeVecOptions } from './make-vec.ts';
