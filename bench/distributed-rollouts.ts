/**
 * Distributed-rollout throughput (issue 15): PPO's learner in this process on a private Redis,
 * with 1, 2 and 4 `ascent worker --role rollout` processes, on CartPole-v1 and Hopper-v5, on-policy
 * (each update waits for chunks of the current version) and with --max-staleness 1 (a batch is
 * collected while the learner updates). Reports env steps/s the learner consumes, its ratio to
 * single-process PPO with the same config, the staleness of the chunks used (mean and max versions
 * behind), and the fraction of the learner's time spent waiting for chunks. Workers are started
 * and two updates run before the clock starts.
 *
 *   node --import tsx bench/distributed-rollouts.ts [--seconds 12] [--envs CartPole-v1,Hopper-v5] [--workers 1,2,4]
 *       [--out bench/results/distributed-rollouts.json]
 *
 * Every worker and the learner share this machine's cores: with 2 cores, more worker processes
 * than cores only add contention, and other load on the machine counts too (see loadavg).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { TestRedis } from '../test/distributed/redis-server.ts';
import { PPO } from '../src/algos/ppo.ts';
import { ensureEnv } from '../src/envs/index.ts';
import { RolloutLearner } from '../src/distributed/learner.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const SECONDS = Number(arg('--seconds', '12'));
const ENVS = arg('--envs', 'CartPole-v1,Hopper-v5').split(',');
const WORKERS = arg('--workers', '1,2,4').split(',').map(Number);
const out = arg('--out', '');
const BIN = fileURLToPath(new URL('../bin/ascent.mjs', import.meta.url));
const load0 = loadavg()[0];

/** PPO configs: CartPole's preset (RL Zoo); Hopper with CleanRL's settings over 4 envs x 512 steps, without normalisation. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  'CartPole-v1': { numEnvs: 8, nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, epochs: 20, lr: 1e-3, totalSteps: 10_000_000 },
  'Hopper-v5': { numEnvs: 4, nSteps: 512, batchSize: 64, epochs: 10, lr: 3e-4, clipRangeVf: 0.2, totalSteps: 10_000_000 },
};

interface Row {
  env: string;
  workers: number;
  maxStaleness: number;
  stepsPerSecond: number;
  /** Over single-process PPO's steps/s with the same config. */
  ratio: number;
  staleMean: number;
  staleMax: number;
  idleFraction: number;
  updates: number;
  dropped: number;
  reissued: number;
}

function single(env: string): { stepsPerSecond: number; updates: number } {
  const ppo = new PPO({ env, seed: 0, ...CONFIGS[env] });
  ppo.update();
  const s0 = ppo.steps,
    t0 = performance.now();
  let updates = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    ppo.update();
    updates++;
  }
  const r = { stepsPerSecond: (ppo.steps - s0) / ((performance.now() - t0) / 1000), updates };
  ppo.close();
  return r;
}

async function distributed(server: TestRedis, env: string, workers: number, maxStaleness: number, base: number): Promise<Row> {
  const run = `bench-${env}-${workers}-${maxStaleness}-${Date.now().toString(36)}`;
  const connect = () => new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null });
  const [a, b] = [connect(), connect()];
  const c = CONFIGS[env];
  const learner = await RolloutLearner.start(new PPO({ env, seed: 0, ...c }), a, b, {
    run,
    envsPerWorker: (c.numEnvs as number) / workers,
    maxStaleness,
    correction: 'vtrace',
    timeoutMs: 120_000,
    log: () => {},
  });
  const procs: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, [BIN, 'worker', '--role', 'rollout', '--redis', server.url, '--run', run], { stdio: 'ignore' }),
  );
  try {
    for (let i = 0; i < 2; i++) await learner.updateAsync();
    const s0 = learner.steps,
      w0 = learner.waitSeconds,
      t0 = performance.now();
    const lags: number[] = [];
    let updates = 0,
      dropped = 0,
      reissued = 0,
      staleMax = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      const log = await learner.updateAsync();
      updates++;
      lags.push(log.staleMean);
      staleMax = Math.max(staleMax, log.staleMax);
      dropped += log.dropped;
      reissued += log.reissued;
    }
    const secs = (performance.now() - t0) / 1000;
    const sps = (learner.steps - s0) / secs;
    return {
      env,
      workers,
      maxStaleness,
      stepsPerSecond: sps,
      ratio: sps / base,
      staleMean: lags.reduce((x, y) => x + y, 0) / lags.length,
      staleMax,
      idleFraction: (learner.waitSeconds - w0) / secs,
      updates,
      dropped,
      reissued,
    };
  } finally {
    await learner.finish();
    learner.close();
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : (p.once('exit', r), p.kill('SIGTERM'))))));
    a.disconnect();
    b.disconnect();
  }
}

const server = await TestRedis.start();
const rows: Row[] = [];
const baselines: Record<string, number> = {};
try {
  for (const env of ENVS) {
    await ensureEnv(env);
    const base = single(env);
    baselines[env] = base.stepsPerSecond;
    console.log(`${env}: single-process PPO ${base.stepsPerSecond.toFixed(0)} steps/s (${base.updates} updates)`);
    for (const w of WORKERS)
      for (const k of [0, 1]) {
        const r = await distributed(server, env, w, k, base.stepsPerSecond);
        rows.push(r);
        console.log(
          `${env.padEnd(12)} workers ${w}  max-staleness ${k}: ${r.stepsPerSecond.toFixed(0).padStart(6)} steps/s (x${r.ratio.toFixed(2)})  ` +
            `stale mean ${r.staleMean.toFixed(2)} max ${r.staleMax}  learner idle ${(100 * r.idleFraction).toFixed(0)}%  ${r.updates} updates` +
            `${r.dropped ? `, ${r.dropped} dropped` : ''}${r.reissued ? `, ${r.reissued} re-issued` : ''}`,
        );
      }
  }
} finally {
  await server.stop();
}
const load1 = loadavg()[0];
console.log(`${cpus().length} x ${cpus()[0]?.model}; load ${load0.toFixed(2)} -> ${load1.toFixed(2)}`);
if (out)
  writeFileSync(
    out,
    `${JSON.stringify({ seconds: SECONDS, configs: CONFIGS, baselines, rows, cpu: cpus()[0]?.model, cores: cpus().length, loadavg: [load0, load1], date: new Date().toISOString() }, null, 1)}\n`,
  );
