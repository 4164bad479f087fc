/**
 * Running one sweep job: `ascent train` in a child process (the train command's own code path, run
 * directory and checkpoints), resumed with `ascent train --resume` when an earlier attempt left a
 * checkpoint, here or (as a snapshot from the queue) on another machine. Node-only.
 *
 * <jobDir>/<run-name>/ is the job's run directory; a job never has more than one with a checkpoint.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../train/node/load.ts';
import { runLiveness, LOCK_FILE } from '../train/node/lock.ts';
import { CHECKPOINT_FILE, readProgress, type RunStatus } from '../train/node/run-dir.ts';
import { atomicWrite } from '../train/node/files.ts';
import { trainArgs, type SweepJob, type SweepSpec } from './sweep-file.ts';

/** bin/ascent-job.mjs: `ascent` that stops (with a checkpoint) when its parent's pipe closes. */
const JOB_BIN = fileURLToPath(new URL('../../bin/ascent-job.mjs', import.meta.url));

/**
 * A run directory's files (base64) with their SHA-256, at a checkpoint. `data` is null for a file
 * over the upload limit (uploadLimit): its hash travels, its bytes stay on the worker's disk.
 */
export interface RunFiles {
  run: string;
  /** Environment steps of checkpoints/last.ascent. */
  steps: number;
  files: Record<string, { sha256: string; data: string | null }>;
}

/**
 * Bytes above which a file is not uploaded (ASCENT_SWEEP_UPLOAD_MB, default 64): a checkpoint
 * holding a large replay buffer (SAC keeps up to 1M transitions) must not exceed Redis's 512 MB
 * string limit or fill its memory.
 */
export function uploadLimit(env: NodeJS.ProcessEnv = process.env): number {
  const mb = env.ASCENT_SWEEP_UPLOAD_MB === undefined ? 64 : Number(env.ASCENT_SWEEP_UPLOAD_MB);
  if (!(Number.isFinite(mb) && mb >= 0 && mb <= 384))
    throw new RangeError(`ASCENT_SWEEP_UPLOAD_MB must be a number of megabytes in 0..384, got '${env.ASCENT_SWEEP_UPLOAD_MB}'`);
  return mb * 1024 * 1024;
}

export interface JobResult {
  sweep: string;
  key: string;
  index: number;
  config: number;
  seed: number;
  params: Record<string, unknown>;
  algo: string;
  env: string;
  steps: number;
  /** Why training stopped: 'steps' or 'threshold'. */
  reason: string;
  /** The final greedy evaluation (eval.json). */
  final: { mean: number; std: number; episodes: number; solved: boolean | null } | null;
  /** The best evaluation during training (progress rows). */
  best: { mean: number; steps: number } | null;
  seconds: number | null;
  /** Attempts that resumed a checkpoint before this result. */
  resumed: number;
  host: string;
  finishedAt: string;
  run: RunFiles;
  /** SHA-256 of this object's JSON without `checksum` (see resultChecksum). */
  checksum: string;
}

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The checksum of a result: SHA-256 of its JSON with `checksum` left out. */
export function resultChecksum(r: Omit<JobResult, 'checksum'> | JobResult): string {
  const { checksum: _, ...rest } = r as JobResult;
  return sha256(JSON.stringify(rest));
}

/** A result whose checksum or file hashes do not match is an error naming the job. */
export function verifyResult(r: JobResult): void {
  if (resultChecksum(r) !== r.checksum) throw new Error(`result of job ${r.sweep}/${r.key}: checksum mismatch`);
  for (const [f, { sha256: h, data }] of Object.entries(r.run.files))
    if (data !== null && sha256(Buffer.from(data, 'base64')) !== h) throw new Error(`result of job ${r.sweep}/${r.key}: ${f} does not match its SHA-256`);
}

/** Write a snapshot's files into <jobDir>/<run>/ (atomically, each file; those not uploaded are left out). */
export function writeRunFiles(jobDir: string, snap: RunFiles): string {
  const dir = join(jobDir, snap.run);
  for (const [rel, { data }] of Object.entries(snap.files)) {
    if (data === null) continue;
    const path = join(dir, rel);
    if (!path.startsWith(dir + sep)) throw new Error(`run files: '${rel}' leaves the run directory`);
    mkdirSync(dirname(path), { recursive: true });
    atomicWrite(path, Buffer.from(data, 'base64'), { fsync: false });
  }
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  return dir;
}

