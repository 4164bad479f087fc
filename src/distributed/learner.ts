/**
 * The learner of distributed rollouts: an on-policy algorithm (PPO, REINFORCE) whose batches come
 * from rollout workers over Redis instead of its own envs. Node-only.
 *
 * Each update: issue one ticket per chunk the batch needs, take chunks until the batch is whole,
 * compute V(s) with the learner's value function, hand the batch to the algorithm's own update()
 * (through FeedCollector, so PPO's and REINFORCE's update code is the one that runs), then publish
 * the new parameters as the next version. A chunk made with an older version is used only when it
 * is at most `maxStaleness` versions behind; PPO then corrects it with V-trace's truncated
 * importance weights min(1, pi_current / pi_behaviour) (src/rollout/vtrace.ts) and takes the
 * current policy as pi_old of its clipped ratio (the "proximal" policy of decoupled PPO, Hilton et
 * al. 2021, arXiv:2110.00641). With maxStaleness 0 (the default) every batch is on-policy and an
 * update is the single-process update on the same kind of batch.
 *
 * SAC is off-policy: any worker's transitions, of any version, go into its replay buffer, and the
 * learner takes SAC's gradient steps at SAC's ratio (gradientSteps per trainFreq vector steps of
 * numEnvs envs) over the env steps received, with uniformly random actions before learningStarts.
 */
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import type { Algorithm, AlgorithmState, UpdateLog } from '../algos/types.ts';
import type { Collector, Rollout } from '../rollout/collector.ts';
import type { EpisodeRecord } from '../rollout/episodes.ts';
import type { Policy, ValueModel } from '../policies/index.ts';
import { Tensor, noGrad } from '../tensor/index.ts';
import { vtrace } from '../rollout/vtrace.ts';
import { recentSummary } from '../rollout/episodes.ts';
import type { ReplayBuffer } from '../rollout/replay.ts';
import { ConfigError } from '../train/setup.ts';
import { LearnerNorm } from './norm-sync.ts';
import { concatChunks, decodeChunk, flatParams, publishParams, roKey, type Chunk, type RolloutSpec } from './rollouts.ts';

/** Rollout batches handed to an algorithm's update() in place of its own collector. */
export class FeedCollector {
  private next: Rollout | null = null;
  private readonly recentEps: EpisodeRecord[] = [];
  steps: number;

  /** `local`: the algorithm's own collector, whose state checkpoints keep (a distributed run resumes here or anywhere). */
  constructor(private readonly local: Pick<Collector, 'getState' | 'setState' | 'steps' | 'recent'>) {
    this.steps = local.steps;
    this.recentEps.push(...local.recent);
  }

  get recent(): EpisodeRecord[] {
    return this.recentEps;
  }

  push(ro: Rollout): void {
    this.next = ro;
    for (const e of ro.episodes) this.recentEps.push(e);
    if (this.recentEps.length > 100) this.recentEps.splice(0, this.recentEps.length - 100);
  }

  collect(T: number): Rollout {
    const ro = this.next;
    if (!ro) throw new Error('FeedCollector: no batch was received for this update');
    if (ro.T !== T) throw new Error(`FeedCollector: the batch has T = ${ro.T} steps per env, the update asks for ${T}`);
    this.next = null;
    // Counted when collected, as Collector counts: update() reads steps before collect() for its
    // schedules (PPO's annealed lr and clip range), which must not run one batch ahead.
    this.steps += ro.T * ro.numEnvs;
    return ro;
  }

  collectEpisodes(): Rollout {
    throw new Error('FeedCollector: whole-episode batches are not collected by rollout workers');
  }

  getState() {
    return { ...(this.local.getState() as object), steps: this.steps, recent: this.recentEps.slice() };
  }

  setState(s: ReturnType<Collector['getState']>): void {
    this.local.setState(s);
    this.steps = s.steps;
    this.recentEps.splice(0, this.recentEps.length, ...s.recent);
  }
}

/** What the learner needs of an on-policy algorithm. */
interface OnPolicy extends Algorithm<Record<string, any>> {
  collector: Collector;
  value?: ValueModel | null;
  iteration: number;
}

/**
 * The parts of SAC (src/algos/sac.ts) and MBPO (its subclass) the learner drives: the replay
 * buffer, the env-step counter, the training due after each vector step (SAC's gradient steps;
 * MBPO's also refits its model and branches model rollouts on schedule), the counters.
 */
