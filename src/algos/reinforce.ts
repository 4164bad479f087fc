/**
 * REINFORCE, the vanilla policy gradient (Williams, 1992), with the choices the lecture walks through.
 *
 *   repeat:
 *     1. sample trajectories {tau_i} from pi_theta                        (Collector)
 *     2. weight each step:  r(tau) ('full')  or  Q-hat_t ('rewardToGo')  (rollout/returns)
 *        minus a baseline:  none | mean return | optimal b_k | V_phi(s_t) (GAE(lambda) on top)
 *     3. grad J ~ (1/N) sum_t grad log pi(a_t | s_t) * weight_t, computed by autodiff through the
 *        pseudo-loss  L = -(1/N) sum_t log pi(a_t | s_t) * weight_t     (N = steps in the batch)
 *     4. theta <- theta + Adam(grad J);  fit V_phi to the returns by regression
 *
 * The optimal baseline b_k = E[g_k^2 r] / E[g_k^2] is per parameter k, from per-trajectory
 * gradients g_i = sum_t grad log pi(a_t | s_t) (so it needs whole trajectories: returns 'full').
 * It is estimated leave-one-out: estimated from the same batch including trajectory i it is
 * strongly biased (the estimator lab measures max|z| ~ 200 for that form).
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, mul, mean, sum, neg, noGrad, type Data } from '../tensor/index.ts';
import { Adam, clipGradNorm, mse, checkLoss, makeSchedule, type Schedule } from '../nn/index.ts';
import { makePolicy, ValueFunction, type Policy, type PolicyKind, type LogStdMode } from '../policies/index.ts';
import { Collector, episodeReturns, rewardToGo, gae, type Rollout } from '../rollout/index.ts';
import type { Activation } from '../nn/index.ts';
import { resolveConfig, must } from '../train/config.ts';
import { standardize, makeTrainingEnvs, maskedIndices, episodeLogFields, gatherRows, episodeIndex } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';

export interface ReinforceConfig {
  env: string;
  seed: number;
  numEnvs: number;
  /** Stack the last k observations (partial observability); 1 = off. */
  frameStack: number;
  /** Environment steps per iteration (over all envs); used when batchEpisodes is 0. */
  batchSteps: number;
  /** Whole episodes per iteration (a multiple of numEnvs); 0 = collect batchSteps instead. */
  batchEpisodes: number;
  returns: 'full' | 'rewardToGo';
  baseline: 'none' | 'mean' | 'optimal' | 'value';
  /** With baseline 'value' and rewardToGo: GAE's lambda (1 = plain reward-to-go minus V). */
  gaeLambda: number;
  normalizeAdvantages: boolean;
  gamma: number;
  lr: number;
  lrSchedule: 'constant' | 'linear' | 'cosine';
  /** Global gradient-norm clip; 0 = off. */
  maxGradNorm: number;
  valueLr: number;
  /** Full-batch regression steps on V per iteration (Spinning Up's VPG uses 80). */
  valueIters: number;
  policy: { kind: PolicyKind; hidden: number[]; activation: Activation; logStd: LogStdMode; logStdInit: number };
  totalSteps: number;
}

/**
 * Defaults: Spinning Up's VPG (gamma 0.99, lambda 0.97 when GAE is on, pi lr 3e-4 there; higher here
 * with smaller batches, tuned on CartPole-v1), 64x64 tanh networks as SB3/CleanRL.
 */
export const REINFORCE_DEFAULTS: ReinforceConfig = {
  env: 'CartPole-v1',
  seed: 0,
  numEnvs: 8,
  frameStack: 1,
  batchSteps: 2048,
  batchEpisodes: 0,
  returns: 'rewardToGo',
  baseline: 'value',
  gaeLambda: 1,
  normalizeAdvantages: true,
  gamma: 0.99,
  lr: 3e-3,
  lrSchedule: 'constant',
  maxGradNorm: 0.5,
  valueLr: 1e-3,
  valueIters: 40,
  policy: { kind: 'auto', hidden: [64, 64], activation: 'tanh', logStd: 'learned', logStdInit: 0 },
  totalSteps: 200_000,
};

export class Reinforce extends OnPolicyAlgorithm<ReinforceConfig> {
  readonly name = 'reinforce';
  readonly config: ReinforceConfig;
  readonly env: SyncVectorEnv;
  readonly policy: Policy;
  readonly value: ValueFunction | null;
  readonly collector: Collector;
  private readonly piOpt: Adam;
  private readonly vOpt: Adam | null;
  private readonly lrAt: Schedule;

