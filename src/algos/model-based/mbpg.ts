/**
 * Version 2.5 of model-based RL with policies: policy gradient on long model rollouts.
 *
 *   repeat:
 *     run pi in the real env for realSteps steps, add them to D_env
 *     fit the ensemble on D_env (held-out early stopping, elites)
 *     pgIterations times:
 *       roll pi for H steps in the model from B start states drawn from D_env (a random elite per
 *       row and step; a branch that terminates restarts from a new start state, like an autoreset)
 *       advantages by GAE(gamma, lambda) with the value function, the horizon cut bootstrapped
 *       PPO's clipped-surrogate epochs on these model steps (the estimator and losses PPO uses)
 *
 * The policy and value function are the on-policy algorithms' (a Gaussian policy over the env's
 * action space); the model is trained on the clipped env actions. With H long, the policy learns
 * from model data only, and model errors compound along the rollout (bench/model-based shows how).
 */
import { BaseAlgorithm, type StatePart } from '../base.ts';
import { Rng } from '../../rng/index.ts';
import { Tensor, mul, exp, sub, add } from '../../tensor/index.ts';
import { Adam, type Module, type Optimizer } from '../../nn/index.ts';
import { GaussianPolicy, ValueFunction } from '../../policies/index.ts';
import { EpisodeTracker, ReplayBuffer, gae, replayMeta, replayTensors, restoreReplay } from '../../rollout/index.ts';
import { GaussianEnsemble, terminationFn, type FitResult, type TerminationFn } from '../../models/index.ts';
import { make, type Env } from '../../envs/index.ts';
import { defineConfig, int, num, seed, steps, widths, type ConfigOf, type Overrides } from '../../config/schema.ts';
import { envField, envKwargs, ensembleGroup, ensembleRule } from '../../config/fields.ts';
import { boxBounds, ensembleState, gatherRows, meanStd, pick, restoreEnsemble, standardize } from '../common.ts';
import { clippedSurrogateLoss, descend, valueLoss } from '../ppo.ts';
import type { AlgorithmState, UpdateLog } from '../types.ts';

export const MBPG_CONFIG = defineConfig(
  'mbpg',
  {
    env: envField('Pendulum-v1'),
    envKwargs: envKwargs(),
    seed: seed(),
    realSteps: int(200, 'real env steps per iteration'),
    horizon: int(100, "H, the model rollout length (at most the env's episode limit)"),
    branches: int(32, 'B, model rollouts run in parallel'),
    pgIterations: int(10, 'model rollouts and PPO updates per iteration'),
    epochs: int(5, 'PPO epochs over each model batch'),
    batchSize: int(256, 'PPO minibatch size'),
    gamma: num(0.99, 'discount γ', 'unit', { source: 'SB3 PPO' }),
    gaeLambda: num(0.95, 'GAE λ', 'unit', { source: 'SB3 PPO' }),
    clipRange: num(0.2, 'ε, the clip range of the probability ratio', 'positive', { source: 'SB3 PPO' }),
    lr: num(1e-3, "Adam's step size for policy and value", 'nonNegative'),
    maxGradNorm: num(0.5, 'global gradient-norm clip', 'positive', { source: 'SB3 PPO' }),
    vfCoef: num(0.5, 'c_V, the value loss coefficient', 'nonNegative', { source: 'SB3 PPO' }),
    hidden: widths([64, 64], 'hidden layer widths of the policy and value networks', { source: 'SB3 / CleanRL' }),
    logStdInit: num(0, "the Gaussian policy's initial log-std", 'any'),
    model: ensembleGroup({ ensembleSize: 5, numElites: 4, hidden: [128, 128] }, 'Ascent: a smaller PETS ensemble for Pendulum'),
    modelBatchSize: int(64, 'model fit minibatch size'),
    modelMaxEpochs: int(200, 'upper bound on the epochs of one model fit (early stopping usually ends it sooner)'),
    patience: int(10, 'model fit: epochs without a 1% held-out improvement before stopping', { source: 'MBPO (5); longer here' }),
    totalSteps: steps(5000, 'real environment steps to train for'),
  },
  [ensembleRule],
);

/** Every key of the model-based policy gradient is in MBPG_CONFIG (docs/algorithms/mbpg.md). */
export type MbpgConfig = ConfigOf<typeof MBPG_CONFIG>;
export const MBPG_DEFAULTS: MbpgConfig = MBPG_CONFIG.defaults;

