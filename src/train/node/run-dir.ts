/**
 * The run directory (docs/run-directory.md): a Callback that writes what the driver reports.
 * Node-only. Progress rows are appended as they come; checkpoints and status are replaced atomically.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UpdateLog } from '../../algos/types.ts';
import type { Callback, Evaluation, Snapshot, TrainContext, TrainResult } from '../driver.ts';
import { encodeCheckpoint, type CheckpointInfo } from '../checkpoint.ts';
import { csvLine, parseJsonl, progressRow, tensorboardScalars, type ProgressRow } from '../progress.ts';
import { fileVersionRecord, scalarRecord } from '../tfevents.ts';
import { atomicWrite } from './files.ts';

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
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  return dir;
}

export const CHECKPOINT_FILE = { last: 'checkpoints/last.ascent', best: 'checkpoints/best.ascent' } as const;

/** Keep only progress rows up to `steps` (a resumed run continues from its checkpoint, not from rows logged after it). */
export function trimProgress(dir: string, steps: number): void {
  const jl = join(dir, 'progress.jsonl'), csv = join(dir, 'progress.csv');
  if (existsSync(jl)) {
    const keep = readFileSync(jl, 'utf8').split('\n').filter((l) => l.trim() && (JSON.parse(l).steps as number) <= steps);
    atomicWrite(jl, keep.map((l) => l + '\n').join(''), { fsync: false });
  }
  if (existsSync(csv)) {
    const lines = readFileSync(csv, 'utf8').split('\n').filter((l) => l.length > 0);
    const col = lines[0]?.split(',').indexOf('steps') ?? -1;
    const keep = lines.length ? [lines[0], ...lines.slice(1).filter((l) => col < 0 || Number(l.split(',')[col]) <= steps)] : [];
    atomicWrite(csv, keep.map((l) => l + '\n').join(''), { fsync: false });
  }
}

export class RunWriter implements Callback {
  readonly dir: string;
  private csvColumns: string[] | null = null;
  private readonly eventsFile: string;
  /** Environment steps at the last update written. */
  steps = 0;

  constructor(dir: string, private readonly info: CheckpointInfo, startSteps = 0) {
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
    const s: RunStatus = { state, steps: this.steps, totalSteps: this.info.run.totalSteps, updatedAt: new Date().toISOString(), ...extra };
    atomicWrite(join(this.dir, 'status.json'), JSON.stringify(s, null, 1) + '\n', { fsync: false });
  }

  onStart(ctx: TrainContext): void {
    this.steps = ctx.algo.steps;
    this.status('running');
  }

  onUpdate(log: UpdateLog, _ctx: TrainContext, ev: Evaluation | null): void {
    this.steps = log.steps;
    const row = progressRow(log, ev);
    appendFileSync(join(this.dir, 'progress.jsonl'), JSON.stringify(row) + '\n');
    this.appendCsv(row);
    appendFileSync(this.eventsFile, scalarRecord(log.steps, tensorboardScalars(row), Date.now() / 1000));
    this.status('running');
  }

  private appendCsv(row: ProgressRow): void {
    const path = join(this.dir, 'progress.csv');
    if (!this.csvColumns) {
      this.csvColumns = Object.keys(row);
      appendFileSync(path, this.csvColumns.join(',') + '\n');
    }
    appendFileSync(path, csvLine(this.csvColumns, row) + '\n');
  }

  onCheckpoint(snap: Snapshot): void {
    atomicWrite(join(this.dir, CHECKPOINT_FILE[snap.kind]), encodeCheckpoint(snap, this.info));
  }

  onEnd(result: TrainResult): void {
    this.steps = result.steps;
    if (result.final) {
      const f = result.final;
      const threshold = this.info.run.threshold;
      atomicWrite(join(this.dir, 'eval.json'), JSON.stringify({
        algo: this.info.algo, env: this.info.env, checkpoint: CHECKPOINT_FILE.last, steps: f.steps, episodes: f.episodes, seed: f.seed,
        deterministic: f.deterministic, mean: f.mean, std: f.std, lengthMean: f.lengthMean, threshold,
        solved: threshold !== null ? f.mean >= threshold : null, reason: result.reason, returns: f.returns, lengths: f.lengths,
        evaluatedAt: new Date().toISOString(),
      }, null, 1) + '\n');
    }
    this.status(result.reason === 'interrupted' || result.reason === 'stopAt' ? 'interrupted' : 'finished', { reason: result.reason });
  }
}

/** Read a run's progress rows (JSONL). */
export function readProgress(dir: string): ProgressRow[] {
  const p = join(dir, 'progress.jsonl');
  return existsSync(p) ? parseJsonl(readFileSync(p, 'utf8')) : [];
}

export function eventFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).sort().map((f) => join(dir, f));
}
