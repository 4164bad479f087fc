/**
 * Model-Based Policy Optimization (Janner et al. 2019, arXiv:1906.08253), algorithm 2:
 *
 *   real data D_env, model data D_model
 *   for each env step:
 *     every modelTrainFreq steps: fit the ensemble on D_env (held-out early stopping, elites);
 *       branch rolloutsPerStep * modelTrainFreq rollouts of length k(epoch) from states of D_env,
 *       a random elite per row and step, actions from pi; add them to D_model
 *     act with pi in the real env, add to D_env
 *     gradientSteps SAC updates on batches of realRatio from D_env and the rest from D_model
 *
 * k follows MBPO's schedule [minEpoch, maxEpoch, minLength, maxLength]: linear in the epoch
 * (envSteps / epochLength) between the two epochs, clamped. D_model keeps retainEpochs epochs of model
 * data. Defaults follow mbrl-lib's MBPO (examples/conf/algorithm/mbpo.yaml and overrides/mbpo_*.yaml:
 * real ratio 0.05, 20 SAC updates per step, 400 model rollouts per step, model retrained every 250 steps)
 * with MBPO's 7-member / 5-elite ensemble.
 */
import { Rng } from '../../rng/index.ts';
import { ReplayBuffer, replayMeta, replayTensors, restoreReplay, type ReplayBatch } from '../../rollout/index.ts';
import {
  GaussianEnsemble,
  ENSEMBLE_DEFAULTS,
  terminationFn,
  branchedRollout,
  type EnsembleOptions,
  type FitResult,
  type TerminationFn,
} from '../../models/index.ts';
import { resolveConfig, must } from '../../train/config.ts';
import { ensembleState, restoreEnsemble } from '../common.ts';
import { SAC, SAC_DEFAULTS, type SacConfig } from '../sac.ts';
import type { SacStepLog } from '../sac-learner.ts';
import type { Tensor } from '../../tensor/index.ts';
import type { UpdateLog } from '../types.ts';

export interface MbpoConfig extends SacConfig {
  /** Fraction of each SAC batch drawn from real data. */
  realRatio: number;
  modelTrainFreq: number;
  /** Branches started per env step (so rolloutsPerStep * modelTrainFreq per model refit). */
  rolloutsPerStep: number;
  /** [minEpoch, maxEpoch, minLength, maxLength]. */
  rolloutSchedule: number[];
  epochLength: number;
  retainEpochs: number;
  model: EnsembleOptions;
  modelBatchSize: number;
  validationRatio: number;
  patience: number;
  /** Upper bound on the epochs of one model fit (early stopping usually ends it sooner). */
  modelMaxEpochs: number;
}

export const MBPO_DEFAULTS: MbpoConfig = {
  ...SAC_DEFAULTS,
  gradientSteps: 20,
  learningStarts: 250,
  realRatio: 0.05,
  modelTrainFreq: 250,
  rolloutsPerStep: 400,
  rolloutSchedule: [20, 100, 1, 1],
  epochLength: 1000,
  retainEpochs: 1,
  model: { ...ENSEMBLE_DEFAULTS },
  modelBatchSize: 256,
  validationRatio: 0.2,
  patience: 5,
  modelMaxEpochs: 200,
  totalSteps: 100_000,
};

/** mbrl-lib overrides/mbpo_cartpole.yaml, on this project's ContinuousCartPole-v0. */
export const MBPO_PRESETS: Record<string, Partial<MbpoConfig>> = {
  'ContinuousCartPole-v0': {
    env: 'ContinuousCartPole-v0',
    totalSteps: 5000,
    epochLength: 200,
    modelTrainFreq: 200,
    rolloutsPerStep: 400,
    rolloutSchedule: [1, 15, 1, 1],
    gradientSteps: 20,
    learningStarts: 200,
    targetEntropy: -0.05,
    targetUpdateInterval: 4,
    model: { ...ENSEMBLE_DEFAULTS, numElites: 5, weightDecay: 5e-5 },
  },
};

export class MBPO extends SAC {
  declare readonly config: MbpoConfig;
  readonly model: GaussianEnsemble;
  readonly modelBuffer: ReplayBuffer;
  readonly termination: TerminationFn;
  lastFit: FitResult | null = null;
  rolloutLength = 0;
  private readonly modelRng: Rng;
  private readonly mixed: ReplayBatch;
  private rolloutStats = { added: 0, terminated: 0, meanLength: 0 };

