/** `ascent train <algo> <env>` and `ascent train --resume <run-dir>`. */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { spec } from '../envs/index.ts';
import type { Algorithm } from '../algos/types.ts';
import { train, type TrainResult, type DriverState } from '../train/driver.ts';
import type { CheckpointInfo, RunSettings } from '../train/checkpoint.ts';
import { resumeConfig, type ConfigChange } from '../train/resume.ts';
import { parseAssignment, setDotted, isPlainObject, type ConfigObject } from '../train/overrides.ts';
import { ConfigError, algorithmEntry, buildConfig, checkActionSpace, checkEnvId, createAlgorithm } from '../train/setup.ts';
import { findPreset } from '../train/node/presets.ts';
import { presetThreshold, THRESHOLD_FROM, type ThresholdSource } from '../train/presets.ts';
import { invokedAs } from './invocation.ts';
import { createRunDir, recordRunChange, RunWriter, trimEvents, trimProgress, CHECKPOINT_FILE } from '../train/node/run-dir.ts';
import { acquireRunLock, removeStaleTempFiles, type RunLock } from '../train/node/lock.ts';
import { readCheckpoint, restoreAlgorithm } from '../train/node/load.ts';
import { ProgressDisplay, fmtNum } from '../train/node/display.ts';
import { atomicWrite } from '../train/node/files.ts';
import { ASCENT_VERSION } from './version.ts';
import { truncate } from '../util/names.ts';
import { checkRolloutFlags, checkRollouts, startRollouts, type RolloutFlags } from './rollouts.ts';

export interface TrainFlags extends RolloutFlags {
  seed?: number;
  steps?: number;
  envs?: number;
  config?: string;
  set: string[];
  out: string;
  evalEvery?: number;
  evalEpisodes?: number;
  /** A number, or 'none' for never. */
  threshold?: number | 'none';
  checkpointEvery?: number;
  stopAt?: number;
  resume?: string;
  preset: boolean;
  plain?: boolean;
}

