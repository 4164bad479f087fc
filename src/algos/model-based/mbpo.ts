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
import { GaussianEnsemble, terminationFn, branchedRollout, type FitResult, type TerminationFn } from '../../models/index.ts';
import { extendConfig, int, num, steps, custom, withDefault, type ConfigOf, type Overrides } from '../../config/schema.ts';
import { ensembleGroup, ensembleRule } from '../../config/fields.ts';
import { ensembleState, restoreEnsemble } from '../common.ts';
import { SAC, SAC_CONFIG } from '../sac.ts';
import type { SacStepLog } from '../sac-learner.ts';
import type { Tensor } from '../../tensor/index.ts';
import type { UpdateLog } from '../types.ts';

export const MBPO_CONFIG = extendConfig(
  'mbpo',
  SAC_CONFIG,
  {
    gradientSteps: withDefault(SAC_CONFIG.shape.gradientSteps, 20, 'mbrl-lib MBPO (20 SAC updates per env step)'),
    learningStarts: withDefault(SAC_CONFIG.shape.learningStarts, 250, 'mbrl-lib MBPO'),
    realRatio: num(0.05, 'fraction of each SAC batch drawn from real data (7)', 'unit', { source: 'mbrl-lib MBPO real_data_ratio' }),
    modelTrainFreq: int(250, 'env steps between model refits', { source: 'mbrl-lib MBPO freq_train_model' }),
    rolloutsPerStep: int(400, 'model branches started per env step (rolloutsPerStep * modelTrainFreq per refit)', { source: 'mbrl-lib MBPO' }),
    rolloutSchedule: custom(
      [20, 100, 1, 1],
      'rollout length k(epoch) (5): [minEpoch, maxEpoch, minLength, maxLength], linear between the epochs',
      'four integers, minEpoch <= maxEpoch, 1 <= minLength <= maxLength',
      (v: number[]) =>
        v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0) && v[0] <= v[1] && v[2] >= 1 && v[2] <= v[3]
          ? null
          : 'must be [minEpoch, maxEpoch, minLength, maxLength] integers with minEpoch <= maxEpoch and 1 <= minLength <= maxLength',
      { source: 'mbrl-lib MBPO rollout_schedule' },
    ),
    epochLength: int(1000, 'env steps per epoch', { source: 'MBPO' }),
    retainEpochs: int(1, 'epochs of model data kept in D_model', { source: 'mbrl-lib MBPO num_epochs_to_retain_sac_buffer' }),
    model: ensembleGroup(),
    modelBatchSize: int(256, 'model fit minibatch size (3)', { source: 'mbrl-lib MBPO' }),
    validationRatio: num(0.2, 'fraction of D_env held out for early stopping and elites (3)', 'openUnit', { source: 'mbrl-lib MBPO' }),
    patience: int(5, 'model fit: epochs without a 1% held-out improvement before stopping (3)', { source: 'MBPO' }),
    modelMaxEpochs: int(200, 'upper bound on the epochs of one model fit (early stopping usually ends it sooner)'),
    totalSteps: steps(100_000, 'real environment steps to train for'),
  },
  [ensembleRule],
);

/** mbrl-lib's MBPO configuration over SAC's defaults (see the file comment); every key is in MBPO_CONFIG. */
export type MbpoConfig = ConfigOf<typeof MBPO_CONFIG>;
export const MBPO_DEFAULTS: MbpoConfig = MBPO_CONFIG.defaults;

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

  constructor(config: Overrides<MbpoConfig> = {}) {
    super(config, MBPO_CONFIG);
    const c = this.config;
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