// The type, defaults and class header have the shape of every algorithm file's (ppo.ts's): declarations.
export class ModelBasedPG extends BaseAlgorithm<MbpgConfig> {
  readonly name = 'mbpg';
  readonly config: MbpgConfig;
  readonly policy: GaussianPolicy;
  readonly value: ValueFunction;
  readonly model: GaussianEnsemble;
  readonly real: ReplayBuffer;
  readonly termination: TerminationFn;
  lastFit: FitResult | null = null;
  readonly env: Env<Float32Array, any>;
  private envSteps = 0;
  private readonly low: Float32Array;
  private readonly high: Float32Array;
  private readonly opt: Adam;
  private readonly params: Tensor[];
  private readonly rng: Rng;
  private obs: Float32Array;
  private readonly episodes = new EpisodeTracker(1);

  constructor(config: Overrides<MbpgConfig> = {}) {
    super();
    const c = (this.config = MBPG_CONFIG.resolve(config));
    this.env = make(c.env, c.envKwargs ? { kwargs: c.envKwargs } : {});
    const limit = this.env.spec?.maxEpisodeSteps;
    if (limit !== undefined && c.horizon > limit)
      throw new RangeError(`mbpg: rollout length ${c.horizon} ('horizon') is longer than ${c.env}'s episode limit of ${limit} steps`);
    ({ low: this.low, high: this.high } = boxBounds('mbpg', this.env.actionSpace));
    this.termination = terminationFn(c.env);
    const rng = new Rng(c.seed);
    const obsDim = (this.env.observationSpace as unknown as { shape: number[] }).shape[0],
      actDim = this.low.length;
    this.policy = new GaussianPolicy(obsDim, actDim, rng.split(), { hidden: c.hidden, activation: 'tanh', logStdInit: c.logStdInit });
    this.value = new ValueFunction(obsDim, rng.split(), { hidden: c.hidden });
    this.model = new GaussianEnsemble(obsDim, actDim, rng.split(), c.model);
    this.real = new ReplayBuffer(obsDim, actDim, c.totalSteps);
    this.rng = rng.split();
    this.params = [...this.policy.parameters(), ...this.value.parameters()];
    this.opt = new Adam(this.params, { lr: c.lr });
    this.obs = Float32Array.from(this.env.reset({ seed: c.seed }).obs);
  }

  get steps(): number {
    return this.envSteps;
  }

  private clipAction(a: Float32Array): Float32Array {
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = Math.min(this.high[i % this.low.length], Math.max(this.low[i % this.low.length], a[i]));
    return out;
  }

  private collectReal(n: number): number {
    let episodes = 0;
    for (let i = 0; i < n && this.envSteps < this.config.totalSteps; i++) {
      const a = this.clipAction(this.policy.act(this.obs, 1, this.rng).actions);
      const r = this.env.step(a);
      this.real.add(this.obs, a, r.reward, r.obs, r.terminated, r.truncated);
      this.envSteps++;
      if (this.episodes.step(0, r.reward, r.terminated || r.truncated)) {
        episodes++;
        this.obs = Float32Array.from(this.env.reset().obs);
      } else this.obs = Float32Array.from(r.obs);
    }
    return episodes;
  }

  /** H x B model steps, time-major, with the policy's log-probabilities and the values. */
  private modelRollout() {
    const c = this.config,
      H = c.horizon,
      B = c.branches,
      D = this.model.obsDim,
      A = this.model.actDim;
    const obs = new Float32Array(H * B * D),
      act = new Float32Array(H * B * A),
      logp = new Float32Array(H * B);
    const rewards = new Float64Array(H * B),
      terminated = new Uint8Array(H * B),
      truncated = new Uint8Array(H * B);
    const s = new Float32Array(B * D);
    const draw = (b: number) => {
      const j = this.rng.int(this.real.size);
      s.set(this.real.obs.subarray(j * D, (j + 1) * D), b * D);
    };
    for (let b = 0; b < B; b++) draw(b);
    const next = new Float32Array(B * D),
      r = new Float32Array(B),
      done = new Uint8Array(B);
    for (let t = 0; t < H; t++) {
      const res = this.policy.act(s, B, this.rng);
      const a = this.clipAction(res.actions);
      obs.set(s, t * B * D);
      act.set(res.actions, t * B * A); // the policy's own sample, for its log-probability
      logp.set(res.logProbs, t * B);
      this.model.sampleStep(s, a, B, this.rng, next, r);
      this.termination(next, B, done);
      for (let b = 0; b < B; b++) {
        rewards[t * B + b] = r[b];
        terminated[t * B + b] = done[b];
        if (done[b]) draw(b);
        else s.set(next.subarray(b * D, (b + 1) * D), b * D);
      }
    }
    const values = Float32Array.from(this.value.predict(obs, H * B));
    const lastValues = Float32Array.from(this.value.predict(s, B));
    return { obs, act, logp, rewards, terminated, truncated, values, lastValues };
  }

