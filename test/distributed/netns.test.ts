/**
 * Multi-host behaviour with Linux network namespaces: two workers, each in its own namespace,
 * reach Redis over their own veth pair (Redis listens on the two host-side addresses only). One
 * worker is cut off mid-job (its link down) for longer than its job lock, then healed: the job is
 * handed to the other worker, and the sweep still ends with every job's result, once. Needs root
 * and `ip netns` (CI runs as root); skips with a message otherwise.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BIN, tempDir, userEnv } from '../cli/helpers.ts';
import { freezeRun, SKIP_REDIS, TestRedis } from './redis-server.ts';
import { key, PREFIX, QUEUE } from '../../src/distributed/queue.ts';
import { verifyResult, type JobResult } from '../../src/distributed/run-job.ts';

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** Why namespaces cannot be used here, or false. */
function netnsUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const name = `ascprobe${process.pid}`;
  const r = ip('netns', 'add', name);
  if (r.status !== 0) return `ip netns does not work here (${(r.stderr || r.error?.message || '').trim()})`;
  const n = spawnSync('nsenter', [`--net=/run/netns/${name}`, '--', 'true']);
  ip('netns', 'del', name);
  if (n.status !== 0) return `nsenter cannot enter a network namespace here (${n.error?.message ?? n.stderr})`;
  return false;
}

const SKIP = SKIP_REDIS || netnsUnavailable();

const SWEEP = `
name: part
algo: ppo
env: CartPole-v1
steps: 49152
seeds: 2
set: { epochs: 2 }
params:
  lr: [1.0e-3, 3.0e-4]
run: { evalEvery: 0, evalEpisodes: 2, threshold: none, checkpointEvery: 1024 }
`;

