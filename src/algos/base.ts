/**
 * What every algorithm shares (BaseAlgorithm): the training loop, evaluation, the update counter
 * and wall clock, and checkpoints made of its modules, optimizers, extra tensors and a little JSON.
 * OnPolicyAlgorithm adds the Collector's state. An algorithm file then holds only its update (and,
 * for an off-policy one such as SAC, the loop that fills its replay buffer).
 */
import type { Module, Optimizer } from '../nn/index.ts';
import type { Tensor } from '../tensor/index.ts';
import type { Policy } from '../policies/index.ts';
import type { Collector } from '../rollout/index.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';
import { evaluate, findObsNormalizer, loadModule, optimizerFromState, optimizerToState, type EvalResult } from './common.ts';
import type { Algorithm, AlgorithmState, UpdateLog } from './types.ts';

/**
 * Parameters larger than this in magnitude mean training has diverged. Networks initialised at
 * O(1) and trained with sane step sizes stay orders of magnitude below (tanh units saturate long
 * before); `--set lr=1e9` reaches ~6e9 in one update and then "trains" on saturated noise.
 */
export const PARAM_BOUND = 1e6;

/**
 * Log entries that are never infinite in a healthy update. NaN is not a symptom here: a log writes NaN
 * for "not measured" (REINFORCE without a value function reports valueLoss NaN); a NaN that came from
 * the arithmetic reaches the parameters through the gradient, and the parameter check catches it.
 */
const CHECKED_LOG = /loss$|^gradNorm$|^entropy$/i;

/** Training diverged: names the update, the step count and the quantity that left its range. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(
    readonly iteration: number,
    readonly steps: number,
    readonly quantity: string,
    readonly value: number,
    readonly bound = PARAM_BOUND,
  ) {
    super(
      `training diverged at update ${iteration} (${steps} steps): ${quantity} is ${value}` +
        (Number.isFinite(value)
          ? ` (|value| above the bound ${bound}); lower the learning rate`
          : "; lower the learning rate or check the environment's rewards"),
    );
  }
}

/** An algorithm that names every module it trains (policy, critics, models); otherwise only `policy` is checked. */
export interface TrainedModules {
  trainedModules(): Module[];
}

/**
 * Throws a DivergenceError when an update left a loss, entropy or gradient norm infinite, or a
 * parameter non-finite or above `bound` in magnitude. Called after every update by learnLoop and
 * the training driver, so every algorithm stops at the update that diverged.
 */
export function checkDivergence(algo: Pick<Algorithm, 'policy'> & Partial<TrainedModules>, log: UpdateLog, bound = PARAM_BOUND): void {
  for (const [k, v] of Object.entries(log)) {
    if (CHECKED_LOG.test(k) && typeof v === 'number' && (v === Infinity || v === -Infinity)) throw new DivergenceError(log.iteration, log.steps, k, v, bound);
  }
  const modules = algo.trainedModules?.() ?? [algo.policy];
  for (const m of modules) {
    for (const [name, p] of m.namedParameters()) {
      const d = p.data;
      let worst = 0,
        at = -1;
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i]);
        // !(a <= worst) also catches NaN.
        if (!(a <= worst)) {
          worst = a;
          at = i;
          if (Number.isNaN(a)) break;
        }
      }
      if (at >= 0 && !(worst <= bound)) {
        throw new DivergenceError(log.iteration, log.steps, `parameter ${m.constructor.name}.${name}[${at}]`, d[at], bound);
      }
    }
  }
}

export interface BaseConfig {
  env: string;
  /** The env's constructor options (every algorithm's schema has them; null: the env's defaults). */
  envKwargs?: Record<string, unknown> | null;
  /** Absent where the algorithm does not stack frames (recurrent-ppo): 1. */
  frameStack?: number;
  totalSteps: number;
  normalizeObs?: boolean;
}

export interface LearnOptions {
  onUpdate?: (log: UpdateLog) => void;
  /** Stop when this returns true (checked after every update). */
  stop?: (log: UpdateLog) => boolean;
  /** Largest parameter magnitude before training counts as diverged (default PARAM_BOUND). */
  paramBound?: number;
}

/**
 * The training loop every algorithm shares: update until `totalSteps`, or until `stop` says so.
 * A diverged update (see checkDivergence) throws a DivergenceError.
 */
export function learnLoop(
  algo: { update(): UpdateLog; readonly steps: number } & Pick<Algorithm, 'policy'> & Partial<TrainedModules>,
  totalSteps: number,
  opts: LearnOptions = {},
): UpdateLog[] {
  const logs: UpdateLog[] = [];
  while (algo.steps < totalSteps) {
    const log = algo.update();
    checkDivergence(algo, log, opts.paramBound);
    logs.push(log);
    opts.onUpdate?.(log);
    if (opts.stop?.(log)) break;
  }
  return logs;
}

/** The checkpoint part of one piece of an algorithm: named tensors and JSON. */
export interface StatePart {
  tensors: [string, Tensor][];
  meta: Record<string, unknown>;
}

