/**
 * The rollout learner against a private redis-server, in this process: versions only rise, a
 * ticket whose worker died is issued again and its chunk collected by another worker, stale
 * chunks are used up to maxStaleness (tagged with their lag) and dropped beyond, and a learner
 * without workers fails after its timeout with a message saying what arrived.
 * Skips when redis-server is not installed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { SKIP_REDIS, TestRedis } from './redis-server.ts';
import { PPO } from '../../src/algos/ppo.ts';
import { SAC } from '../../src/algos/sac.ts';
import { MBPO } from '../../src/algos/model-based/mbpo.ts';
import { Rng } from '../../src/rng/index.ts';
import { Collector } from '../../src/rollout/index.ts';
import { makeTrainingEnvs } from '../../src/algos/common.ts';
import { CategoricalPolicy } from '../../src/policies/index.ts';
import { RolloutLearner, type LearnerOptions } from '../../src/distributed/learner.ts';
import { runRolloutWorker } from '../../src/distributed/rollout-worker.ts';
import { encodeChunk, fetchParams, flatParams, loadFlatParams, publishParams, roKey } from '../../src/distributed/rollouts.ts';

const SMALL = { env: 'CartPole-v1', numEnvs: 4, nSteps: 16, batchSize: 32, epochs: 2, seed: 3 };

test('rollout learner over Redis', { skip: SKIP_REDIS, timeout: 60_000 }, async (t) => {
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
  const lines: string[] = [];
  const opts = (run: string, o: Partial<LearnerOptions> = {}): LearnerOptions => ({
    run,
    envsPerWorker: 2,
    maxStaleness: 0,
    correction: 'vtrace',
    timeoutMs: 20_000,
    reissueMs: 300,
    log: (l) => lines.push(l),
    ...o,
  });

  await t.test('versions only rise', async () => {
    const r = connect();
    const flat = Float32Array.from([1, 2, 3]);
    assert.equal(await publishParams(r, 'v', 5, flat), true);
    assert.equal(await publishParams(r, 'v', 5, Float32Array.from([9, 9, 9])), false);
    assert.equal(await publishParams(r, 'v', 4, Float32Array.from([9, 9, 9])), false);
    assert.deepEqual(await fetchParams(r, 'v'), { version: 5, flat });
    assert.equal(await publishParams(r, 'v', 6, flat), true);
  });

  await t.test('a ticket whose worker died is issued again and another worker collects that share', async () => {
    const learner = await RolloutLearner.start(new PPO(SMALL), connect(), connect(), opts('kill'));
    // A worker took one of the two tickets and died before pushing its chunk.
    const r = connect();
    assert.equal((await r.lpop(roKey.tickets('kill'))) !== null, true);
    const stop = new AbortController();
    const worker = runRolloutWorker(connect(), connect(), { run: 'kill', log: () => {} }, stop.signal);
    const log = await learner.updateAsync();
    assert.ok(log.reissued >= 1, `reissued ${log.reissued}`);
    assert.equal(log.version, 1);
    assert.equal(learner.steps, 4 * 16);
    assert.equal(log.staleMax, 0);
    assert.match(lines.join('\n'), /version 0: 1 chunk late, tickets issued again/);
    // The next update's chunks come from the surviving worker with version 1.
    const log2 = await learner.updateAsync();
    assert.equal(log2.version, 2);
    assert.equal(log2.staleMax, 0);
    await learner.finish();
    await worker;
    stop.abort();
    learner.close();
  });

  await t.test('stale chunks: used up to maxStaleness with weights below 1, dropped beyond', async () => {
    const algo = new PPO(SMALL);
    const learner = await RolloutLearner.start(algo, connect(), connect(), opts('stale', { envsPerWorker: 4, maxStaleness: 1 }));
    const r = connect();
    const env = makeTrainingEnvs('CartPole-v1', 4);
    const behaviour = new CategoricalPolicy(4, 2, new Rng(0));
    const collector = new Collector(env, behaviour, new Rng(1), { seed: 100 });
    const v0 = flatParams(algo.policy.parameters());
    /** A chunk collected with the parameters `flat`, tagged `version`. */
    const push = async (flat: Float32Array, version: number) => {
      loadFlatParams(behaviour.parameters(), flat);
      const ro = collector.collect(16);
      await r.rpush(
        roKey.chunks('stale'),
        encodeChunk({ version, worker: 'test', ro, finalObs: new Float32Array(16 * 4 * 4), lastObs: collector.currentObs.slice(), ms: 0 }),
      );
    };
    await push(v0, 0);
    const a = await learner.updateAsync();
    assert.deepEqual([a.version, a.staleMax, a.dropped, a.rhoMean], [1, 0, 0, 1]);
    // One version behind: used, its steps weighted by min(1, pi_1 / pi_0).
    await push(v0, 0);
    const b = await learner.updateAsync();
    assert.equal(b.staleMax, 1);
    assert.ok(b.rhoMean < 1 && b.rhoMean > 0.5, `rhoMean ${b.rhoMean}`);
    // Two behind (beyond maxStaleness 1) and a damaged buffer: dropped; the current one is used.
    await push(v0, 0);
    await r.rpush(roKey.chunks('stale'), Buffer.from([3, 0, 0, 0, 1, 2, 3]));
    await push(flatParams(algo.policy.parameters()), 2);
    const c = await learner.updateAsync();
    assert.deepEqual([c.version, c.staleMax, c.dropped], [3, 0, 2]);
    await learner.finish();
    learner.close();
    env.close();
  });

  await t.test("SAC: every worker transition goes into the replay buffer, with SAC's gradient steps per env step", async () => {
    // 2 envs, learning starts after 100 steps, 1 gradient step per vector step of 2 envs: 0.5 per env step.
    const sac = new SAC({ env: 'Pendulum-v1', seed: 1, numEnvs: 2, learningStarts: 100, batchSize: 32, hidden: [16, 16] });
    const learner = await RolloutLearner.start(sac, connect(), connect(), opts('sac', { envsPerWorker: 1 }));
    const r = connect();
    // Before learningStarts the tickets ask for uniformly random actions.
    assert.deepEqual(await r.lrange(roKey.tickets('sac'), 0, -1), ['0r', '0r', '0r', '0r']);
    const stop = new AbortController();
    const worker = runRolloutWorker(connect(), connect(), { run: 'sac', log: () => {} }, stop.signal);
    const a = await learner.updateAsync();
    // Two chunks of 64 steps of one env: 128 transitions; (128 - 100) / 2 = 14 gradient steps.
    assert.equal(sac.replay.size, 128);
    assert.equal(a.steps, 128);
    assert.equal(a.gradSteps, 14);
    const b = await learner.updateAsync();
    assert.equal(sac.replay.size, 256);
    assert.equal(b.gradSteps, 14 + 64);
    // Off-policy: chunks of any version are used; actions are stored in [-1, 1] as SAC's own loop stores them.
    for (let i = 0; i < sac.replay.size; i++) assert.ok(Math.abs(sac.replay.actions[i]) <= 1);
    assert.equal(
      (await r.lrange(roKey.tickets('sac'), 0, -1)).some((x) => x.endsWith('r')),
      false,
    );
    await learner.finish();
    await worker;
    stop.abort();
    learner.close();
  });

  await t.test("MBPO: workers' transitions into D_env; model refits and branched rollouts on MBPO's schedule, on the learner", async () => {
    // 2 envs, learning starts after 100 steps, a refit every 64 env steps branching 2 x 64 one-step rollouts.
    const mbpo = new MBPO({
      env: 'Pendulum-v1',
      seed: 1,
      numEnvs: 2,
      learningStarts: 100,
      gradientSteps: 1,
      batchSize: 32,
      hidden: [16, 16],
      modelTrainFreq: 64,
      rolloutsPerStep: 2,
      modelMaxEpochs: 2,
      model: { ensembleSize: 2, numElites: 1, hidden: [16] },
    });
    const learner = await RolloutLearner.start(mbpo, connect(), connect(), opts('mbpo', { envsPerWorker: 1 }));
    const r = connect();
    assert.deepEqual(await r.lrange(roKey.tickets('mbpo'), 0, -1), ['0r', '0r', '0r', '0r']);
    const stop = new AbortController();
    const worker = runRolloutWorker(connect(), connect(), { run: 'mbpo', log: () => {} }, stop.signal);
    const a = await learner.updateAsync();
    // 128 real transitions; SAC steps at env steps 102..128 (14); the first refit at 102 (MBPO refits
    // when (envSteps - learningStarts - 1) mod modelTrainFreq < numEnvs): 2 x 64 model transitions.
    assert.equal(mbpo.replay.size, 128);
    assert.deepEqual([a.steps, a.gradSteps, a.modelBufferSize, a.rolloutLength], [128, 14, 128, 1]);
    assert.ok(mbpo.model.fitted);
    const b = await learner.updateAsync();
    // Refits again at env steps 166 and 230, as single-process MBPO with 2 envs does.
    assert.deepEqual([mbpo.replay.size, b.gradSteps, b.modelBufferSize], [256, 14 + 64, 3 * 128]);
    assert.ok(Number.isFinite(b.modelHoldoutMse));
    await learner.finish();
    await worker;
    stop.abort();
    learner.close();
  });

  await t.test('without workers the learner fails after its timeout, saying what arrived', async () => {
    const learner = await RolloutLearner.start(new PPO(SMALL), connect(), connect(), opts('none', { timeoutMs: 1200 }));
    const t0 = Date.now();
    await assert.rejects(
      learner.updateAsync(),
      /rollout run none: no usable rollout for 1.2 s \(0 of 2 chunks of version 0 arrived, 0 too old dropped\); are rollout workers running\?/,
    );
    assert.ok(Date.now() - t0 < 5000);
    await learner.finish();
    learner.close();
  });
});
