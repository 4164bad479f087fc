/**
 * Proximal Policy Optimization (Schulman et al., 2017, arXiv:1707.06347).
 *
 *   repeat:
 *     collect nSteps per env with pi_old; advantages by GAE(gamma, lambda), truncation bootstrapped
 *     for each epoch, for each shuffled minibatch:
 *       r(theta) = pi(a|s) / pi_old(a|s)
 *       stop the epochs (without this step) when the approximate KL E[r - 1 - log r] > 1.5 * targetKl
 *       L_clip   = -E[min(r A, clip(r, 1 - eps, 1 + eps) A)]        (or the adaptive-KL penalty:
 *                                                                    -E[r A] + beta KL(pi_old || pi))
 *       L        = L_clip + vfCoef * E[(V - R)^2] - entCoef * E[H(pi)]
 *       one Adam step on L (gradient norm clipped)
 *     adaptiveKl: d = KL(pi_old || pi) after the epochs; beta /= 2 if d < klTarget / 1.5, *= 2 if d > 1.5 klTarget
 *
 * Defaults are Stable-Baselines3's PPO defaults (n_steps 2048 over 1 env, batch 64, 10 epochs,
 * lr 3e-4, gamma 0.99, lambda 0.95, clip 0.2, ent 0, vf 0.5, max grad norm 0.5) with 64x64 tanh
 * networks for the policy and a separate value network.
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, mul, mean, neg, exp, sub, minimum, clip, maximum, square, add, noGrad, ppoClipLoss, type PpoPolicyOutput } from '../tensor/index.ts';
import { Adam, clipGradNorm, checkLoss, makeSchedule, type Schedule, type Optimizer } from '../nn/index.ts';
import { makePolicy, makeValueFunction, type ValueModel, type Policy } from '../policies/index.ts';
import { Categorical, DiagGaussian, type Distribution } from '../distributions/index.ts';
import { Collector, gae, standardize } from '../rollout/index.ts';
import { defineConfig, int, num, seed, steps, choice, group, widths, type ConfigOf, type Overrides } from '../config/schema.ts';
import { envField, envKwargs, frameStack, mlpPolicy, normalization, ppoFields } from '../config/fields.ts';
import { makeTrainingEnvs, gatherRows, episodeLogFields, meanStd, type EnvOptions } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';

const PPO_FIELDS = ppoFields('SB3', 2048);

export const PPO_CONFIG = defineConfig(
  'ppo',
  {
    env: envField('CartPole-v1'),
    envKwargs: envKwargs(),
    seed: seed(),
    ...PPO_FIELDS.rollout,
    batchSize: int(64, 'minibatch size (at most nSteps * numEnvs)', { source: 'SB3 batch_size' }),
    ...PPO_FIELDS.epochsAndGae,
    objective: choice(['clip', 'adaptiveKl'], 'clip', "'clip': the clipped surrogate (5); 'adaptiveKl': the KL-penalised surrogate (5')", {
      source: 'PPO paper, sections 3 and 4',
    }),
    ...PPO_FIELDS.clip,
    klTarget: num(0.01, 'adaptiveKl: d_targ, the KL each update aims at', 'positive', { source: 'PPO paper, section 4' }),
    klBetaInit: num(1, "adaptiveKl: β's initial value", 'nonNegative', { source: 'PPO paper, section 4' }),
    ...PPO_FIELDS.step,
    ...normalization(),
    frameStack: frameStack(),
    policy: group(
      {
        ...mlpPolicy().shape,
        encoder: choice(['auto', 'nature', 'small'], 'auto', "image observations: the CNN encoder; 'auto' is 'nature' from 36x36 up, else 'small'", {
          source: 'Mnih et al. 2015 (nature, SB3 NatureCNN); this project (small)',
        }),
      },
      'the policy network (and, for images, the encoder the policy and the value network each get)',
    ),
    valueHidden: widths([64, 64], 'hidden layer widths of the separate value network', { source: 'SB3' }),
    totalSteps: steps(100_000),
  },
  [
    {
      says: 'batchSize <= nSteps * numEnvs',
      check: (c) =>
        c.batchSize > c.nSteps * c.numEnvs
          ? `'batchSize' (${c.batchSize}) is larger than the rollout batch nSteps * numEnvs = ${c.nSteps * c.numEnvs}; lower 'batchSize' or raise 'nSteps'`
          : null,
    },
  ],
);

/** Defaults are Stable-Baselines3's PPO defaults (see the file comment); every key is in PPO_CONFIG. */
export type PpoConfig = ConfigOf<typeof PPO_CONFIG>;
export const PPO_DEFAULTS: PpoConfig = PPO_CONFIG.defaults;