  constructor(config: Partial<ReinforceConfig> = {}) {
    super();
    const c = (this.config = resolveConfig('reinforce', REINFORCE_DEFAULTS, config, {
      numEnvs: must.positiveInt, frameStack: must.positiveInt, batchSteps: must.nonNegativeInt, batchEpisodes: must.nonNegativeInt,
      returns: must.oneOf('full', 'rewardToGo'), baseline: must.oneOf('none', 'mean', 'optimal', 'value'),
      gaeLambda: must.unit, gamma: must.unit, lr: must.nonNegative, lrSchedule: must.oneOf('constant', 'linear', 'cosine'),
      maxGradNorm: must.nonNegative, valueLr: must.nonNegative, valueIters: must.nonNegativeInt, totalSteps: must.positiveInt, seed: must.nonNegativeInt,
    }));
    if (c.batchEpisodes === 0 && c.batchSteps === 0) throw new RangeError(`reinforce: set 'batchSteps' or 'batchEpisodes' (both are 0)`);
    if (c.batchEpisodes % c.numEnvs !== 0) {
      throw new RangeError(`reinforce: 'batchEpisodes' (${c.batchEpisodes}) must be a multiple of 'numEnvs' (${c.numEnvs})`);
    }
    if (c.baseline === 'optimal' && c.returns !== 'full') {
      throw new RangeError(`reinforce: baseline 'optimal' is derived for whole-trajectory returns; set returns: 'full' (got '${c.returns}')`);
    }
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs, { frameStack: c.frameStack });
    this.policy = makePolicy(this.env.singleObservationSpace, this.env.singleActionSpace, rng.split(), c.policy);
    this.value = c.baseline === 'value' ? new ValueFunction(this.policy.obsDim, rng.split(), { hidden: c.policy.hidden, activation: c.policy.activation }) : null;
    this.collector = new Collector(this.env, this.policy, rng.split(), { value: this.value ?? undefined, seed: c.seed });
    this.piOpt = new Adam(this.policy.parameters(), { lr: c.lr });
    this.vOpt = this.value ? new Adam(this.value.parameters(), { lr: c.valueLr }) : null;
    const kind = c.lrSchedule;
    this.lrAt = makeSchedule(kind === 'constant' ? c.lr : { kind, start: c.lr }, 'reinforce.lr');
  }

  /** One iteration: collect a batch, estimate the gradient, step the policy, fit V. */
  update(): UpdateLog {
    const c = this.config;
    const ro = c.batchEpisodes > 0
      ? this.collector.collectEpisodes(c.batchEpisodes / c.numEnvs)
      : this.collector.collect(Math.ceil(c.batchSteps / c.numEnvs));
    const { weights, mask, targets } = this.weights(ro);
    const idx = maskedIndices(mask);
    const obs = new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [idx.length, ro.obsDim]);
    const actions = gatherRows(ro.actions, ro.actDim, idx);
    const w = new Float32Array(idx.length);
    for (let j = 0; j < idx.length; j++) w[j] = weights[idx[j]];
    if (c.normalizeAdvantages && c.baseline !== 'optimal') standardize(w);

    this.piOpt.lr = this.lrAt(Math.min(1, this.collector.steps / c.totalSteps));
    const params = this.policy.parameters();
    let grads: Tensor[];
    let policyLoss: number;
    if (c.baseline === 'optimal') {
      ({ grads, loss: policyLoss } = this.optimalBaselineGradient(ro, mask, weights));
    } else {
      // The pseudo-loss: its gradient is the policy-gradient estimate (cross-entropy or Gaussian log-density).
      const logp = this.policy.distribution(obs).logProb(actions);
      const loss = neg(mean(mul(logp, new Tensor(w, [idx.length]))));
      checkLoss(loss, 'reinforce policy loss', this.iteration);
      policyLoss = loss.item();
      grads = grad(loss, params);
    }
    const gradNorm = c.maxGradNorm > 0 ? clipGradNorm(grads, c.maxGradNorm) : 0;
    this.piOpt.step(grads);
    const entropy = noGrad(() => mean(this.policy.distribution(obs).entropy()).item());

    let valueLoss = NaN;
    if (this.value && this.vOpt && targets) {
      const y = new Float32Array(idx.length);
      for (let j = 0; j < idx.length; j++) y[j] = targets[idx[j]];
      const yt = new Tensor(y, [idx.length]);
      for (let k = 0; k < c.valueIters; k++) {
        const l = mse(this.value.forward(obs), yt);
        checkLoss(l, 'reinforce value loss', this.iteration);
        valueLoss = l.item();
        this.vOpt.step(grad(l, this.value.parameters()));
      }
    }
    this.iteration++;
    return {
      ...this.counters(),
      ...episodeLogFields(ro, this.collector),
      policyLoss, valueLoss, entropy, gradNorm, lr: this.piOpt.lr,
    };
  }

  /** Per-step weights (before normalisation), the mask of usable steps, and value targets. */
  private weights(ro: Rollout): { weights: Float64Array; mask: Uint8Array; targets: Float64Array | null } {
    const c = this.config;
    const steps = { rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: ro.numEnvs };
    const boot = { finalValues: ro.finalValues ?? undefined, lastValues: ro.lastValues ?? undefined };
    const mask = ro.mask.slice();
    let weights: Float64Array;
    let targets: Float64Array | null = null;
    if (c.returns === 'full') {
      const er = episodeReturns(steps, c.gamma, { unfinished: 'exclude', continuing: ro.continuing, finalValues: boot.finalValues });
      if (er.numEpisodes === 0) {
        throw new Error(`reinforce: returns 'full' needs whole episodes, but this batch of ${ro.T} steps per env holds none finished; ` +
          `raise 'batchSteps', or collect whole episodes with 'batchEpisodes'`);
      }
      for (let i = 0; i < mask.length; i++) mask[i] &= er.mask[i];
      weights = er.returns;
      if (this.value) targets = rewardToGo(steps, c.gamma, boot);
    } else {
      weights = rewardToGo(steps, c.gamma, boot);
      targets = weights;
    }
    if (c.baseline === 'mean') {
      // The batch's average return: per episode for 'full', per step for reward-to-go.
      const { ids, count } = episodeIndex(ro, mask);
      let s = 0, n = 0;
      if (c.returns === 'full') {
        const seen = new Uint8Array(count);
        for (let i = 0; i < ids.length; i++) if (ids[i] >= 0 && !seen[ids[i]]) { seen[ids[i]] = 1; s += weights[i]; n++; }
      } else for (let i = 0; i < mask.length; i++) if (mask[i]) { s += weights[i]; n++; }
      const b = s / n;
      weights = weights.map((x) => x - b);
    } else if (c.baseline === 'value' && ro.values) {
      if (c.returns === 'full') weights = weights.map((x, i) => x - ro.values![i]);
      else {
        const g = gae(steps, ro.values, { gamma: c.gamma, lambda: c.gaeLambda, ...boot });
        weights = g.advantages;
        targets = g.returns;
      }
    }
    return { weights, mask, targets };
  }

  /**
   * grad J with the variance-minimising baseline per parameter: g_i = grad of sum_t log pi over
   * trajectory i, b_k^(-i) = sum_{j!=i} g_jk^2 r_j / sum_{j!=i} g_jk^2, grad_k = (1/N) sum_i g_ik (r_i - b_k^(-i)).
   * Returned negated, as the gradient of a loss to descend.
   */
  private optimalBaselineGradient(ro: Rollout, mask: Uint8Array, returns: Float64Array): { grads: Tensor[]; loss: number } {
    const params = this.policy.parameters();
    const { ids, count } = episodeIndex(ro, mask);
    const members: number[][] = Array.from({ length: count }, () => []);
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) members[ids[i]].push(i);
    const sizes = params.map((p) => p.size);
    const num = sizes.map((n) => new Float64Array(n)), den = sizes.map((n) => new Float64Array(n));
    const perTraj: { g: Data[]; r: number }[] = [];
    for (const steps of members) {
      const idx = Int32Array.from(steps);
      const obs = new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [idx.length, ro.obsDim]);
      const g = grad(sum(this.policy.distribution(obs).logProb(gatherRows(ro.actions, ro.actDim, idx))), params).map((t) => t.data);
      const r = returns[steps[0]];
      perTraj.push({ g, r });
      g.forEach((gp, k) => { for (let j = 0; j < gp.length; j++) { num[k][j] += gp[j] * gp[j] * r; den[k][j] += gp[j] * gp[j]; } });
    }
    let loss = 0;
    const grads = params.map((p, k) => {
      const out = new Float32Array(p.size);
      for (const { g, r } of perTraj) {
        for (let j = 0; j < out.length; j++) {
          // Leave-one-out: b for trajectory i from the others, so b is independent of g_i (unbiased).
          const gi2 = g[k][j] * g[k][j];
          const d = den[k][j] - gi2;
          const b = d > 0 ? (num[k][j] - gi2 * r) / d : 0;
          out[j] -= (g[k][j] * (r - b)) / count;
        }
      }
      return new Tensor(out, p.shape);
    });
    for (const { r } of perTraj) loss -= r / count;
    return { grads, loss };
  }

  protected checkpointParts() {
    const optimizers: [string, Adam][] = [['opt.pi', this.piOpt]];
    if (this.vOpt) optimizers.push(['opt.vf', this.vOpt]);
    return { modules: this.value ? [this.policy, this.value] : [this.policy], optimizers };
  }
}

