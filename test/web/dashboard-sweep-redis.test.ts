/**
 * The dashboard's sweep view of a Redis queue (`ascent dashboard --redis`), without a browser: a
 * private redis-server holding a sweep record, results with checksums, a failure, a job a BullMQ
 * worker holds with its progress, a result whose checksum is wrong, and a corrupt record. The
 * job states and scores come from the queue, the links to curves from the runs the submitter
 * collected; a job that finishes is seen live; a stopped server is one line while the sweeps last
 * read stay shown. Skips when redis-server is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import { jobId, key, PREFIX, QUEUE } from '../../src/distributed/queue.ts';
import { redisTarget } from '../../src/distributed/redis.ts';
import { resultChecksum } from '../../src/distributed/run-job.ts';
import type { SweepView } from '../../src/distributed/sweep-view.ts';
import { ascent } from '../cli/helpers.ts';
import { SKIP_REDIS, TestRedis, freePort } from '../distributed/redis-server.ts';
import { buildAssets, tempRunsDir } from './fixtures.ts';
import { jobResult, sweepRecord, writeJobResult, writeSweepRecord } from './dashboard-sweep-fixtures.ts';

const skip = SKIP_REDIS;
const ID = 'queued-22222222';
const sweep = sweepRecord(ID);
let redis: TestRedis;
let conn: Redis;
let worker: Worker;
let dash: Dashboard;
let release: () => void = () => {};
const held = new Promise<void>((r) => (release = r));

function result(k: string, final: number, best: number): string {
  const seed = sweep.jobs.find((x) => x.key === k)!.seed;
  const where = { host: 'elsewhere', run: `ppo-CartPole-v1-s${seed}-20261126-100000`, files: { 'eval.json': { sha256: 'x'.repeat(64), data: null } } };
  const r = jobResult(sweep, k, final, best, where);
  return JSON.stringify({ ...r, checksum: resultChecksum(r) });
}

const sweeps = async (): Promise<{ redis: { url: string; error: string | null }; sweeps: SweepView[] }> =>
  (await fetch(`${dash.url}api/sweeps`)).json() as never;

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  if (skip) return;
  redis = await TestRedis.start();
  conn = new Redis(redis.url);
  conn.on('error', () => {});
  await conn.set(key.sweep(ID), JSON.stringify(sweep));
  await conn.sadd(key.ids, ID);
  await conn.hset(key.results(ID), 'c0-s0', result('c0-s0', 100, 250), 'c0-s1', result('c0-s1', 200, 210));
  await conn.hset(key.results(ID), 'c1-s0', result('c1-s0', 180, 190), 'c1-s1', result('c1-s1', 140, 150));
  // A result altered after its checksum was taken.
  await conn.hset(key.results(ID), 'c3-s0', result('c3-s0', 999, 999).replace('"final":{"mean":999', '"final":{"mean":1000'));
  await conn.hset(key.failed(ID), 'c2-s1', 'ascent train exited with 1: out of memory');
  await conn.set(key.sweep('cut-33333333'), '{"id": "cut-33333333", "jobs": [');
  await conn.sadd(key.ids, 'cut-33333333');
  // One job held by a worker, with its progress; c3-s1 is never taken (queued).
  const queue = new Queue(QUEUE, { connection: redisTarget(redis.url).options as ConnectionOptions, prefix: PREFIX });
  await queue.add('c2-s0', { sweep: ID, index: 4 }, { jobId: jobId(ID, 4) });
  await queue.close();
  worker = new Worker(
    QUEUE,
    async (job) => {
      await job.updateProgress({ steps: 1024, totalSteps: 4096, state: 'running' });
      await held;
      await conn.hsetnx(key.results(ID), 'c2-s0', result('c2-s0', 300, 310));
    },
    { connection: { ...redisTarget(redis.url).options, maxRetriesPerRequest: null } as ConnectionOptions, prefix: PREFIX },
  );
  worker.on('error', () => {});
  // The submitter collected c0-s0's run into the runs directory.
  const runsDir = tempRunsDir();
  writeJobResult(writeSweepRecord(runsDir, sweep), sweep, 'c0-s0', 100, 250);
  dash = await startDashboard({ runsDir, port: 0, assetsDir: await buildAssets(), pollMs: 100, redis: redisTarget(redis.url), redisPollMs: 100 });
});
after(async () => {
  release();
  await dash?.close();
  // A test that failed with the server stopped: BullMQ's worker closes only once it can reach it.
  if (redis && !redis.proc) await redis.startProcess();
  await worker?.close(true);
  conn?.disconnect();
  await redis?.stop();
});

test('job states, progress and scores come from the queue; links to curves from the collected runs', { skip, timeout: 60_000 }, async () => {
  const v = await until('the held job to show as running', async () =>
    (await sweeps()).sweeps.find((s) => s.id === ID && s.jobs.some((j) => j.key === 'c2-s0' && j.state === 'running')),
  );
  assert.equal(v.source, 'redis');
  assert.deepEqual(
    v.jobs.map((j) => `${j.key}:${j.state}`),
    ['c0-s0:done', 'c0-s1:done', 'c1-s0:done', 'c1-s1:done', 'c2-s0:running', 'c2-s1:failed', 'c3-s0:failed', 'c3-s1:queued'],
  );
  const job = (k: string) => v.jobs.find((j) => j.key === k)!;
  assert.deepEqual([job('c2-s0').steps, job('c2-s0').totalSteps], [1024, 4096]);
  assert.equal(job('c2-s1').error, 'ascent train exited with 1: out of memory');
  assert.equal(job('c3-s0').error, `the result in Redis is unusable: result of job ${ID}/c3-s0: checksum mismatch`);
  assert.deepEqual(
    v.configurations.map((r) => [r.config, r.done, r.mean, r.std]),
    [
      [0, 2, 150, 50],
      [1, 2, 160, 20],
      [2, 0, null, null],
      [3, 0, null, null],
    ],
  );
  assert.equal(v.best, 1);
  assert.equal(job('c0-s0').run, `${ID}/c0-s0`, 'collected: its curves are here');
  assert.equal(job('c0-s1').run, null, 'not collected');
});

test('a corrupt sweep record in Redis is one line on that sweep', { skip }, async () => {
  const cut = (await sweeps()).sweeps.find((s) => s.id === 'cut-33333333')!;
  assert.match(cut.error!, /^the sweep record in Redis is corrupt: /);
  assert.doesNotMatch(cut.error!, /\n/);
  assert.equal((await sweeps()).redis.error, null);
});

test('a job that finishes on a worker shows as done, with the new best configuration', { skip, timeout: 60_000 }, async () => {
  release();
  const v = await until('c2-s0 to be done', async () =>
    (await sweeps()).sweeps.find((s) => s.id === ID && s.jobs.find((j) => j.key === 'c2-s0')?.state === 'done'),
  );
  assert.equal(v.jobs.find((j) => j.key === 'c2-s0')!.final, 300);
  assert.equal(v.best, 2);
});

test('a stopped server is one line; the sweeps last read stay shown, and it recovers', { skip, timeout: 60_000 }, async () => {
  await redis.stopProcess();
  // The first read after the loss may only say the connection was lost; a failed reconnection says why.
  const down = await until('the error', async () => {
    const s = await sweeps();
    return /refused/.test(s.redis.error ?? '') ? s : null;
  });
  assert.match(down.redis.error!, /^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/);
  assert.ok(down.sweeps.some((s) => s.id === ID && s.counts.done === 5));
  await redis.startProcess();
  await until('the queue to be read again', async () => (await sweeps()).redis.error === null);
});

test('ascent dashboard --redis: an unreachable server is one line and exit 2', { skip, timeout: 60_000 }, async () => {
  const port = await freePort();
  const r = ascent(['dashboard', tempRunsDir(), '--port', '0', '--redis', `redis://127.0.0.1:${port}`], tempRunsDir());
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: connection refused`));
});