function readConfigFile(path: string): ConfigObject {
  if (!existsSync(path)) throw new ConfigError(`--config: no such file ${path}`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`--config ${path}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new ConfigError(`--config ${path}: expected a mapping of settings, got ${truncate(JSON.stringify(doc), 80)}`);
  return doc;
}

/** `--set key=value` flags as a nested mapping. */
function parseSets(assignments: string[]): ConfigObject {
  const sets: ConfigObject = {};
  for (const s of assignments) {
    try {
      const [k, v] = parseAssignment(s);
      setDotted(sets, k, v);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  return sets;
}

/** Default evaluation interval: 10k steps, or a tenth of a shorter run. */
export function defaultEvalEvery(totalSteps: number): number {
  return Math.min(10_000, Math.max(1, Math.ceil(totalSteps / 10)));
}

interface Prepared {
  algo: Algorithm;
  dir: string;
  info: CheckpointInfo;
  resume: DriverState | null;
  /** Held while this process trains in `dir`. */
  lock: RunLock;
  /** Where run.threshold came from (null: none, or not recorded by an older run). */
  thresholdFrom: ThresholdSource | null;
  /** Settings a resume changed (--set, --config). */
  changes?: ConfigChange[];
}

async function prepareNew(algoName: string | undefined, envId: string | undefined, f: TrainFlags): Promise<Prepared> {
  if (!algoName || !envId)
    throw new ConfigError("train needs an algorithm and an environment, e.g. 'ascent train reinforce CartPole-v1' (or --resume <run-dir>)");
  const entry = algorithmEntry(algoName);
  checkEnvId(envId);
  checkActionSpace(entry, envId);
  const preset = f.preset ? findPreset(entry.name, envId) : null;
  const config = buildConfig(entry, envId, {
    preset: preset?.config,
    file: f.config ? readConfigFile(f.config) : undefined,
    sets: parseSets(f.set),
    flags: { seed: f.seed, steps: f.steps, envs: f.envs },
  });
  const totalSteps = (config.totalSteps as number | undefined) ?? f.steps;
  if (totalSteps === undefined) throw new ConfigError(`${entry.name} has no 'totalSteps' setting: give --steps`);
  const seed = (config.seed as number | undefined) ?? f.seed ?? 0;
  const evalEvery = f.evalEvery ?? preset?.run.evalEvery ?? defaultEvalEvery(totalSteps);
  const inForce =
    f.threshold !== undefined
      ? { threshold: f.threshold === 'none' ? null : f.threshold, from: f.threshold === 'none' ? null : ('flag' as const) }
      : presetThreshold(preset, spec(envId).rewardThreshold);
  const run: RunSettings = {
    totalSteps,
    evalEvery,
    evalEpisodes: f.evalEpisodes ?? preset?.run.evalEpisodes ?? 10,
    // Evaluation episodes are seeded apart from the training envs (seed + i).
    evalSeed: seed + 1000,
    threshold: inForce.threshold,
    checkpointEvery: f.checkpointEvery ?? 0,
  };
  const algo = createAlgorithm(entry, config);
  if (f.redis) await checkRollouts(algo, f).catch((e) => (algo.close(), Promise.reject(e)));
  let dir: string;
  let lock: RunLock | null = null;
  try {
    dir = createRunDir(f.out, entry.name, envId, seed);
    lock = acquireRunLock(dir);
    const info: CheckpointInfo = { algo: entry.name, env: envId, config, run };
    atomicWrite(
      join(dir, 'config.json'),
      JSON.stringify(
        {
          ...info,
          preset: preset ? { file: preset.file, source: preset.source } : null,
          thresholdFrom: inForce.from,
          ascentVersion: ASCENT_VERSION,
          node: process.version,
          host: hostname(),
          startTime: new Date().toISOString(),
          command: ['ascent', 'train', ...process.argv.slice(3)],
        },
        null,
        1,
      ) + '\n',
      { fsync: false },
    );
    return { algo, dir, info, resume: null, lock, thresholdFrom: inForce.from };
  } catch (e) {
    lock?.release();
    algo.close();
    throw e;
  }
}

function prepareResume(algoName: string | undefined, envId: string | undefined, f: TrainFlags): Prepared {
  const dir = f.resume!;
  const changed = [f.seed !== undefined && '--seed', f.envs !== undefined && '--envs', f.preset === false && '--no-preset'].filter(Boolean);
  if (changed.length) throw new ConfigError(`--resume continues a run with its saved config; ${changed.join(', ')} cannot change it (start a new run instead)`);
  if (!existsSync(dir)) throw new ConfigError(`--resume: no such run directory ${dir}`);
  const path = join(dir, CHECKPOINT_FILE.last);
  if (!existsSync(path)) throw new ConfigError(`--resume: ${dir} has no checkpoint (${CHECKPOINT_FILE.last} is missing)`);
  // Before anything is read or trimmed: a second process resuming the same run refuses here.
  const lock = acquireRunLock(dir);
  try {
    return resumeLocked(dir, path, lock, algoName, envId, f);
  } catch (e) {
    lock.release();
    throw e;
  }
}

function resumeLocked(dir: string, path: string, lock: RunLock, algoName: string | undefined, envId: string | undefined, f: TrainFlags): Prepared {
  // Temporary files of atomic writes that a killed process never renamed.
  removeStaleTempFiles([dir, join(dir, 'checkpoints')]);
  const ck = readCheckpoint(path);
  if (algoName && algoName !== ck.algo) throw new ConfigError(`--resume: ${dir} is a ${ck.algo} run, not ${algoName}`);
  if (envId && envId !== ck.env) throw new ConfigError(`--resume: ${dir} is a ${ck.env} run, not ${envId}`);
  // --config and --set: settings that steer the updates from here on (src/train/resume.ts).
  const { config, changes } = resumeConfig(algorithmEntry(ck.algo), ck.env, ck.config as ConfigObject, {
    file: f.config ? readConfigFile(f.config) : undefined,
    sets: parseSets(f.set),
  });
  const run: RunSettings = { ...ck.run };
  if (f.steps !== undefined) {
    // A longer budget: schedules that depend on totalSteps (linear learning rates) stretch from here on.
    if (f.steps < ck.steps) throw new ConfigError(`--steps ${f.steps} is below the ${ck.steps} steps this run has already done`);
    run.totalSteps = f.steps;
    if ('totalSteps' in config) config.totalSteps = f.steps;
  }
  if (f.evalEvery !== undefined) run.evalEvery = f.evalEvery;
  if (f.evalEpisodes !== undefined) run.evalEpisodes = f.evalEpisodes;
  let thresholdFrom: ThresholdSource | null = null;
  if (f.threshold !== undefined) {
    run.threshold = f.threshold === 'none' ? null : f.threshold;
    thresholdFrom = run.threshold === null ? null : 'flag';
  } else {
    try {
      const from = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).thresholdFrom;
      if (from in THRESHOLD_FROM) thresholdFrom = from;
    } catch {
      /* an older or damaged config.json: the origin is not shown */
    }
  }
  if (f.checkpointEvery !== undefined) run.checkpointEvery = f.checkpointEvery;
  const algo = restoreAlgorithm(ck, path, config);
  const resume = { ...ck.driver };
  if (f.evalEvery !== undefined) resume.nextEval = f.evalEvery > 0 ? ck.steps + f.evalEvery : null;
  if (f.checkpointEvery !== undefined) resume.nextCheckpoint = f.checkpointEvery > 0 ? ck.steps + f.checkpointEvery : null;
  const info: CheckpointInfo = { algo: ck.algo, env: ck.env, config, run };
  try {
    trimProgress(dir, ck.steps);
    trimEvents(dir, ck.steps);
    // Saved at once, into the checkpoint and config.json's `changes`.
    if (changes.length) recordRunChange(dir, ck, info, { command: ['ascent', 'train', ...process.argv.slice(3)], changes });
  } catch (e) {
    algo.close();
    throw e;
  }
  return { algo, dir, info, resume, lock, thresholdFrom, changes };
}

/** Signals that stop a run the way Ctrl-C does (schedulers send SIGTERM, a closed terminal SIGHUP); exit code 128 + number. */
const STOP_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

export async function trainCommand(algoName: string | undefined, envId: string | undefined, f: TrainFlags): Promise<void> {
  checkRolloutFlags(f, algoName);
  const p = f.resume ? prepareResume(algoName, envId, f) : await prepareNew(algoName, envId, f);
  const { lock } = p;
  // Released on every way out, process.exit included; SIGKILL leaves it behind, and a dead pid makes it stale.
  const releaseOnExit = () => lock.release();
  process.on('exit', releaseOnExit);
  try {
    await trainLocked(p, f);
  } finally {
    lock.release();
    process.off('exit', releaseOnExit);
  }
}

async function trainLocked(p: Prepared, f: TrainFlags): Promise<void> {
  const { algo, dir, info } = p;
  const shown = relative(process.cwd(), dir) || dir;
  let writer: RunWriter;
  try {
    writer = new RunWriter(dir, info, algo.steps);
  } catch (e) {
    algo.close();
    throw e;
  }
  // Progress rows are buffered (RunWriter.flush): written on every checkpoint and at the end by the
  // writer, and here on a signal, an error and process.exit.
  const flushQuietly = () => {
    try {
      writer.flush();
    } catch {
      /* a full disk: the rows after the last checkpoint are what a resume drops anyway */
    }
  };
  process.on('exit', flushQuietly);
  const display = new ProgressDisplay({ totalSteps: info.run.totalSteps, plain: f.plain });
  const controller = new AbortController();
  let stopSignal: StopSignal | null = null;
  const onSignal = (sig: StopSignal) => {
    // A hang-up closed the terminal: writing to it must not crash the checkpoint being saved.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    const again = sig === 'SIGINT' ? 'Ctrl-C' : sig;
    // Between updates (the driver yields at most every 20 ms): the buffered progress rows reach the disk.
    flushQuietly();
    if (stopSignal) {
      process.stderr.write(`\nascent: second ${again}, exiting without saving\n`);
      process.exit(128 + STOP_SIGNALS[sig]);
    }
    stopSignal = sig;
    display.interrupt();
    process.stderr.write(
      `\nascent: interrupted${sig === 'SIGINT' ? '' : ` (${sig})`}, saving a checkpoint after the current update (${again} again to quit now)\n`,
    );
    controller.abort();
  };
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  process.stderr.write(
    `${f.resume ? 'resuming' : 'training'} ${info.algo} on ${info.env}${f.resume ? ` from ${algo.steps} steps` : ''}: ` +
      `${info.run.totalSteps} steps, seed ${info.config.seed ?? '-'}, run directory ${shown}\n`,
  );
  if (p.changes?.length)
    process.stderr.write(
      `changed: ${p.changes.map((c) => `${c.key} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join(', ')} (recorded in config.json)\n`,
    );
  const th = info.run.threshold;
  process.stderr.write(
    th === null
      ? 'no threshold: training runs to the step budget\n'
      : `${thresholdText(th, p.thresholdFrom)}: training stops when a greedy evaluation reaches it (--threshold none to train to the step budget)\n`,
  );
  const t0 = performance.now();
  let result: TrainResult;
  // --redis: batches from rollout workers (src/cli/rollouts.ts).
  const rollouts = f.redis ? await startRollouts(algo, dir, f, (line) => process.stderr.write(`${line}\n`)) : null;
  try {
    result = await train(rollouts?.learner ?? algo, {
      totalSteps: info.run.totalSteps,
      evalEvery: info.run.evalEvery,
      evalEpisodes: info.run.evalEpisodes,
      evalSeed: info.run.evalSeed,
      threshold: info.run.threshold,
      checkpointEvery: info.run.checkpointEvery,
      stopAt: f.stopAt,
      callbacks: [writer, display],
      signal: controller.signal,
      resume: p.resume ?? undefined,
    });
  } catch (e) {
    display.close();
    // Never throws: on a full disk the failure must still reach the user (and the lock, released next, tells readers the run is dead).
    const recorded = writer.recordFailure((e as Error).message);
    algo.close();
    process.stderr.write(`ascent: the run in ${shown} failed at ${writer.steps} steps${recorded ? ' (status.json records the error)' : ''}\n`);
    throw e;
  } finally {
    await rollouts?.stop();
    for (const [sig, h] of handlers) process.off(sig, h);
    process.off('exit', flushQuietly);
  }
  algo.close();
  const secs = (performance.now() - t0) / 1000;
  const out = process.stdout;
  const why = {
    steps: 'step budget reached',
    threshold: `stopped: ${thresholdText(info.run.threshold!, p.thresholdFrom)} reached`,
    callback: 'stopped by a callback',
    interrupted: 'interrupted',
    stopAt: `paused at --stop-at ${f.stopAt}`,
  }[result.reason];
  out.write(
    `${why}: ${result.steps} steps, ${result.updates} updates in ${secs.toFixed(1)} s` +
      `${result.reason === 'threshold' && result.steps < info.run.totalSteps ? ' (--threshold none to train on)' : ''}\n`,
  );
  if (result.final) {
    const e = result.final;
    const th = info.run.threshold;
    out.write(
      `evaluation (${e.episodes} episodes, greedy, seed ${e.seed}): return ${fmtNum(e.mean, 4)} ± ${fmtNum(e.std, 3)}` +
        `${th !== null ? ` (threshold ${th}: ${e.mean >= th ? 'solved' : 'not reached'})` : ''}\n`,
    );
  }
  if (result.driver.bestMean !== null)
    out.write(`best evaluation: ${fmtNum(result.driver.bestMean, 4)} at ${result.driver.bestSteps} steps (${CHECKPOINT_FILE.best})\n`);
  out.write(`run saved to ${shown}\n`);
  if (result.reason === 'interrupted' || result.reason === 'stopAt') out.write(`continue with: ${invokedAs()} train --resume ${shown}\n`);
  if (result.reason === 'interrupted') process.exitCode = 128 + STOP_SIGNALS[stopSignal ?? 'SIGINT'];
}

/** "threshold -200 from the preset" (the origin is left out when an older run did not record it). */
function thresholdText(th: number, from: ThresholdSource | null): string {
  return `threshold ${th}${from ? ' ' + THRESHOLD_FROM[from] : ''}`;
}