interface SacInternals {
  envSteps: number;
  replay: ReplayBuffer;
  trainStep(): Record<string, number> | null;
  learner: { gradSteps: number };
  counters(): Pick<UpdateLog, 'iteration' | 'steps' | 'seconds'>;
  /** MBPO only. */
  rolloutLength?: number;
  modelBuffer?: ReplayBuffer;
  lastFit?: { elites: number[]; holdoutMse: number[]; holdoutNll: number[]; epochs: number } | null;
}

/** Steps per env in a chunk for SAC and MBPO (an update takes numEnvs / envsPerWorker chunks). */
export const SAC_CHUNK_T = 64;

/** Off-policy algorithms, whose learner takes chunks of any version into the replay buffer. */
export const isReplay = (algo: string) => algo === 'sac' || algo === 'mbpo';

/** The batch an algorithm's update() collects: T steps of numEnvs envs (null: not collected by steps). */
export function batchShape(algo: string, c: Record<string, any>): { T: number; numEnvs: number } {
  if (algo === 'ppo') return { T: c.nSteps, numEnvs: c.numEnvs };
  if (isReplay(algo)) return { T: SAC_CHUNK_T, numEnvs: c.numEnvs };
  if (algo === 'reinforce') {
    if (c.batchEpisodes > 0 || c.returns === 'full' || c.policy?.cell !== 'none')
      throw new ConfigError(
        "--redis: reinforce's rollout workers collect fixed-step batches of a feed-forward policy: set batchEpisodes=0, returns other than 'full', policy.cell=none",
      );
    return { T: Math.ceil(c.batchSteps / c.numEnvs), numEnvs: c.numEnvs };
  }
  throw new ConfigError(`--redis: distributed rollouts train ppo, reinforce, sac or mbpo, not '${algo}'`);
}

/**
 * The learner's settings against the algorithm's config, as ConfigErrors: T and the chunks per batch.
 * (The CLI calls it before it makes the run directory.)
 */
export function checkLearner(algo: string, c: Record<string, any>, o: Pick<LearnerOptions, 'envsPerWorker' | 'maxStaleness'>): { T: number; chunks: number } {
  const shape = batchShape(algo, c);
  if (shape.numEnvs % o.envsPerWorker !== 0) throw new ConfigError(`--envs-per-worker ${o.envsPerWorker} must divide the batch's numEnvs (${shape.numEnvs})`);
  if (o.maxStaleness > 0 && algo !== 'ppo' && !isReplay(algo)) throw new ConfigError(`--max-staleness: only ppo corrects stale rollouts; ${algo} needs 0`);
  return { T: shape.T, chunks: shape.numEnvs / o.envsPerWorker };
}

export interface LearnerOptions {
  run: string;
  envsPerWorker: number;
  /** Versions a chunk may lag and still be used (PPO only; 0: wait for on-policy chunks). */
  maxStaleness: number;
  /** 'vtrace' corrects stale chunks; 'none' uses them as if on-policy (for measuring the bias). */
  correction: 'vtrace' | 'none';
  /** Give up (an Error naming what arrived) after this long without a usable chunk. */
  timeoutMs: number;
  /** Issue a ticket again when no usable chunk came for this long (its worker may be dead). Default 5000. */
  reissueMs?: number;
  log(line: string): void;
}

/** Per-update statistics of the rollouts, added to the update's log. */
export interface RolloutStats {
  version: number;
  /** Mean and max versions behind of the chunks used. */
  staleMean: number;
  staleMax: number;
  /** Chunks dropped as too old, and tickets issued again, during this update. */
  dropped: number;
  reissued: number;
  /** Fraction of the learner's wall time spent waiting for chunks, since it started. */
  idleFraction: number;
  /** Mean importance weight min(1, pi/mu) of the stale steps (1 when none). */
  rhoMean: number;
}

export class RolloutLearner implements Algorithm {
  /** On-policy algorithms: the collector their update() reads (null for SAC). */
  readonly feed: FeedCollector | null;
  private readonly replay: boolean;
  /** Versions a chunk may lag: SAC takes any. */
  private readonly maxStaleness: number;
  private readonly recentEps: EpisodeRecord[] = [];
  version = 0;
  private readonly need: number;
  private readonly T: number;
  private waitMs = 0;
  private readonly t0 = performance.now();
  private closed = false;
  /** The normalisers' global statistics (in the inner algorithm's env wrappers). */
  private readonly norm: LearnerNorm;

