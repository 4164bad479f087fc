/**
 * REINFORCE, the vanilla policy gradient (Williams, 1992), with the choices the lecture walks through.
 *
 *   repeat:
 *     1. sample trajectories {tau_i} from pi_theta                        (Collector)
 *     2. weight each step:  r(tau) ('full')  or  Q-hat_t ('rewardToGo')  (rollout/returns)
 *        minus a baseline:  none | mean return | optimal b_k | V_phi(s_t) (GAE(lambda) on top)
 *     3. grad J ~ (1/D) sum_t grad log pi(a_t | s_t) * weight_t, computed by autodiff through the
 *        pseudo-loss  L = -(1/D) sum_t log pi(a_t | s_t) * weight_t
 *        (D = episodes in the batch for 'full', steps in the batch for 'rewardToGo')
 *     4. theta <- theta + Adam(grad J);  fit V_phi to the returns by regression
 *
 * 'full' returns need whole episodes: a window of fixed length keeps only the episodes that start and
 * end inside it, which favours short ones (a biased gradient, and no episode at all once they outgrow
 * the window). So 'full' always collects whole episodes, a number per env fixed before the batch is
 * drawn (batchEpisodes, or batchSteps divided by the mean length of earlier episodes), and averages
 * over episodes: (1/N) sum_i grad log p(tau_i) r(tau_i), the unbiased estimator of the lecture.
 *
 * The optimal baseline b_k = E[g_k^2 r] / E[g_k^2] is per parameter, from per-trajectory gradients
 * g_i = sum_t grad log pi(a_t | s_t) (so it needs whole trajectories: returns 'full'). It is estimated
 * from earlier batches (rollout/baselines.ts), so it is independent of the batch it is used on
 * (unbiased) and far less noisy than a leave-one-out estimate from the batch itself.
 *
 * policy.cell 'lstm' or 'gru' makes the policy one on the observation history, pi(a_t | o_1..o_t)
 * (the lecture's answer to partial observability): the recurrent collector carries the cell's state
 * from step to step and zeroes it at episode starts, and the pseudo-loss replays the whole batch
 * through the cell from its first stored state, so the gradient of log pi(a_t | o_1..o_t) reaches
 * back through every earlier step of the episode (untruncated for 'full' returns, which collect
 * whole episodes). The value baseline is then the recurrent critic V(o_1..o_t) of the same module.
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, mul, mean, sum, neg, noGrad, square, sub } from '../tensor/index.ts';
import { Adam, clipGradNorm, mse, checkLoss, makeSchedule, type Schedule } from '../nn/index.ts';
import { makePolicy, ValueFunction, type Policy } from '../policies/index.ts';
import { makeRecurrentPolicy, type RecurrentActorCritic } from '../policies/recurrent.ts';
import { RecurrentCollector, type RecurrentRollout } from '../rollout/recurrent.ts';
import { Collector, OptimalBaseline, episodeReturns, rewardToGo, gae, type OptimalBaselineState, type Rollout } from '../rollout/index.ts';
import { defineConfig, int, num, seed, steps, bool, choice, group, type ConfigOf, type Overrides } from '../config/schema.ts';
import { envField, envKwargs, frameStack, mlpPolicy } from '../config/fields.ts';
import { standardize, makeTrainingEnvs, maskedIndices, episodeLogFields, gatherRows, episodeIndex } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';

export const REINFORCE_CONFIG = defineConfig(
  'reinforce',
  {
    env: envField('CartPole-v1'),
    envKwargs: envKwargs(),
    seed: seed(),
    numEnvs: int(8, 'environments stepped together', { source: "Ascent's tuning on CartPole-v1" }),
    frameStack: frameStack(),
    batchSteps: int(2048, "steps per update when batchEpisodes is 0 (for 'full' returns a target: whole episodes)", {
      min: 0,
      source: "Ascent's tuning",
    }),
    batchEpisodes: int(0, 'whole episodes per update instead (a multiple of numEnvs); 0 = use batchSteps', { min: 0 }),
    returns: choice(['full', 'rewardToGo'], 'rewardToGo', "(1) 'full': r(τ) on every step of whole episodes; (2) 'rewardToGo': Q̂_t", {
      source: "the lectures' causality step",
    }),
    baseline: choice(['none', 'mean', 'optimal', 'value'], 'value', "(3) 'optimal' needs returns 'full'; 'value' is a learned V(s_t)", {
      source: "Spinning Up's VPG uses a value baseline",
    }),
    gaeLambda: num(1, 'λ of GAE with the value baseline and rewardToGo (1 = plain reward-to-go minus V)', 'unit', { source: '1 = plain reward-to-go minus V' }),
    normalizeAdvantages: bool(true, "(4) standardise the per-step weights (absorbs a constant baseline; not with 'optimal')", {
      source: 'SB3 / CleanRL practice',
    }),
    gamma: num(0.99, 'discount γ', 'unit', { source: "Spinning Up's VPG" }),
    lr: num(3e-3, "Adam's step size for π", 'nonNegative', { source: "higher than Spinning Up's 3e-4 for smaller batches, tuned on CartPole-v1" }),
    lrSchedule: choice(['constant', 'linear', 'cosine'], 'constant', 'lr over the fraction of totalSteps done'),
    maxGradNorm: num(0.5, 'global gradient-norm clip; 0 = off', 'nonNegative', { source: 'SB3' }),
    valueLr: num(1e-3, "V's Adam step size", 'nonNegative', { source: "Spinning Up's VPG (lr 1e-3)" }),
    valueIters: int(40, 'full-batch regression steps on V per update', { min: 0, source: "Spinning Up's VPG uses 80" }),
    policy: group(
      {
        ...mlpPolicy().shape,
        cell: choice(['none', 'lstm', 'gru'], 'none', "'lstm' / 'gru': a recurrent policy on the observation history (needs logStd 'learned')"),
        hiddenSize: int(64, "the recurrent cell's state size (with cell 'lstm' or 'gru')"),
      },
      'the policy network (an MLP, or a recurrent cell followed by the hidden layers)',
    ),
    totalSteps: steps(200_000),
  },
  [
    {
      says: 'batchSteps or batchEpisodes > 0',
      check: (c) => (c.batchEpisodes === 0 && c.batchSteps === 0 ? "set 'batchSteps' or 'batchEpisodes' (both are 0)" : null),
    },
    {
      says: 'batchEpisodes is a multiple of numEnvs',
      check: (c) => (c.batchEpisodes % c.numEnvs !== 0 ? `'batchEpisodes' (${c.batchEpisodes}) must be a multiple of 'numEnvs' (${c.numEnvs})` : null),
    },
    {
      says: "baseline 'optimal' needs returns 'full'",
      check: (c) =>
        c.baseline === 'optimal' && c.returns !== 'full'
          ? `baseline 'optimal' is derived for whole-trajectory returns; set returns: 'full' (got '${c.returns}')`
          : null,
    },
  ],
);

/**
 * Defaults: Spinning Up's VPG (gamma 0.99, lambda 0.97 when GAE is on, pi lr 3e-4 there; higher here
 * with smaller batches, tuned on CartPole-v1), 64x64 tanh networks as SB3/CleanRL. Every key is in REINFORCE_CONFIG.
 */
