/**
 * Read-only views of sweeps for the dashboard: every job's state (queued, running, stopped, done,
 * failed) and progress, and per configuration the final scores over seeds with the best
 * configuration, from a sweep directory (<runs>/<sweep>/sweep.json, <job>/result.json and <job>/<run>/,
 * as `ascent sweep` writes them locally and collects them from the queue) or from the queue's
 * records. Node-only. Nothing here throws on bad files: a corrupt sweep record is one line on its
 * sweep, a corrupt result one line on its job.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE, runLiveness } from '../train/node/lock.ts';
import { CHECKPOINT_FILE } from '../train/node/run-dir.ts';
import { readRegularInside } from '../web/runs.ts';
import type { StoredSweep } from './queue.ts';
import type { RedisTarget } from './redis.ts';
import type { JobProgress, JobResult } from './run-job.ts';
import { summarize, type ConfigSummary } from './sweep.ts';

/**
 * queued: not started; running: training (or its result being collected); stopped: interrupted or
 * killed, continued when the sweep is run again (or, on a queue, when a worker takes it back);
 * done: a result; failed: the run failed (the queue gave up on it after its attempts).
 */
export type JobState = 'queued' | 'running' | 'stopped' | 'done' | 'failed';

export interface SweepJobView {
  key: string;
  index: number;
  config: number;
  seed: number;
  params: Record<string, unknown>;
  state: JobState;
  steps: number | null;
  totalSteps: number | null;
  /** Mean return of the final greedy evaluation (done jobs). */
  final: number | null;
  /** Best evaluation during training. */
  best: number | null;
  /** The dashboard's name of the job's run (`<sweep>/<job>`) when its run directory is here, else null. */
  run: string | null;
  /** Why it failed, or a problem reading its files (one line). */
  error: string | null;
}

export interface SweepView {
  id: string;
  /** Where the jobs' states come from. */
  source: 'dir' | 'redis';
  /** A problem with the sweep record (one line); the other fields are then empty. */
  error: string | null;
  algo: string | null;
  env: string | null;
  steps: number | null;
  seeds: number[];
  submittedAt: string | null;
  jobs: SweepJobView[];
  counts: Record<JobState, number>;
  /** Per configuration: final return mean ± std (population, over the seeds done), as `ascent sweep status` prints. */
  configurations: ConfigSummary[];
  /** The configuration with the highest mean final return, or null before any job is done. */
  best: number | null;
}

/** The largest sweep.json read (10,000 jobs are ~2 MB). */
const MAX_SWEEP_BYTES = 64 << 20;
/** The largest result.json read (the files' bytes are not in it, only their hashes). */
const MAX_RESULT_BYTES = 4 << 20;
/** A job's directory: `c<config>-s<seed>` (sweep-file.ts). */
const JOB_KEY = /^c\d+-s\d+$/;

const oneLine = (s: string) => s.split('\n')[0];
const isObj = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The sweep directories directly inside runsDir: those holding a sweep.json. */
export function listSweepDirs(runsDir: string): string[] {
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(runsDir, d.name, 'sweep.json')))
    .map((d) => d.name)
    .sort();
}

/** A sweep record's shape, checked field by field: the first problem as one line, or null. */
export function checkStoredSweep(s: unknown): string | null {
  if (!isObj(s)) return 'expected a JSON object';
  if (typeof s.id !== 'string') return `"id" must be a string, got ${JSON.stringify(s.id)}`;
  if (!isObj(s.spec)) return '"spec" must be an object';
  for (const k of ['algo', 'env']) if (typeof s.spec[k] !== 'string') return `"spec.${k}" must be a string, got ${JSON.stringify(s.spec[k])}`;
  if (!isInt(s.spec.steps)) return `"spec.steps" must be an integer, got ${JSON.stringify(s.spec.steps)}`;
  if (!Array.isArray(s.spec.seeds) || !s.spec.seeds.every(isInt)) return '"spec.seeds" must be a list of integers';
  if (!Array.isArray(s.jobs)) return `"jobs" must be a list, got ${JSON.stringify(s.jobs)?.slice(0, 40)}`;
  for (const [i, j] of s.jobs.entries()) {
    if (!isObj(j) || j.index !== i || typeof j.key !== 'string' || !JOB_KEY.test(j.key) || !isInt(j.config) || !isInt(j.seed) || !isObj(j.params))
      return `"jobs[${i}]" must be {index: ${i}, key: 'c<config>-s<seed>', config, seed, params}, got ${JSON.stringify(j)?.slice(0, 80)}`;
  }
  return null;
}