  private constructor(
    readonly inner: OnPolicy,
    private readonly redis: Redis,
    private readonly blocking: Redis,
    private readonly o: LearnerOptions,
  ) {
    ({ T: this.T, chunks: this.need } = checkLearner(inner.name, inner.config, o));
    this.replay = isReplay(inner.name);
    this.maxStaleness = this.replay ? Number.MAX_SAFE_INTEGER : o.maxStaleness;
    this.feed = this.replay ? null : new FeedCollector(inner.collector);
    // The algorithm's update() reads its batch from this.collector (REINFORCE swaps collectors the same way).
    if (this.feed) (inner as { collector: unknown }).collector = this.feed;
    this.norm = new LearnerNorm((inner as unknown as { env: { envs?: unknown[] } }).env);
  }

  /** Record the run's spec, publish version 0 and issue the first tickets. `redis`, `blocking`: two connections. */
  static async start(inner: Algorithm, redis: Redis, blocking: Redis, o: LearnerOptions): Promise<RolloutLearner> {
    const l = new RolloutLearner(inner as OnPolicy, redis, blocking, o);
    const spec: RolloutSpec = {
      run: o.run,
      algo: inner.name,
      env: String((inner.config as { env: string }).env),
      config: inner.config as Record<string, unknown>,
      envsPerWorker: o.envsPerWorker,
      T: l.T,
      maxStaleness: l.maxStaleness,
      learner: `${hostname()}:${process.pid}`,
      createdAt: new Date().toISOString(),
    };
    await redis.set(roKey.spec(o.run), JSON.stringify(spec));
    await redis.set(roKey.latest, o.run);
    await l.publish();
    // With stale chunks allowed, a second batch is collected while the learner updates (IMPALA's overlap).
    await l.issue(l.maxStaleness > 0 ? 2 * l.need : l.need);
    return l;
  }

  get name() {
    return this.inner.name;
  }
  get config() {
    return this.inner.config;
  }
  get policy(): Policy {
    return this.inner.policy;
  }
  get steps(): number {
    return this.feed ? this.feed.steps : this.inner.steps;
  }
  /** Seconds spent waiting for chunks so far. */
  get waitSeconds(): number {
    return this.waitMs / 1000;
  }

  private async publish(): Promise<void> {
    if (!(await publishParams(this.redis, this.o.run, this.version, flatParams(this.inner.policy.parameters()), this.norm.stats())))
      throw new Error(`rollout run ${this.o.run}: version ${this.version} is not above the stored one (another learner on the same run?)`);
  }

  /** k tickets of the current version; 'r' asks for uniformly random actions (SAC before learningStarts). */
  private async issue(k: number): Promise<void> {
    const random = this.replay && this.inner.steps < (this.inner.config.learningStarts as number);
    if (k > 0) await this.redis.rpush(roKey.tickets(this.o.run), ...Array.from({ length: k }, () => `${this.version}${random ? 'r' : ''}`));
  }

  update(): UpdateLog {
    throw new Error('RolloutLearner: batches arrive over Redis; the training driver calls updateAsync()');
  }

  /** Wait for the batch of the current version, update, publish the next version. */
  async updateAsync(): Promise<UpdateLog> {
    const { chunks, stats } = await this.gather();
    this.norm.merge(chunks.map((c) => c.norm));
    const lags = chunks.map((c) => this.version - c.version);
    let log: UpdateLog;
    let rhoMean = 1; // replay learners take chunks of any version as they are
    if (this.replay) {
      log = this.ingest(chunks);
    } else {
      const batch = concatChunks(chunks);
      rhoMean = this.prepare(batch, lags);
      this.feed!.push(batch.ro);
      log = this.inner.update();
    }
    this.version++;
    await this.publish();
    await this.issue(this.need);
    const s: RolloutStats = {
      version: this.version,
      staleMean: lags.reduce((a, b) => a + b, 0) / lags.length,
      staleMax: Math.max(...lags),
      dropped: stats.dropped,
      reissued: stats.reissued,
      idleFraction: this.waitMs / (performance.now() - this.t0),
      rhoMean,
    };
    return { ...log, ...s };
  }