export class PPO extends OnPolicyAlgorithm<PpoConfig> {
  readonly name = 'ppo';
  readonly config: PpoConfig;
  readonly env: SyncVectorEnv;
  readonly policy: Policy;
  readonly value: ValueModel;
  readonly collector: Collector;
  /** pi_old: a frozen copy of the policy, for the exact KL of the adaptive-KL objective. */
  private readonly oldPolicy: Policy;
  private readonly opt: Adam;
  private readonly params: Tensor[];
  private readonly lrAt: Schedule;
  private readonly clipAt: Schedule;
  private readonly rng: Rng;
  private beta: number;

  constructor(config: Overrides<PpoConfig> = {}) {
    super();
    const c = (this.config = PPO_CONFIG.resolve(config));
    const rng = new Rng(c.seed);
    ({ env: this.env, policy: this.policy, oldPolicy: this.oldPolicy } = makeEnvsAndPolicies(c, rng));
    this.value = makeValueFunction(this.env.singleObservationSpace, rng.split(), {
      hidden: c.valueHidden,
      activation: c.policy.activation,
      encoder: c.policy.encoder,
    });
    this.collector = new Collector(this.env, this.policy, rng.split(), { value: this.value, seed: c.seed });
    this.rng = rng.split();
    this.params = [...this.policy.parameters(), ...this.value.parameters()];
    this.opt = new Adam(this.params, { lr: c.lr, eps: 1e-5 }); // eps 1e-5: SB3's and CleanRL's PPO setting
    this.lrAt = makeSchedule(c.lrSchedule === 'constant' ? c.lr : { kind: c.lrSchedule, start: c.lr }, 'ppo.lr');
    this.clipAt = makeSchedule(c.clipSchedule === 'constant' ? c.clipRange : { kind: 'linear', start: c.clipRange }, 'ppo.clipRange');
    this.beta = c.klBetaInit;
  }