export type ReinforceConfig = ConfigOf<typeof REINFORCE_CONFIG>;
export const REINFORCE_DEFAULTS: ReinforceConfig = REINFORCE_CONFIG.defaults;

/** The return and baseline choices the weights depend on. */
export type ReinforceWeighting = Pick<ReinforceConfig, 'returns' | 'baseline' | 'gamma' | 'gaeLambda'>;

/**
 * Whole episodes per env for the next batch, fixed before it is drawn (so the batch's episodes are
 * not selected by their length): batchEpisodes / numEnvs, or for returns 'full' collected by steps,
 * round(batchSteps / (numEnvs * L)) with L the mean length of `recent` (earlier episodes; 1 episode
 * per env when there are none). 0 means a fixed-step batch (reward-to-go).
 */
export function episodesPerEnv(
  c: Pick<ReinforceConfig, 'returns' | 'batchSteps' | 'batchEpisodes' | 'numEnvs'>,
  recent: readonly { length: number }[],
): number {
  if (c.batchEpisodes > 0) return c.batchEpisodes / c.numEnvs;
  if (c.returns !== 'full') return 0;
  if (recent.length === 0) return 1;
  const L = recent.reduce((s, e) => s + e.length, 0) / recent.length;
  return Math.max(1, Math.round(c.batchSteps / (c.numEnvs * L)));
}

