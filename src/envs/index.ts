export {
  BaseEnv,
  Wrapper,
  EMPTY_INFO,
  entropySeed,
  envName,
  type Env,
  type EnvSpec,
  type Info,
  type RenderMode,
  type ResetArgs,
  type ResetResult,
  type RgbFrame,
  type StepResult,
} from './env.ts';
export {
  Space,
  Box,
  Discrete,
  MultiDiscrete,
  MultiBinary,
  Tuple,
  Dict,
  FlatDictBox,
  flatdim,
  flatten,
  unflatten,
  flattenSpace,
  type BoxDtype,
  type FloatArray,
  type FloatDtype,
} from './spaces.ts';
export {
  SnapshotUnsupportedError,
  encodeNumber,
  decodeNumber,
  encodeNumbers,
  decodeNumbers,
  type EnvSnapshot,
  type Json,
  type JsonNumber,
} from './snapshot.ts';
export {
  make,
  register,
  spec,
  registeredIds,
  ensureEnv,
  loadAllEnvs,
  pendingIds,
  registerDeferred,
  type MakeOptions,
  type DeferredFamily,
} from './registry.ts';
export { checkEnv, type CheckEnvOptions } from './checker.ts';
export { Canvas, rotate, type Rgb, type Point } from './raster.ts';
export * from './classic/index.ts';
export * from './mujoco/index.ts';
export * from './pixels/index.ts';