  private async gather(): Promise<{ chunks: Chunk[]; stats: { dropped: number; reissued: number } }> {
    const chunks: Chunk[] = [];
    const stats = { dropped: 0, reissued: 0 };
    const start = performance.now();
    let lastUseful = start;
    const reissueMs = this.o.reissueMs ?? 5000;
    try {
      while (chunks.length < this.need) {
        const got = await this.blocking.blpopBuffer(roKey.chunks(this.o.run), 0.5);
        const now = performance.now();
        if (got) {
          const c = this.decode(got[1]);
          const lag = c ? this.version - c.version : -1;
          if (c && lag >= 0 && lag <= this.maxStaleness) {
            chunks.push(c);
            lastUseful = now;
            continue;
          }
          stats.dropped++;
        }
        if (now - lastUseful > this.o.timeoutMs)
          throw new Error(
            `rollout run ${this.o.run}: no usable rollout for ${this.o.timeoutMs / 1000} s ` +
              `(${chunks.length} of ${this.need} chunks of version ${this.version} arrived, ${stats.dropped} too old dropped); ` +
              'are rollout workers running? (ascent worker --role rollout --redis URL)',
          );
        if (now - lastUseful > reissueMs * (stats.reissued / this.need + 1)) {
          // The chunks still missing: their workers may have died with the tickets.
          const missing = this.need - chunks.length;
          await this.issue(missing);
          stats.reissued += missing;
          this.o.log(`version ${this.version}: ${missing} chunk${missing === 1 ? '' : 's'} late, tickets issued again`);
        }
      }
    } finally {
      this.waitMs += performance.now() - start;
    }
    return { chunks, stats };
  }

  /** A chunk of this run's shape, or null (a damaged buffer, or a worker of another config: counted as dropped). */
  private decode(buf: Buffer): Chunk | null {
    let c: Chunk;
    try {
      c = decodeChunk(buf);
    } catch {
      return null;
    }
    const p = this.inner.policy;
    const ok = c.ro.numEnvs === this.o.envsPerWorker && c.ro.T === this.T && c.ro.obsDim === p.obsDim && c.ro.actDim === p.actDim;
    return ok ? c : null;
  }

  /**
   * V(s), V(s'_final) and V(s_T) with the learner's value function; for stale chunks (PPO), the
   * V-trace targets and pi_old := the current policy. Returns the mean truncated weight of the stale steps.
   */
  private prepare(batch: ReturnType<typeof concatChunks>, lags: number[]): number {
    const { ro, finalObs, lastObs } = batch;
    const value = this.inner.value ?? null;
    if (value) {
      const n = ro.numEnvs,
        B = ro.T * n,
        od = ro.obsDim;
      ro.values = value.predict(ro.obs, B).slice();
      ro.lastValues = value.predict(lastObs, n).slice();
      ro.finalValues = new Float32Array(B);
      const idx: number[] = [];
      for (let i = 0; i < B; i++) if (ro.truncated[i] && !ro.terminated[i]) idx.push(i);
      if (idx.length) {
        const rows = new Float32Array(idx.length * od);
        idx.forEach((i, j) => rows.set(finalObs.subarray(i * od, (i + 1) * od), j * od));
        const v = value.predict(rows, idx.length);
        idx.forEach((i, j) => (ro.finalValues![i] = v[j]));
      }
    }
    if (!lags.some((l) => l > 0) || this.o.correction === 'none') return 1;
    const c = this.inner.config;
    const stale = new Uint8Array(ro.numEnvs);
    let col = 0;
    lags.forEach((lag) => {
      stale.fill(lag > 0 ? 1 : 0, col, col + this.o.envsPerWorker);
      col += this.o.envsPerWorker;
    });
    const out = correctStale(ro, this.inner.policy, stale, { gamma: c.gamma, lambda: c.gaeLambda });
    return out.rhoMean;
  }

