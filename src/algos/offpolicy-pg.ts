/**
 * Off-policy policy gradient by importance sampling: several gradient steps on one batch (sample
 * reuse), each estimating grad J(theta') from trajectories drawn by the behaviour policy theta.
 *
 * With rho_t = pi'(a_t|s_t) / pi(a_t|s_t) and W_t = prod_{k<=t} rho_k (sums of log-ratios,
 * exponentiated once), the estimate is  (1/N) sum_i sum_t grad log pi'(a_t|s_t) c_t  with
 *   trajectory           c_t = W_T * sum_k gamma^k r_k                    (whole-trajectory ratio)
 *   perDecision          c_t = sum_{t'>=t} gamma^(t'-t) r_t' W_t'         (causal: each reward weighted by
 *                                                                         the ratios up to its own time)
 *   perDecisionNoFuture  c_t = W_t * sum_{t'>=t} gamma^(t'-t) r_t'        (drops the future-reward ratios)
 *   firstOrder           c_t = rho_t * sum_{t'>=t} gamma^(t'-t) r_t'      (ignores the state marginal:
 *                                                                         the first-order approximation
 *                                                                         behind TRPO/PPO's surrogate)
 * computed through the pseudo-loss -(1/N) sum log pi'(a_t|s_t) c_t with c detached. At theta' =
 * theta every weight is 1 and the estimates are REINFORCE's (full return, or reward-to-go).
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, mul, sum, neg, noGrad } from '../tensor/index.ts';
import { Adam, clipGradNorm, checkLoss } from '../nn/index.ts';
import { makePolicy, type Policy } from '../policies/index.ts';
import { Collector, weightDiagnostics, type Rollout } from '../rollout/index.ts';
import { defineConfig, int, num, seed, steps, choice, type ConfigOf, type Overrides } from '../config/schema.ts';
import { envField, envKwargs, frameStack, mlpPolicy } from '../config/fields.ts';
import { makeTrainingEnvs, maskedIndices, gatherRows, episodeIndex, episodeLogFields } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';

export type Weighting = 'trajectory' | 'perDecision' | 'perDecisionNoFuture' | 'firstOrder';

export const OFFPOLICY_PG_CONFIG = defineConfig(
  'offpolicy-pg',
  {
    env: envField('CartPole-v1'),
    envKwargs: envKwargs(),
    seed: seed(),
    numEnvs: int(8, 'environments stepped together', { source: 'Ascent (test/algos/offpolicy-pg.test.ts)' }),
    batchEpisodes: int(16, 'whole episodes per batch (a multiple of numEnvs)', { source: 'Ascent' }),
    reuseSteps: int(4, 'gradient steps per batch: 1 is on-policy REINFORCE; more reuse it through the weights', { source: 'Ascent' }),
    weighting: choice(['trajectory', 'perDecision', 'perDecisionNoFuture', 'firstOrder'], 'perDecision', 'importance weights (2)', {
      source: 'per-decision: Precup et al. 2000',
    }),
    baseline: choice(['none', 'mean'], 'mean', "(3) 'mean': subtract the batch's mean return (keeps the unbiased forms unbiased)"),
    gamma: num(0.99, 'discount γ', 'unit'),
    lr: num(3e-3, "Adam's step size", 'nonNegative', { source: 'Ascent, as REINFORCE' }),
    maxGradNorm: num(0.5, 'global gradient-norm clip; 0 = off', 'nonNegative', { source: 'SB3' }),
    frameStack: frameStack(),
    policy: mlpPolicy(),
    totalSteps: steps(200_000),
  },
  [
    {
      says: 'batchEpisodes is a multiple of numEnvs',
      check: (c) => (c.batchEpisodes % c.numEnvs !== 0 ? `'batchEpisodes' (${c.batchEpisodes}) must be a multiple of 'numEnvs' (${c.numEnvs})` : null),
    },
  ],
);

/** Ascent's own defaults (docs/algorithms/offpolicy-pg.md); every key is in OFFPOLICY_PG_CONFIG. */
export type OffPolicyPgConfig = ConfigOf<typeof OFFPOLICY_PG_CONFIG>;
export const OFFPOLICY_PG_DEFAULTS: OffPolicyPgConfig = OFFPOLICY_PG_CONFIG.defaults;

/** Per-step coefficients c_t of the estimator (see the file comment), given log-ratios per step. */
export function importanceCoefficients(
  kind: Weighting,
  logRatio: Float64Array,
  rewards: ArrayLike<number>,
  episodes: Int32Array[],
  gamma: number,
  baseline = 0,
): Float64Array {
  const c = new Float64Array(logRatio.length);
  for (const steps of episodes) {
    const L = steps.length;
    const logW = new Float64Array(L);
    let cum = 0;
    for (let k = 0; k < L; k++) logW[k] = cum += logRatio[steps[k]];
    if (kind === 'trajectory') {
      let R = 0;
      for (let k = L - 1; k >= 0; k--) R = rewards[steps[k]] + gamma * R;
      const w = Math.exp(logW[L - 1]) * (R - baseline);
      for (let k = 0; k < L; k++) c[steps[k]] = w;
      continue;
    }
    // Backward recursions: G_t = r_t + gamma G_{t+1}; P_t = r_t W_t + gamma P_{t+1} (per-decision).
    let G = 0,
      P = 0;
    for (let k = L - 1; k >= 0; k--) {
      const r = rewards[steps[k]];
      G = r + gamma * G;
      const Wk = Math.exp(logW[k]);
      P = r * Wk + gamma * P;
      const i = steps[k];
      if (kind === 'perDecision') c[i] = P - Wk * baseline;
      else if (kind === 'perDecisionNoFuture') c[i] = Wk * (G - baseline);
      else c[i] = Math.exp(logRatio[i]) * (G - baseline);
    }
  }
  return c;
}

