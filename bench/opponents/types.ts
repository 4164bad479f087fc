// The contract between the engine benchmark driver (bench/engine.ts) and each opponent engine.
// One opponent = one library + backend running the two workloads of issue 2's bench, defined once
// in workload.ts (network, loss, Adam constants, seeded data) so every engine computes the same thing.

/**
 * Parameters as plain arrays, always in this order (see PARAM_SPECS in workload.ts):
 * trunk W1 [4,64], b1 [64], W2 [64,64], b2 [64], policy W [64,2], b [2], value W [64,1], b [1];
 * row-major, y = x W + b.
 */
export type ParamArrays = readonly Float32Array[];

/** One prepared PPO minibatch update: each call does forward, backward, one Adam step, and returns the loss. */
export type PpoUpdateFn = (() => Promise<number> | number) & {
  /** Current parameters (copies), in ParamArrays order. Not for the timed region. */
  readParams(): Promise<Float32Array[]>;
  /** Frees this closure's parameters, optimiser state and data; the closure must not be called afterwards. */
  release(): void;
};

/** One prepared policy inference: each call uploads the observations, runs trunk + policy head, returns softmax probabilities [B,2]. */
export type InferenceFn = (() => Promise<Float32Array> | Float32Array) & {
  release(): void;
};

export interface Opponent {
  /** e.g. 'tfjs-cpu', 'tfjs-wasm', 'jax-js-wasm'. */
  readonly name: string;
  /** How the backend was configured (SIMD, threads, versions), filled in by init(). */
  readonly config: Record<string, string | number | boolean>;
  /** Loads the backend. Must be awaited before anything else. */
  init(): Promise<void>;
  /**
   * Prepares a PPO update on a minibatch of `batch` rows. Data comes from makePpoBatch(batch, seed);
   * parameters from `params` if given, else initParams(seed). Each prepared closure owns its own
   * parameters and Adam state (fresh at step 0).
   */
  ppoUpdate(batch: number, seed: number, params?: ParamArrays): Promise<PpoUpdateFn>;
  /** Prepares policy inference on makeObs(batch, seed); parameters as in ppoUpdate. */
  inference(batch: number, seed: number, params?: ParamArrays): Promise<InferenceFn>;
  /** Live backend arrays/tensors and bytes, where the library can tell. */
  memory?(): Record<string, number>;
  /** Releases every closure still alive and the opponent's own resources. */
  dispose(): Promise<void>;
}