  /**
   * SAC and MBPO: the chunks' transitions into the replay buffer one vector step (numEnvs envs, the
   * chunks side by side) at a time, each followed by the algorithm's own trainStep(), as its own
   * loop (envStep, trainStep) does: SAC's gradientSteps per trainFreq vector steps after
   * learningStarts; MBPO's model refits and branched rollouts on its schedule, on the learner.
   * The chunk's finalObs holds each step's next observation.
   */
  private ingest(chunks: Chunk[]): UpdateLog {
    const sac = this.inner as unknown as SacInternals;
    let episodes = 0;
    const sums: Record<string, number> = {};
    let n = 0;
    const T = chunks[0].ro.T;
    for (let t = 0; t < T; t++) {
      for (const { ro, finalObs } of chunks) {
        const od = ro.obsDim,
          ad = ro.actDim;
        for (let i = t * ro.numEnvs; i < (t + 1) * ro.numEnvs; i++)
          sac.replay.add(
            ro.obs.subarray(i * od, (i + 1) * od),
            ro.actions.subarray(i * ad, (i + 1) * ad),
            ro.rewards[i],
            finalObs.subarray(i * od, (i + 1) * od),
            ro.terminated[i] === 1,
            ro.truncated[i] === 1,
          );
        sac.envSteps += ro.numEnvs;
      }
      const step = sac.trainStep();
      if (step) {
        for (const k of Object.keys(step)) sums[k] = (sums[k] ?? 0) + step[k];
        n++;
      }
    }
    for (const ch of chunks) {
      episodes += ch.ro.episodes.length;
      this.recentEps.push(...ch.ro.episodes);
    }
    if (this.recentEps.length > 100) this.recentEps.splice(0, this.recentEps.length - 100);
    this.inner.iteration++;
    const f = sac.lastFit;
    return {
      ...sac.counters(),
      episodes,
      ...recentSummary(this.recentEps),
      ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n])),
      gradSteps: sac.learner.gradSteps,
      ...(sac.modelBuffer ? { rolloutLength: sac.rolloutLength, modelBufferSize: sac.modelBuffer.size } : {}),
      ...(f
        ? {
            modelHoldoutMse: mean(f.elites.map((e) => f.holdoutMse[e])),
            modelHoldoutNll: mean(f.elites.map((e) => f.holdoutNll[e])),
            modelEpochs: f.epochs,
          }
        : {}),
    };
  }

  evaluate(opts?: { episodes?: number; seed?: number; deterministic?: boolean }) {
    return this.inner.evaluate(opts);
  }
  getState(): AlgorithmState {
    return this.inner.getState();
  }
  setState(state: AlgorithmState): void {
    this.inner.setState(state);
  }

  /** Mark the run done (workers leave it) and close the algorithm. */
  async finish(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const run = this.o.run;
    await this.redis.set(roKey.done(run), '1');
    await this.redis.del(roKey.tickets(run), roKey.chunks(run));
    // The run's keys go after a day (workers still serving it see 'done' until then).
    for (const k of [roKey.spec(run), roKey.params(run), roKey.workers(run), roKey.done(run)]) await this.redis.expire(k, 86_400);
  }

  close(): void {
    this.inner.close();
  }
}

/**
 * Correct the env columns marked `stale` for the current policy: log rho = log pi(a|s) - log mu(a|s)
 * with mu the behaviour's log-probabilities in ro.logProbs; V-trace (rhoBar = cBar = 1) gives the
 * advantages and value targets (ro.targets; on-policy columns get log rho = 0, i.e. GAE), and
 * ro.logProbs becomes log pi, the ratio's denominator. Needs ro.values, finalValues, lastValues.
 */
export function correctStale(
  ro: Rollout,
  policy: Policy,
  stale: Uint8Array,
  o: { gamma: number; lambda: number },
): { rhos: Float64Array; logRhos: Float64Array; rhoMean: number } {
  const n = ro.numEnvs,
    B = ro.T * n;
  if (stale.length !== n) throw new RangeError(`correctStale: 'stale' has ${stale.length} entries for ${n} envs`);
  const logPi = noGrad(() =>
    policy
      .distribution(new Tensor(ro.obs, [B, ro.obsDim]))
      .logProb(ro.actions)
      .data.slice(),
  );
  const logRhos = new Float64Array(B);
  for (let i = 0; i < B; i++) if (stale[i % n]) logRhos[i] = logPi[i] - ro.logProbs[i];
  const { advantages, returns, rhos } = vtrace(ro, ro.values!, logRhos, {
    gamma: o.gamma,
    lambda: o.lambda,
    finalValues: ro.finalValues!,
    lastValues: ro.lastValues!,
  });
  let sum = 0,
    k = 0;
  for (let i = 0; i < B; i++)
    if (stale[i % n]) {
      ro.logProbs[i] = logPi[i];
      sum += rhos[i];
      k++;
    }
  ro.targets = { advantages, returns };
  return { rhos, logRhos, rhoMean: k ? sum / k : 1 };
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