export interface Batch {
  obs: Tensor;
  actions: Float32Array;
  rewards: Float64Array;
  behaviourLogp: Float64Array;
  /** Each episode's steps, as positions in the batch, in time order. */
  episodes: Int32Array[];
}

export class OffPolicyPG extends OnPolicyAlgorithm<OffPolicyPgConfig> {
  readonly name = 'offpolicy-pg';
  readonly config: OffPolicyPgConfig;
  readonly env: SyncVectorEnv;
  readonly policy: Policy;
  readonly collector: Collector;
  private readonly opt: Adam;

  constructor(config: Overrides<OffPolicyPgConfig> = {}) {
    super();
    const c = (this.config = OFFPOLICY_PG_CONFIG.resolve(config));
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs, { envKwargs: c.envKwargs, frameStack: c.frameStack });
    this.policy = makePolicy(this.env.singleObservationSpace, this.env.singleActionSpace, rng.split(), c.policy);
    this.collector = new Collector(this.env, this.policy, rng.split(), { seed: c.seed });
    this.opt = new Adam(this.policy.parameters(), { lr: c.lr });
  }

  /** A batch laid out for the estimators: used steps, episodes as positions, behaviour log-probs. */
  prepare(ro: Rollout): Batch {
    const idx = maskedIndices(ro.mask);
    const { ids, count } = episodeIndex(ro, ro.mask);
    const pos = new Int32Array(ro.mask.length).fill(-1);
    idx.forEach((i, j) => (pos[i] = j));
    const members: number[][] = Array.from({ length: count }, () => []);
    for (const i of idx) members[ids[i]].push(pos[i]);
    return {
      obs: new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [idx.length, ro.obsDim]),
      actions: gatherRows(ro.actions, ro.actDim, idx),
      rewards: Float64Array.from(idx, (i) => ro.rewards[i]),
      behaviourLogp: Float64Array.from(idx, (i) => ro.logProbs[i]),
      episodes: members.map((m) => Int32Array.from(m)),
    };
  }

  /** The estimate at the current parameters theta' (with `withGrad` false: only the weight diagnostics). */
  estimate(b: Batch, withGrad = true): { grads: Tensor[] | null; loss: number; ess: number; maxOverMean: number } {
    const c = this.config;
    const run = () => {
      const logp = this.policy.distribution(b.obs).logProb(b.actions);
      const logRatio = Float64Array.from(b.behaviourLogp, (lb, j) => logp.data[j] - lb);
      const logW = b.episodes.map((ep) => ep.reduce((s, j) => s + logRatio[j], 0));
      const diag = weightDiagnostics(logW);
      if (!withGrad) return { grads: null, loss: NaN, ...diag };
      let baseline = 0;
      if (c.baseline === 'mean') {
        for (const ep of b.episodes) baseline += ep.reduceRight((R, j) => b.rewards[j] + c.gamma * R, 0);
        baseline /= b.episodes.length;
      }
      const coef = importanceCoefficients(c.weighting, logRatio, b.rewards, b.episodes, c.gamma, baseline);
      const loss = mul(neg(sum(mul(logp, new Tensor(Float32Array.from(coef), [coef.length])))), 1 / b.episodes.length);
      checkLoss(loss, 'offpolicy-pg loss', this.iteration);
      return { grads: grad(loss, this.policy.parameters()), loss: loss.item(), ...diag };
    };
    return withGrad ? run() : noGrad(run);
  }

  update(): UpdateLog {
    const c = this.config;
    const ro = this.collector.collectEpisodes(c.batchEpisodes / c.numEnvs);
    const batch = this.prepare(ro);
    let last = { loss: NaN, ess: NaN, maxOverMean: NaN, gradNorm: 0 };
    for (let k = 0; k < c.reuseSteps; k++) {
      const g = this.estimate(batch);
      const gradNorm = c.maxGradNorm > 0 ? clipGradNorm(g.grads!, c.maxGradNorm) : 0;
      this.opt.step(g.grads!);
      last = { loss: g.loss, ess: g.ess, maxOverMean: g.maxOverMean, gradNorm };
    }
    // The weights after the last step: how far the reused batch has drifted from the policy.
    const after = this.estimate(batch, false);
    this.iteration++;
    return {
      ...this.counters(),
      ...episodeLogFields(ro, this.collector),
      policyLoss: last.loss,
      essFraction: after.ess / ro.episodes.length,
      maxOverMeanWeight: after.maxOverMean,
      lastStepEssFraction: last.ess / ro.episodes.length,
      gradNorm: last.gradNorm,
    };
  }

  protected checkpointParts() {
    return { modules: [this.policy], optimizers: [['opt', this.opt]] as [string, Adam][] };
  }
}