/** Every file of a run directory but its lock and temporary files; the checkpoint is read first (rows after it are trimmed on resume). */
export function readRunFiles(runDir: string, limit = uploadLimit()): RunFiles {
  const last = join(runDir, CHECKPOINT_FILE.last);
  const lastBytes = readFileSync(last);
  const files: RunFiles['files'] = {};
  const add = (rel: string, bytes: Buffer) => (files[rel] = { sha256: sha256(bytes), data: bytes.length > limit ? null : bytes.toString('base64') });
  add(CHECKPOINT_FILE.last, lastBytes);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(runDir, p).split(sep).join('/');
      if (e.isDirectory()) walk(p);
      else if (e.name !== LOCK_FILE && !e.name.endsWith('.tmp') && rel !== CHECKPOINT_FILE.last) add(rel, readFileSync(p));
    }
  };
  walk(runDir);
  return { run: runDir.split(sep).pop()!, steps: checkpointSteps(last), files };
}

function checkpointSteps(path: string): number {
  return readCheckpoint(path).steps;
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The job's run directories: [with a checkpoint, without]. */
function runDirs(jobDir: string): { withCheckpoint: string[]; without: string[] } {
  const out = { withCheckpoint: [] as string[], without: [] as string[] };
  if (!existsSync(jobDir)) return out;
  for (const e of readdirSync(jobDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const d = join(jobDir, e.name);
    (existsSync(join(d, CHECKPOINT_FILE.last)) ? out.withCheckpoint : out.without).push(d);
  }
  return out;
}

export interface JobProgress {
  steps: number;
  totalSteps: number;
  state: string;
}

export interface RunJobOptions {
  /** A checkpoint uploaded by an earlier attempt (maybe on another machine). */
  restore?: RunFiles | null;
  onProgress?(p: JobProgress): void | Promise<void>;
  /** A new last checkpoint was written (to upload so that another machine can resume it). */
  onCheckpoint?(files: RunFiles): void | Promise<void>;
  /** Stop the run: it saves a checkpoint and the outcome is 'interrupted'. */
  signal?: AbortSignal;
  /** Milliseconds between looks at the run directory. Default 500. */
  pollMs?: number;
  /** Where the child's output goes (default: kept, the tail reported on failure). */
  log?(line: string): void;
}

export type JobOutcome =
  | { kind: 'done'; result: JobResult }
  | { kind: 'interrupted'; files: RunFiles | null }
  /** Bad config (exit 2): retrying cannot help. */
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; message: string };

/** Wait for a process that an earlier attempt left in `dir` (an orphan saving its checkpoint). */
async function waitUnlocked(dir: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (runLiveness(dir).live === true) {
    if (Date.now() - t0 > ms) throw new Error(`${dir} is still held by a live process after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runJob(spec: SweepSpec, sweepId: string, job: SweepJob, jobDir: string, o: RunJobOptions = {}): Promise<JobOutcome> {
  mkdirSync(jobDir, { recursive: true });
  const { withCheckpoint, without } = runDirs(jobDir);
  // Starts killed before their first checkpoint: nothing to resume.
  for (const d of without) {
    await waitUnlocked(d);
    rmSync(d, { recursive: true, force: true });
  }
  if (withCheckpoint.length > 1) return { kind: 'failed', message: `${jobDir} holds ${withCheckpoint.length} runs with checkpoints; expected one` };
  for (const d of withCheckpoint) await waitUnlocked(d);
  let runDir: string | null = withCheckpoint[0] ?? null;
  const r = o.restore;
  if (r && (!runDir || checkpointSteps(join(runDir, CHECKPOINT_FILE.last)) < r.steps)) {
    // The queue's snapshot is further along than this machine's copy (or this machine has none).
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    runDir = writeRunFiles(jobDir, r);
  }
  const resumed = runDir !== null;
  const status = runDir ? readJson<RunStatus>(join(runDir, 'status.json')) : null;
  // A run that finished whose result was never recorded (the worker died in between): collect it.
  const finished = status?.state === 'finished';
  if (!finished) {
    const args = runDir ? ['train', '--resume', runDir, '--plain'] : trainArgs(spec, job, jobDir);
    const code = await runChild(args, jobDir, o, () => runDir ?? runDirs(jobDir).withCheckpoint[0] ?? runDirs(jobDir).without[0] ?? null);
    runDir = runDirs(jobDir).withCheckpoint[0] ?? null;
    if (o.signal?.aborted) return { kind: 'interrupted', files: runDir ? readRunFiles(runDir) : null };
    if (code.code === 2) return { kind: 'invalid', message: code.lastError };
    if (code.code !== 0) return { kind: 'failed', message: `ascent train exited with ${code.code ?? code.signal}: ${code.lastError}` };
    if (!runDir) return { kind: 'failed', message: `ascent train left no checkpoint in ${jobDir}` };
  }
  const end = readJson<RunStatus>(join(runDir!, 'status.json'));
  if (end?.state !== 'finished') return { kind: 'failed', message: `the run in ${runDir} ended in state ${end?.state ?? 'unknown'}` };
  return { kind: 'done', result: collectResult(spec, sweepId, job, runDir!, end, resumed) };
}

/** The result of a finished run directory, with its files and checksums. */
export function collectResult(spec: SweepSpec, sweepId: string, job: SweepJob, runDir: string, end: RunStatus, resumed: boolean): JobResult {
  const ev = readJson<{ mean: number; std: number; episodes: number; solved: boolean | null }>(join(runDir, 'eval.json'));
  const rows = readProgress(runDir, () => {});
  let best: JobResult['best'] = null;
  for (const row of rows) {
    const m = row.evalMean as number | null | undefined;
    if (typeof m === 'number' && (best === null || m > best.mean)) best = { mean: m, steps: row.steps as number };
  }
  const last = rows.at(-1);
  const r: Omit<JobResult, 'checksum'> = {
    sweep: sweepId,
    key: job.key,
    index: job.index,
    config: job.config,
    seed: job.seed,
    params: job.params,
    algo: spec.algo,
    env: spec.env,
    steps: end.steps,
    reason: end.reason ?? 'steps',
    final: ev ? { mean: ev.mean, std: ev.std, episodes: ev.episodes, solved: ev.solved } : null,
    best,
    seconds: typeof last?.seconds === 'number' ? last.seconds : null,
    resumed: resumed ? 1 : 0,
    host: hostname(),
    finishedAt: new Date().toISOString(),
    run: readRunFiles(runDir),
  };
  return { ...r, checksum: resultChecksum(r) };
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  lastError: string;
}

function runChild(args: string[], cwd: string, o: RunJobOptions, findRun: () => string | null): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOB_BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    const tail: string[] = [];
    const keep = (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line.trim()) continue;
        o.log?.(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdin.on('error', () => {});
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let lastCkpt = 0;
    let busy = false;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        const dir = findRun();
        if (!dir) return;
        const st = readJson<RunStatus>(join(dir, 'status.json'));
        if (st) await o.onProgress?.({ steps: st.steps, totalSteps: st.totalSteps, state: st.state });
        const ck = join(dir, CHECKPOINT_FILE.last);
        const m = existsSync(ck) ? statSync(ck).mtimeMs : 0;
        if (m > lastCkpt && o.onCheckpoint) {
          lastCkpt = m;
          await o.onCheckpoint(readRunFiles(dir));
        }
      } catch {
        /* a file replaced while read: the next look sees it whole */
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(poll, o.pollMs ?? 500);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', async (code, signal) => {
      clearInterval(timer);
      o.signal?.removeEventListener('abort', onAbort);
      // The last checkpoint of an interrupted run goes up before the job is handed back.
      while (busy) await new Promise((r) => setTimeout(r, 20));
      if (code !== 0) await poll();
      const err = [...tail].reverse().find((l) => l.startsWith('ascent:')) ?? tail.at(-1) ?? '';
      resolve({ code, signal, lastError: err.replace(/^ascent: (error: )?/, '') });
    });
  });
}
