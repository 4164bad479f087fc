/**
 * The training driver: a loop over algo.update() that the CLI, the browser dashboard and library
 * users share. It observes the algorithm (callbacks, evaluation, checkpoints), it never changes how
 * it learns, so a run with or without callbacks takes the same steps. Browser-safe: files are
 * written by whoever receives the checkpoint snapshots (node/run-dir.ts for the CLI).
 *
 * The loop is async and yields to the event loop between updates (at most every `yieldMs`, so that
 * thousands of short updates do not each wait for a timer), so that a stop request (Ctrl-C, a Stop
 * button) is seen at an update boundary, where the state is consistent.
 */
import type { Algorithm, AlgorithmState, UpdateLog } from '../algos/types.ts';
import { checkDivergence } from '../algos/base.ts';

export interface Evaluation {
  /** Environment steps when the evaluation ran. */
  steps: number;
  iteration: number;
  episodes: number;
  seed: number;
  deterministic: boolean;
  mean: number;
  std: number;
  lengthMean: number;
  returns: number[];
  lengths: number[];
}

/** The driver's own counters, saved with every checkpoint so that a resumed run evaluates and stops at the same steps. */
export interface DriverState {
  /** Next step count at which to evaluate (Infinity when evaluation is off: stored as null). */
  nextEval: number | null;
  nextCheckpoint: number | null;
  /** Best greedy evaluation mean so far (null before the first evaluation). */
  bestMean: number | null;
  bestSteps: number | null;
  evaluations: number;
  lastEval: Evaluation | null;
}

export type CheckpointKind = 'last' | 'best';

export interface Snapshot {
  kind: CheckpointKind;
  state: AlgorithmState;
  driver: DriverState;
  steps: number;
}

export interface TrainContext {
  algo: Algorithm;
  driver: Readonly<DriverState>;
  /** Ask the loop to stop after the current callback (reason 'callback'). */
  stop(): void;
}

/**
 * Observers of the loop. `onUpdate` runs after each collect-and-improve step (Algorithm.update does
 * both, so it is also the end of each rollout); `evaluation` is present when one ran at this update.
 * Returning true from onUpdate/onEvaluation stops training.
 */
export interface Callback {
  onStart?(ctx: TrainContext): void | Promise<void>;
  onUpdate?(log: UpdateLog, ctx: TrainContext, evaluation: Evaluation | null): void | boolean | Promise<void | boolean>;
  onEvaluation?(ev: Evaluation, ctx: TrainContext): void | boolean | Promise<void | boolean>;
  onCheckpoint?(snap: Snapshot, ctx: TrainContext): void | Promise<void>;
  onEnd?(result: TrainResult, ctx: TrainContext): void | Promise<void>;
}

export interface TrainOptions {
  /** Stop when algo.steps reaches this. */
  totalSteps: number;
  /** Evaluate every this many env steps (0: only at the end if finalEval). Default 10000. */
  evalEvery?: number;
  evalEpisodes?: number;
  /** Seed of the evaluation episodes (the same every time: common random numbers across evaluations). */
  evalSeed?: number;
  /** Stop when a greedy evaluation mean reaches this; null: never. */
  threshold?: number | null;
  /** Save a 'last' snapshot every this many env steps (0: only at evaluations and at the end). */
  checkpointEvery?: number;
  /** Stop (as if interrupted) once algo.steps reaches this: train in chunks, resume later. */
  stopAt?: number;
  /** Evaluate once more at the end (the result is TrainResult.final). Default true. */
  finalEval?: boolean;
  callbacks?: Callback[];
  /** Aborting stops the loop at the next update boundary with reason 'interrupted'. */
  signal?: AbortSignal;
  /** Restored driver counters (from a checkpoint). */
  resume?: DriverState;
  /**
   * Yield to the event loop after an update once this many milliseconds have passed since the last
   * yield (signal handlers, timers and a page's input run then). Default 20; 0 yields after every update.
   */
  yieldMs?: number;
}

export type StopReason = 'steps' | 'threshold' | 'callback' | 'interrupted' | 'stopAt';

export interface TrainResult {
  reason: StopReason;
  steps: number;
  updates: number;
  final: Evaluation | null;
  driver: DriverState;
}

export function initialDriverState(opts: Pick<TrainOptions, 'evalEvery' | 'checkpointEvery'>, steps = 0): DriverState {
  const ev = opts.evalEvery ?? 10_000,
    ck = opts.checkpointEvery ?? 0;
  return {
    nextEval: ev > 0 ? steps + ev : null,
    nextCheckpoint: ck > 0 ? steps + ck : null,
    bestMean: null,
    bestSteps: null,
    evaluations: 0,
    lastEval: null,
  };
}

export function runEvaluation(algo: Algorithm, iteration: number, episodes: number, seed: number, deterministic = true): Evaluation {
  const r = algo.evaluate({ episodes, seed, deterministic });
  const lengthMean = r.lengths.reduce((a, b) => a + b, 0) / Math.max(1, r.lengths.length);
  return { steps: algo.steps, iteration, episodes, seed, deterministic, mean: r.mean, std: r.std, lengthMean, returns: r.returns, lengths: r.lengths };
}

/**
 * One turn of the event loop (signals, timers, I/O). Node's setImmediate costs ~6 us of CPU and as
 * much wall time; setTimeout(0) waits >= 1 ms (4 ms nested in browsers), 5% of the wall time when it
 * comes every 20 ms, and ~50 us of CPU (measured on this project's machine, issue 12). Browsers have
 * no setImmediate.
 */