  update(): UpdateLog {
    const c = this.config;
    const episodes = this.collectReal(c.realSteps);
    this.lastFit = this.model.fit(
      { n: this.real.size, obs: this.real.obs, actions: this.real.actions, nextObs: this.real.nextObs, rewards: this.real.rewards },
      { batchSize: c.modelBatchSize, maxEpochs: c.modelMaxEpochs, patience: c.patience },
    );
    let policyLoss = 0,
      vLossSum = 0,
      modelReturn = 0,
      n = 0;
    const D = this.model.obsDim,
      A = this.model.actDim,
      N = c.horizon * c.branches;
    for (let it = 0; it < c.pgIterations; it++) {
      const ro = this.modelRollout();
      const { advantages, returns } = gae({ rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: c.branches }, ro.values, {
        gamma: c.gamma,
        lambda: c.gaeLambda,
        lastValues: ro.lastValues,
      });
      modelReturn += (meanStd(ro.rewards).mean * c.horizon) / c.pgIterations;
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        const perm = this.rng.permutation(N);
        for (let k = 0; k + c.batchSize <= N; k += c.batchSize) {
          const idx = perm.subarray(k, k + c.batchSize),
            m = idx.length;
          const adv = pick(advantages, idx);
          standardize(adv);
          // PPO's estimator and losses (ppo.ts), on model steps: ratio, clipped surrogate, value MSE.
          const o = new Tensor(gatherRows(ro.obs, D, idx), [m, D]);
          const dist = this.policy.distribution(o);
          const ratio = exp(sub(dist.logProb(gatherRows(ro.act, A, idx)), new Tensor(pick(ro.logp, idx), [m])));
          const pg = clippedSurrogateLoss(ratio, new Tensor(adv, [m]), c.clipRange);
          const vl = valueLoss(this.value.forward(o), pick(returns, idx), pick(ro.values, idx), 0);
          // PPO's total loss without the entropy bonus (mbpg has no entCoef), one clipped Adam step.
          descend(add(pg, mul(vl, c.vfCoef)), this.params, this.opt, c.maxGradNorm, 'mbpg loss', this.iteration);
          policyLoss += pg.item();
          vLossSum += vl.item();
          n++;
        }
      }
    }
    this.iteration++;
    const f = this.lastFit;
    return {
      ...this.counters(),
      episodes,
      ...this.episodes.summary(),
      policyLoss: policyLoss / n,
      valueLoss: vLossSum / n,
      modelReturn,
      modelSteps: N * c.pgIterations,
      modelHoldoutMse: f.elites.reduce((s, e) => s + f.holdoutMse[e], 0) / f.elites.length,
    };
  }

  protected checkpointParts(): { modules: Module[]; optimizers: [string, Optimizer][] } {
    return { modules: [this.policy, this.value], optimizers: [['opt', this.opt]] };
  }

  override setState(state: AlgorithmState): void {
    const m = state.meta as Record<string, any>;
    // Checkpoints from before mbpg used BaseAlgorithm kept the optimizer under 'opt' and no clock.
    if (!m.optimizers && m.opt) state = { ...state, meta: { ...m, optimizers: { opt: m.opt }, seconds: m.seconds ?? 0 } };
    super.setState(state);
  }

  /** The real data, the step counter and the RNG (the env itself restarts an episode on resume). */
  protected override loopState(): StatePart {
    return { tensors: replayTensors('real', this.real), meta: { envSteps: this.envSteps, real: replayMeta(this.real), rng: this.rng.getState() } };
  }

  protected override restoreLoop(m: Record<string, any>, tensors: Map<string, Tensor>): void {
    restoreReplay('real', this.real, tensors, m.real);
    this.rng.setState(m.rng);
    this.envSteps = m.envSteps;
  }

  protected override extraTensors(): [string, Tensor][] {
    return ensembleState(this.model).tensors;
  }

  protected override extraState(): Record<string, unknown> {
    return ensembleState(this.model).meta;
  }

  protected override restoreExtra(m: Record<string, any>, tensors: Map<string, Tensor>): void {
    restoreEnsemble(this.model, tensors, m);
  }
}
