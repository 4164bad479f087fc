/**
 * A rollout worker (`ascent worker --role rollout`): builds the learner's envs and policy from the
 * run's spec, then for each ticket steps its envs for one chunk with the newest parameters it has
 * (fetched when Redis holds a newer version) and pushes the chunk tagged with that version.
 * Node-only. Leaves a run when the learner marks it done; without --run it then waits for the next.
 */
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import type { VectorEnv } from '../vector/types.ts';
import { Collector, type Rollout } from '../rollout/collector.ts';
import { EpisodeTracker } from '../rollout/episodes.ts';
import type { SquashedGaussianActor } from '../policies/actor-critic.ts';
import { isReplay } from './learner.ts';
import type { Policy } from '../policies/index.ts';
import { Rng } from '../rng/index.ts';
import { SEED_MAX } from '../train/config.ts';
import { algorithmEntry, createAlgorithm } from '../train/setup.ts';
import { WorkerNorm } from './norm-sync.ts';
import { encodeChunk, fetchParams, loadFlatParams, roKey, storedVersion, type RolloutSpec } from './rollouts.ts';

export interface RolloutWorkerOptions {
  /** The run to serve; default: the newest (ascent:ro:latest), and the next one after it ends. */
  run?: string;
  /** Called with the env id before the envs are built (the CLI loads MuJoCo's module here). */
  prepareEnv?(id: string): Promise<void>;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serve runs until `signal` aborts (or, with o.run, until that run is done). */
export async function runRolloutWorker(redis: Redis, blocking: Redis, o: RolloutWorkerOptions, signal: AbortSignal): Promise<void> {
  const served = new Set<string>();
  while (!signal.aborted) {
    const run = o.run ?? (await redis.get(roKey.latest));
    const ready = run && !served.has(run) && (await redis.exists(roKey.spec(run))) && !(await redis.exists(roKey.done(run)));
    if (!ready) {
      if (o.run && (await redis.exists(roKey.done(o.run)))) return;
      await sleep(500);
      continue;
    }
    served.add(run);
    await serveRun(redis, blocking, run, o, signal);
    if (o.run) return;
  }
}

async function serveRun(redis: Redis, blocking: Redis, run: string, o: RolloutWorkerOptions, signal: AbortSignal): Promise<void> {
  const raw = await redis.get(roKey.spec(run));
  if (!raw) throw new Error(`rollout run ${run} has no spec in Redis`);
  const spec = JSON.parse(raw) as RolloutSpec;
  const index = await redis.incr(roKey.workers(run));
  const name = `${hostname()}:${process.pid}#${index}`;
  await o.prepareEnv?.(spec.env);
  // Envs seeded apart from the learner's (seed + i) and from every other worker's.
  const seed = (Number(spec.config.seed ?? 0) + 10_007 * index) % SEED_MAX;
  // The algorithm is built for its envs and policy only; its checks see the worker's smaller batch.
  const config: Record<string, unknown> = { ...spec.config, numEnvs: spec.envsPerWorker, seed };
  if (typeof config.batchSize === 'number') config.batchSize = Math.min(config.batchSize, spec.T * spec.envsPerWorker);
  // SAC's and MBPO's buffers stay on the learner: the worker's would only take memory (MBPO's model buffer grows with rolloutsPerStep).
  if (isReplay(spec.algo)) {
    config.bufferSize = spec.T * spec.envsPerWorker;
    if (spec.algo === 'mbpo') config.rolloutsPerStep = 1;
  }
  const algo = createAlgorithm(algorithmEntry(spec.algo), config);
  const { env, policy } = algo as unknown as { env: VectorEnv; policy: Policy };
  const rng = new Rng(seed).split();
  // Before the collector's reset: the delta counts every observation the wrappers take.
  const norm = new WorkerNorm(env as unknown as { envs?: unknown[] });
  const collect = isReplay(spec.algo) ? sacChunks(env, policy as SquashedGaussianActor, rng, seed) : onPolicyChunks(env, policy, rng, seed);
  const params = policy.parameters();
  let version = -1;
  o.log(`rollout worker ${name} on run ${run}: ${spec.algo} ${spec.env}, ${spec.envsPerWorker} envs x ${spec.T} steps per chunk`);
  let chunks = 0;
  try {
    while (!signal.aborted) {
      const got = await blocking.blpop(roKey.tickets(run), 1);
      if (!got) {
        if (await redis.exists(roKey.done(run))) break;
        continue;
      }
      // '<version>' or '<version>r': uniformly random actions (SAC before learningStarts).
      const ticket = Number.parseInt(got[1], 10);
      const random = got[1].endsWith('r');
      const current = await storedVersion(redis, run);
      // A ticket the learner no longer needs (issued again, then answered by another worker).
      if (ticket < current - spec.maxStaleness) continue;
      if (version < current) {
        const p = await fetchParams(redis, run);
        if (p) {
          loadFlatParams(params, p.flat);
          norm.adopt(p.norm);
          version = p.version;
        }
      }
      if (version < 0) continue;
      const t0 = performance.now();
      const { ro, finalObs, lastObs } = collect(spec.T, random);
      const buf = encodeChunk({ version, worker: name, ro, finalObs, lastObs, ms: performance.now() - t0, norm: norm.take() });
      await redis.rpush(roKey.chunks(run), buf);
      chunks++;
    }
  } finally {
    algo.close();
  }
  o.log(`rollout worker ${name}: run ${run} done after ${chunks} chunks`);
}

type ChunkSource = (T: number, random: boolean) => { ro: Rollout; finalObs: Float32Array; lastObs: Float32Array };

/** PPO's and REINFORCE's chunks: the Collector's rollout, the final observations of truncated episodes, the next observation. */
function onPolicyChunks(env: VectorEnv, policy: Policy, rng: Rng, seed: number): ChunkSource {
  const rec = recordFinalObs(env);
  const collector = new Collector(rec.env, policy, rng, { seed });
  return (T) => {
    rec.clear();
    const ro = collector.collect(T);
    return { ro, finalObs: rec.finalObs(ro.T), lastObs: collector.currentObs.slice() };
  };
}

/**
 * SAC's chunks, stepped as SAC's own loop steps (src/algos/sac.ts envStep): actions in [-1, 1]
 * (what its replay buffer holds), uniformly random when asked; finalObs holds every step's next
 * observation (the real final one where an episode ended).
 */
function sacChunks(env: VectorEnv, actor: SquashedGaussianActor, rng: Rng, seed: number): ChunkSource {
  const n = env.numEnvs,
    od = env.obsDim,
    ad = env.actDim;
  let obs = Float32Array.from(env.reset({ seed }).obs);
  const tracker = new EpisodeTracker(n);
  const unit = new Float32Array(n * ad),
    envAct = new Float32Array(n * ad),
    logp = new Float32Array(n);
  return (T, random) => {
    const B = T * n;
    const ro: Rollout = {
      T,
      numEnvs: n,
      obsDim: od,
      actDim: ad,
      obs: new Float32Array(B * od),
      actions: new Float32Array(B * ad),
      rewards: new Float64Array(B),
      terminated: new Uint8Array(B),
      truncated: new Uint8Array(B),
      logProbs: new Float32Array(B),
      values: null,
      finalValues: null,
      lastValues: null,
      mask: new Uint8Array(B).fill(1),
      continuing: new Uint8Array(n),
      episodes: [],
    };
    const next = new Float32Array(B * od);
    for (let t = 0; t < T; t++) {
      if (random) for (let i = 0; i < n * ad; i++) unit[i] = rng.uniform(-1, 1);
      else actor.sampleUnit(obs, n, rng, false, unit, logp);
      const r = env.step(actor.toEnv(unit, n, envAct));
      ro.obs.set(obs, t * n * od);
      ro.actions.set(unit, t * n * ad);
      for (let e = 0; e < n; e++) {
        const i = t * n + e;
        const done = r.terminated[e] === 1 || r.truncated[e] === 1;
        ro.rewards[i] = r.rewards[e];
        ro.terminated[i] = r.terminated[e];
        ro.truncated[i] = r.truncated[e];
        next.set((done ? r.finalObs! : r.obs).subarray(e * od, (e + 1) * od), i * od);
        const ep = tracker.step(e, r.rewards[e], done);
        if (ep) ro.episodes.push(ep);
      }
      obs = Float32Array.from(r.obs);
    }
    return { ro, finalObs: next, lastObs: obs.slice() };
  };
}

/**
 * The env as the collector sees it, recording each step's final observations (o'_final of
 * truncated episodes), which the learner's value function bootstraps from.
 */
function recordFinalObs(env: VectorEnv): { env: VectorEnv; clear(): void; finalObs(T: number): Float32Array } {
  const rows: (Float32Array | null)[] = [];
  const width = env.numEnvs * env.obsDim;
  const wrapped = new Proxy(env, {
    get(target, prop) {
      if (prop === 'step')
        return (a: Float32Array) => {
          const r = target.step(a);
          rows.push(r.finalObs ? r.finalObs.slice() : null);
          return r;
        };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    env: wrapped,
    clear: () => void (rows.length = 0),
    finalObs(T: number) {
      const out = new Float32Array(T * width);
      rows.forEach((r, t) => r && out.set(r.subarray(0, width), t * width));
      return out;
    },
  };
}