const emptyCounts = (): Record<JobState, number> => ({ queued: 0, running: 0, stopped: 0, done: 0, failed: 0 });

/** The view of a sweep that cannot be read: its id and the one-line reason. */
export function brokenSweep(id: string, source: SweepView['source'], error: string): SweepView {
  return {
    id,
    source,
    error,
    algo: null,
    env: null,
    steps: null,
    seeds: [],
    submittedAt: null,
    jobs: [],
    counts: emptyCounts(),
    configurations: [],
    best: null,
  };
}

/** What is known of a job besides its result: how far it got and where its run is. */
export interface JobActivity {
  state: Exclude<JobState, 'done'>;
  steps?: number | null;
  totalSteps?: number | null;
  run?: string | null;
  error?: string | null;
}

/**
 * The view from the sweep record, its results (one per finished job) and what is known of the
 * others; a result counts towards its configuration's scores, exactly as `ascent sweep status`.
 */
export function sweepView(sweep: StoredSweep, source: SweepView['source'], results: JobResult[], activity: Record<string, JobActivity>): SweepView {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const counts = emptyCounts();
  const jobs = sweep.jobs.map((j): SweepJobView => {
    const r = byKey.get(j.key);
    const a = activity[j.key] ?? { state: 'queued' };
    const v: SweepJobView = r
      ? {
          ...pick(j),
          state: 'done',
          steps: r.steps,
          totalSteps: sweep.spec.steps,
          final: r.final?.mean ?? null,
          best: r.best?.mean ?? null,
          run: a.run ?? null,
          error: a.error ?? null,
        }
      : {
          ...pick(j),
          state: a.state,
          steps: a.steps ?? null,
          totalSteps: a.totalSteps ?? null,
          final: null,
          best: null,
          run: a.run ?? null,
          error: a.error ?? null,
        };
    counts[v.state]++;
    return v;
  });
  const { rows, best } = summarize(sweep, [...byKey.values()]);
  return {
    id: sweep.id,
    source,
    error: null,
    algo: sweep.spec.algo,
    env: sweep.spec.env,
    steps: sweep.spec.steps,
    seeds: sweep.spec.seeds,
    submittedAt: typeof sweep.submittedAt === 'string' ? sweep.submittedAt : null,
    jobs,
    counts,
    configurations: rows,
    best: best?.config ?? null,
  };
}

const pick = (j: StoredSweep['jobs'][number]) => ({ key: j.key, index: j.index, config: j.config, seed: j.seed, params: j.params });

