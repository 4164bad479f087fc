/**
 * `ascent train <algo> <env> --redis URL [--rollout-workers N]`: the learner of distributed
 * rollouts (src/distributed/learner.ts) and the rollout-worker processes it starts on this machine
 * (`ascent worker --role rollout`), each replaced when it dies. Workers on other machines join with
 * `ascent worker --role rollout --redis URL`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Algorithm } from '../algos/types.ts';
import type { RolloutLearner, batchShape as BatchShape } from '../distributed/learner.ts';
import type { RedisFlags } from '../distributed/redis.ts';
import { ConfigError } from '../train/setup.ts';

/**
 * The learner and ioredis, loaded when --redis is given: `ascent train` without it does not pay
 * for them at startup (issue 12; test/cli/train-startup.test.ts).
 */
async function distributed() {
  const [learner, redis] = await Promise.all([import('../distributed/learner.ts'), import('../distributed/redis.ts')]);
  return { ...learner, ...redis };
}

const BIN = fileURLToPath(new URL('../../bin/ascent.mjs', import.meta.url));

export interface RolloutFlags extends RedisFlags {
  redis?: string;
  /** Rollout-worker processes to start here (0: only workers started elsewhere). */
  rolloutWorkers?: number;
  envsPerWorker?: number;
  maxStaleness?: number;
  /** Seconds without a usable chunk before the learner gives up. */
  rolloutTimeout?: number;
}

