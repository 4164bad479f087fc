/**
 * `ascent sweep <file.yaml>`: run a sweep on this machine's cores, or with --redis enqueue it for
 * `ascent worker`s and collect the results; `ascent sweep status <sweep>`: the table of final
 * scores and the best configuration. Bad input (the file, the URL, an unreachable server, wrong
 * credentials) is one line and exit 2, before anything is enqueued.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { atomicWrite } from '../train/node/files.ts';
import { join, resolve } from 'node:path';
import { ensureEnv } from '../envs/index.ts';
import { ConfigError } from '../train/setup.ts';
import { connectRedis, redisTarget, type RedisFlags } from '../distributed/redis.ts';
import { activeProgress, key, loadSweep, readResults, submitSweep, type StoredSweep } from '../distributed/queue.ts';
import type { JobProgress, JobResult } from '../distributed/run-job.ts';
import { loadSweepFile, readLocalResults, runLocal, saveResult, statusText, summarize } from '../distributed/sweep.ts';

export interface SweepFlags extends RedisFlags {
  redis?: string;
  jobs?: number;
  out: string;
  wait: boolean;
  json?: boolean;
}

/** `ascent sweep --help`: the file format by example. */
export const SWEEP_HELP = `
A sweep file (YAML; grid: every combination; random: 'search: random' and 'samples: N'):
  algo: ppo
  env: CartPole-v1
  steps: 100000                  # environment steps of each run
  seeds: 3                       # or a list: [0, 1, 2]
  set: { numEnvs: 8 }            # settings of every run (like --set)
  params:                        # swept settings (dotted keys)
    lr: [1.0e-3, 3.0e-4]         # random search also takes {uniform|loguniform|int: [lo, hi]}, {categorical: [...]}
  run: { evalEvery: 10000, evalEpisodes: 10, threshold: none, checkpointEvery: 5000 }

Examples:
  ascent sweep lr.yaml                                 every job on this machine's cores
  ascent sweep lr.yaml --redis redis://:pw@host:6379   enqueue, wait, collect under runs/<sweep>/
  ascent worker --redis redis://:pw@host:6379          on each machine that trains
  ascent sweep status lr.yaml --redis redis://:pw@host:6379`;

const say = (line: string) => void process.stderr.write(`${line}\n`);

