/**
 * Sweeps on a Redis-backed BullMQ queue. Node-only.
 *
 * Keys (prefix `ascent`):
 *   ascent:sweeps:*                 BullMQ's queue 'sweeps': one job per (configuration, seed), id <sweep>.<index>
 *   ascent:sweep:<id>               the sweep (spec and jobs, JSON), written once
 *   ascent:sweep:<id>:results       key -> result JSON with checksums, written once per key (HSETNX)
 *   ascent:sweep:<id>:failed        key -> error of a job that cannot succeed
 *   ascent:sweep:<id>:ckpt          key -> the newest checkpoint snapshot of an unfinished job
 *   ascent:sweep:<id>:ckpt-steps    key -> its steps (a snapshot never replaces a further one)
 *   ascent:sweep-ids                every sweep id
 *
 * Delivery is at least once: a job whose worker dies is handed out again once its lock expires
 * (BullMQ's stalled-job check) and resumes from its last uploaded checkpoint; a result is written
 * with HSETNX, so a job that runs twice leaves one result.
 */
import { Queue, UnrecoverableError, Worker, WaitingError, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { persistentOptions, type RedisTarget } from './redis.ts';
import { runJob, verifyResult, type JobProgress, type JobResult, type RunFiles } from './run-job.ts';
import type { SweepJob, SweepSpec } from './sweep-file.ts';

export const PREFIX = 'ascent';
export const QUEUE = 'sweeps';
/** Attempts of a job that fails with an error (a killed worker does not use one up). */
export const ATTEMPTS = 3;

export interface StoredSweep {
  id: string;
  spec: SweepSpec;
  jobs: SweepJob[];
  submittedAt: string;
}

export const key = {
  sweep: (id: string) => `${PREFIX}:sweep:${id}`,
  results: (id: string) => `${PREFIX}:sweep:${id}:results`,
  failed: (id: string) => `${PREFIX}:sweep:${id}:failed`,
  ckpt: (id: string) => `${PREFIX}:sweep:${id}:ckpt`,
  ckptSteps: (id: string) => `${PREFIX}:sweep:${id}:ckpt-steps`,
  ids: `${PREFIX}:sweep-ids`,
};

/** BullMQ's connection options (its own RedisOptions type is a structural copy of ioredis's). */
const bullConnection = (t: RedisTarget) => persistentOptions(t) as ConnectionOptions;

export const jobId = (sweep: string, index: number) => `${sweep}.${index}`;

/** Record the sweep and enqueue its jobs; a second submission of the same sweep adds nothing (same job ids). */
export async function submitSweep(redis: Redis, target: RedisTarget, sweep: StoredSweep): Promise<{ added: boolean }> {
  const added = (await redis.set(key.sweep(sweep.id), JSON.stringify(sweep), 'NX')) === 'OK';
  await redis.sadd(key.ids, sweep.id);
  const queue = new Queue(QUEUE, { connection: bullConnection(target), prefix: PREFIX });
  queue.on('error', () => {});
  try {
    const done = new Set(await redis.hkeys(key.results(sweep.id)));
    await queue.addBulk(
      sweep.jobs
        .filter((j) => !done.has(j.key))
        .map((j) => ({
          name: j.key,
          data: { sweep: sweep.id, index: j.index },
          opts: { jobId: jobId(sweep.id, j.index), attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
        })),
    );
  } finally {
    await queue.close();
  }
  return { added };
}

export async function loadSweep(redis: Redis, id: string): Promise<StoredSweep | null> {
  const s = await redis.get(key.sweep(id));
  return s ? (JSON.parse(s) as StoredSweep) : null;
}

export async function readResults(redis: Redis, id: string): Promise<{ results: JobResult[]; failed: Record<string, string> }> {
  const raw = await redis.hgetall(key.results(id));
  const results = Object.values(raw).map((s) => JSON.parse(s) as JobResult);
  for (const r of results) verifyResult(r);
  return { results, failed: await redis.hgetall(key.failed(id)) };
}

/** Progress of the sweep's running jobs, by key. */
export async function activeProgress(target: RedisTarget, id: string): Promise<Record<string, JobProgress & { worker?: string }>> {
  const queue = new Queue(QUEUE, { connection: bullConnection(target), prefix: PREFIX });
  queue.on('error', () => {});
  try {
    const out: Record<string, JobProgress & { worker?: string }> = {};
    for (const j of await queue.getJobs(['active'])) {
      if (j?.data?.sweep === id && j.progress && typeof j.progress === 'object') out[j.name] = j.progress as JobProgress;
    }
    return out;
  } finally {
    await queue.close();
  }
}

// Keep the newest snapshot only: an older attempt still running (at-least-once) must not roll it back.
const SAVE_CKPT = `
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > cur then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  return 1
end
return 0`;

export interface WorkerOptions {
  /** Local parent of the jobs' run directories: <out>/<sweep>/<key>/<run>/. */
  out: string;
  /** Jobs trained at once by this worker. */
  concurrency: number;
  /** Milliseconds after which the job of a worker that stopped answering goes to another (BullMQ lockDuration). */
  lockMs: number;
  log(line: string): void;
}

/**
 * Take jobs until `signal` aborts: train, upload checkpoints while training and the result (with
 * checksums) at the end. Returns when stopped; a job stopped mid-way goes back to the queue and
 * continues from its checkpoint wherever it is taken next.
 */
export async function runWorker(redis: Redis, target: RedisTarget, o: WorkerOptions, signal: AbortSignal): Promise<void> {
  const sweeps = new Map<string, StoredSweep>();
  const tooBig = new Set<string>();
  const name = `${hostname()}:${process.pid}`;
  const processor = async (job: Job, token?: string) => {
    const { sweep: id, index } = job.data as { sweep: string; index: number };
    let s = sweeps.get(id);
    if (!s) {
      const loaded = await loadSweep(redis, id);
      if (!loaded) throw new Error(`sweep ${id} is not in Redis (was it deleted?)`);
      sweeps.set(id, (s = loaded));
    }
    const j = s.jobs[index];
    // At least once: a job handed out again after its result was written (the worker died just after) is done.
    const existing = await redis.hget(key.results(id), j.key);
    if (existing) return { key: j.key, duplicate: true };
    const snap = await redis.hget(key.ckpt(id), j.key);
    const restore = snap ? (JSON.parse(snap) as RunFiles) : null;
    o.log(`${id}/${j.key}: ${restore ? `resuming from ${restore.steps} steps` : 'starting'} (attempt ${job.attemptsMade + 1})`);
    const jobDir = resolve(o.out, id, j.key);
    const outcome = await runJob(s.spec, id, j, jobDir, {
      restore,
      signal,
      onProgress: (p) => job.updateProgress({ ...p, worker: name }).then(() => {}),
      onCheckpoint: async (f) => {
        // Over the upload limit: a retry on this machine resumes from its disk, elsewhere from the start.
        if (f.files['checkpoints/last.ascent']?.data === null) {
          if (!tooBig.has(j.key)) o.log(`${id}/${j.key}: the checkpoint is over the upload limit (ASCENT_SWEEP_UPLOAD_MB); it stays on this machine`);
          tooBig.add(j.key);
          return;
        }
        await redis.eval(SAVE_CKPT, 2, key.ckpt(id), key.ckptSteps(id), j.key, String(f.steps), JSON.stringify(f));
      },
    });
    if (outcome.kind === 'done') {
      const first = await redis.hsetnx(key.results(id), j.key, JSON.stringify(outcome.result));
      await redis.hdel(key.ckpt(id), j.key);
      await redis.hdel(key.ckptSteps(id), j.key);
      const f = outcome.result.final;
      o.log(
        `${id}/${j.key}: done, ${f ? `final return ${f.mean.toFixed(2)}` : 'no final evaluation'}${first ? '' : ' (a result was already recorded; kept that one)'}`,
      );
      return { key: j.key, duplicate: !first };
    }
    if (outcome.kind === 'interrupted') {
      // Back to the queue without using up an attempt; the checkpoint went up in runJob's last look.
      o.log(`${id}/${j.key}: stopped at ${outcome.files?.steps ?? 0} steps, back to the queue`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome.kind === 'invalid') {
      await redis.hset(key.failed(id), j.key, outcome.message);
      o.log(`${id}/${j.key}: invalid: ${outcome.message}`);
      throw new UnrecoverableError(outcome.message);
    }
    o.log(`${id}/${j.key}: attempt ${job.attemptsMade + 1} failed: ${outcome.message}`);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await redis.hset(key.failed(id), j.key, outcome.message);
    throw new Error(outcome.message);
  };
  const worker = new Worker(QUEUE, processor, {
    connection: bullConnection(target),
    prefix: PREFIX,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: Math.max(1000, Math.floor(o.lockMs / 2)),
    // A job whose workers keep dying is retried from its checkpoint each time; BullMQ's default (1) would fail it at the second death.
    maxStalledCount: 100,
    autorun: false,
  });
  worker.on('error', () => {});
  const stopped = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  const run = worker.run();
  await stopped;
  // Active jobs see the same signal: their children checkpoint, the jobs go back to wait; then the worker closes.
  await worker.close();
  await run.catch(() => {});
}