  constructor(config: Partial<MbpoConfig> = {}) {
    super(config, 'mbpo', MBPO_DEFAULTS);
    const c = resolveConfig(
      'mbpo',
      this.config,
      {},
      {
        realRatio: must.unit,
        modelTrainFreq: must.positiveInt,
        rolloutsPerStep: must.positiveInt,
        epochLength: must.positiveInt,
        retainEpochs: must.positiveInt,
        modelBatchSize: must.positiveInt,
        validationRatio: (v: number) => (v > 0 && v < 1 ? null : 'must be in (0, 1)'),
        patience: must.positiveInt,
        modelMaxEpochs: must.positiveInt,
        rolloutSchedule: (v: number[]) =>
          v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0) && v[0] <= v[1] && v[2] >= 1 && v[2] <= v[3]
            ? null
            : 'must be [minEpoch, maxEpoch, minLength, maxLength] integers with minEpoch <= maxEpoch and 1 <= minLength <= maxLength',
      },
    );
    const limit = this.env.envs[0].spec?.maxEpisodeSteps;
    const maxLen = c.rolloutSchedule[3];
    if (limit !== undefined && maxLen > limit) {
      throw new RangeError(`mbpo: rollout length ${maxLen} (rolloutSchedule[3]) is longer than ${c.env}'s episode limit of ${limit} steps`);
    }
    this.termination = terminationFn(c.env);
    const rng = new Rng(c.seed, 11);
    this.model = new GaussianEnsemble(this.env.obsDim, this.env.actDim, rng.split(), c.model);
    const perEpoch = c.rolloutsPerStep * c.epochLength;
    this.modelBuffer = new ReplayBuffer(this.env.obsDim, this.env.actDim, maxLen * perEpoch * c.retainEpochs);
    this.modelRng = rng.split();
    const B = c.batchSize,
      D = this.env.obsDim,
      A = this.env.actDim;
    this.mixed = {
      size: B,
      obs: new Float32Array(B * D),
      actions: new Float32Array(B * A),
      rewards: new Float32Array(B),
      nextObs: new Float32Array(B * D),
      terminated: new Uint8Array(B),
      truncated: new Uint8Array(B),
    };
  }

  /** k for the current epoch (MBPO's linear schedule). */
  scheduledLength(): number {
    const [e0, e1, k0, k1] = this.config.rolloutSchedule;
    const epoch = Math.floor(this.envSteps / this.config.epochLength);
    const f = e1 === e0 ? (epoch >= e1 ? 1 : 0) : Math.min(1, Math.max(0, (epoch - e0) / (e1 - e0)));
    return Math.round(k0 + f * (k1 - k0));
  }

  /** Refit the ensemble on all real data, then branch model rollouts into D_model. */
  refit(): void {
    const c = this.config,
      rb = this.replay,
      n = rb.size;
    this.lastFit = this.model.fit(
      { n, obs: rb.obs, actions: rb.actions, nextObs: rb.nextObs, rewards: rb.rewards },
      { validationRatio: c.validationRatio, batchSize: c.modelBatchSize, patience: c.patience, maxEpochs: c.modelMaxEpochs },
    );
    this.rolloutLength = this.scheduledLength();
    const B = c.rolloutsPerStep * c.modelTrainFreq,
      D = rb.obsDim;
    const start = new Float32Array(B * D);
    for (let i = 0; i < B; i++) {
      const j = this.modelRng.int(n);
      start.set(rb.obs.subarray(j * D, (j + 1) * D), i * D);
    }
    const logp = new Float32Array(B);
    const policy = (obs: Float32Array, m: number, act: Float32Array) => this.policy.sampleUnit(obs, m, this.modelRng, false, act, logp);
    this.rolloutStats = branchedRollout(
      this.model,
      policy,
      this.termination,
      start,
      B,
      this.rolloutLength,
      this.modelRng,
      this.modelBuffer,
      this.env.envs[0].spec?.maxEpisodeSteps,
    );
  }

  /** realRatio of the batch from D_env, the rest from D_model (all real while D_model is empty). */
  private mixedBatch(): ReplayBatch {
    const B = this.config.batchSize,
      b = this.mixed;
    const nReal = this.modelBuffer.size === 0 ? B : Math.round(this.config.realRatio * B);
    for (let k = 0; k < B; k++) {
      if (k < nReal) this.replay.copyRow(this.rng.int(this.replay.size), b, k);
      else this.modelBuffer.copyRow(this.rng.int(this.modelBuffer.size), b, k);
    }
    return b;
  }

  protected override trainStep(): SacStepLog | null {
    const c = this.config;
    if (this.envSteps <= c.learningStarts) return null;
    const sinceStart = this.envSteps - c.learningStarts - 1;
    if (sinceStart % c.modelTrainFreq < c.numEnvs || !this.model.fitted) this.refit();
    if ((this.envSteps / c.numEnvs) % c.trainFreq !== 0) return null;
    let log: SacStepLog | null = null;
    for (let g = 0; g < c.gradientSteps; g++) log = this.learner.train(this.mixedBatch(), this.rng);
    return log;
  }

  override update(): UpdateLog {
    const log = super.update();
    const f = this.lastFit;
    return {
      ...log,
      rolloutLength: this.rolloutLength,
      modelBufferSize: this.modelBuffer.size,
      rolloutMeanLength: this.rolloutStats.meanLength,
      ...(f
        ? { modelHoldoutMse: mean(f.elites.map((e) => f.holdoutMse[e])), modelHoldoutNll: mean(f.elites.map((e) => f.holdoutNll[e])), modelEpochs: f.epochs }
        : {}),
    };
  }

  protected override extraTensors(): [string, Tensor][] {
    return [...ensembleState(this.model).tensors, ...replayTensors('modelBuffer', this.modelBuffer)];
  }

  protected override extraState(): Record<string, unknown> {
    return {
      ...ensembleState(this.model).meta,
      modelBuffer: replayMeta(this.modelBuffer),
      modelRng: this.modelRng.getState(),
      rolloutLength: this.rolloutLength,
    };
  }

  protected override restoreExtra(m: Record<string, any>, tensors: Map<string, Tensor>): void {
    restoreEnsemble(this.model, tensors, m);
    restoreReplay('modelBuffer', this.modelBuffer, tensors, m.modelBuffer);
    this.modelRng.setState(m.modelRng);
    this.rolloutLength = m.rolloutLength;
  }
}

function mean(x: number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}
