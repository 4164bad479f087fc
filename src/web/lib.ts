/**
 * The browser build's library entry (dist/web/ascent.js): everything browser-safe — engine, nn,
 * distributions, classic envs, wrappers, the synchronous vector env, rollouts, policies,
 * algorithms, the training driver and checkpoints — plus the page helpers (Player, charts).
 * The Node adapters (AsyncVectorEnv's worker threads, run-directory files) are left out.
 */
export * from '../index.ts';
export { SyncVectorEnv } from '../vector/sync.ts';
export {
  train,
  runEvaluation,
  initialDriverState,
  encodeCheckpoint,
  decodeCheckpoint,
  buildConfig,
  createAlgorithm,
  algorithmEntry,
  describeEnv,
  progressRow,
  parseJsonl,
  parseCsv,
  type TrainOptions,
  type TrainResult,
  type Callback,
  type Evaluation,
  type Checkpoint,
} from '../train/index.ts';
export { Player, type PlayStep } from './player.ts';
export { drawChart, type Series } from './chart.ts';
export { drawFrame } from './frame.ts';
export { presetFor } from './presets.ts';
// Animated GIFs of rendered episodes, in the page as in `ascent eval --gif` (util/image/gif.ts needs no Node).
export { GifWriter, encodeGif, scaleFrame } from '../util/image/gif.ts';
