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
import { defineConfig, int, num, seed, steps, bool, choice, custom, widths, type ConfigOf, type ConfigSchema, type Overrides } from '../config/schema.ts';
import { envField, envKwargs } from '../config/fields.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';
import { boxBounds, makeTrainingEnvs } from './common.ts';
import { BaseAlgorithm, type StatePart } from './base.ts';
import { SacLearner, type SacStepLog } from './sac-learner.ts';
import type { UpdateLog } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Configuration.

export const SAC_CONFIG = defineConfig('sac', {
  env: envField('Pendulum-v1'),
  envKwargs: envKwargs(),
  seed: seed(),
  numEnvs: int(1, 'envs stepped together (same-step autoreset); each env step adds numEnvs transitions', { source: 'SB3' }),
  bufferSize: int(1_000_000, 'replay capacity in transitions', { source: 'SB3 buffer_size' }),
  batchSize: int(256, 'minibatch size of each gradient step', { source: 'SB3 batch_size' }),
  learningStarts: int(100, 'uniformly random actions for this many env steps before learning starts', { min: 0, source: 'SB3 learning_starts' }),
  trainFreq: int(1, 'train every trainFreq env steps (gradientSteps / trainFreq updates per env step)', { source: 'SB3 train_freq' }),
  gradientSteps: int(1, 'gradient steps each time it trains', { min: 0, source: 'SB3 gradient_steps' }),
  gamma: num(0.99, 'discount γ', 'unit', { source: 'SB3' }),
  tau: num(0.005, 'Polyak rate of the target critics', 'unit', { source: 'SB3 tau' }),
  lr: num(3e-4, 'Adam step size for actor, critics and α', 'nonNegative', { source: 'SB3 learning_rate' }),
  alphaInit: num(1, 'initial entropy temperature α', 'positive', { source: "SB3 ent_coef='auto' starts at 1" }),
  autoAlpha: bool(true, 'learn α towards targetEntropy (5); false keeps alphaInit', { source: "SB3 ent_coef='auto'" }),
  targetEntropy: custom<number | null>(
    null,
    'H_target of the temperature loss; null = -dim(A)',
    'null or a number',
    (v) => (v === null || Number.isFinite(v) ? null : 'must be null (-|A|) or a number'),
    { source: "SB3 target_entropy='auto'" },
  ),
  targetUpdateInterval: int(1, 'gradient steps between Polyak updates', { source: 'SB3 target_update_interval' }),
  hidden: widths([256, 256], 'hidden layer widths of the actor and each critic', { nonEmpty: true, source: 'SB3 net_arch' }),
  activation: choice(['tanh', 'relu', 'elu', 'sigmoid'], 'relu', 'hidden-layer activation of actor and critics', { source: 'SB3 (ReLU)' }),
  logStdMin: num(-20, "lower clamp of the actor's log σ", 'any', { source: 'SB3 LOG_STD_MIN' }),
  logStdMax: num(2, "upper clamp of the actor's log σ", 'any', { source: 'SB3 LOG_STD_MAX' }),
  logInterval: int(1000, 'env steps per update() call (one progress row)'),
  totalSteps: steps(100_000),
});

/** Stable-Baselines3's SAC defaults (sac.py and SACPolicy: net_arch [256, 256], ReLU, log-std in [-20, 2]); every key is in SAC_CONFIG. */
export type SacConfig = ConfigOf<typeof SAC_CONFIG>;
export const SAC_DEFAULTS: SacConfig = SAC_CONFIG.defaults;

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

  /** `schema`: MBPO passes its own (SAC's keys with more settings and other defaults). */
  constructor(config: Overrides<SacConfig> = {}, schema: ConfigSchema = SAC_CONFIG) {
    super();
    const name = (this.name = schema.name);
    const c = (this.config = schema.resolve(config) as SacConfig);
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs, { envKwargs: c.envKwargs });
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
    let n = 0,
      keys: string[] | null = null;
    do {
      episodes += this.envStep();
      const log = this.trainStep() as Record<string, number> | null;
      if (log) {
        // The keys once per update() rather than an entries array per step (issue 12: per-step overhead).
        keys ??= Object.keys(log);
        for (const k of keys) sums[k] = (sums[k] ?? 0) + log[k];
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