const yieldToEventLoop = (): Promise<void> =>
  new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function check(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new RangeError(`train: '${name}' must be an integer >= ${min}, got ${v}`);
}

export async function train(algo: Algorithm, opts: TrainOptions): Promise<TrainResult> {
  check('totalSteps', opts.totalSteps, 1);
  check('evalEvery', opts.evalEvery, 0);
  check('evalEpisodes', opts.evalEpisodes, 1);
  check('checkpointEvery', opts.checkpointEvery, 0);
  check('stopAt', opts.stopAt, 1);
  const yieldMs = opts.yieldMs ?? 20;
  if (!(Number.isFinite(yieldMs) && yieldMs >= 0)) throw new RangeError(`train: 'yieldMs' must be a number >= 0, got ${yieldMs}`);
  let lastYield = performance.now();
  const episodes = opts.evalEpisodes ?? 10;
  const evalSeed = opts.evalSeed ?? 0;
  const threshold = opts.threshold ?? null;
  const cbs = opts.callbacks ?? [];
  const d: DriverState = opts.resume ? { ...opts.resume } : initialDriverState(opts, algo.steps);
  let stopRequested = false;
  const ctx: TrainContext = { algo, driver: d, stop: () => void (stopRequested = true) };
  let updates = 0;
  let lastIteration = 0;
  let savedLast = -1;

  const snapshot = async (kind: CheckpointKind) => {
    const snap: Snapshot = { kind, state: algo.getState(), driver: { ...d }, steps: algo.steps };
    for (const cb of cbs) await cb.onCheckpoint?.(snap, ctx);
  };
  const evaluateNow = async (): Promise<{ ev: Evaluation; stop: boolean }> => {
    const ev = runEvaluation(algo, lastIteration, episodes, evalSeed, true);
    d.evaluations++;
    d.lastEval = ev;
    let stop = false;
    const improved = d.bestMean === null || ev.mean > d.bestMean;
    if (improved) {
      d.bestMean = ev.mean;
      d.bestSteps = ev.steps;
    }
    for (const cb of cbs) if ((await cb.onEvaluation?.(ev, ctx)) === true) stop = true;
    if (improved) await snapshot('best');
    return { ev, stop };
  };

  for (const cb of cbs) await cb.onStart?.(ctx);
  let reason: StopReason = 'steps';
  while (algo.steps < opts.totalSteps) {
    if (opts.signal?.aborted) {
      reason = 'interrupted';
      break;
    }
    if (opts.stopAt !== undefined && algo.steps >= opts.stopAt) {
      reason = 'stopAt';
      break;
    }
    // An algorithm fed from elsewhere (distributed rollouts) waits for its batch in updateAsync.
    const log = algo.updateAsync ? await algo.updateAsync() : algo.update();
    // A diverged update stops the run here (DivergenceError names the update, steps and quantity).
    checkDivergence(algo, log);
    updates++;
    lastIteration = log.iteration;
    let evaluation: Evaluation | null = null;
    let stop = false;
    const scheduled = d.nextEval !== null && algo.steps >= d.nextEval;
    // The final evaluation runs before this last update is reported, so that it reaches onUpdate
    // (the progress row's eval columns) like any other: a run shorter than evalEvery still logs one.
    const budgetDone = (opts.finalEval ?? true) && algo.steps >= opts.totalSteps;
    if (scheduled || budgetDone) {
      if (scheduled) {
        const every = opts.evalEvery ?? 10_000;
        while (d.nextEval! <= algo.steps) d.nextEval! += every;
      }
      const r = await evaluateNow();
      evaluation = r.ev;
      if (r.stop) {
        stop = true;
        reason = 'callback';
      }
      // As before the final evaluation moved here: only a scheduled evaluation stops at the threshold.
      if (scheduled && threshold !== null && r.ev.mean >= threshold) {
        stop = true;
        reason = 'threshold';
      }
    }
    for (const cb of cbs)
      if ((await cb.onUpdate?.(log, ctx, evaluation)) === true) {
        stop = true;
        reason = 'callback';
      }
    if (stopRequested) {
      stop = true;
      reason = 'callback';
    }
    const ckDue = d.nextCheckpoint !== null && algo.steps >= d.nextCheckpoint;
    if (ckDue) while ((d.nextCheckpoint as number) <= algo.steps) d.nextCheckpoint = (d.nextCheckpoint as number) + (opts.checkpointEvery as number);
    if (ckDue || evaluation) {
      await snapshot('last');
      savedLast = algo.steps;
    }
    if (stop) break;
    // Let signal handlers and timers run between updates, at most every yieldMs.
    if (performance.now() - lastYield >= yieldMs) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  let final: Evaluation | null = null;
  const finished = reason === 'steps' || reason === 'threshold' || reason === 'callback';
  if (finished && (opts.finalEval ?? true)) {
    // The threshold evaluation just ran on this very policy: reuse it rather than draw the same episodes again.
    final = d.lastEval && d.lastEval.steps === algo.steps ? d.lastEval : (await evaluateNow()).ev;
  }
  // Unless the last update already saved this very state.
  if (savedLast !== algo.steps) await snapshot('last');
  const result: TrainResult = { reason, steps: algo.steps, updates, final, driver: { ...d } };
  for (const cb of cbs) await cb.onEnd?.(result, ctx);
  return result;
}