/** One batch as REINFORCE collects it: whole episodes for 'full' returns (see episodesPerEnv), else batchSteps. */
export function collectBatch<R extends Rollout>(
  collector: Pick<Collector, 'recent'> & { collect(T: number): R; collectEpisodes(perEnv: number): R },
  c: Pick<ReinforceConfig, 'returns' | 'batchSteps' | 'batchEpisodes' | 'numEnvs'>,
): R {
  const perEnv = episodesPerEnv(c, collector.recent);
  return perEnv > 0 ? collector.collectEpisodes(perEnv) : collector.collect(Math.ceil(c.batchSteps / c.numEnvs));
}

/**
 * Per-step weights (before any normalisation), the mask of usable steps, value targets, and the
 * divisor D of the gradient (1/D) sum_t score_t * weight_t: the number of episodes for 'full' (the
 * lecture's (1/N) sum_i), the number of steps for 'rewardToGo'.
 */
export function reinforceWeights(
  ro: Rollout,
  c: ReinforceWeighting,
): { weights: Float64Array; mask: Uint8Array; targets: Float64Array | null; divisor: number } {
  const steps = { rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: ro.numEnvs };
  const boot = { finalValues: ro.finalValues ?? undefined, lastValues: ro.lastValues ?? undefined };
  const mask = ro.mask.slice();
  let weights: Float64Array;
  let targets: Float64Array | null = null;
  let divisor: number;
  if (c.returns === 'full') {
    const er = episodeReturns(steps, c.gamma, { unfinished: 'exclude', continuing: ro.continuing, finalValues: boot.finalValues });
    if (er.numEpisodes === 0) {
      throw new Error(
        `reinforce: returns 'full' needs whole episodes, but this batch of ${ro.T} steps per env holds none finished; ` +
          `collect whole episodes with 'batchEpisodes'`,
      );
    }
    for (let i = 0; i < mask.length; i++) mask[i] &= er.mask[i];
    weights = er.returns;
    if (ro.values) targets = rewardToGo(steps, c.gamma, boot);
    divisor = episodeIndex(ro, mask).count;
  } else {
    weights = rewardToGo(steps, c.gamma, boot);
    targets = weights;
    divisor = 0;
    for (let i = 0; i < mask.length; i++) divisor += mask[i];
  }
  if (c.baseline === 'mean') {
    // The batch's average return: per episode for 'full', per step for reward-to-go.
    const { ids, count } = episodeIndex(ro, mask);
    let s = 0,
      n = 0;
    if (c.returns === 'full') {
      const seen = new Uint8Array(count);
      for (let i = 0; i < ids.length; i++)
        if (ids[i] >= 0 && !seen[ids[i]]) {
          seen[ids[i]] = 1;
          s += weights[i];
          n++;
        }
    } else
      for (let i = 0; i < mask.length; i++)
        if (mask[i]) {
          s += weights[i];
          n++;
        }
    const b = s / n;
    weights = weights.map((x) => x - b);
  } else if (c.baseline === 'value') {
    if (!ro.values) throw new Error(`reinforce: baseline 'value' needs the rollout's values V(s_t); collect with a value function`);
    if (c.returns === 'full') weights = weights.map((x, i) => x - ro.values![i]);
    else {
      const g = gae(steps, ro.values, { gamma: c.gamma, lambda: c.gaeLambda, ...boot });
      weights = g.advantages;
      targets = g.returns;
    }
  }
  return { weights, mask, targets, divisor };
}

