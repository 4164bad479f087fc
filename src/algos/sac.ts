/**
 * Soft Actor-Critic (Haarnoja et al. 2018, arXiv:1812.05905): the off-policy loop.
 *
 *   for each env step:
 *     a ~ pi(.|s) (uniform before learningStarts); step the envs; store (s, a, r, s', terminated, truncated)
 *     every trainFreq steps: gradientSteps updates of the SacLearner on uniform replay batches
 *
 * The actor and critics are in src/policies/actor-critic.ts, the losses and the gradient step in
 * sac-learner.ts, the replay buffer in src/rollout/replay.ts; the counters, timer, learn() and the
 * checkpoint plumbing are BaseAlgorithm's (base.ts). MBPO extends this loop with model data.
 */
import { Rng } from '../rng/index.ts';
import type { Module, Optimizer } from '../nn/index.ts';
import type { Tensor } from '../tensor/index.ts';
import type { SquashedGaussianActor } from '../policies/actor-critic.ts';
import { EpisodeTracker, ReplayBuffer, replayMeta, replayTensors, restoreReplay, type EpisodeTrackerState } from '../rollout/index.ts';
import { resolveConfig, must, type Checks } from '../train/config.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';
import { boxBounds, makeTrainingEnvs } from './common.ts';
import { BaseAlgorithm, type StatePart } from './base.ts';
import { SacLearner, type SacCoreConfig, type SacStepLog } from './sac-learner.ts';
import type { UpdateLog } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Configuration.

export interface SacConfig extends SacCoreConfig {
  env: string;
  seed: number;
  /** Envs stepped together (same-step autoreset); each env step adds numEnvs transitions. */
  numEnvs: number;
  bufferSize: number;
  batchSize: number;
  /** Uniformly random actions for this many env steps before learning starts (SB3 learning_starts). */
  learningStarts: number;
  /** Train every trainFreq env steps, gradientSteps updates each time (updates per env step = gradientSteps / trainFreq). */
  trainFreq: number;
  gradientSteps: number;
  /** Env steps per update() call (one progress row). */
  logInterval: number;
  totalSteps: number;
}

/** Stable-Baselines3's SAC defaults (sac.py and SACPolicy: net_arch [256, 256], ReLU, log-std in [-20, 2]). */
export const SAC_DEFAULTS: SacConfig = {
  env: 'Pendulum-v1',
  seed: 0,
  numEnvs: 1,
  bufferSize: 1_000_000,
  batchSize: 256,
  learningStarts: 100,
  trainFreq: 1,
  gradientSteps: 1,
  gamma: 0.99,
  tau: 0.005,
  lr: 3e-4,
  alphaInit: 1,
  autoAlpha: true,
  targetEntropy: null,
  targetUpdateInterval: 1,
  hidden: [256, 256],
  activation: 'relu',
  logStdMin: -20,
  logStdMax: 2,
  logInterval: 1000,
  totalSteps: 100_000,
};

/** rl-baselines3-zoo hyperparams/sac.yml, Pendulum-v1: n_timesteps 20000, learning_rate 1e-3, the rest default. */
export const SAC_PRESETS: Record<string, Partial<SacConfig>> = {
  'Pendulum-v1': { env: 'Pendulum-v1', totalSteps: 20_000, lr: 1e-3 },
};

export const SAC_CHECKS: Checks<SacConfig> = {
  seed: must.nonNegativeInt,
  numEnvs: must.positiveInt,
  bufferSize: must.positiveInt,
  batchSize: must.positiveInt,
  learningStarts: must.nonNegativeInt,
  trainFreq: must.positiveInt,
  gradientSteps: must.nonNegativeInt,
  gamma: must.unit,
  tau: must.unit,
  lr: must.nonNegative,
  alphaInit: must.positive,
  targetUpdateInterval: must.positiveInt,
  activation: must.oneOf('tanh', 'relu', 'elu', 'sigmoid'),
  logInterval: must.positiveInt,
  totalSteps: must.positiveInt,
  targetEntropy: (v) => (v === null || Number.isFinite(v) ? null : 'must be null (-|A|) or a number'),
  hidden: (v) => (Array.isArray(v) && v.length > 0 && v.every((h) => Number.isInteger(h) && h > 0) ? null : 'must be a non-empty array of positive integers'),
};

// ---------------------------------------------------------------------------------------------
// The loop.

export class SAC extends BaseAlgorithm<SacConfig> {
  readonly name: string = 'sac';
  readonly config: SacConfig;
  readonly env: SyncVectorEnv;
  readonly learner: SacLearner;
  readonly replay: ReplayBuffer;
  readonly policy: SquashedGaussianActor;
  protected envSteps = 0;
  protected readonly rng: Rng;
  protected readonly actRng: Rng;
  protected obs: Float32Array;
  private readonly unit: Float32Array;
  private readonly envAct: Float32Array;
  private readonly logp: Float32Array;
  protected readonly episodes: EpisodeTracker;

