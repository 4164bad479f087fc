/**
 * What the on-policy algorithms share: the training loop, evaluation, timing, and checkpoints made
 * of their modules, optimizers and a little JSON. An algorithm file then holds only its update.
 */
import type { Module, Optimizer } from '../nn/index.ts';
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
  frameStack: number;
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

export abstract class OnPolicyAlgorithm<C extends BaseConfig> implements Algorithm<C>, TrainedModules {
  abstract readonly name: string;
  abstract readonly config: C;
  abstract readonly env: SyncVectorEnv;
  abstract readonly policy: Policy;
  abstract readonly collector: Collector;
  iteration = 0;
  private start = performance.now();
  private priorSeconds = 0;

  abstract update(): UpdateLog;

  /** Modules and named optimizers a checkpoint holds, in a fixed order. */
  protected abstract checkpointParts(): { modules: Module[]; optimizers: [string, Optimizer][] };

  /** Algorithm-specific JSON state (RNG streams, adaptive coefficients) and its restoration. */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  protected restoreExtra(_meta: Record<string, unknown>): void {}

  get steps(): number {
    return this.collector.steps;
  }

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
    return { iteration: this.iteration, steps: this.collector.steps, seconds: this.seconds() };
  }

  /** Train until the config's totalSteps, or until `stop` says so. */
  learn(opts: LearnOptions = {}): UpdateLog[] {
    return learnLoop(this, this.config.totalSteps, opts);
  }

  /** Greedy (or stochastic) evaluation on fresh envs, with the training observation statistics frozen. */
  evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}): EvalResult {
    const c = this.config;
    const norm = findObsNormalizer(this.env.envs[0]);
    return evaluate(this.policy, c.env, { ...opts, frameStack: c.frameStack, normalizeObs: c.normalizeObs, obsStats: norm?.getStats() });
  }

  getState(): AlgorithmState {
    const { modules, optimizers } = this.checkpointParts();
    const opts = optimizers.map(([name, o]) => [name, optimizerToState(name, o)] as const);
    return {
      tensors: [...modules.flatMap((m) => m.namedParameters()), ...opts.flatMap(([, o]) => o.tensors)],
      meta: {
        algo: this.name,
        config: this.config,
        iteration: this.iteration,
        seconds: this.seconds(),
        optimizers: Object.fromEntries(opts.map(([name, o]) => [name, o.meta])),
        collector: this.collector.getState(),
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
    this.collector.setState(m.collector);
    this.restoreExtra(m);
    this.iteration = m.iteration;
    this.priorSeconds = m.seconds;
    this.start = performance.now();
  }

  close(): void {
    this.env.close();
  }
}
