/**
 * Soft Actor-Critic: the networks and the gradient step (Haarnoja et al. 2018, arXiv:1812.05905),
 * shared by SAC (real data only) and MBPO (a mix of real and model data):
 *
 *   y        = r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s')),  a' ~ pi(.|s')
 *   L_Q      = 1/2 sum_i E[(Q_i(s, a) - y)^2]
 *   L_pi     = E[alpha log pi(a~|s) - min_i Q_i(s, a~)],  a~ = tanh(mu + sigma eps) (reparameterised)
 *   L_alpha  = -E[log alpha (log pi(a~|s) + H_target)],  H_target = -|A|
 *   Q'_i    <- (1 - tau) Q'_i + tau Q_i
 *
 * The order within a step is SB3's (sac.py train()): alpha from before its own update is used for the
 * target and the actor loss; critic step, then actor step on the updated critics, then Polyak.
 * Targets and next actions are computed off the tape on raw buffers (MLP.predict): no graph is built
 * for what is not differentiated.
 */
import { Rng } from '../rng/index.ts';
import { Tensor, BufferArena, grad, mul, mean, sub, square, add, minimum, reshape, concat, slice, clip } from '../tensor/index.ts';
import { Adam, MLP, Module, checkLoss, polyak, type Activation } from '../nn/index.ts';
import { SquashedGaussian } from '../distributions/index.ts';
import type { Policy, ActResult } from '../policies/index.ts';
import { ReplayBuffer, type ReplayBatch } from '../rollout/index.ts';
import { Box } from '../envs/index.ts';
import { resolveConfig, must, type Checks } from '../train/config.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';
import { makeTrainingEnvs, evaluate, meanStd, loadModule, optimizerFromState, optimizerToState, type EvalResult } from './common.ts';
import { learnLoop, type LearnOptions } from './base.ts';
import type { Algorithm, AlgorithmState, UpdateLog } from './types.ts';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)): finite for large |u|. */
function logDetTanh(u: number): number {
  const x = -2 * u;
  const softplus = x > 20 ? x : Math.log1p(Math.exp(x));
  return 2 * (Math.LN2 - u - softplus);
}

/**
 * y = r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s')) (SAC's soft Bellman
 * target). Truncation is not an argument on purpose: a time limit is not the MDP's end, so a
 * truncated transition bootstraps (Gymnasium's terminated/truncated semantics).
 */
export function softTarget(reward: number, terminated: boolean, minQNext: number, nextLogProb: number, alpha: number, gamma: number): number {
  return reward + (terminated ? 0 : gamma * (minQNext - alpha * nextLogProb));
}

export interface ActorOptions {
  hidden: number[];
  activation: Activation;
  /** Bounds of the state-dependent log-std (SB3: LOG_STD_MIN = -20, LOG_STD_MAX = 2). */
  logStdMin: number;
  logStdMax: number;
}

/**
 * pi(a|s) = tanh(N(mu(s), sigma(s)^2)) on [-1, 1]^D, with mu and log sigma from one MLP's two heads.
 * act() returns actions rescaled to the env's Box [low, high] (what the env and evaluation need);
 * distribution() and sampleUnit() stay in [-1, 1] (what the losses and the replay buffer use).
 */