async function until<T>(what: string, f: () => T | Promise<T>, ms = 90_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('workers in their own network namespaces: a partition that heals loses no job', { skip: SKIP, timeout: 240_000 }, async (t) => {
  // Names and a /24 per worker unique to this process (interface names have at most 15 characters).
  const tag = `${process.pid % 100000}`;
  const net = (i: number) => `10.231.${((process.pid % 100) * 2 + i) % 250}`;
  const hosts = [0, 1].map((i) => ({ ns: `asc${tag}w${i}`, host: `asc${tag}h${i}`, peer: `asc${tag}n${i}`, hostIp: `${net(i)}.1`, nsIp: `${net(i)}.2` }));
  // Undone last-first: clients close while their server and its addresses still exist.
  const cleanup: (() => unknown)[] = [];
  t.after(async () => {
    for (const f of cleanup.reverse()) await f();
  });
  cleanup.push(() => {
    for (const h of hosts) {
      ip('link', 'del', h.host);
      ip('netns', 'del', h.ns);
    }
  });
  for (const h of hosts) {
    for (const args of [
      ['netns', 'add', h.ns],
      ['link', 'add', h.host, 'type', 'veth', 'peer', 'name', h.peer],
      ['link', 'set', h.peer, 'netns', h.ns],
      ['addr', 'add', `${h.hostIp}/24`, 'dev', h.host],
      ['link', 'set', h.host, 'up'],
      ['netns', 'exec', h.ns, 'ip', 'addr', 'add', `${h.nsIp}/24`, 'dev', h.peer],
      ['netns', 'exec', h.ns, 'ip', 'link', 'set', h.peer, 'up'],
      ['netns', 'exec', h.ns, 'ip', 'link', 'set', 'lo', 'up'],
    ]) {
      const r = ip(...args);
      assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    }
  }
  // Redis on the two host-side veth addresses only: nothing listens on any other interface.
  const redis = await TestRedis.start({ password: 'pw', bind: hosts.map((h) => h.hostIp) });
  cleanup.push(() => redis.stop());
  const url = (h: (typeof hosts)[number]) => `redis://:pw@${h.hostIp}:${redis.port}`;
  const cwd = tempDir('ascent-netns-');
  writeFileSync(join(cwd, 'part.yaml'), SWEEP);
  const procs: ChildProcess[] = [];
  cleanup.push(() => procs.forEach((p) => p.exitCode === null && p.kill('SIGKILL')));
  const logs: string[] = ['', ''];
  const workers = hosts.map((h, i) => {
    // nsenter execs the worker (ip netns exec would fork and wait, and signals would reach ip, not the worker).
    const p = spawn('nsenter', [`--net=/run/netns/${h.ns}`, '--', process.execPath, BIN, 'worker', '--redis', url(h), '--out', `w${i}`, '--lock-ms', '3000'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: userEnv(),
    });
    p.stdout!.on('data', (d) => (logs[i] += d));
    p.stderr!.on('data', (d) => (logs[i] += d));
    procs.push(p);
    return p;
  });
  const submitter = spawn(process.execPath, [BIN, 'sweep', 'part.yaml', '--redis', url(hosts[0]), '--out', 'collected'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: userEnv(),
  });
  procs.push(submitter);
  let subOut = '';
  submitter.stdout!.on('data', (d) => (subOut += d));
  submitter.stderr!.on('data', (d) => (subOut += d));
  const subDone = new Promise<number | null>((r) => submitter.on('close', (c) => r(c)));

  // Worker 0 mid-job, with a checkpoint uploaded: cut its link for three lock durations.
  const cutKey = await until('worker 0 to start a job', () => /\/(c\d-s\d): starting/.exec(logs[0])?.[1]);
  const sweepId = /(part-[0-9a-f]{8})\//.exec(logs[0])![1];
  const db = new Redis({ host: hosts[0].hostIp, port: redis.port, password: 'pw', maxRetriesPerRequest: null });
  db.on('error', () => {});
  cleanup.push(() => db.disconnect());
  await until('a checkpoint of the job', async () => Number((await db.hget(key.ckptSteps(sweepId), cutKey)) ?? 0));
  const jobDir = join(cwd, 'w0', sweepId, cutKey);
  // Frozen mid-job (however fast it trains) while the link is down; it carries on once healed.
  const child = freezeRun(join(jobDir, readdirSync(jobDir).find((f) => f !== 'result.json')!));
  cleanup.push(() => {
    try {
      process.kill(child, 'SIGCONT');
    } catch {
      /* gone */
    }
  });
  assert.equal(ip('link', 'set', hosts[0].host, 'down').status, 0);
  await new Promise((r) => setTimeout(r, 9000));
  process.kill(child, 'SIGCONT');
  assert.equal(ip('link', 'set', hosts[0].host, 'up').status, 0);

  assert.equal(await subDone, 0, subOut);
  assert.match(subOut, /4\/4 finished, 0 running, 0 failed/);
  const raw = await db.hgetall(key.results(sweepId));
  assert.deepEqual(Object.keys(raw).sort(), ['c0-s0', 'c0-s1', 'c1-s0', 'c1-s1']);
  for (const s of Object.values(raw)) verifyResult(JSON.parse(s) as JobResult);
  // The cut-off job was declared stalled and handed out again; it still has one result, and the queue
  // ends with every job completed and none failed.
  const queue = new Queue(QUEUE, { connection: { host: hosts[0].hostIp, port: redis.port, password: 'pw' }, prefix: PREFIX });
  cleanup.push(() => queue.close());
  const jobs = await queue.getJobs(['completed', 'active', 'wait', 'failed', 'delayed']);
  const cut = jobs.find((j) => j.name === cutKey)!;
  assert.ok(cut.stalledCounter >= 1, `the partition did not stall the job (stalledCounter ${cut.stalledCounter})`);
  await until('every job completed', async () => (await queue.getJobCounts('completed')).completed === 4, 30_000);
  assert.equal((await queue.getJobCounts('failed')).failed, 0);
  const exited = workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(w.exitCode) : w.on('exit', r))));
  for (const w of workers) w.kill('SIGTERM');
  assert.deepEqual(await Promise.all(exited), [0, 0], logs.join('\n'));
});
