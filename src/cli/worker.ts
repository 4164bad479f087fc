/**
 * `ascent worker --redis URL --role rollout [--run ID]`: a rollout worker of distributed training
 * (src/distributed/rollout-worker.ts); Ctrl-C or SIGTERM stops it after the current chunk.
 *
 * `ascent worker --redis URL`: take sweep jobs from the queue, train each with `ascent train` (run
 * directories under --out), upload checkpoints while training and results with checksums at the
 * end. Ctrl-C or SIGTERM: the running jobs save a checkpoint and go back to the queue; a second
 * signal exits at once (the queue hands the jobs out again once their locks expire).
 */
import { connectRedis, redisTarget, type RedisFlags } from '../distributed/redis.ts';
import { runWorker } from '../distributed/queue.ts';
import { ConfigError } from '../train/setup.ts';
import { loadEnvsFor } from './load-envs.ts';

export interface WorkerFlags extends RedisFlags {
  redis: string;
  jobs: number;
  out: string;
  lockMs: number;
  /** 'sweep' (default): sweep jobs; 'rollout': chunks of a distributed training run. */
  role?: string;
  /** --role rollout: the run to serve (default: the newest, then the next). */
  run?: string;
}

export async function workerCommand(f: WorkerFlags): Promise<void> {
  const role = f.role ?? 'sweep';
  if (role !== 'sweep' && role !== 'rollout') throw new ConfigError(`--role must be 'sweep' or 'rollout', got '${role}'`);
  if (f.run !== undefined && role !== 'rollout') throw new ConfigError('--run is for --role rollout');
  const target = redisTarget(f.redis, f);
  const redis = await connectRedis(target, { persistent: true });
  if (role === 'rollout') return rolloutWorker(f, redis, await connectRedis(target, { persistent: true }));
  const say = (line: string) => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`second ${sig}: exiting now; the jobs go back to the queue when their locks expire`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    say(`${sig}: the running jobs save checkpoints and go back to the queue (${sig} again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  say(`worker on ${target.shown}: ${f.jobs} job${f.jobs === 1 ? '' : 's'} at a time, run directories under ${f.out}`);
  try {
    await runWorker(redis, target, { out: f.out, concurrency: f.jobs, lockMs: f.lockMs, log: say }, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis.disconnect();
  }
  say('worker stopped');
}

async function rolloutWorker(f: WorkerFlags, redis: Awaited<ReturnType<typeof connectRedis>>, blocking: typeof redis): Promise<void> {
  const say = (line: string) => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    say(`${sig}: stopping after the current chunk (${sig} again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Started by `ascent train --rollout-workers`: stop when the learner's process is gone (its pipe closes).
  if (process.env.ASCENT_EXIT_WITH_PARENT === '1') {
    process.stdin.on('close', () => controller.abort()).on('end', () => controller.abort());
    process.stdin.resume();
  }
  say(`rollout worker on ${redisTarget(f.redis, f).shown}${f.run ? `, run ${f.run}` : ': serving the newest run'}`);
  // Loaded here: a sweep worker does not pay for the algorithms' modules at startup.
  const { runRolloutWorker } = await import('../distributed/rollout-worker.ts');
  try {
    await runRolloutWorker(redis, blocking, { run: f.run, prepareEnv: (id) => loadEnvsFor(id), log: say }, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis.disconnect();
    blocking.disconnect();
  }
  say('rollout worker stopped');
}
