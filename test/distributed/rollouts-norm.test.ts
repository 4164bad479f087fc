/**
 * Observation and reward normalisation with rollout workers (src/distributed/norm-sync.ts):
 * merging workers' deltas gives the statistics of all their data; a worker adopts the statistics
 * the learner publishes and ships the delta of what it saw; the learner merges the deltas into its
 * own envs' statistics; and `ascent train ppo Pendulum-v1 --redis` with normalizeObs and
 * normalizeReward runs, with the merged statistics in its checkpoint.
 * The Redis parts skip when redis-server is not installed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SKIP_REDIS, TestRedis } from './redis-server.ts';
import { ascentAsync, onlyRun, tempDir } from '../cli/helpers.ts';
import { PPO } from '../../src/algos/ppo.ts';
import { findObsNormalizer } from '../../src/algos/common.ts';
import { Rng } from '../../src/rng/index.ts';
import { RunningMeanStd } from '../../src/wrappers/running-mean-std.ts';
import { NormalizeReward } from '../../src/wrappers/normalize.ts';
import { RolloutLearner } from '../../src/distributed/learner.ts';
import { runRolloutWorker } from '../../src/distributed/rollout-worker.ts';
import { decodeChunk, fetchParams, roKey } from '../../src/distributed/rollouts.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';

test('merging k deltas gives the mean and variance of the concatenated data (Chan et al.)', () => {
  const rng = new Rng(5);
  const d = 3;
  // Deltas of unequal sizes and far-apart means, as workers on different parts of the state space send them.
  const parts = [7, 1, 50, 13].map((n, j) => Array.from({ length: n * d }, () => rng.uniform(-1, 1) * (j + 1) + 10 * j - 4));
  const all = parts.flat();
  const N = all.length / d;
  const global = new RunningMeanStd(d); // Gymnasium's start: count 1e-4, mean 0, var 1
  for (const p of parts) {
    const delta = new RunningMeanStd(d, 0);
    for (let k = 0; k < p.length / d; k++) delta.updateOne(p.slice(k * d, (k + 1) * d));
    global.merge(delta.getState());
  }
  global.merge(new RunningMeanStd(d, 0).getState()); // an empty delta changes nothing
  // The statistics of the concatenated data, with the initial (count 1e-4, mean 0, var 1) as a pseudo-sample.
  const eps = 1e-4;
  assert.ok(Math.abs(global.count - (N + eps)) < 1e-9, `count ${global.count}`);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += all[k * d + i];
    const mean = s / (N + eps);
    let m2 = eps * (1 + mean * mean);
    for (let k = 0; k < N; k++) m2 += (all[k * d + i] - mean) ** 2;
    assert.ok(Math.abs(global.mean[i] - mean) < 1e-6, `mean[${i}] ${global.mean[i]} vs ${mean}`);
    assert.ok(Math.abs(global.var[i] - m2 / (N + eps)) < 1e-6, `var[${i}] ${global.var[i]} vs ${m2 / (N + eps)}`);
  }
  assert.throws(() => global.merge({ mean: [0], var: [1], count: 1 }), /RunningMeanStd.merge: expected 3 values, got 1/);
});

test('normalised rollouts over Redis', { skip: SKIP_REDIS, timeout: 120_000 }, async (t) => {
  const server = await TestRedis.start();
  const conns: Redis[] = [];
  const connect = () => {
    const r = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null });
    conns.push(r);
    return r;
  };
  t.after(async () => {
    for (const c of conns) c.disconnect();
    await server.stop();
  });

  await t.test('a worker adopts the published statistics and ships its delta; the learner merges the deltas', async () => {
    const algo = new PPO({ env: 'Pendulum-v1', numEnvs: 4, nSteps: 16, batchSize: 32, epochs: 1, seed: 2, normalizeObs: true, normalizeReward: true });
    // Planted global statistics: a mean of 100 over 1e9 samples puts every normalised observation at the clip, -10.
    const planted = { mean: [100, 100, 100], var: [1, 1, 1], count: 1e9 };
    findObsNormalizer(algo.env.envs[0])!.setStats(planted);
    const learner = await RolloutLearner.start(algo, connect(), connect(), {
      run: 'norm',
      envsPerWorker: 2,
      maxStaleness: 0,
      correction: 'vtrace',
      timeoutMs: 20_000,
      log: () => {},
    });
    const r = connect();
    const published = (await fetchParams(r, 'norm'))!;
    assert.deepEqual(published.norm?.obs, planted);
    assert.ok(published.norm?.ret && published.norm.ret.count > 0, JSON.stringify(published.norm));
    const stop = new AbortController();
    const worker = runRolloutWorker(connect(), connect(), { run: 'norm', log: () => {} }, stop.signal);
    const bufs: Buffer[] = [];
    while (bufs.length < 2) {
      const got = await r.blpopBuffer(roKey.chunks('norm'), 5);
      assert.ok(got, 'no chunk from the worker');
      bufs.push(got[1]);
    }
    const chunks = bufs.map(decodeChunk);
    for (const c of chunks) {
      // After the reset observation (normalised before the first version arrived), every step's is at the clip.
      for (let i = 2 * 3; i < c.ro.obs.length; i++) assert.equal(c.ro.obs[i], -10, `obs[${i}] ${c.ro.obs[i]}`);
      // The delta holds the raw observations: cos and sin in [-1, 1], not the planted 100.
      assert.ok(Math.abs(c.norm!.obs!.mean[0]) <= 1 && Math.abs(c.norm!.obs!.mean[1]) <= 1, JSON.stringify(c.norm));
    }
    // 16 steps of 2 envs, plus the 2 reset observations in the worker's first chunk; a return per step.
    assert.deepEqual(
      chunks.map((c) => [c.norm!.obs!.count, c.norm!.ret!.count]),
      [
        [34, 32],
        [32, 32],
      ],
    );
    const retCount = (e: unknown) => {
      for (let w: any = e; w; w = w.env) if (w instanceof NormalizeReward) return w.returnRms.count;
      return -1;
    };
    const ret0 = retCount(algo.env.envs[0]);
    await r.rpush(roKey.chunks('norm'), ...bufs);
    const log = await learner.updateAsync();
    assert.equal(log.version, 1);
    // The learner's envs all hold the merged statistics (evaluation and checkpoints read env 0's).
    for (const e of algo.env.envs) {
      const s = findObsNormalizer(e)!.getStats();
      assert.equal(s.count, 1e9 + 66);
      assert.ok(Math.abs(s.mean[0] - 100) < 1e-4 && s.mean[0] < 100, `mean ${s.mean}`);
      assert.equal(retCount(e), ret0 + 64);
    }
    // ... and publish them with version 1.
    const v1 = (await fetchParams(r, 'norm'))!;
    assert.equal(v1.version, 1);
    assert.equal(v1.norm?.obs?.count, 1e9 + 66);
    await learner.finish();
    await worker;
    stop.abort();
    learner.close();
  });

  await t.test('ascent train ppo Pendulum-v1 --redis with normalizeObs and normalizeReward runs and checkpoints the merged statistics', async () => {
    const cwd = tempDir('ascent-rollouts-norm-');
    const steps = 1024;
    const run = await ascentAsync(
      [
        'train',
        'ppo',
        'Pendulum-v1',
        '--no-preset',
        '--plain',
        '--set',
        'normalizeObs=true',
        '--set',
        'normalizeReward=true',
        '--set',
        'numEnvs=4',
        '--set',
        'nSteps=64',
        '--set',
        'batchSize=64',
        '--set',
        'epochs=1',
        '--steps',
        String(steps),
        '--threshold',
        'none',
        '--eval-every',
        '0',
        '--eval-episodes',
        '1',
        '--redis',
        server.url,
        '--rollout-workers',
        '2',
      ],
      cwd,
    ).done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /2 chunks of 2 envs per update/);
    const ck = decodeCheckpoint(readFileSync(join(onlyRun(join(cwd, 'runs')), 'checkpoints', 'last.ascent')));
    const stats = findKey(ck, 'obsRms') as { count: number; mean: number[] };
    // 1024 steps, each env's reset and its episode ends (Pendulum: 200 steps; at most one per env and chunk), and the
    // learner's own reset: the workers' merged data, not one worker's share (~512) nor the learner's alone (~1).
    assert.ok(stats.count > steps && stats.count < steps + 24, `count ${stats.count}`);
    t.diagnostic(`merged observation count ${stats.count}`);
    assert.ok(Math.abs(stats.mean[0]) <= 1, `mean ${stats.mean}`);
  });
});

/** The first value of `key` in a nested JSON-like value. */
function findKey(v: unknown, key: string): unknown {
  if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return undefined;
  if (key in (v as object)) return (v as Record<string, unknown>)[key];
  for (const x of Object.values(v as object)) {
    const f = findKey(x, key);
    if (f !== undefined) return f;
  }
  return undefined;
}