/**
 * The shared base of every algorithm. A subclass supplies update(), the modules and optimizers it
 * trains (checkpointParts), the state of its data loop (loopState/restoreLoop: a collector, or an
 * env loop and its replay buffer) and its own extra state (extraState/extraTensors/restoreExtra).
 * A checkpoint is, in order: the modules' parameters, the optimizers' moments, the loop's tensors,
 * the extra tensors; and JSON {algo, config, iteration, seconds, optimizers, ...loop, ...extra}.
 */
export abstract class BaseAlgorithm<C extends { env: string; envKwargs?: Record<string, unknown> | null; totalSteps: number }>
  implements Algorithm<C>, TrainedModules
{
  abstract readonly name: string;
  abstract readonly config: C;
  abstract readonly env: { close(): void };
  abstract readonly policy: Policy;
  /** Environment steps taken so far (all envs). */
  abstract get steps(): number;
  iteration = 0;
  private start = performance.now();
  private priorSeconds = 0;

  abstract update(): UpdateLog;

  /** Modules and named optimizers a checkpoint holds, in a fixed order. */
  protected abstract checkpointParts(): { modules: Module[]; optimizers: [string, Optimizer][] };

  /** The data loop's state (the collector's, or the env loop's and its replay buffer's). */
  protected loopState(): StatePart {
    return { tensors: [], meta: {} };
  }

  protected restoreLoop(_meta: Record<string, any>, _tensors: Map<string, Tensor>): void {}

  /** Algorithm-specific JSON state (RNG streams, adaptive coefficients) and its restoration. */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  /** Algorithm-specific tensors beyond modules and optimizers (a learned model, a second buffer). */
  protected extraTensors(): [string, Tensor][] {
    return [];
  }

  protected restoreExtra(_meta: Record<string, any>, _tensors: Map<string, Tensor>): void {}

  /** The modules this algorithm trains (those its checkpoints hold). */
  trainedModules(): Module[] {
    return this.checkpointParts().modules;
  }

  /** Wall seconds of training, including the time before a resume. */
  protected seconds(): number {
    return this.priorSeconds + (performance.now() - this.start) / 1000;
  }

  /** The counters every update log starts with. */
  protected counters(): Pick<UpdateLog, 'iteration' | 'steps' | 'seconds'> {
    return { iteration: this.iteration, steps: this.steps, seconds: this.seconds() };
  }

  /** Train until the config's totalSteps, or until `stop` says so. */
  learn(opts: LearnOptions = {}): UpdateLog[] {
    return learnLoop(this, this.config.totalSteps, opts);
  }

  /** Greedy (or stochastic) evaluation on fresh envs. */
  evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}): EvalResult {
    return evaluate(this.policy, this.config.env, { ...opts, envKwargs: this.config.envKwargs });
  }

  getState(): AlgorithmState {
    const { modules, optimizers } = this.checkpointParts();
    const opts = optimizers.map(([name, o]) => [name, optimizerToState(name, o)] as const);
    const loop = this.loopState();
    return {
      tensors: [...modules.flatMap((m) => m.namedParameters()), ...opts.flatMap(([, o]) => o.tensors), ...loop.tensors, ...this.extraTensors()],
      meta: {
        algo: this.name,
        config: this.config,
        iteration: this.iteration,
        seconds: this.seconds(),
        optimizers: Object.fromEntries(opts.map(([name, o]) => [name, o.meta])),
        ...loop.meta,
        ...this.extraState(),
      },
    };
  }

  setState(state: AlgorithmState): void {
    const m = state.meta as Record<string, any>;
    if (m.algo !== this.name) throw new Error(`checkpoint is for '${m.algo}', not '${this.name}'`);
    const tensors = new Map(state.tensors);
    const { modules, optimizers } = this.checkpointParts();
    for (const mod of modules) loadModule(mod, tensors);
    for (const [name, o] of optimizers) optimizerFromState(name, o, tensors, m.optimizers?.[name]);
    this.restoreLoop(m, tensors);
    this.restoreExtra(m, tensors);
    this.iteration = m.iteration;
    this.priorSeconds = m.seconds;
    this.start = performance.now();
  }

  close(): void {
    this.env.close();
  }
}

/** What OnPolicyAlgorithm needs of its collector (Collector, RecurrentCollector): steps and checkpoint state. */
export interface OnPolicyCollector {
  readonly steps: number;
  getState(): unknown;
  setState(state: any): void;
}

/** An on-policy algorithm: a Collector gathers each update's batch with the current policy. */
export abstract class OnPolicyAlgorithm<C extends BaseConfig, K extends OnPolicyCollector = Collector> extends BaseAlgorithm<C> {
  abstract override readonly env: SyncVectorEnv;
  abstract readonly collector: K;

  get steps(): number {
    return this.collector.steps;
  }

  protected override loopState(): StatePart {
    return { tensors: [], meta: { collector: this.collector.getState() } };
  }

  protected override restoreLoop(meta: Record<string, any>): void {
    this.collector.setState(meta.collector);
  }

  /** Greedy (or stochastic) evaluation on fresh envs, with the training observation statistics frozen. */
  override evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}): EvalResult {
    const c = this.config;
    const norm = findObsNormalizer(this.env.envs[0]);
    return evaluate(this.policy, c.env, {
      ...opts,
      envKwargs: c.envKwargs,
      frameStack: c.frameStack,
      normalizeObs: c.normalizeObs,
      obsStats: norm?.getStats(),
    });
  }
}
