/**
 * What the algorithm files share, in four groups: environments (the wrapped env stack, training
 * envs, action bounds), evaluation, minibatches and log fields, and checkpoint parts (optimizer
 * moments, a dynamics ensemble, module parameters). Losses live in the algorithm files; return and
 * advantage estimators in rollout/returns.ts; the loop and checkpoint plumbing in base.ts.
 */
import { make, type Env } from '../envs/index.ts';
import {
  FrameStackObservation,
  FlattenObservation,
  RecordEpisodeStatistics,
  NormalizeObservation,
  NormalizeReward,
  TransformObservation,
  TransformReward,
} from '../wrappers/index.ts';
import { SyncVectorEnv } from '../vector/sync.ts';
import { recentSummary, type EpisodeRecord, type Rollout } from '../rollout/index.ts';
import type { Policy } from '../policies/index.ts';
import { Rng } from '../rng/index.ts';
import { Tensor } from '../tensor/index.ts';
import type { Module, OptimizerState } from '../nn/index.ts';
import type { GaussianEnsemble } from '../models/index.ts';
import { Box, Dict, Discrete } from '../envs/index.ts';
import { meanStd } from '../util/math.ts';

// ---------------------------------------------------------------------------------------------
// Environments.

export interface EnvOptions {
  /** The env's constructor options (make(id, { kwargs })); null or absent: its defaults. */
  envKwargs?: Record<string, unknown> | null;
  /** Stack the last k observations (k > 1), flattened: memory for partially observed envs. */
  frameStack?: number;
  /** Running observation normalisation, clipped to [-10, 10] (CleanRL's continuous-control stack). */
  normalizeObs?: boolean;
  /** Reward scaling by the running std of the discounted return, clipped to [-10, 10]. */
  normalizeReward?: boolean;
  /** Discount of the return that NormalizeReward tracks. */
  gamma?: number;
}

/**
 * A registered env with the wrappers an algorithm's config asks for. RecordEpisodeStatistics sits
 * below the normalisers, so reported episode returns are the true, unscaled ones.
 */
export function makeEnv(id: string, opts: EnvOptions = {}): Env<Float32Array, any> {
  let env: Env<any, any> = make(id, opts.envKwargs ? { kwargs: opts.envKwargs } : {});
  // A Dict observation (an image and a vector) becomes flat rows whose space remembers the Dict (FlatDictBox).
  if (env.observationSpace instanceof Dict) env = new FlattenObservation(env);
  const k = opts.frameStack ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`frameStack must be a positive integer, got ${k}`);
  if (k > 1) env = new FlattenObservation(new FrameStackObservation(env, k));
  env = new RecordEpisodeStatistics(env);
  if (opts.normalizeObs) {
    env = new NormalizeObservation(env);
    env = new TransformObservation(
      env,
      (o: Float32Array) => {
        for (let i = 0; i < o.length; i++) o[i] = o[i] < -10 ? -10 : o[i] > 10 ? 10 : o[i];
        return o;
      },
      env.observationSpace,
    );
  }
  if (opts.normalizeReward) {
    env = new NormalizeReward(env, opts.gamma ?? 0.99);
    env = new TransformReward(env, (r) => (r < -10 ? -10 : r > 10 ? 10 : r));
  }
  return env;
}

/** The NormalizeObservation wrapper inside an env stack, if any. */
export function findObsNormalizer(env: Env<any, any>): NormalizeObservation<any> | null {
  for (let e: any = env; e; e = e.env) if (e instanceof NormalizeObservation) return e;
  return null;
}

/** numEnvs copies in one thread, with same-step autoreset (what the collector needs). */
export function makeTrainingEnvs(id: string, numEnvs: number, opts: EnvOptions = {}): SyncVectorEnv {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => () => makeEnv(id, opts)),
    { autoresetMode: 'same-step' },
  );
}