  update(): UpdateLog {
    const c = this.config;
    const progress = Math.min(1, this.collector.steps / c.totalSteps);
    this.opt.lr = this.lrAt(progress);
    const eps = this.clipAt(progress);
    const ro = this.collector.collect(c.nSteps);
    const steps = { rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: ro.numEnvs };
    // Targets given with the batch: V-trace's for stale distributed rollouts (src/distributed/learner.ts).
    const { advantages, returns } =
      ro.targets ??
      gae(steps, ro.values!, {
        gamma: c.gamma,
        lambda: c.gaeLambda,
        finalValues: ro.finalValues!,
        lastValues: ro.lastValues!,
      });
    const B = ro.T * ro.numEnvs;
    const oldValues = ro.values!;
    this.oldPolicy.parameters().forEach((p, i) => p.data.set(this.policy.parameters()[i].data));

    let approxKl = 0,
      clipFraction = 0,
      policyLoss = 0,
      vLossSum = 0,
      entropy = 0,
      gradNorm = 0,
      n = 0;
    let stoppedAt = c.epochs;
    epochs: for (let epoch = 0; epoch < c.epochs; epoch++) {
      const perm = this.rng.permutation(B);
      for (let s = 0; s + c.batchSize <= B; s += c.batchSize) {
        const idx = perm.subarray(s, s + c.batchSize);
        const m = idx.length;
        const obs = new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [m, ro.obsDim]);
        const act = gatherRows(ro.actions, ro.actDim, idx);
        const { adv, ret, vOld, lpOld } = pickSteps(idx, advantages, returns, oldValues, ro.logProbs);
        if (c.normalizeAdvantages && m > 1) standardize(adv);
        const A = new Tensor(adv, [m]);

        const dist = this.policy.distribution(obs);
        const head = c.objective === 'clip' && fusedLoss ? policyOutput(dist) : null;
        if (head) {
          // The clipped objective as one op (ppoClipLoss: the same loss, a fraction of the cost at
          // small batches; issue 12).
          const batch = { actions: act, oldLogProbs: lpOld, advantages: adv, returns: ret, oldValues: vOld };
          const r = ppoClipLoss(head, this.value.forward(obs), batch, { clipRange: eps, vfCoef: c.vfCoef, entCoef: c.entCoef, clipRangeVf: c.clipRangeVf });
          const stats = ratioStats(r.ratios, eps);
          approxKl = stats.approxKl;
          if (c.targetKl > 0 && approxKl > 1.5 * c.targetKl) {
            stoppedAt = epoch;
            break epochs;
          }
          gradNorm = descend(r.loss, this.params, this.opt, c.maxGradNorm, 'ppo loss', this.iteration);
          clipFraction += stats.clipFraction;
          policyLoss += r.policyLoss;
          vLossSum += r.valueLoss;
          entropy += r.entropy;
          n++;
          continue;
        }
        const logp = dist.logProb(act);
        const ratio = exp(sub(logp, new Tensor(lpOld, [m])));

        // Approximate KL(pi_old || pi) of the current parameters on this minibatch, by the k3 estimator
        // r - 1 - log r (Schulman, "Approximating KL divergence"), checked BEFORE the step, as SB3 does
        // (ppo.py train(): approx_kl_div > 1.5 * target_kl -> break, then the optimizer step): once the
        // steps taken so far have moved the policy past the limit, no further step is applied.
        const stats = ratioStats(ratio.data, eps);
        approxKl = stats.approxKl;
        if (c.targetKl > 0 && approxKl > 1.5 * c.targetKl) {
          stoppedAt = epoch;
          break epochs;
        }

        let pg: Tensor;
        if (c.objective === 'clip') {
          pg = clippedSurrogateLoss(ratio, A, eps);
        } else {
          const old = noGrad(() => this.oldPolicy.distribution(obs));
          const kl = mean((old as { kl(o: unknown): Tensor }).kl(dist));
          pg = add(neg(mean(mul(ratio, A))), mul(kl, this.beta));
        }
        const vLoss = valueLoss(this.value.forward(obs), ret, vOld, c.clipRangeVf);
        const ent = mean(dist.entropy());
        gradNorm = descend(ppoLoss(pg, vLoss, ent, c.vfCoef, c.entCoef), this.params, this.opt, c.maxGradNorm, 'ppo loss', this.iteration);

        clipFraction += stats.clipFraction;
        policyLoss += pg.item();
        vLossSum += vLoss.item();
        entropy += ent.item();
        n++;
      }
    }
    let klAfter = NaN;
    if (c.objective === 'adaptiveKl') {
      // Beta's update rule from the PPO paper (section 4): d is the KL of the policy the epochs
      // produced, on the whole batch. (Averaging the KL over the minibatches instead counts the
      // first ones, taken at or near pi_old, so d underestimates and beta collapses toward 0.)
      const allObs = new Tensor(ro.obs, [B, ro.obsDim]);
      klAfter = noGrad(() => mean((this.oldPolicy.distribution(allObs) as unknown as { kl(o: unknown): Tensor }).kl(this.policy.distribution(allObs))).item());
      if (klAfter < c.klTarget / 1.5) this.beta /= 2;
      else if (klAfter > c.klTarget * 1.5) this.beta *= 2;
    }
    this.iteration++;
    return {
      ...this.counters(),
      ...episodeLogFields(ro, this.collector),
      policyLoss: policyLoss / n,
      valueLoss: vLossSum / n,
      entropy: entropy / n,
      approxKl,
      clipFraction: clipFraction / n,
      explainedVariance: explainedVariance(oldValues, returns),
      gradNorm,
      lr: this.opt.lr,
      clipRange: eps,
      epochs: stoppedAt,
      ...(c.objective === 'adaptiveKl' ? { klBeta: this.beta, kl: klAfter } : {}),
    };
  }

  protected checkpointParts() {
    return { modules: [this.policy, this.value], optimizers: [['opt', this.opt]] as [string, Adam][] };
  }

  protected override extraState() {
    return { rng: this.rng.getState(), beta: this.beta };
  }

  protected override restoreExtra(m: Record<string, any>): void {
    this.rng.setState(m.rng);
    this.beta = m.beta;
  }
}

let fusedLoss = true;

/**
 * Whether PPO's clipped objective runs as the one op ppoClipLoss (default) or as the chain of
 * distribution and elementwise ops (clippedSurrogateLoss, valueLoss, ppoLoss) it replaced; the two
 * agree to float32 rounding (test/algos/ppo-fused.test.ts). Returns the previous setting.
 */
export function setPpoFusedLoss(on: boolean): boolean {
  const prev = fusedLoss;
  fusedLoss = on;
  return prev;
}

/** The fused loss's view of a distribution: logits, or a mean and a [1, D] or [B, D] log-std; else null. */
function policyOutput(dist: Distribution): PpoPolicyOutput | null {
  if (dist instanceof Categorical) return { logits: dist.logits };
  if (dist instanceof DiagGaussian) return { mean: dist.mean, logStd: dist.logStd };
  return null;
}

/**
 * Diagnostics of the probability ratios r = pi(a|s) / pi_old(a|s) of one minibatch: the k3 estimate
 * of KL(pi_old || pi), mean(r - 1 - log r) (unbiased, never negative), and the fraction of ratios
 * outside [1 - eps, 1 + eps].
 */