/** The rollout options make sense only with --redis, and --redis only for ppo, reinforce, sac and mbpo (checked before the run directory is made). */
export function checkRolloutFlags(f: RolloutFlags, algo: string | undefined): void {
  if (f.redis) {
    if (algo !== undefined && !['ppo', 'reinforce', 'sac', 'mbpo'].includes(algo))
      throw new ConfigError(`--redis: distributed rollouts train ppo, reinforce, sac or mbpo, not '${algo}'`);
    if (f.maxStaleness && algo === 'reinforce') throw new ConfigError('--max-staleness: only ppo corrects stale rollouts; reinforce needs 0');
    return;
  }
  const given = (
    [
      ['--rollout-workers', f.rolloutWorkers],
      ['--envs-per-worker', f.envsPerWorker],
      ['--max-staleness', f.maxStaleness],
      ['--rollout-timeout', f.rolloutTimeout],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length) throw new ConfigError(`${given.map(([k]) => k).join(', ')} need --redis <url> (distributed rollouts)`);
}

/** Envs per worker: the largest divisor of numEnvs that gives every local worker a share. */
export function defaultEnvsPerWorker(numEnvs: number, workers: number): number {
  const most = Math.ceil(numEnvs / Math.max(1, workers));
  for (let k = most; k > 1; k--) if (numEnvs % k === 0) return k;
  return 1;
}

/** Before the run directory is made: the Redis server answers, and the algorithm's config suits rollout workers. */
export async function checkRollouts(algo: Algorithm, f: RolloutFlags): Promise<void> {
  const { connectRedis, redisTarget, checkLearner, batchShape } = await distributed();
  (await connectRedis(redisTarget(f.redis!, f))).disconnect();
  const c = algo.config as Record<string, any>;
  checkLearner(algo.name, c, { envsPerWorker: envsPerWorker(algo, f, batchShape), maxStaleness: f.maxStaleness ?? 0 });
}

function envsPerWorker(algo: Algorithm, f: RolloutFlags, batchShape: typeof BatchShape): number {
  return f.envsPerWorker ?? defaultEnvsPerWorker(batchShape(algo.name, algo.config as Record<string, any>).numEnvs, f.rolloutWorkers ?? 0);
}

export interface Rollouts {
  learner: RolloutLearner;
  /** Mark the run done, stop the local workers, close the connections. */
  stop(): Promise<void>;
}

export async function startRollouts(algo: Algorithm, runDir: string, f: RolloutFlags, say: (line: string) => void): Promise<Rollouts> {
  const { connectRedis, redisTarget, batchShape, RolloutLearner } = await distributed();
  const target = redisTarget(f.redis!, f);
  const c = algo.config as Record<string, any>;
  const { numEnvs } = batchShape(algo.name, c);
  const workers = f.rolloutWorkers ?? 0;
  const k = envsPerWorker(algo, f, batchShape);
  const redis = await connectRedis(target, { persistent: true });
  const blocking = await connectRedis(target, { persistent: true });
  const run = `${basename(runDir)}.${Date.now().toString(36)}`;
  let learner: RolloutLearner;
  try {
    learner = await RolloutLearner.start(algo, redis, blocking, {
      run,
      envsPerWorker: k,
      maxStaleness: f.maxStaleness ?? 0,
      correction: 'vtrace',
      timeoutMs: (f.rolloutTimeout ?? 60) * 1000,
      log: say,
    });
  } catch (e) {
    redis.disconnect();
    blocking.disconnect();
    throw e;
  }
  say(
    `distributed rollouts on ${target.shown}, run ${run}: ${numEnvs / k} chunks of ${k} envs per update, ` +
      `${f.maxStaleness ? `chunks up to ${f.maxStaleness} versions old corrected by V-trace` : 'on-policy (each update waits for chunks of the current version)'}; ` +
      `${workers} local worker${workers === 1 ? '' : 's'}${workers ? '' : ` (start workers with: ascent worker --role rollout --redis ${target.shown} --run ${run})`}`,
  );
  const local = new LocalWorkers(workers, run, f, say);
  return {
    learner,
    async stop() {
      await learner.finish().catch(() => {});
      await local.stop();
      redis.disconnect();
      blocking.disconnect();
    },
  };
}

/** Rollout-worker processes on this machine, each started again when it dies. */
class LocalWorkers {
  private readonly procs: (ChildProcess | null)[];
  private stopping = false;
  private restarts = 0;

  constructor(
    n: number,
    private readonly run: string,
    private readonly f: RolloutFlags,
    private readonly say: (line: string) => void,
  ) {
    this.procs = Array.from({ length: n }, () => null);
    for (let i = 0; i < n; i++) this.start(i);
  }

  private start(i: number): void {
    // The password travels in the environment, not on the command line (ps shows that).
    const u = new URL(this.f.redis!);
    const env = { ...process.env };
    if (u.password) env.ASCENT_REDIS_PASSWORD = decodeURIComponent(u.password);
    u.password = '';
    const args = [BIN, 'worker', '--role', 'rollout', '--redis', u.toString(), '--run', this.run];
    if (this.f.tlsCa) args.push('--tls-ca', this.f.tlsCa);
    if (this.f.tlsServername) args.push('--tls-servername', this.f.tlsServername);
    if (this.f.tlsInsecure) args.push('--tls-insecure');
    // stdin is a pipe the worker watches: when this process dies (even by SIGKILL) the pipe closes and the worker stops.
    const p = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...env, ASCENT_EXIT_WITH_PARENT: '1' } });
    p.stdin!.on('error', () => {});
    let tail = '';
    p.stderr!.on('data', (d) => (tail = (tail + d).slice(-2000)));
    this.procs[i] = p;
    this.say(`rollout worker ${i + 1}: pid ${p.pid}`);
    p.on('exit', (code, signal) => {
      if (this.stopping) return;
      const last = tail.trim().split('\n').at(-1) ?? '';
      // A worker that dies at once, again and again, has a reason to: stop replacing it (the learner then times out).
      if (++this.restarts > 10 * this.procs.length) {
        this.say(`rollout worker ${i + 1} exited with ${code ?? signal} (${last}); too many restarts, not replaced`);
        return;
      }
      this.say(`rollout worker ${i + 1} (pid ${p.pid}) exited with ${code ?? signal}; starting a replacement`);
      this.start(i);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
            const kill = setTimeout(() => p.kill('SIGKILL'), 5000);
            p.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
  }
}