/** The Box bounds of a continuous env, or an error naming the space. */
export function boxBounds(algo: string, space: unknown): { low: Float32Array; high: Float32Array } {
  if (!(space instanceof Box)) throw new TypeError(`${algo}: needs a continuous (Box) action space, got ${String(space)}`);
  const low = Float32Array.from(space.low as ArrayLike<number>),
    high = Float32Array.from(space.high as ArrayLike<number>);
  for (let i = 0; i < low.length; i++) {
    if (!Number.isFinite(low[i]) || !Number.isFinite(high[i]))
      throw new RangeError(`${algo}: the action space ${String(space)} must be bounded to rescale [-1, 1] actions`);
  }
  return { low, high };
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

export interface EvalResult {
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
}

/**
 * Run `episodes` episodes of `policy` on a fresh env (seeds seed, seed + 1, ...): the mode of the
 * policy when deterministic (the greedy evaluation the issues' thresholds use), else samples.
 */
export function evaluate(
  policy: Pick<Policy, 'kind' | 'act' | 'resetState'>,
  envId: string,
  opts: EnvOptions & { episodes?: number; seed?: number; deterministic?: boolean; obsStats?: ReturnType<NormalizeObservation<any>['getStats']> } = {},
): EvalResult {
  const episodes = opts.episodes ?? 10;
  // Evaluation sees true rewards, and observations normalised with the training statistics, frozen.
  const env = makeEnv(envId, { frameStack: opts.frameStack, normalizeObs: opts.normalizeObs, envKwargs: opts.envKwargs });
  const norm = findObsNormalizer(env);
  if (norm) {
    if (!opts.obsStats) throw new Error('evaluate: normalizeObs needs the training statistics (obsStats)');
    norm.setStats(opts.obsStats);
    norm.updateRunningMean = false;
  }
  const rng = new Rng(opts.seed ?? 0, 7);
  const offset = env.actionSpace instanceof Discrete ? env.actionSpace.start : 0;
  const returns: number[] = [],
    lengths: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    let { obs } = env.reset({ seed: (opts.seed ?? 0) + ep });
    policy.resetState?.();
    let total = 0,
      len = 0;
    for (;;) {
      const { actions } = policy.act(obs, 1, rng, opts.deterministic ?? true);
      const r = env.step(policy.kind === 'categorical' ? actions[0] + offset : actions);
      total += r.reward;
      len++;
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    returns.push(total);
    lengths.push(len);
  }
  env.close();
  const mean = returns.reduce((a, b) => a + b, 0) / episodes;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
  return { returns, lengths, mean, std };
}

// ---------------------------------------------------------------------------------------------
// Minibatches and log fields.

/** Flat indices (t * numEnvs + e) of the steps a rollout marks as used. */
export function maskedIndices(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}

/** Rows of a flat [steps, width] array at the given step indices. */
export function gatherRows(src: Float32Array, width: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let j = 0; j < idx.length; j++) {
    const s = idx[j] * width,
      o = j * width;
    if (s < 0 || s + width > src.length) throw new RangeError(`gatherRows: row ${idx[j]} is outside the ${src.length / width} rows of width ${width}`);
    // Narrow rows (classic control) by an element loop: a subarray view per row cost more than the
    // copy (issue 12); wide rows (images) by set, a memcpy.
    if (width < 64) for (let c = 0; c < width; c++) out[o + c] = src[s + c];
    else out.set(src.subarray(s, s + width), o);
  }
  return out;
}

/** src[idx[j]] for every j, as float32: one minibatch of per-step numbers (advantages, returns, log-probabilities). */
export function pick(src: ArrayLike<number>, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length);
  for (let j = 0; j < idx.length; j++) out[j] = src[idx[j]];
  return out;
}

/**
 * Episode index of every step (-1 where masked out), counting each env's episodes in time order:
 * a step starts a new episode at the rollout's start or after a terminated/truncated step.
 */
export function episodeIndex(ro: Rollout, mask: Uint8Array): { ids: Int32Array; count: number } {
  const n = ro.numEnvs;
  const ids = new Int32Array(ro.T * n).fill(-1);
  let count = 0;
  for (let e = 0; e < n; e++) {
    let current = -1;
    for (let t = 0; t < ro.T; t++) {
      const i = t * n + e;
      if (!mask[i]) {
        current = -1;
        continue;
      }
      if (current < 0) current = count++;
      ids[i] = current;
      if (ro.terminated[i] || ro.truncated[i]) current = -1;
    }
  }
  return { ids, count };
}

