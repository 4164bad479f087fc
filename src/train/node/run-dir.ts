/**
 * The run directory (docs/run-directory.md): a Callback that writes what the driver reports.
 * Node-only. Progress rows and events are buffered and appended at least once a second (and at
 * every checkpoint, the end, a signal and an error); checkpoints and status are replaced atomically.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, truncateSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UpdateLog } from '../../algos/types.ts';
import type { Callback, Evaluation, Snapshot, TrainContext, TrainResult } from '../driver.ts';
import { encodeCheckpoint, type Checkpoint, type CheckpointInfo } from '../checkpoint.ts';
import { csvLine, readProgressJsonl, type ProgressRow } from '../progress.ts';
import { ProgressBuffer } from '../progress-buffer.ts';
import { eventBytesUpTo, fileVersionRecord } from '../tfevents.ts';
import { atomicWrite } from './files.ts';
import { runLiveness, type RunLiveness } from './lock.ts';

export type RunState = 'running' | 'finished' | 'interrupted' | 'failed';

export interface RunStatus {
  state: RunState;
  steps: number;
  totalSteps: number;
  updatedAt: string;
  reason?: string;
  error?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function timestamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** runs/<algo>-<env>-s<seed>-<YYYYmmdd-HHMMSS>/ (suffixed -2, -3, ... if taken), with checkpoints/. */
export function createRunDir(out: string, algo: string, env: string, seed: number, now = new Date()): string {
  const base = join(out, `${algo}-${env}-s${seed}-${timestamp(now)}`);
  mkdirSync(out, { recursive: true });
  // mkdir without `recursive` fails on an existing directory: two runs started in the same second never share one.
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    mkdirSync(join(dir, 'checkpoints'));
    return dir;
  }
}

export const CHECKPOINT_FILE = { last: 'checkpoints/last.ascent', best: 'checkpoints/best.ascent' } as const;

/** Warnings about damaged run files go to stderr, one line each. */
export const warnStderr = (message: string): void => void process.stderr.write(`ascent: warning: ${message}\n`);

/**
 * Keep only progress rows up to `steps` (a resumed run continues from its checkpoint and logs the
 * rows after it again). A torn last line (a full disk, a kill mid-write) goes with them; a bad line
 * elsewhere throws, naming the file and line. progress.csv is rebuilt from the kept JSONL rows
 * (the same values, columns from its header), so a torn CSV line cannot survive either.
 */
export function trimProgress(dir: string, steps: number, warn: (message: string) => void = warnStderr): void {
  const jl = join(dir, 'progress.jsonl'),
    csv = join(dir, 'progress.csv');
  if (existsSync(jl)) {
    const keep = readProgressJsonl(readFileSync(jl, 'utf8'), jl, warn).rows.filter((r) => typeof r.steps === 'number' && r.steps <= steps);
    atomicWrite(jl, keep.map((r) => JSON.stringify(r) + '\n').join(''), { fsync: false });
    const text = existsSync(csv) ? readFileSync(csv, 'utf8') : '';
    const header = text.includes('\n') ? text.slice(0, text.indexOf('\n')) : '';
    const columns = header ? header.split(',') : keep.length ? Object.keys(keep[0]) : null;
    if (columns) atomicWrite(csv, [columns.join(','), ...keep.map((r) => csvLine(columns, r))].map((l) => l + '\n').join(''), { fsync: false });
  } else if (existsSync(csv)) {
    // No JSONL to rebuild from: keep the whole CSV lines up to `steps` (a last line without its newline is torn).
    const text = readFileSync(csv, 'utf8');
    const lines = text.split('\n');
    if (!text.endsWith('\n') && lines.at(-1) !== '') warn(`${csv} line ${lines.length}: dropped a torn last line`);
    lines.pop();
    const col = lines[0]?.split(',').indexOf('steps') ?? -1;
    const keep = lines.length ? [lines[0], ...lines.slice(1).filter((l) => l.length > 0 && (col < 0 || Number(l.split(',')[col]) <= steps))] : [];
    atomicWrite(csv, keep.map((l) => l + '\n').join(''), { fsync: false });
  }
}

/**
 * Cut every TensorBoard event file in `dir` back to the records of steps <= `steps` (and before
 * any damaged record): a run killed after its last checkpoint logged steps that the resumed run
 * logs again, and TensorBoard would show both. Returns the files that were cut.
 */
export function trimEvents(dir: string, steps: number): string[] {
  const cut: string[] = [];
  for (const f of eventFiles(dir)) {
    const bytes = readFileSync(f);
    const keep = eventBytesUpTo(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), steps);
    if (keep < bytes.length) {
      truncateSync(f, keep);
      cut.push(f);
    }
  }
  return cut;
}