export function ratioStats(r: ArrayLike<number>, eps: number): { approxKl: number; clipFraction: number } {
  let k3 = 0,
    clipped = 0;
  for (let i = 0; i < r.length; i++) {
    k3 += r[i] - 1 - Math.log(r[i]);
    if (Math.abs(r[i] - 1) > eps) clipped++;
  }
  return { approxKl: k3 / r.length, clipFraction: clipped / r.length };
}

/** L^CLIP as a loss to minimise: -E[min(r A, clip(r, 1 - eps, 1 + eps) A)] (PPO paper, eq. 7). */
export function clippedSurrogateLoss(ratio: Tensor, A: Tensor, eps: number): Tensor {
  return neg(mean(minimum(mul(ratio, A), mul(clip(ratio, 1 - eps, 1 + eps), A))));
}

/**
 * E[(V - R)^2]; with clipRangeVf > 0, E[max((V - R)^2, (V_clip - R)^2)] where
 * V_clip = V_old + clip(V - V_old, -clipRangeVf, clipRangeVf): the max makes the clipped loss a
 * pessimistic bound, as in OpenAI Baselines' PPO2 (ppo2/model.py vf_losses1/vf_losses2). With min,
 * a value that moved past the range would have a loss that ignores the move.
 */
export function valueLoss(v: Tensor, returns: Float32Array, oldValues: Float32Array, clipRangeVf: number): Tensor {
  const m = returns.length;
  const R = new Tensor(returns, [m]);
  let vl = square(sub(v, R));
  if (clipRangeVf > 0) {
    const vo = new Tensor(oldValues, [m]);
    const vClipped = add(vo, clip(sub(v, vo), -clipRangeVf, clipRangeVf));
    vl = maximum(vl, square(sub(vClipped, R)));
  }
  return mean(vl);
}

/**
 * One optimiser step on `loss`: checked finite (naming `what` and the update), differentiated,
 * clipped to `maxGradNorm` in global norm when it is > 0, applied. Returns the norm before clipping
 * (0 when not clipped).
 */
export function descend(loss: Tensor, params: Tensor[], opt: Optimizer, maxGradNorm: number, what: string, iteration: number): number {
  checkLoss(loss, what, iteration);
  const grads = grad(loss, params, { allowUnused: true }) as Tensor[];
  const norm = maxGradNorm > 0 ? clipGradNorm(grads, maxGradNorm) : 0;
  opt.step(grads);
  return norm;
}

/** L = L_pg + vfCoef L_V - entCoef H: the entropy bonus lowers the loss of a more random policy. */
export function ppoLoss(pg: Tensor, vLoss: Tensor, entropy: Tensor, vfCoef: number, entCoef: number): Tensor {
  return add(add(pg, mul(vLoss, vfCoef)), mul(entropy, -entCoef));
}

/** One minibatch's per-step numbers at `idx`, as float32, in one pass over the indices. */
export function pickSteps(
  idx: Int32Array,
  advantages: Float64Array,
  returns: Float64Array,
  values: Float32Array,
  logProbs: Float32Array,
): { adv: Float32Array; ret: Float32Array; vOld: Float32Array; lpOld: Float32Array } {
  const m = idx.length;
  const adv = new Float32Array(m),
    ret = new Float32Array(m),
    vOld = new Float32Array(m),
    lpOld = new Float32Array(m);
  for (let j = 0; j < m; j++) {
    const i = idx[j];
    adv[j] = advantages[i];
    ret[j] = returns[i];
    vOld[j] = values[i];
    lpOld[j] = logProbs[i];
  }
  return { adv, ret, vOld, lpOld };
}

/**
 * PPO's and TRPO's training envs, policy and pi_old: a policy of the same architecture whose weights
 * each update overwrites (so its seed, 0, does not matter). The policy takes one split of `rng`.
 */
export function makeEnvsAndPolicies(
  c: EnvOptions & { env: string; numEnvs: number; policy: Parameters<typeof makePolicy>[3] },
  rng: Rng,
): { env: SyncVectorEnv; policy: Policy; oldPolicy: Policy } {
  // The config carries makeEnv's options by name: envKwargs, frameStack, normalizeObs, normalizeReward, gamma.
  const env = makeTrainingEnvs(c.env, c.numEnvs, c);
  const policy = makePolicy(env.singleObservationSpace, env.singleActionSpace, rng.split(), c.policy);
  const oldPolicy = makePolicy(env.singleObservationSpace, env.singleActionSpace, new Rng(0), c.policy);
  return { env, policy, oldPolicy };
}

/** 1 - Var[R - V] / Var[R]: how much of the returns' variance the value function explains. */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const diff = Array.from(returns, (r, i) => r - values[i]);
  const vr = meanStd(returns).std ** 2;
  return vr === 0 ? NaN : 1 - meanStd(diff).std ** 2 / vr;
}