function readJsonInside(root: string, path: string, max: number, label: string): unknown {
  const text = readRegularInside(root, path, max, label).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${label} is corrupt: ${oneLine((e as Error).message)}`);
  }
}

/** The job's run directory: the one with a checkpoint (a job keeps one), else the newest (a start before its first checkpoint). */
export function jobRunDir(jobDir: string, named?: string): string | null {
  if (named && existsSync(join(jobDir, named))) return named;
  let dirs: string[];
  try {
    dirs = readdirSync(jobDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch {
    return null;
  }
  const withCk = dirs.filter((d) => existsSync(join(jobDir, d, CHECKPOINT_FILE.last)));
  const pool = withCk.length ? withCk : dirs;
  if (!pool.length) return null;
  const mtime = (d: string) => {
    try {
      return statSync(join(jobDir, d)).mtimeMs;
    } catch {
      return 0;
    }
  };
  return pool.reduce((a, b) => (mtime(b) > mtime(a) ? b : a));
}

/** The job directories of a sweep directory that hold a run: job key -> run directory name. */
export function sweepRunDirs(sweepDir: string): Map<string, string> {
  const out = new Map<string, string>();
  let keys: string[];
  try {
    keys = readdirSync(sweepDir).filter((k) => JOB_KEY.test(k));
  } catch {
    return out;
  }
  for (const k of keys.sort()) {
    const run = jobRunDir(join(sweepDir, k));
    if (run) out.set(k, run);
  }
  return out;
}

/**
 * A sweep directory under `root`, followed over time: sweep.json and each result.json are parsed
 * again only when they change (size or mtime), so a poll costs a few stats per job.
 */
export class LocalSweepReader {
  private cache = new Map<string, { stamp: string; value: unknown; error: string | null }>();

  constructor(
    readonly root: string,
    readonly id: string,
  ) {}

  private read(path: string, max: number, label: string): { value: unknown; error: string | null } | null {
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      this.cache.delete(path);
      return null;
    }
    const hit = this.cache.get(path);
    if (hit?.stamp === stamp) return hit;
    let entry: { stamp: string; value: unknown; error: string | null };
    try {
      entry = { stamp, value: readJsonInside(this.root, path, max, label), error: null };
    } catch (e) {
      entry = { stamp, value: null, error: oneLine((e as Error).message) };
    }
    this.cache.set(path, entry);
    return entry;
  }

  /** The sweep as it is on disk now. */
  view(): SweepView {
    const dir = join(this.root, this.id);
    const rec = this.read(join(dir, 'sweep.json'), MAX_SWEEP_BYTES, 'sweep.json');
    if (!rec) return brokenSweep(this.id, 'dir', 'sweep.json is missing');
    if (rec.error) return brokenSweep(this.id, 'dir', rec.error);
    const problem = checkStoredSweep(rec.value);
    if (problem) return brokenSweep(this.id, 'dir', `sweep.json is not a sweep record: ${problem}`);
    const sweep = rec.value as StoredSweep;
    if (sweep.id !== this.id) return brokenSweep(this.id, 'dir', `sweep.json is the record of sweep '${sweep.id}', not of its directory '${this.id}'`);
    const results: JobResult[] = [];
    const activity: Record<string, JobActivity> = {};
    for (const j of sweep.jobs) {
      const jobDir = join(dir, j.key);
      if (!existsSync(jobDir)) continue;
      const res = this.read(join(jobDir, 'result.json'), MAX_RESULT_BYTES, `${j.key}/result.json`);
      let resultError: string | null = res?.error ?? null;
      let result: JobResult | null = null;
      if (res && !res.error) {
        const r = res.value as JobResult;
        if (!isObj(r) || r.key !== j.key || r.config !== j.config)
          resultError = `${j.key}/result.json is not this job's result (key ${JSON.stringify(isObj(r) ? r.key : r)})`;
        else result = r;
      }
      const runName = jobRunDir(jobDir, result && isObj(result.run) ? result.run.run : undefined);
      const run = runName ? `${this.id}/${j.key}` : null;
      if (result) {
        results.push(result);
        activity[j.key] = { state: 'running', run };
        continue;
      }
      activity[j.key] = { ...runActivity(this.root, join(jobDir, runName ?? '')), run, ...(resultError ? { error: resultError } : {}) };
      if (!runName) activity[j.key].state = resultError ? 'failed' : 'queued';
    }
    return sweepView(sweep, 'dir', results, activity);
  }
}