export interface RunWriterOptions {
  /** Milliseconds between appends of buffered progress rows and rewrites of status.json. Default 1000. */
  flushMs?: number;
  /** Buffered rows that force an append. Default 4096. */
  flushRows?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * A change made to a saved run before it resumes (`ascent train --resume --set`, or a script that edits
 * its parameters): the last checkpoint is rewritten with `ck.state` and `info` at once (so that a crash
 * before the next checkpoint cannot resume without the change), and config.json records it under
 * `changes` with the step count, the time and the command.
 */
export function recordRunChange(dir: string, ck: Checkpoint, info: CheckpointInfo, change: { command: string[]; changes: unknown[] }): void {
  const snap: Snapshot = { kind: 'last', steps: ck.steps, driver: ck.driver, state: ck.state };
  atomicWrite(join(dir, CHECKPOINT_FILE.last), encodeCheckpoint(snap, info, new Date(ck.savedAt)));
  const cfgPath = join(dir, 'config.json');
  let saved: Record<string, unknown> = {};
  try {
    saved = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch {
    /* a damaged or missing config.json is rewritten from the checkpoint */
  }
  const entry = { steps: ck.steps, time: new Date().toISOString(), ...change };
  const record = { ...saved, ...info, changes: [...(Array.isArray(saved.changes) ? saved.changes : []), entry] };
  atomicWrite(cfgPath, `${JSON.stringify(record, null, 1)}\n`, { fsync: false });
}

export class RunWriter implements Callback {
  readonly dir: string;
  private csvColumns: string[] | null = null;
  private readonly eventsFile: string;
  /** Environment steps at the last update written. */
  steps = 0;
  // Rows waiting to be appended, as numbers (ProgressBuffer), with the wall time of their update:
  // writing three files per update costs more CPU than a small update itself, and so does
  // formatting a row between two updates, or keeping an object per row until the flush (issue 12).
  // A crash loses at most flushMs of rows, all after the last checkpoint.
  private readonly pending = new ProgressBuffer();
  private lastFlush: number;
  private lastStatus = -Infinity;
  private readonly flushMs: number;
  private readonly flushRows: number;
  private readonly now: () => number;

  constructor(
    dir: string,
    private readonly info: CheckpointInfo,
    startSteps = 0,
    opts: RunWriterOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 1000;
    this.flushRows = opts.flushRows ?? 4096;
    for (const [k, v] of [
      ['flushMs', this.flushMs],
      ['flushRows', this.flushRows],
    ] as const) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`RunWriter: '${k}' must be a number >= 0, got ${v}`);
    }
    this.now = opts.now ?? (() => performance.now());
    this.lastFlush = this.now();
    this.dir = dir;
    this.steps = startSteps;
    const csv = join(dir, 'progress.csv');
    if (existsSync(csv)) {
      const header = readFileSync(csv, 'utf8').split('\n')[0];
      if (header) this.csvColumns = header.split(',');
    }
    // A new event file per process (TensorBoard reads every file in the directory).
    const now = Date.now() / 1000;
    let name = `events.out.tfevents.${Math.floor(now)}.${hostname()}`;
    for (let i = 2; existsSync(join(dir, name)); i++) name = `events.out.tfevents.${Math.floor(now)}.${hostname()}.${i}`;
    this.eventsFile = join(dir, name);
    appendFileSync(this.eventsFile, fileVersionRecord(now));
  }

  status(state: RunState, extra: Partial<RunStatus> = {}): void {
    atomicWrite(join(this.dir, 'status.json'), this.statusText(state, extra), { fsync: false });
  }

  private statusText(state: RunState, extra: Partial<RunStatus>): string {
    const s: RunStatus = { state, steps: this.steps, totalSteps: this.info.run.totalSteps, updatedAt: new Date().toISOString(), ...extra };
    return JSON.stringify(s, null, 1) + '\n';
  }