export class SquashedGaussianActor extends Module implements Policy {
  readonly kind = 'gaussian';
  readonly net: MLP;
  private actions = new Float32Array(0);
  private logps = new Float32Array(0);
  private unit = new Float32Array(0);

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly low: Float32Array,
    readonly high: Float32Array,
    rng: Rng,
    readonly opts: ActorOptions,
  ) {
    super();
    this.net = new MLP([obsDim, ...opts.hidden, 2 * actDim], rng, { activation: opts.activation, outputGain: 0.01 });
  }

  distribution(obs: Tensor): SquashedGaussian {
    const out = this.net.forward(obs),
      D = this.actDim;
    return new SquashedGaussian(slice(out, 1, 0, D), clip(slice(out, 1, D, 2 * D), this.opts.logStdMin, this.opts.logStdMax));
  }

  /**
   * Off the tape: actions in [-1, 1] into `actions` and log pi(a|s) into `logProbs` (mean action
   * tanh(mu) when deterministic, with the log-density of that point).
   */
  sampleUnit(obs: Float32Array, batch: number, rng: Rng, deterministic: boolean, actions: Float32Array, logProbs: Float32Array): void {
    const D = this.actDim,
      out = this.net.predict(obs, batch),
      lo = this.opts.logStdMin,
      hi = this.opts.logStdMax;
    for (let i = 0; i < batch; i++) {
      let lp = 0;
      for (let d = 0; d < D; d++) {
        const m = out[i * 2 * D + d];
        let ls = out[i * 2 * D + D + d];
        ls = ls < lo ? lo : ls > hi ? hi : ls;
        const z = deterministic ? 0 : rng.normal();
        const u = m + Math.exp(ls) * z;
        actions[i * D + d] = Math.tanh(u);
        lp += -0.5 * z * z - ls - HALF_LOG_2PI - logDetTanh(u);
      }
      logProbs[i] = lp;
    }
  }

  /** Unit actions [-1, 1] -> the env's bounds: low + (a + 1) (high - low) / 2 (SB3 unscale_action). */
  toEnv(unit: Float32Array, batch: number, out: Float32Array): Float32Array {
    const D = this.actDim;
    for (let i = 0; i < batch * D; i++) {
      const d = i % D;
      out[i] = this.low[d] + 0.5 * (unit[i] + 1) * (this.high[d] - this.low[d]);
    }
    return out;
  }

  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    const n = batch * this.actDim;
    if (this.unit.length !== n) {
      this.unit = new Float32Array(n);
      this.actions = new Float32Array(n);
      this.logps = new Float32Array(batch);
    }
    this.sampleUnit(obs, batch, rng, deterministic, this.unit, this.logps);
    return { actions: this.toEnv(this.unit, batch, this.actions), logProbs: this.logps };
  }

  namedParameters(): [string, Tensor][] {
    return this.net.namedParameters().map(([n, p]) => [`pi.${n}`, p] as [string, Tensor]);
  }
}

/** Twin soft Q networks Q_1, Q_2 on [s, a]. */
export class TwinQ extends Module {
  readonly q1: MLP;
  readonly q2: MLP;

  constructor(
    readonly inDim: number,
    hidden: number[],
    activation: Activation,
    rng: Rng,
  ) {
    super();
    this.q1 = new MLP([inDim, ...hidden, 1], rng, { activation });
    this.q2 = new MLP([inDim, ...hidden, 1], rng, { activation });
  }

  namedParameters(): [string, Tensor][] {
    return [
      ...this.q1.namedParameters().map(([n, p]) => [`q1.${n}`, p] as [string, Tensor]),
      ...this.q2.namedParameters().map(([n, p]) => [`q2.${n}`, p] as [string, Tensor]),
    ];
  }
}

export interface SacCoreConfig {
  gamma: number;
  tau: number;
  lr: number;
  /** Initial entropy temperature alpha (SB3 'auto' starts at 1). */
  alphaInit: number;
  /** Learn alpha towards targetEntropy; false keeps alphaInit. */
  autoAlpha: boolean;
  /** null: -|A| (SB3's 'auto'). */
  targetEntropy: number | null;
  /** Polyak-update the targets every this many gradient steps (SB3 target_update_interval). */
  targetUpdateInterval: number;
  hidden: number[];
  activation: Activation;
  logStdMin: number;
  logStdMax: number;
}

export interface SacStepLog {
  criticLoss: number;
  actorLoss: number;
  alpha: number;
  alphaLoss: number;
  entropy: number;
  qMean: number;
}

