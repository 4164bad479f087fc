/**
 * One training run in the browser (inside the worker): the config from the algorithm's defaults and
 * the tuned preset, the shared training driver (train/driver.ts) with pause/resume at update
 * boundaries, and checkpoints in the CLI's format, so a policy saved here plays in `ascent eval`
 * and in the dashboard. Browser-safe and free of worker APIs, so Node runs it too (tests, bench).
 */
import { spec } from '../../envs/index.ts';
import type { Algorithm, UpdateLog } from '../../algos/types.ts';
import { algorithmEntry, buildConfig, checkEnvId, checkActionSpace, createAlgorithm } from '../../train/setup.ts';
import { train, type DriverState, type Evaluation, type TrainResult } from '../../train/driver.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointInfo, type RunSettings } from '../../train/checkpoint.ts';
import type { ConfigObject } from '../../train/overrides.ts';
import { presetFor } from '../presets.ts';

export interface StartRequest {
  algo: string;
  env: string;
  seed?: number;
  /** Default: the preset's (else the algorithm's) totalSteps. */
  totalSteps?: number;
  /** Stop once a greedy evaluation mean reaches this; undefined: the preset's or the env's reward threshold; null: never. */
  threshold?: number | null;
  evalEvery?: number;
  evalEpisodes?: number;
  /** Config keys over the preset (validated by the algorithm's schema). */
  overrides?: ConfigObject;
}

/** The algorithm config and driver settings a request resolves to (the CLI's layering: defaults < preset < overrides < flags). */
export function resolveRun(req: StartRequest): CheckpointInfo & { source: string | null } {
  const entry = algorithmEntry(req.algo);
  checkEnvId(req.env);
  checkActionSpace(entry, req.env);
  const preset = presetFor(entry.name, req.env);
  const seed = req.seed ?? 0;
  const config = buildConfig(entry, req.env, {
    preset: preset?.config,
    sets: req.overrides,
    flags: { seed, ...(req.totalSteps ? { steps: req.totalSteps } : {}) },
  });
  const threshold =
    req.threshold !== undefined ? req.threshold : preset?.run?.threshold !== undefined ? preset.run.threshold : (spec(req.env).rewardThreshold ?? null);
  const run: RunSettings = {
    totalSteps: config.totalSteps as number,
    evalEvery: req.evalEvery ?? preset?.run?.evalEvery ?? 10_000,
    evalEpisodes: req.evalEpisodes ?? preset?.run?.evalEpisodes ?? 10,
    evalSeed: seed + 1000, // as the CLI: evaluation episodes never reuse training seeds
    threshold,
    checkpointEvery: 0,
  };
  return { algo: entry.name, env: req.env, config, run, source: preset?.source ?? null };
}

export interface ResumeRequest {
  /** A checkpoint file (.ascent) to continue from. */
  checkpoint: Uint8Array;
  /** Default: the run's own totalSteps and threshold. */
  totalSteps?: number;
  threshold?: number | null;
}

export interface SessionEvents {
  onUpdate?(log: UpdateLog, evaluation: Evaluation | null): void;
  onEvaluation?(ev: Evaluation): void;
  /** Training holds (true) at an update boundary after pause(), or goes on (false) after resume(). */
  onPause?(paused: boolean): void;
}

export class TrainingSession {
  readonly info: CheckpointInfo & { source: string | null };
  readonly algo: Algorithm;
  private driver: Readonly<DriverState> | null = null;
  private paused = false;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();

  private readonly resumeFrom: DriverState | undefined;

  /** A fresh run, or one continued from a checkpoint (the page's or the CLI's) with its driver counters. */
  constructor(req: StartRequest | ResumeRequest) {
    if ('checkpoint' in req) {
      const ck = decodeCheckpoint(req.checkpoint);
      const run = { ...ck.run, totalSteps: req.totalSteps ?? ck.run.totalSteps, threshold: req.threshold !== undefined ? req.threshold : ck.run.threshold };
      this.info = { algo: ck.algo, env: ck.env, config: ck.config, run, source: null };
      this.algo = createAlgorithm(algorithmEntry(ck.algo), ck.config);
      this.algo.setState(ck.state);
      this.resumeFrom = ck.driver;
    } else {
      this.info = resolveRun(req);
      this.algo = createAlgorithm(algorithmEntry(this.info.algo), this.info.config);
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  run(events: SessionEvents = {}): Promise<TrainResult> {
    const r = this.info.run;
    return train(this.algo, {
      totalSteps: r.totalSteps,
      evalEvery: r.evalEvery,
      evalEpisodes: r.evalEpisodes,
      evalSeed: r.evalSeed,
      threshold: r.threshold,
      signal: this.abort.signal,
      resume: this.resumeFrom,
      callbacks: [
        {
          onStart: (ctx) => void (this.driver = ctx.driver),
          onEvaluation: (ev) => void events.onEvaluation?.(ev),
          onUpdate: async (log, _ctx, ev) => {
            events.onUpdate?.(log, ev);
            // Pausing waits here, at an update boundary, where getState() is consistent (a pause asked
            // for during an update takes effect after it, so onPause says when it really holds).
            if (!this.paused || this.abort.signal.aborted) return;
            events.onPause?.(true);
            while (this.paused && !this.abort.signal.aborted) await new Promise<void>((res) => (this.wake = res));
            events.onPause?.(false);
          },
        },
      ],
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** Stop at the next update boundary (the run ends with reason 'interrupted'). */
  stop(): void {
    this.abort.abort();
    this.resume();
  }

  /** The current state as a CLI-compatible checkpoint file (call between updates: paused, or from a callback). */
  checkpoint(kind: 'last' | 'best' = 'last'): Uint8Array {
    const driver = this.driver ?? { nextEval: null, nextCheckpoint: null, bestMean: null, bestSteps: null, evaluations: 0, lastEval: null };
    return encodeCheckpoint({ kind, state: this.algo.getState(), driver: { ...driver }, steps: this.algo.steps }, this.info);
  }
}

/** Training throughput without evaluation: env steps per second of update() calls (collect + learn). */
export function throughput(req: StartRequest & { steps: number }): { steps: number; seconds: number; updates: number; stepsPerSecond: number } {
  const info = resolveRun({ ...req, totalSteps: req.steps });
  const algo = createAlgorithm(algorithmEntry(info.algo), info.config);
  const t0 = performance.now();
  let updates = 0;
  while (algo.steps < req.steps) {
    algo.update();
    updates++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const steps = algo.steps;
  algo.close();
  return { steps, seconds, updates, stepsPerSecond: steps / seconds };
}