/**
 * The pseudo-loss of a recurrent policy, -(1/D) sum_t w_t log pi(a_t | o_1..o_t): the whole rollout
 * replayed through the cell from its first stored state (episode starts inside it zero the state),
 * so each log-probability is differentiated through every earlier step of its episode. `w` has one
 * weight per row of the rollout (0 on rows not used).
 */
export function recurrentPseudoLoss(policy: RecurrentActorCritic, ro: RecurrentRollout, w: Float32Array, divisor: number): Tensor {
  if (w.length !== ro.T * ro.numEnvs) throw new RangeError(`recurrentPseudoLoss: expected ${ro.T * ro.numEnvs} weights (one per row), got ${w.length}`);
  const logp = policy.evaluateRollout(ro).dist.logProb(ro.actions);
  return neg(mul(sum(mul(logp, new Tensor(w, [w.length]))), 1 / divisor));
}

/** The recurrent policy and collector REINFORCE uses with policy.cell 'lstm' or 'gru'. */
function makeRecurrentReinforce(env: SyncVectorEnv, c: ReinforceConfig, rng: Rng): { policy: RecurrentActorCritic; collector: RecurrentCollector } {
  const p = c.policy;
  if (p.logStd !== 'learned') throw new RangeError(`reinforce: a recurrent policy (policy.cell '${p.cell}') needs policy.logStd 'learned', got '${p.logStd}'`);
  const policy = makeRecurrentPolicy(env.singleObservationSpace, env.singleActionSpace, rng.split(), {
    cell: p.cell as 'lstm' | 'gru',
    hiddenSize: p.hiddenSize,
    headHidden: p.hidden,
    activation: p.activation,
    logStdInit: p.logStdInit,
  });
  if (p.kind !== 'auto' && p.kind !== policy.kind) {
    throw new RangeError(`reinforce: a '${p.kind}' policy cannot act in the action space ${env.singleActionSpace.toString()}; use '${policy.kind}' or 'auto'`);
  }
  return { policy, collector: new RecurrentCollector(env, policy, rng.split(), c.seed) };
}

export class Reinforce extends OnPolicyAlgorithm<ReinforceConfig> {
  readonly name = 'reinforce';
  readonly config: ReinforceConfig;
  readonly env: SyncVectorEnv;
  readonly policy: Policy;
  readonly value: ValueFunction | null;
  readonly collector: Collector;
  /** policy.cell 'lstm' / 'gru': the recurrent actor-critic and its collector (this.policy and this.collector are they). */
  readonly recurrent: { policy: RecurrentActorCritic; collector: RecurrentCollector } | null = null;
  private readonly piOpt: Adam;
  private readonly vOpt: Adam | null;
  private readonly lrAt: Schedule;
  /** b_k = E[g_k^2 r] / E[g_k^2] from earlier batches (baseline 'optimal' only). */
  private readonly optimal: OptimalBaseline | null;