  constructor(config: Partial<SacConfig> = {}, name = 'sac', defaults: SacConfig = SAC_DEFAULTS) {
    super();
    this.name = name;
    const c = (this.config = resolveConfig(name, defaults, config, SAC_CHECKS));
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs);
    const { low, high } = boxBounds(name, this.env.singleActionSpace);
    this.learner = new SacLearner(this.env.obsDim, this.env.actDim, low, high, rng.split(), c);
    this.policy = this.learner.actor;
    this.replay = new ReplayBuffer(this.env.obsDim, this.env.actDim, c.bufferSize);
    this.rng = rng.split();
    this.actRng = rng.split();
    this.obs = Float32Array.from(this.env.reset({ seed: c.seed }).obs);
    const n = c.numEnvs * this.env.actDim;
    this.unit = new Float32Array(n);
    this.envAct = new Float32Array(n);
    this.logp = new Float32Array(c.numEnvs);
    this.episodes = new EpisodeTracker(c.numEnvs);
  }

  get steps(): number {
    return this.envSteps;
  }

  /** Take one vector step: random before learningStarts, else a sample of pi; store the transitions. */
  protected envStep(): number {
    const c = this.config,
      N = c.numEnvs,
      D = this.env.obsDim,
      A = this.env.actDim;
    if (this.envSteps < c.learningStarts) for (let i = 0; i < N * A; i++) this.unit[i] = this.actRng.uniform(-1, 1);
    else this.policy.sampleUnit(this.obs, N, this.actRng, false, this.unit, this.logp);
    const r = this.env.step(this.policy.toEnv(this.unit, N, this.envAct));
    let finished = 0;
    for (let e = 0; e < N; e++) {
      const done = r.terminated[e] === 1 || r.truncated[e] === 1;
      // The real final observation of a finished episode; r.obs already holds the next episode's first one.
      const next = done ? r.finalObs!.subarray(e * D, (e + 1) * D) : r.obs.subarray(e * D, (e + 1) * D);
      this.replay.add(
        this.obs.subarray(e * D, (e + 1) * D),
        this.unit.subarray(e * A, (e + 1) * A),
        r.rewards[e],
        next,
        r.terminated[e] === 1,
        r.truncated[e] === 1,
      );
      if (this.episodes.step(e, r.rewards[e], done)) finished++;
    }
    this.obs.set(r.obs);
    this.envSteps += N;
    return finished;
  }

  /** The gradient steps due after an env step; MBPO overrides what a batch is made of. */
  protected trainStep(): SacStepLog | null {
    const c = this.config;
    if (this.envSteps <= c.learningStarts || c.gradientSteps === 0 || (this.envSteps / c.numEnvs) % c.trainFreq !== 0) return null;
    let log: SacStepLog | null = null;
    for (let g = 0; g < c.gradientSteps; g++) log = this.learner.train(this.replay.sample(c.batchSize, this.rng), this.rng);
    return log;
  }

  update(): UpdateLog {
    const c = this.config;
    const until = Math.min(c.totalSteps, this.envSteps + c.logInterval);
    let episodes = 0;
    const sums: Record<string, number> = {};
    let n = 0;
    do {
      episodes += this.envStep();
      const log = this.trainStep();
      if (log) {
        for (const [k, v] of Object.entries(log)) sums[k] = (sums[k] ?? 0) + v;
        n++;
      }
    } while (this.envSteps < until);
    this.iteration++;
    return { ...this.logFields(episodes), ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n])), gradSteps: this.learner.gradSteps };
  }

  /** The counters and the episode statistics over the last 100 episodes. */
  protected logFields(episodes: number) {
    return { ...this.counters(), episodes, ...this.episodes.summary() };
  }

  /** Modules and optimizers, in checkpoint order: actor, critics, target critics, alpha. */
  protected checkpointParts(): { modules: Module[]; optimizers: [string, Optimizer][] } {
    return this.learner.parts();
  }

  /** The replay buffer's held transitions, the RNG streams, the env loop's observations and episodes. */
  protected override loopState(): StatePart {
    const env = this.env as unknown as { getState?(): unknown };
    return {
      tensors: replayTensors('replay', this.replay),
      meta: {
        envSteps: this.envSteps,
        gradSteps: this.learner.gradSteps,
        replay: replayMeta(this.replay),
        rng: this.rng.getState(),
        actRng: this.actRng.getState(),
        obs: Array.from(this.obs),
        ...this.episodes.getState(),
        env: env.getState ? env.getState() : null,
      },
    };
  }

  protected override restoreLoop(m: Record<string, any>, tensors: Map<string, Tensor>): void {
    restoreReplay('replay', this.replay, tensors, m.replay);
    this.rng.setState(m.rng);
    this.actRng.setState(m.actRng);
    this.obs.set(m.obs);
    this.episodes.setState(m as EpisodeTrackerState);
    const env = this.env as unknown as { setState?(s: unknown): void };
    if (m.env !== null && env.setState) env.setState(m.env);
    this.envSteps = m.envSteps;
    this.learner.gradSteps = m.gradSteps;
  }

  /** The networks divergence is checked on (the driver's checkDivergence): actor, critics, targets. */
  override trainedModules(): Module[] {
    return [this.learner.actor, this.learner.critic, this.learner.criticTarget];
  }
}