  /**
   * Record a failure without throwing: on a full disk the atomic write (a new temporary file) can
   * fail, so fall back to rewriting status.json in place (its own blocks are freed first). Returns
   * false when neither worked; readers then still see that no process holds the run (runLiveness).
   */
  recordFailure(error: string, warn: (message: string) => void = warnStderr): boolean {
    const text = this.statusText('failed', { error });
    // The rows logged before the failure (on a full disk this can tear the last one: readers and a resume drop it).
    try {
      this.flush();
    } catch {
      /* the status below matters more */
    }
    try {
      this.status('failed', { error });
      return true;
    } catch {
      try {
        const fd = openSync(join(this.dir, 'status.json'), 'w');
        try {
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
        return true;
      } catch (e) {
        warn(`could not record the failure in ${join(this.dir, 'status.json')} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        return false;
      }
    }
  }

  onStart(ctx: TrainContext): void {
    this.steps = ctx.algo.steps;
    this.status('running');
    this.lastStatus = this.now();
  }

  onUpdate(log: UpdateLog, _ctx: TrainContext, ev: Evaluation | null): void {
    this.steps = log.steps;
    // The row's values now (a copy: the algorithm may reuse its log); its text at the next flush.
    const wallTime = Date.now() / 1000;
    if (!this.pending.push(log, ev, wallTime)) {
      // The first row, or a log with other keys: the rows before it are written under their own.
      this.append();
      this.pending.reshape(log);
      this.pending.push(log, ev, wallTime);
    }
    const t = this.now();
    if (this.pending.rows >= this.flushRows || t - this.lastFlush >= this.flushMs) this.flush();
    // status.json at most once per flushMs: readers poll it, and an atomic rewrite per update is a file created and renamed.
    if (t - this.lastStatus >= this.flushMs) {
      this.status('running');
      this.lastStatus = t;
    }
  }

  /**
   * Format the buffered rows and append them: progress.jsonl, progress.csv and the TensorBoard
   * events, one write per file. Called on a timer or count inside onUpdate, before every
   * checkpoint, at the end, and by the CLI on a signal, an error and process exit.
   */
  flush(): void {
    this.lastFlush = this.now();
    this.append();
  }

  private append(): void {
    const jl = join(this.dir, 'progress.jsonl'),
      csv = join(this.dir, 'progress.csv');
    const columns = this.pending.format(this.csvColumns, (f) => {
      appendFileSync(jl, f.jsonl);
      appendFileSync(csv, f.csv);
      appendFileSync(this.eventsFile, f.events);
    });
    if (columns !== null) this.csvColumns = columns;
  }

  /** Rows not yet appended (tests). */
  get pendingRows(): number {
    return this.pending.rows;
  }

  onCheckpoint(snap: Snapshot): void {
    // Progress up to the checkpoint is on disk before the checkpoint is: a resume trims to the
    // checkpoint's step and must find every row before it.
    this.flush();
    atomicWrite(join(this.dir, CHECKPOINT_FILE[snap.kind]), encodeCheckpoint(snap, this.info));
    this.status('running');
    this.lastStatus = this.now();
  }

  onEnd(result: TrainResult): void {
    this.flush();
    this.steps = result.steps;
    if (result.final) {
      const f = result.final;
      const threshold = this.info.run.threshold;
      atomicWrite(
        join(this.dir, 'eval.json'),
        JSON.stringify(
          {
            algo: this.info.algo,
            env: this.info.env,
            checkpoint: CHECKPOINT_FILE.last,
            steps: f.steps,
            episodes: f.episodes,
            seed: f.seed,
            deterministic: f.deterministic,
            mean: f.mean,
            std: f.std,
            lengthMean: f.lengthMean,
            threshold,
            solved: threshold !== null ? f.mean >= threshold : null,
            reason: result.reason,
            returns: f.returns,
            lengths: f.lengths,
            evaluatedAt: new Date().toISOString(),
          },
          null,
          1,
        ) + '\n',
      );
    }
    this.status(result.reason === 'interrupted' || result.reason === 'stopAt' ? 'interrupted' : 'finished', { reason: result.reason });
  }
}

/** Read a run's progress rows (JSONL); a torn last line is skipped with a warning naming the file and line. */
export function readProgress(dir: string, warn: (message: string) => void = warnStderr): ProgressRow[] {
  const p = join(dir, 'progress.jsonl');
  return existsSync(p) ? readProgressJsonl(readFileSync(p, 'utf8'), p, warn).rows : [];
}

/** A run's state as readers should show it: status.json, except that 'running' without a live process is 'dead'. */
export type ShownRunState = RunState | 'dead';

export interface RunReport {
  status: RunStatus | null;
  state: ShownRunState | null;
  liveness: RunLiveness;
}

/**
 * status.json checked against the run's lock: a process killed outright (SIGKILL, power loss, a
 * full disk that failed the failure handler's own write) leaves 'running' behind, and no live
 * process holding train.lock tells that it is dead.
 */
export function readRunStatus(dir: string): RunReport {
  let status: RunStatus | null = null;
  try {
    status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
  } catch {
    /* missing or unreadable */
  }
  const liveness = runLiveness(dir);
  const state = status?.state === 'running' && liveness.live === false ? 'dead' : (status?.state ?? null);
  return { status, state, liveness };
}

export function eventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('events.out.tfevents.'))
    .sort()
    .map((f) => join(dir, f));
}