  constructor(config: Overrides<ReinforceConfig> = {}) {
    super();
    const c = (this.config = REINFORCE_CONFIG.resolve(config));
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs, { envKwargs: c.envKwargs, frameStack: c.frameStack });
    const kind = c.lrSchedule;
    this.lrAt = makeSchedule(kind === 'constant' ? c.lr : { kind, start: c.lr }, 'reinforce.lr');
    if (c.policy.cell && c.policy.cell !== 'none') {
      const r = makeRecurrentReinforce(this.env, c, rng);
      this.recurrent = r;
      this.policy = r.policy;
      this.value = null;
      // The base class reads steps, recent episodes and get/setState, which both collectors have.
      this.collector = r.collector as unknown as Collector;
      this.piOpt = new Adam(r.policy.actorParameters(), { lr: c.lr });
      this.vOpt = c.baseline === 'value' ? new Adam(r.policy.criticParameters(), { lr: c.valueLr }) : null;
      this.optimal = c.baseline === 'optimal' ? new OptimalBaseline(r.policy.actorParameters().reduce((n, p) => n + p.size, 0)) : null;
      return;
    }
    this.policy = makePolicy(this.env.singleObservationSpace, this.env.singleActionSpace, rng.split(), c.policy);
    this.value =
      c.baseline === 'value' ? new ValueFunction(this.policy.obsDim, rng.split(), { hidden: c.policy.hidden, activation: c.policy.activation }) : null;
    this.collector = new Collector(this.env, this.policy, rng.split(), { value: this.value ?? undefined, seed: c.seed });
    this.piOpt = new Adam(this.policy.parameters(), { lr: c.lr });
    this.vOpt = this.value ? new Adam(this.value.parameters(), { lr: c.valueLr }) : null;
    this.optimal = c.baseline === 'optimal' ? new OptimalBaseline(this.policy.parameters().reduce((n, p) => n + p.size, 0)) : null;
  }

  /** One iteration: collect a batch, estimate the gradient, step the policy, fit V. */
  update(): UpdateLog {
    if (this.recurrent) return this.updateRecurrent(this.recurrent.policy, this.recurrent.collector);
    const c = this.config;
    const ro = collectBatch(this.collector, c);
    const { weights, mask, targets, divisor } = reinforceWeights(ro, c);
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
      ({ grads, loss: policyLoss } = this.optimalBaselineGradient(ro, mask, weights, divisor));
    } else {
      // The pseudo-loss: its gradient is the policy-gradient estimate (cross-entropy or Gaussian log-density).
      const logp = this.policy.distribution(obs).logProb(actions);
      const loss = neg(mul(sum(mul(logp, new Tensor(w, [idx.length]))), 1 / divisor));
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
      policyLoss,
      valueLoss,
      entropy,
      gradNorm,
      lr: this.piOpt.lr,
    };
  }

  /**
   * update() for a recurrent policy: the same weights, the pseudo-loss over the whole batch replayed
   * through the cell (recurrentPseudoLoss), and V(o_1..o_t) fitted by backpropagation through time.
   */
  private updateRecurrent(policy: RecurrentActorCritic, collector: RecurrentCollector): UpdateLog {
    const c = this.config;
    const ro = collectBatch(collector, c);
    const { weights, mask, targets, divisor } = reinforceWeights(ro, c);
    const idx = maskedIndices(mask);
    const w = new Float32Array(idx.length);
    for (let j = 0; j < idx.length; j++) w[j] = weights[idx[j]];
    if (c.normalizeAdvantages && c.baseline !== 'optimal') standardize(w);
    const N = ro.T * ro.numEnvs;
    const wAll = new Float32Array(N); // 0 on unused rows
    for (let j = 0; j < idx.length; j++) wAll[idx[j]] = w[j];
    // Averages over the used rows only.
    const used = new Tensor(
      Float32Array.from(mask, (m) => m / idx.length),
      [N],
    );

    this.piOpt.lr = this.lrAt(Math.min(1, collector.steps / c.totalSteps));
    let grads: Tensor[];
    let policyLoss: number;
    if (c.baseline === 'optimal') {
      ({ grads, loss: policyLoss } = this.optimalBaselineGradient(ro, mask, weights, divisor));
    } else {
      const loss = recurrentPseudoLoss(policy, ro, wAll, divisor);
      checkLoss(loss, 'reinforce policy loss', this.iteration);
      policyLoss = loss.item();
      grads = grad(loss, policy.actorParameters());
    }
    const gradNorm = c.maxGradNorm > 0 ? clipGradNorm(grads, c.maxGradNorm) : 0;
    this.piOpt.step(grads);
    const entropy = noGrad(() => sum(mul(policy.evaluateRollout(ro).dist.entropy(), used)).item());

    let valueLoss = NaN;
    if (this.vOpt && targets) {
      const y = new Tensor(Float32Array.from(targets), [N]);
      for (let k = 0; k < c.valueIters; k++) {
        const l = sum(mul(square(sub(policy.valuesOfRollout(ro), y)), used));
        checkLoss(l, 'reinforce value loss', this.iteration);
        valueLoss = l.item();
        this.vOpt.step(grad(l, policy.criticParameters()));
      }
    }
    this.iteration++;
    return { ...this.counters(), ...episodeLogFields(ro, collector), policyLoss, valueLoss, entropy, gradNorm, lr: this.piOpt.lr };
  }

  /**
   * grad J with the variance-minimising baseline per parameter: g_i = grad of sum_t log pi over
   * trajectory i, b_k from earlier batches (this.optimal; 0 for the first batch, which has none),
   * grad_k = (1/D) sum_i g_ik (r_i - b_k) with D the number of episodes, as for the other baselines.
   * This batch is added to the estimate afterwards. Returned negated, as the gradient of a loss to descend.
   */
  private optimalBaselineGradient(ro: Rollout, mask: Uint8Array, returns: Float64Array, divisor: number): { grads: Tensor[]; loss: number } {
    const rec = this.recurrent?.policy;
    const params = rec ? rec.actorParameters() : this.policy.parameters();
    const { ids, count } = episodeIndex(ro, mask);
    const members: number[][] = Array.from({ length: count }, () => []);
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) members[ids[i]].push(i);
    const d = this.optimal!.size;
    const scores = new Float64Array(count * d);
    const R = new Float64Array(count);
    members.forEach((steps, i) => {
      const idx = Int32Array.from(steps);
      const actions = gatherRows(ro.actions, ro.actDim, idx);
      let logp: Tensor;
      if (rec) {
        // One env's consecutive steps, replayed through the cell from the state before the first.
        const r = ro as RecurrentRollout,
          S = r.stateSize;
        const obs = new Tensor(gatherRows(r.obs, r.obsDim, idx), [idx.length, 1, r.obsDim]);
        const starts = Uint8Array.from(idx, (k) => r.starts[k]);
        logp = rec.evaluateSequences(obs, r.states.slice(idx[0] * S, (idx[0] + 1) * S), starts).dist.logProb(actions);
      } else {
        const obs = new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [idx.length, ro.obsDim]);
        logp = this.policy.distribution(obs).logProb(actions);
      }
      const g = grad(sum(logp), params);
      let off = i * d;
      for (const t of g) {
        scores.set(t.data, off);
        off += t.size;
      }
      R[i] = returns[steps[0]];
    });
    const b = this.optimal!.baseline();
    const flat = new Float64Array(d);
    let loss = 0;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < d; k++) flat[k] -= (scores[i * d + k] * (R[i] - b[k])) / divisor;
      loss -= R[i] / divisor;
    }
    this.optimal!.add(scores, R);
    let off = 0;
    const grads = params.map((p) => {
      const t = new Tensor(Float32Array.from(flat.subarray(off, off + p.size)), p.shape);
      off += p.size;
      return t;
    });
    return { grads, loss };
  }

  protected override extraState(): Record<string, unknown> {
    return this.optimal ? { optimalBaseline: this.optimal.getState() } : {};
  }

  protected override restoreExtra(m: Record<string, any>): void {
    // A checkpoint from before the estimate was kept has none: the estimate then restarts empty.
    if (this.optimal && m.optimalBaseline) this.optimal.setState(m.optimalBaseline as OptimalBaselineState);
  }

  protected checkpointParts() {
    const optimizers: [string, Adam][] = [['opt.pi', this.piOpt]];
    if (this.vOpt) optimizers.push(['opt.vf', this.vOpt]);
    return { modules: this.value ? [this.policy, this.value] : [this.policy], optimizers };
  }
}
