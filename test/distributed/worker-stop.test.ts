/**
 * `ascent worker` stopped with SIGTERM mid-job: the job's child saves a checkpoint, the snapshot goes
 * up, the job returns to the queue at once (no lock to wait out, no attempt used) and another
 * worker resumes it from exactly that step. Skips when redis-server is not installed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BIN, tempDir, userEnv } from '../cli/helpers.ts';
import { SKIP_REDIS, TestRedis } from './redis-server.ts';
import { key, PREFIX, QUEUE } from '../../src/distributed/queue.ts';

// One long job (PPO with 2 epochs, 800 updates of 256 steps; about 10k steps/s here), stopped long before its end.
const SWEEP =
  'algo: ppo\nenv: CartPole-v1\nsteps: 204800\nseeds: [1]\nset: { epochs: 2 }\nrun: { evalEvery: 0, evalEpisodes: 1, threshold: none, checkpointEvery: 4096 }\n';

async function until<T>(what: string, f: () => T | Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a worker stopped with SIGTERM hands its job back at once, and another resumes it from the stop', { skip: SKIP_REDIS, timeout: 120_000 }, async (t) => {
  const redis = await TestRedis.start();
  const cwd = tempDir('ascent-worker-stop-');
  writeFileSync(join(cwd, 'long.yaml'), SWEEP);
  const sub = spawnSync(process.execPath, [BIN, 'sweep', 'long.yaml', '--redis', redis.url, '--no-wait'], { cwd, encoding: 'utf8', env: userEnv() });
  assert.equal(sub.status, 0, sub.stderr);
  const id = sub.stdout.trim();
  const db = new Redis({ port: redis.port, host: '127.0.0.1' });
  const queue = new Queue(QUEUE, { connection: { port: redis.port, host: '127.0.0.1' }, prefix: PREFIX });
  const workers: ReturnType<typeof spawn>[] = [];
  t.after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await queue.close();
    db.disconnect();
    await redis.stop();
  });
  const worker = (out: string) => {
    const p = spawn(process.execPath, [BIN, 'worker', '--redis', redis.url, '--out', out], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
    let log = '';
    p.stdout!.on('data', (d) => (log += d));
    p.stderr!.on('data', (d) => (log += d));
    workers.push(p);
    return { p, log: () => log, exit: new Promise<number | null>((r) => p.on('exit', r)) };
  };
  const a = worker('a');
  await until('a first checkpoint upload', async () => Number((await db.hget(key.ckptSteps(id), 'c0-s1')) ?? 0) > 0);
  a.p.kill('SIGTERM');
  assert.equal(await a.exit, 0, a.log());
  const stoppedAt = Number(/c0-s1: stopped at (\d+) steps, back to the queue/.exec(a.log())?.[1]);
  assert.ok(stoppedAt > 0 && stoppedAt < 204_800, a.log());
  // The checkpoint saved on the stop is the one in Redis; the job waits without a used attempt.
  assert.equal(Number(await db.hget(key.ckptSteps(id), 'c0-s1')), stoppedAt);
  const [job] = await queue.getJobs(['wait']);
  assert.equal(job?.name, 'c0-s1');
  assert.equal(job.attemptsMade, 0);
  // Another machine (its own --out) resumes from that step and finishes.
  const b = worker('b');
  await until('the result', async () => (await db.hexists(key.results(id), 'c0-s1')) === 1, 90_000);
  assert.match(b.log(), new RegExp(`c0-s1: resuming from ${stoppedAt} steps`));
  const result = JSON.parse((await db.hget(key.results(id), 'c0-s1'))!);
  assert.equal(result.steps, 204_800);
  assert.equal(result.resumed, 1);
  b.p.kill('SIGTERM');
  assert.equal(await b.exit, 0);
});