export async function sweepCommand(fileOrStatus: string, sweepArg: string | undefined, f: SweepFlags): Promise<void> {
  if (fileOrStatus === 'status') {
    if (!sweepArg) throw new ConfigError("sweep status needs a sweep id or its file, e.g. 'ascent sweep status sweep.yaml'");
    return statusCommand(sweepArg, f);
  }
  if (sweepArg !== undefined)
    throw new ConfigError(`sweep takes one file, got '${fileOrStatus}' and '${sweepArg}' (did you mean 'ascent sweep status ${sweepArg}'?)`);
  // MuJoCo ids register once their module is loaded; the file's env is checked after.
  const envGuess = peekEnv(fileOrStatus);
  if (envGuess) await ensureEnv(envGuess).catch(() => {});
  const sweep = loadSweepFile(fileOrStatus);
  if (f.redis) return submitAndCollect(sweep, f);
  if (f.jobs === undefined) f.jobs = Math.min(availableParallelism(), sweep.jobs.length);
  say(`sweep ${sweep.id}: ${sweep.jobs.length} jobs on this machine, ${f.jobs} at a time; run directories under ${join(f.out, sweep.id)}`);
  const controller = new AbortController();
  const onSig = () => {
    say('ascent: interrupted: the running jobs save checkpoints (run the same sweep again to continue)');
    controller.abort();
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const failed = await runLocal(sweep, f.out, f.jobs, controller.signal, say);
    process.stdout.write(statusText(sweep, readLocalResults(resolve(f.out), sweep.id), failed, {}));
    if (controller.signal.aborted) process.exitCode = 130;
    else if (Object.keys(failed).length) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

/** The env named in a sweep file, if it reads as one (the full check comes after MuJoCo is loaded). */
function peekEnv(path: string): string | null {
  try {
    return /^env:\s*['"]?([\w.:/-]+)/m.exec(readFileSync(path, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

async function submitAndCollect(sweep: StoredSweep, f: SweepFlags): Promise<void> {
  const target = redisTarget(f.redis!, f);
  const probe = await connectRedis(target);
  probe.disconnect();
  const redis = await connectRedis(target, { persistent: true });
  try {
    const { added } = await submitSweep(redis, target, sweep);
    say(
      `sweep ${sweep.id}: ${sweep.jobs.length} jobs ${added ? 'enqueued' : 'already submitted (unfinished ones re-enqueued)'} on ${target.shown}; ` +
        `workers: ascent worker --redis ${target.shown}`,
    );
    // The collected results read like a local sweep's: `ascent sweep status <id> --out <dir>` works without Redis.
    mkdirSync(join(f.out, sweep.id), { recursive: true });
    atomicWrite(join(f.out, sweep.id, 'sweep.json'), JSON.stringify(sweep, null, 1) + '\n', { fsync: false });
    if (!f.wait) {
      process.stdout.write(`${sweep.id}\n`);
      return;
    }
    await collect(redis, sweep, f, target.shown);
  } finally {
    redis.disconnect();
  }
}

/** Wait for every job's result (or failure), writing each result's run directory under --out as it arrives. */
async function collect(redis: import('ioredis').Redis, sweep: StoredSweep, f: SweepFlags, shown: string): Promise<void> {
  const have = new Set<string>();
  const results: JobResult[] = [];
  let stop = false;
  const onSig = () => {
    stop = true;
  };
  process.once('SIGINT', onSig);
  try {
    let failed: Record<string, string> = {};
    while (!stop) {
      try {
        for (const k of await redis.hkeys(key.results(sweep.id))) {
          if (have.has(k)) continue;
          const raw = await redis.hget(key.results(sweep.id), k);
          if (!raw) continue;
          const r = JSON.parse(raw) as JobResult;
          saveResult(f.out, r);
          have.add(k);
          results.push(r);
          say(`${k}: final return ${r.final ? r.final.mean.toFixed(2) : '-'} (${have.size}/${sweep.jobs.length})`);
          const kept = Object.keys(r.run.files).filter((rel) => r.run.files[rel].data === null);
          if (kept.length) say(`${k}: ${kept.join(', ')} over the upload limit: on ${r.host} only (its SHA-256 is in result.json)`);
        }
        failed = await redis.hgetall(key.failed(sweep.id));
      } catch (e) {
        if (/checksum|SHA-256/.test((e as Error).message)) throw e;
        // The server restarting: the connection reconnects and the next look continues.
      }
      if (sweep.jobs.every((j) => have.has(j.key) || j.key in failed)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (stop) {
      say(`ascent: stopped waiting; the sweep goes on: ascent sweep status ${sweep.id} --redis ${shown}`);
      process.exitCode = 130;
      return;
    }
    process.stdout.write(statusText(sweep, results, failed, {}));
    if (Object.keys(failed).length) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSig);
  }
}

async function statusCommand(idOrFile: string, f: SweepFlags): Promise<void> {
  let id = idOrFile;
  if (/\.ya?ml$/i.test(idOrFile) && existsSync(idOrFile)) id = loadSweepFile(idOrFile).id;
  if (!f.redis) {
    const path = join(f.out, id, 'sweep.json');
    if (!existsSync(path)) throw new ConfigError(`sweep status: no sweep ${id} under ${f.out} (give --out, or --redis for a queued sweep)`);
    const sweep = JSON.parse(readFileSync(path, 'utf8')) as StoredSweep;
    return printStatus(sweep, readLocalResults(f.out, id), {}, {}, f);
  }
  const target = redisTarget(f.redis, f);
  const redis = await connectRedis(target);
  try {
    const sweep = await loadSweep(redis, id);
    if (!sweep) throw new ConfigError(`sweep status: no sweep '${id}' on ${target.shown}`);
    const { results, failed } = await readResults(redis, id);
    printStatus(sweep, results, failed, await activeProgress(target, id), f);
  } finally {
    redis.disconnect();
  }
}

function printStatus(sweep: StoredSweep, results: JobResult[], failed: Record<string, string>, running: Record<string, JobProgress>, f: SweepFlags): void {
  if (!f.json) {
    process.stdout.write(statusText(sweep, results, failed, running));
    return;
  }
  const { rows, best } = summarize(sweep, results);
  const jobs = results.map((r) => ({
    key: r.key,
    config: r.config,
    seed: r.seed,
    params: r.params,
    steps: r.steps,
    final: r.final,
    best: r.best,
    checksum: r.checksum,
  }));
  process.stdout.write(JSON.stringify({ id: sweep.id, jobs: sweep.jobs.length, configurations: rows, best, results: jobs, failed, running }, null, 1) + '\n');
}