/** The SAC learner: networks, optimizers and one gradient step on a batch of transitions. */
export class SacLearner {
  readonly actor: SquashedGaussianActor;
  readonly critic: TwinQ;
  readonly criticTarget: TwinQ;
  readonly logAlpha: Tensor;
  readonly actorOpt: Adam;
  readonly criticOpt: Adam;
  readonly alphaOpt: Adam;
  readonly targetEntropy: number;
  gradSteps = 0;
  private readonly actorParams: Tensor[];
  private readonly criticParams: Tensor[];
  private readonly targetParams: Tensor[];
  // Reused raw buffers (batch-size dependent).
  private B = -1;
  private sa = new Float32Array(0);
  private nextAct = new Float32Array(0);
  private nextLogp = new Float32Array(0);
  private y = new Float32Array(0);

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    low: Float32Array,
    high: Float32Array,
    rng: Rng,
    readonly c: SacCoreConfig,
  ) {
    this.actor = new SquashedGaussianActor(obsDim, actDim, low, high, rng.split(), {
      hidden: c.hidden,
      activation: c.activation,
      logStdMin: c.logStdMin,
      logStdMax: c.logStdMax,
    });
    const qRng = rng.split();
    this.critic = new TwinQ(obsDim + actDim, c.hidden, c.activation, qRng);
    this.criticTarget = new TwinQ(obsDim + actDim, c.hidden, c.activation, new Rng(0));
    this.actorParams = this.actor.parameters();
    this.criticParams = this.critic.parameters();
    this.targetParams = this.criticTarget.parameters();
    this.targetParams.forEach((p, i) => p.data.set(this.criticParams[i].data));
    this.logAlpha = Tensor.param(Float32Array.of(Math.log(c.alphaInit)), [1], 'logAlpha');
    this.targetEntropy = c.targetEntropy ?? -actDim;
    this.actorOpt = new Adam(this.actorParams, { lr: c.lr });
    this.criticOpt = new Adam(this.criticParams, { lr: c.lr });
    this.alphaOpt = new Adam([this.logAlpha], { lr: c.lr });
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.data[0]);
  }

  private buffers(B: number): void {
    if (B === this.B) return;
    this.B = B;
    this.sa = new Float32Array(B * (this.obsDim + this.actDim));
    this.nextAct = new Float32Array(B * this.actDim);
    this.nextLogp = new Float32Array(B);
    this.y = new Float32Array(B);
  }

  /** [s, a] rows into this.sa. */
  private joinSA(obs: Float32Array, act: Float32Array, B: number): Float32Array {
    const D = this.obsDim,
      A = this.actDim,
      W = D + A,
      sa = this.sa;
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < D; j++) sa[i * W + j] = obs[i * D + j];
      for (let j = 0; j < A; j++) sa[i * W + D + j] = act[i * A + j];
    }
    return sa;
  }

  /**
   * The soft targets y of a batch, off the tape (into a reused buffer): a' ~ pi(.|s') drawn from
   * `rng`, then softTarget with the target critics. Only `terminated` zeroes the bootstrap; a
   * truncated transition (a time limit outside the MDP) bootstraps from s' like any other.
   */
  targets(b: ReplayBatch, rng: Rng, alpha = this.alpha): Float32Array {
    const B = b.size;
    this.buffers(B);
    this.actor.sampleUnit(b.nextObs, B, rng, false, this.nextAct, this.nextLogp);
    const saNext = this.joinSA(b.nextObs, this.nextAct, B);
    const t1 = this.criticTarget.q1.predict(saNext, B),
      t2 = this.criticTarget.q2.predict(saNext, B);
    const y = this.y;
    for (let i = 0; i < B; i++) y[i] = softTarget(b.rewards[i], b.terminated[i] !== 0, Math.min(t1[i], t2[i]), this.nextLogp[i], alpha, this.c.gamma);
    return y;
  }

  /**
   * One SAC gradient step on a batch (actions in [-1, 1]); `rng` draws the reparameterisation noise.
   * The step runs in a BufferArena: from the second step on its tape reuses the previous step's
   * buffers (issue 12: allocation and GC were ~10% of an update). Nothing made inside outlives it.
   */
  train(b: ReplayBatch, rng: Rng): SacStepLog {
    return this.arena.run(() => this.step(b, rng));
  }

  /** The steps' buffer arena (its `allocations` counter is how tests see a steady state allocate nothing). */
  readonly arena = new BufferArena();

  private step(b: ReplayBatch, rng: Rng): SacStepLog {
    const c = this.c,
      B = b.size,
      D = this.obsDim,
      W = D + this.actDim;
    this.buffers(B);
    const alpha = this.alpha;

    // Actor sample on s (on the tape): feeds both the alpha loss and, after the critic step, the actor loss.
    const obsT = new Tensor(b.obs, [B, D]);
    const dist = this.actor.distribution(obsT);
    const { action, logProb } = dist.rsample(rng);
    let alphaLoss = 0,
      entropy = 0;
    for (let i = 0; i < B; i++) entropy -= logProb.data[i];
    entropy /= B;
    if (c.autoAlpha) {
      // d/d log(alpha) of -E[log alpha (log pi + H_target)] = -(E[log pi] + H_target), computed directly.
      const g = entropy - this.targetEntropy;
      alphaLoss = -this.logAlpha.data[0] * (-entropy + this.targetEntropy);
      this.alphaOpt.step([new Tensor(Float32Array.of(g), [1])]);
    }

    const y = this.targets(b, rng, alpha);

    // Critic step.
    const sa = new Tensor(this.joinSA(b.obs, b.actions, B), [B, W]);
    const yT = new Tensor(y, [B, 1]);
    const q1 = this.critic.q1.forward(sa),
      q2 = this.critic.q2.forward(sa);
    const criticLoss = mul(add(mean(square(sub(q1, yT))), mean(square(sub(q2, yT)))), 0.5);
    checkLoss(criticLoss, 'sac critic loss', this.gradSteps);
    this.criticOpt.step(grad(criticLoss, this.criticParams));
    let qMean = 0;
    for (let i = 0; i < B; i++) qMean += q1.data[i];

    // Actor step through the updated critics (their parameters are not updated by this loss).
    // The critics' parameters are frozen for this pass, so the tape skips their weight gradients.
    for (const p of this.criticParams) p.requiresGrad = false;
    let actorLoss: Tensor;
    try {
      const saPi = concat([obsT, action], 1);
      const qPi = minimum(this.critic.q1.forward(saPi), this.critic.q2.forward(saPi));
      actorLoss = mean(sub(mul(logProb, alpha), reshape(qPi, [B])));
      checkLoss(actorLoss, 'sac actor loss', this.gradSteps);
      this.actorOpt.step(grad(actorLoss, this.actorParams));
    } finally {
      for (const p of this.criticParams) p.requiresGrad = true;
    }

    this.gradSteps++;
    if (this.gradSteps % c.targetUpdateInterval === 0) this.polyak(c.tau);
    return { criticLoss: criticLoss.item(), actorLoss: actorLoss.item(), alpha, alphaLoss, entropy, qMean: qMean / B };
  }

  /** theta' <- (1 - tau) theta' + tau theta (nn's polyak: WebAssembly SIMD over each float32 buffer). */
  polyak(tau: number): void {
    polyak(this.targetParams, this.criticParams, tau);
  }

  /** Modules and optimizers, in checkpoint order. */
  parts(): { modules: Module[]; optimizers: [string, Adam][] } {
    const alpha = new (class extends Module {
      constructor(private readonly p: Tensor) {
        super();
      }
      namedParameters(): [string, Tensor][] {
        return [['logAlpha', this.p]];
      }
    })(this.logAlpha);
    const prefixed = (prefix: string, m: Module) =>
      new (class extends Module {
        namedParameters(): [string, Tensor][] {
          return m.namedParameters().map(([n, p]) => [`${prefix}.${n}`, p] as [string, Tensor]);
        }
      })();
    return {
      modules: [this.actor, prefixed('critic', this.critic), prefixed('criticTarget', this.criticTarget), alpha],
      optimizers: [
        ['actorOpt', this.actorOpt],
        ['criticOpt', this.criticOpt],
        ['alphaOpt', this.alphaOpt],
      ],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The SAC algorithm: its own off-policy step loop around the learner.

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

/** The Box bounds of a continuous env, or an error naming the space. */
export function boxBounds(algo: string, space: unknown): { low: Float32Array; high: Float32Array } {
  if (!(space instanceof Box)) throw new TypeError(`${algo}: needs a continuous (Box) action space, got ${String(space)}`);
  const low = Float32Array.from(space.low as ArrayLike<number>),
    high = Float32Array.from(space.high as ArrayLike<number>);
  for (let i = 0; i < low.length; i++) {
    if (!Number.isFinite(low[i]) || !Number.isFinite(high[i]))
      throw new RangeError(`${algo}: the action space ${String(space)} must be bounded to rescale [-1, 1] actions`);
  }
  return { low, high };
}

export class SAC implements Algorithm<SacConfig> {
  readonly name: string = 'sac';
  readonly config: SacConfig;
  readonly env: SyncVectorEnv;
  readonly learner: SacLearner;
  readonly replay: ReplayBuffer;
  readonly policy: SquashedGaussianActor;
  iteration = 0;
  protected envSteps = 0;
  protected readonly rng: Rng;
  protected readonly actRng: Rng;
  protected obs: Float32Array;
  private readonly unit: Float32Array;
  private readonly envAct: Float32Array;
  private readonly logp: Float32Array;
  private readonly epReturn: Float64Array;
  private readonly epLength: Int32Array;
  protected recent: { return: number; length: number }[] = [];
  private start = performance.now();
  private priorSeconds = 0;

  constructor(config: Partial<SacConfig> = {}, name = 'sac', defaults: SacConfig = SAC_DEFAULTS) {
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
    this.epReturn = new Float64Array(c.numEnvs);
    this.epLength = new Int32Array(c.numEnvs);
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
      this.epReturn[e] += r.rewards[e];
      this.epLength[e]++;
      if (done) {
        this.recent.push({ return: this.epReturn[e], length: this.epLength[e] });
        if (this.recent.length > 100) this.recent.shift();
        this.epReturn[e] = 0;
        this.epLength[e] = 0;
        finished++;
      }
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

  protected logFields(episodes: number) {
    const r = meanStd(this.recent.map((e) => e.return));
    return {
      iteration: this.iteration,
      steps: this.envSteps,
      seconds: this.seconds(),
      episodes,
      returnMean: r.mean,
      returnStd: r.std,
      lengthMean: meanStd(this.recent.map((e) => e.length)).mean,
    };
  }

  protected seconds(): number {
    return this.priorSeconds + (performance.now() - this.start) / 1000;
  }

  /** Train until totalSteps, or until `stop` says so after an update. */
  learn(opts: LearnOptions = {}): UpdateLog[] {
    return learnLoop(this, this.config.totalSteps, opts);
  }

  /** Deterministic evaluation (tanh of the mean) on fresh envs, as SB3's evaluate_policy. */
  evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}): EvalResult {
    return evaluate(this.policy, this.config.env, opts);
  }

  /** Parameters, optimizer moments, the replay buffer's held transitions, RNG streams and counters. */
  getState(): AlgorithmState {
    const { modules, optimizers } = this.learner.parts();
    const opts = optimizers.map(([name, o]) => [name, optimizerToState(name, o)] as const);
    const env = this.env as unknown as { getState?(): unknown };
    return {
      tensors: [
        ...modules.flatMap((m) => m.namedParameters()),
        ...opts.flatMap(([, o]) => o.tensors),
        ...bufferTensors('replay', this.replay),
        ...this.extraTensors(),
      ],
      meta: {
        algo: this.name,
        config: this.config,
        iteration: this.iteration,
        seconds: this.seconds(),
        envSteps: this.envSteps,
        gradSteps: this.learner.gradSteps,
        optimizers: Object.fromEntries(opts.map(([name, o]) => [name, o.meta])),
        replay: bufferMeta(this.replay),
        rng: this.rng.getState(),
        actRng: this.actRng.getState(),
        obs: Array.from(this.obs),
        epReturn: Array.from(this.epReturn),
        epLength: Array.from(this.epLength),
        recent: this.recent,
        env: env.getState ? env.getState() : null,
        ...this.extraMeta(),
      },
    };
  }

  protected extraTensors(): [string, Tensor][] {
    return [];
  }

  protected extraMeta(): Record<string, unknown> {
    return {};
  }

  protected restoreExtra(_tensors: Map<string, Tensor>, _meta: Record<string, any>): void {}

  setState(state: AlgorithmState): void {
    const m = state.meta as Record<string, any>;
    if (m.algo !== this.name) throw new Error(`checkpoint is for '${m.algo}', not '${this.name}'`);
    const tensors = new Map(state.tensors);
    const { modules, optimizers } = this.learner.parts();
    for (const mod of modules) loadModule(mod, tensors);
    for (const [name, o] of optimizers) optimizerFromState(name, o, tensors, m.optimizers?.[name]);
    restoreBuffer('replay', this.replay, tensors, m.replay);
    this.rng.setState(m.rng);
    this.actRng.setState(m.actRng);
    this.obs.set(m.obs);
    this.epReturn.set(m.epReturn);
    this.epLength.set(m.epLength);
    this.recent = m.recent;
    const env = this.env as unknown as { setState?(s: unknown): void };
    if (m.env !== null && env.setState) env.setState(m.env);
    this.envSteps = m.envSteps;
    this.learner.gradSteps = m.gradSteps;
    this.iteration = m.iteration;
    this.priorSeconds = m.seconds;
    this.start = performance.now();
    this.restoreExtra(tensors, m);
  }

  /** The networks divergence is checked on (the driver's checkDivergence): actor, critics, targets. */
  trainedModules(): Module[] {
    return [this.learner.actor, this.learner.critic, this.learner.criticTarget];
  }

  close(): void {
    this.env.close();
  }
}

/** A replay buffer's held rows as checkpoint tensors, and its flags and position as JSON. */
export function bufferTensors(prefix: string, rb: ReplayBuffer): [string, Tensor][] {
  const n = rb.size,
    D = rb.obsDim,
    A = rb.actDim;
  return [
    [`${prefix}.obs`, new Tensor(rb.obs.slice(0, n * D), [n * D])],
    [`${prefix}.actions`, new Tensor(rb.actions.slice(0, n * A), [n * A])],
    [`${prefix}.rewards`, new Tensor(rb.rewards.slice(0, n), [n])],
    [`${prefix}.nextObs`, new Tensor(rb.nextObs.slice(0, n * D), [n * D])],
  ];
}

export function bufferMeta(rb: ReplayBuffer): Record<string, unknown> {
  return {
    ...rb.getState(),
    capacity: rb.capacity,
    terminated: Array.from(rb.terminated.subarray(0, rb.size)),
    truncated: Array.from(rb.truncated.subarray(0, rb.size)),
  };
}

export function restoreBuffer(prefix: string, rb: ReplayBuffer, tensors: Map<string, Tensor>, m: any): void {
  if (!m || m.capacity !== rb.capacity) throw new Error(`checkpoint: buffer '${prefix}' capacity ${m?.capacity} differs from this run's ${rb.capacity}`);
  for (const k of ['obs', 'actions', 'rewards', 'nextObs'] as const) {
    const t = tensors.get(`${prefix}.${k}`);
    if (!t) throw new Error(`checkpoint: missing buffer tensor '${prefix}.${k}'`);
    rb[k].set(t.data);
  }
  rb.terminated.set(m.terminated);
  rb.truncated.set(m.truncated);
  rb.setState(m);
}
