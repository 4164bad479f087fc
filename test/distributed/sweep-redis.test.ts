/**
 * Sweeps on a Redis queue, end to end: a private redis-server (127.0.0.1, a free port, append-only
 * file), `ascent sweep --redis` collecting, two `ascent worker`s, one SIGKILLed mid-job and
 * restarted as another "machine" (an empty --out: the job resumes from the checkpoint uploaded to
 * Redis), and Redis restarted once mid-sweep. Skips when redis-server is not installed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BIN, tempDir, userEnv } from '../cli/helpers.ts';
import { freezeRun, SKIP_REDIS, TestRedis } from './redis-server.ts';
import { jobId, key, PREFIX, QUEUE, type StoredSweep } from '../../src/distributed/queue.ts';
import { verifyResult, type JobResult } from '../../src/distributed/run-job.ts';
import { runLiveness } from '../../src/train/node/lock.ts';
import { parseJsonl } from '../../src/train/progress.ts';
import { trainArgs } from '../../src/distributed/sweep-file.ts';

// 3 seeds x 2 learning rates; PPO's CartPole preset (8 envs x 32 steps = 256 steps per update) with 2 epochs to keep it short
// (a job trains for a second or two; the ~4 s start of `ascent train` from TypeScript sources dominates).
// The test freezes the job it kills, so how fast it trains does not decide where the kill lands.
const SWEEP = `
name: lr
algo: ppo
env: CartPole-v1
steps: 49152
seeds: 3
set: { epochs: 2 }
params:
  lr: [1.0e-3, 3.0e-4]
run: { evalEvery: 24576, evalEpisodes: 2, threshold: none, checkpointEvery: 1024 }
`;

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], cwd: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function until<T>(what: string, f: () => T | Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rowsOf = (dir: string) => parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')).map(({ seconds: _, ...r }) => r);
const runIn = (jobDir: string) => join(jobDir, readdirSync(jobDir).find((f) => f !== 'result.json')!);

test('a sweep on Redis with 2 workers finishes every job through a SIGKILLed worker and a Redis restart', { skip: SKIP_REDIS, timeout: 180_000 }, async (t) => {
  const redis = await TestRedis.start({ password: 's3cret' });
  t.after(() => redis.stop());
  const cwd = tempDir('ascent-sweep-');
  writeFileSync(join(cwd, 'lr.yaml'), SWEEP);
  const procs: Proc[] = [];
  t.after(() => procs.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL')));
  const worker = (out: string) => {
    const p = start(['worker', '--redis', redis.url, '--out', out, '--lock-ms', '3000'], cwd);
    procs.push(p);
    return p;
  };
  const a = worker('host-a');
  const b = worker('host-b');
  const submitter = start(['sweep', 'lr.yaml', '--redis', redis.url, '--out', 'collected'], cwd);
  procs.push(submitter);
  const db = new Redis({ port: redis.port, host: '127.0.0.1', password: 's3cret', maxRetriesPerRequest: null, retryStrategy: () => 200 });
  db.on('error', () => {});
  t.after(() => db.disconnect());

  // Worker A's first job: once it has uploaded a checkpoint, kill A outright.
  const killedKey = await until('worker A to start a job', () => /\/(c\d-s\d): starting/.exec(a.out())?.[1]);
  const sweepId = /(lr-[0-9a-f]{8})\//.exec(a.out())![1];
  const ckSteps = await until('a checkpoint upload', async () => Number((await db.hget(key.ckptSteps(sweepId), killedKey)) ?? 0), 60_000);
  // Freeze its `ascent train` child (pid from the run's train.lock) so that the kill lands mid-job however fast it trains.
  const aJob = join(cwd, 'host-a', sweepId, killedKey);
  const child = freezeRun(runIn(aJob));
  a.child.kill('SIGKILL');
  await a.exited;
  process.kill(child, 'SIGCONT');
  // Its `ascent train` child sees the closed pipe, saves a checkpoint and exits: no orphan keeps training.
  await until('the orphaned child to exit', () => readdirSync(aJob).every((d) => runLiveness(join(aJob, d)).live !== true), 20_000);
  const orphanRun = runIn(aJob);
  assert.equal(JSON.parse(readFileSync(join(orphanRun, 'status.json'), 'utf8')).state, 'interrupted', 'the orphan trained on instead of stopping');
  // Restarted as another machine: nothing of the job on its disk, so only the queue's snapshot can resume it.
  const a2 = worker('host-c');

  // Redis restarts once while jobs are still to do.
  await until('two results', async () => (await db.hlen(key.results(sweepId))) >= 2, 120_000);
  const before = await db.hlen(key.results(sweepId));
  await redis.restart();
  assert.ok((await db.hlen(key.results(sweepId))) >= before, 'a finished result was lost in the restart');

  const code = await submitter.exited;
  assert.equal(code, 0, submitter.out());
  assert.match(submitter.out(), /6\/6 finished, 0 running, 0 failed/);
  assert.match(submitter.out(), /best configuration: c[01] lr=/);

  // Every result, once, with valid checksums; the collected run directories match them.
  const raw = await db.hgetall(key.results(sweepId));
  assert.deepEqual(Object.keys(raw).sort(), ['c0-s0', 'c0-s1', 'c0-s2', 'c1-s0', 'c1-s1', 'c1-s2']);
  const results = Object.values(raw).map((s) => JSON.parse(s) as JobResult);
  for (const r of results) {
    verifyResult(r);
    assert.equal(r.steps, 49152);
    assert.ok(r.final && Number.isFinite(r.final.mean));
    const collected = join(cwd, 'collected', sweepId, r.key, r.run.run);
    for (const [f, { data }] of Object.entries(r.run.files)) assert.deepEqual(readFileSync(join(collected, f)), Buffer.from(data!, 'base64'), f);
  }
  // No checkpoint snapshot is left behind for finished jobs.
  assert.equal(await db.hlen(key.ckpt(sweepId)), 0);

  // The killed job resumed (from a snapshot at >= ckSteps) and lost nothing: its rows and final
  // evaluation are those of the same run trained without interruption.
  const killed = results.find((r) => r.key === killedKey)!;
  assert.equal(killed.resumed, 1);
  assert.ok(ckSteps >= 1024);
  const sweep = JSON.parse(readFileSync(join(cwd, 'collected', sweepId, 'sweep.json'), 'utf8')) as StoredSweep;
  assert.deepEqual(sweep, JSON.parse((await db.get(key.sweep(sweepId)))!));
  const job = sweep.jobs.find((j) => j.key === killedKey)!;
  const ref = spawnSync(process.execPath, [BIN, ...trainArgs(sweep.spec, job, join(cwd, 'ref'))], { cwd, encoding: 'utf8', env: userEnv() });
  assert.equal(ref.status, 0, ref.stderr);
  const refDir = runIn(join(cwd, 'ref'));
  const gotDir = join(cwd, 'collected', sweepId, killedKey, killed.run.run);
  assert.deepEqual(rowsOf(gotDir), rowsOf(refDir));
  assert.equal(killed.final!.mean, JSON.parse(readFileSync(join(refDir, 'eval.json'), 'utf8')).mean);

  // At least once, one result: the same job delivered again is recognised and writes nothing.
  const queue = new Queue(QUEUE, { connection: { port: redis.port, host: '127.0.0.1', password: 's3cret' }, prefix: PREFIX });
  t.after(() => queue.close());
  const again = await queue.add(killedKey, { sweep: sweepId, index: job.index }, { jobId: `${jobId(sweepId, job.index)}.again` });
  const value = await until('the duplicate delivery', async () => (await queue.getJob(again.id!))?.returnvalue, 30_000);
  assert.deepEqual(value, { key: killedKey, duplicate: true });
  assert.equal(await db.hget(key.results(sweepId), killedKey), raw[killedKey]);

  // The status command reads the same table back from Redis.
  const status = spawnSync(process.execPath, [BIN, 'sweep', 'status', 'lr.yaml', '--redis', redis.url], { cwd, encoding: 'utf8', env: userEnv() });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /6\/6 finished/);
  for (const p of [b, a2]) p.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all([b.exited, a2.exited]), [0, 0]);
  // ... and from the collected directory without Redis.
  const local = spawnSync(process.execPath, [BIN, 'sweep', 'status', sweepId, '--out', 'collected'], { cwd, encoding: 'utf8', env: userEnv() });
  assert.equal(local.status, 0, local.stderr);
  assert.equal(local.stdout, status.stdout);
});