/** A job without a result, from its run directory's status.json and lock. */
function runActivity(root: string, runDir: string): JobActivity {
  let status: Record<string, any> | null = null;
  try {
    const s = readJsonInside(root, join(runDir, 'status.json'), 1 << 20, 'status.json');
    if (isObj(s)) status = s;
  } catch {
    /* not written yet, or being replaced: the next poll reads it */
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const base = { steps: num(status?.steps), totalSteps: num(status?.totalSteps) };
  switch (status?.state) {
    case 'failed':
      return { ...base, state: 'failed', error: typeof status.error === 'string' ? oneLine(status.error) : 'the run failed' };
    case 'interrupted':
      return { ...base, state: 'stopped' };
    case 'running': {
      let live: boolean | null = null;
      try {
        if (existsSync(join(runDir, LOCK_FILE))) live = runLiveness(runDir).live;
      } catch {
        live = null;
      }
      return live === false
        ? { ...base, state: 'stopped', error: 'killed (no process holds the run); run the sweep again to continue it' }
        : { ...base, state: 'running' };
    }
    default:
      // 'finished' without a result yet (being collected), or no status.json yet (just started).
      return { ...base, state: 'running' };
  }
}

/**
 * The sweeps on a Redis queue (`ascent dashboard --redis`), read again at each `read()`: their
 * records, results (each fetched once: a result is written once, and carries its run's files),
 * failures, and the progress of the jobs that workers hold. bullmq and ioredis are loaded on the
 * first read, so a dashboard without --redis never loads them.
 */
export class RedisSweepReader {
  private redis: import('ioredis').Redis | null = null;
  /** The connection's last error (refused, WRONGPASS, TLS): the reason given while it is down. */
  private lastError: unknown = null;
  private queue: import('bullmq').Queue | null = null;
  private records = new Map<string, { sweep: StoredSweep | null; error: string | null }>();
  /** Checked results by sweep and job key, without their files' bytes. */
  private results = new Map<string, Map<string, { result: JobResult | null; error: string | null }>>();

  constructor(readonly target: RedisTarget) {}

  private async open() {
    const q = await import('./queue.ts');
    if (!this.redis) {
      const { Redis } = await import('ioredis');
      // Reconnect for ever, but fail a command at once while the server is away: a poll then says so and the next one retries.
      this.redis = new Redis({
        ...this.target.options,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: (n) => Math.min(200 * n, 2000),
      });
      this.redis.on('error', (e) => (this.lastError = e));
      this.redis.on('ready', () => (this.lastError = null));
      await this.redis.connect().catch(() => {});
    }
    // Lost, and no reconnection has failed yet to say why.
    if (this.redis.status !== 'ready') throw this.lastError ?? new Error(`the connection was lost (${this.redis.status})`);
    if (!this.queue) {
      const { Queue } = await import('bullmq');
      this.queue = new Queue(q.QUEUE, { connection: this.redis, prefix: q.PREFIX });
      this.queue.on('error', () => {});
    }
    return { redis: this.redis, queue: this.queue, key: q.key, verifyResult: (await import('./run-job.ts')).verifyResult };
  }

  /** Every sweep on the queue, or the reason the queue cannot be read now (one line). */
  async read(): Promise<{ views: SweepView[]; error: string | null }> {
    try {
      const { redis, queue, key, verifyResult } = await this.open();
      const ids = (await redis.smembers(key.ids)).sort();
      const active: Record<string, Record<string, JobProgress>> = {};
      for (const j of await queue.getJobs(['active'])) {
        const sweep = j?.data?.sweep;
        if (typeof sweep === 'string' && j.progress && typeof j.progress === 'object') (active[sweep] ??= {})[j.name] = j.progress as JobProgress;
      }
      const views: SweepView[] = [];
      for (const id of ids) {
        let rec = this.records.get(id);
        if (!rec) {
          const raw = await redis.get(key.sweep(id));
          rec = parseRecord(raw, id);
          // A record is written once; one that is not there yet is looked for again.
          if (raw !== null) this.records.set(id, rec);
        }
        if (!rec.sweep) {
          views.push(brokenSweep(id, 'redis', rec.error!));
          continue;
        }
        const have = this.results.get(id) ?? new Map();
        this.results.set(id, have);
        for (const k of await redis.hkeys(key.results(id))) {
          if (have.has(k)) continue;
          const raw = await redis.hget(key.results(id), k);
          if (raw === null) continue;
          try {
            const r = JSON.parse(raw) as JobResult;
            verifyResult(r);
            have.set(k, { result: { ...r, run: { ...r.run, files: {} } }, error: null });
          } catch (e) {
            have.set(k, { result: null, error: `the result in Redis is unusable: ${oneLine((e as Error).message)}` });
          }
        }
        const failed = await redis.hgetall(key.failed(id));
        const activity: Record<string, JobActivity> = {};
        for (const [k, m] of Object.entries(failed)) activity[k] = { state: 'failed', error: oneLine(m) };
        for (const [k, p] of Object.entries(active[id] ?? {})) activity[k] ??= { state: 'running', steps: p.steps ?? null, totalSteps: p.totalSteps ?? null };
        for (const [k, h] of have) if (h.error) activity[k] = { state: 'failed', error: h.error };
        const results = [...have.values()].flatMap((h) => (h.result ? [h.result] : []));
        views.push(sweepView(rec.sweep, 'redis', results, activity));
      }
      return { views, error: null };
    } catch (e) {
      const { describeRedisError } = await import('./redis.ts');
      return { views: [], error: describeRedisError(this.redis?.status === 'ready' ? e : (this.lastError ?? e), this.target.shown) };
    }
  }

  async close(): Promise<void> {
    await this.queue?.close().catch(() => {});
    this.redis?.disconnect();
  }
}

function parseRecord(raw: string | null, id: string): { sweep: StoredSweep | null; error: string | null } {
  if (raw === null) return { sweep: null, error: `the sweep record of '${id}' is missing from Redis` };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return { sweep: null, error: `the sweep record in Redis is corrupt: ${oneLine((e as Error).message)}` };
  }
  const problem = checkStoredSweep(v);
  return problem ? { sweep: null, error: `the sweep record in Redis is not a sweep record: ${problem}` } : { sweep: v as StoredSweep, error: null };
}