/** The episode fields of an UpdateLog: this update's count, and statistics over the last 100 episodes. */
export function episodeLogFields(ro: Rollout, collector: { recent: EpisodeRecord[] }) {
  return { episodes: ro.episodes.length, ...recentSummary(collector.recent) };
}

// meanStd lives in util/math.ts (rollout/ needs it too); re-exported here for the algorithms.
export { meanStd };
// standardize (advantage normalisation) lives with the advantage estimators in rollout/returns.ts.
export { standardize } from '../rollout/index.ts';

// ---------------------------------------------------------------------------------------------
// Checkpoint parts (BaseAlgorithm assembles them; rollout/replay.ts has the replay buffer's).

/** Optimizer state as named tensors and JSON, for checkpoints. */
export function optimizerToState(prefix: string, opt: { getState(): OptimizerState }): { tensors: [string, Tensor][]; meta: Record<string, unknown> } {
  const s = opt.getState();
  return {
    tensors: s.buffers.map((b, i) => [`${prefix}.${i}`, new Tensor(b, [b.length])] as [string, Tensor]),
    meta: { kind: s.kind, step: s.step, lr: s.lr, count: s.buffers.length },
  };
}

/**
 * Restore an optimizer's moments and step count. Its step size stays the one the algorithm built it
 * with from its config: schedules set it before every update anyway, and a resume that changes `lr`
 * (src/train/resume.ts) must not be overridden by the saved one.
 */
export function optimizerFromState(prefix: string, opt: { lr: number; setState(s: OptimizerState): void }, tensors: Map<string, Tensor>, meta: any): void {
  if (!meta) throw new Error(`checkpoint: no state for optimizer '${prefix}'`);
  const buffers: Float32Array[] = [];
  for (let i = 0; i < meta.count; i++) {
    const t = tensors.get(`${prefix}.${i}`);
    if (!t) throw new Error(`checkpoint: missing optimizer buffer '${prefix}.${i}'`);
    buffers.push(Float32Array.from(t.data));
  }
  opt.setState({ kind: meta.kind, step: meta.step, lr: opt.lr, buffers });
}

/** A dynamics ensemble's checkpoint part: its parameters and its members' optimizer moments, and JSON (MBPO, mbpg). */
export function ensembleState(model: GaussianEnsemble): { tensors: [string, Tensor][]; meta: { model: unknown; modelOpts: Record<string, unknown> } } {
  const opts = model.optimizers().map(([name, o]) => [name, optimizerToState(name, o)] as const);
  return {
    tensors: [...model.namedParameters(), ...opts.flatMap(([, o]) => o.tensors)],
    meta: { model: model.getMeta(), modelOpts: Object.fromEntries(opts.map(([name, o]) => [name, o.meta])) },
  };
}

/** Restore what ensembleState saved (`meta` holds its model and modelOpts keys). */
export function restoreEnsemble(model: GaussianEnsemble, tensors: Map<string, Tensor>, meta: { model?: unknown; modelOpts?: Record<string, unknown> }): void {
  for (const [name, p] of model.namedParameters()) {
    const t = tensors.get(name);
    if (!t) throw new Error(`checkpoint: missing model parameter '${name}'`);
    p.data.set(t.data);
  }
  for (const [name, o] of model.optimizers()) optimizerFromState(name, o, tensors, meta.modelOpts?.[name]);
  model.setMeta(meta.model as never);
}

/** Copy checkpoint tensors into a module's parameters (names and shapes must match). */
export function loadModule(module: Module, tensors: Map<string, Tensor>): void {
  for (const [name, p] of module.namedParameters()) {
    const t = tensors.get(name);
    if (!t) throw new Error(`checkpoint: missing parameter '${name}'`);
    if (t.size !== p.size) throw new Error(`checkpoint: parameter '${name}' has ${t.size} values, the model needs ${p.size}`);
    p.data.set(t.data);
  }
}
