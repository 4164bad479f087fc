/**
 * Soft Actor-Critic's learner: the losses and one gradient step (Haarnoja et al. 2018, arXiv:1812.05905),
 * shared by SAC (real data only) and MBPO (a mix of real and model data); the networks are in
 * src/policies/actor-critic.ts, the loop that feeds them in sac.ts:
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
import { Tensor, BufferArena, grad, mul, mean, sub, square, add, minimum, reshape, concat } from '../tensor/index.ts';
import { allocData, gradients, isGradEnabled, record, withGrad } from '../tensor/tensor.ts';
import { sumAxis } from '../tensor/kernels.ts';
import { Adam, Module, checkLoss, polyak, forwardTwin, predictTwin, forwardAndPredict, type Activation } from '../nn/index.ts';
import { SquashedGaussianActor, TwinQ } from '../policies/actor-critic.ts';
import type { ReplayBatch } from '../rollout/index.ts';

/**
 * y = r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s')) (SAC's soft Bellman
 * target). Truncation is not an argument on purpose: a time limit is not the MDP's end, so a
 * truncated transition bootstraps (Gymnasium's terminated/truncated semantics).
 */
export function softTarget(reward: number, terminated: boolean, minQNext: number, nextLogProb: number, alpha: number, gamma: number): number {
  return reward + (terminated ? 0 : gamma * (minQNext - alpha * nextLogProb));
}

/** L_Q = 1/2 (mean((q1 - y)^2) + mean((q2 - y)^2)) from the elementwise ops (the reference twinCriticLoss matches). */
export function twinCriticLossOps(q1: Tensor, q2: Tensor, y: Tensor): Tensor {
  return mul(add(mean(square(sub(q1, y))), mean(square(sub(q2, y)))), 0.5);
}

/**
 * twinCriticLossOps as one op on the tape (issue 12: at batch 100 its ten ops and their backward
 * closures were per-step overhead). Bit for bit the same float32 arithmetic in the same order:
 * forward mean = sum (sumAxis) * f32(1/B), backward dL/dq_i = f32(f32(f32(g/2) f32(1/B)) * 2 (q_i - y)).
 * q1, q2, y are [B, 1]; d1, d2 are caller-owned scratch of B floats. A backward that must itself
 * be differentiated (createGraph) differentiates twinCriticLossOps instead.
 */
export function twinCriticLoss(q1: Tensor, q2: Tensor, y: Tensor, d1: Float32Array, d2: Float32Array): Tensor {
  const B = q1.size;
  const a = q1.data,
    b = q2.data,
    t = y.data;
  if (
    !(a instanceof Float32Array && b instanceof Float32Array && t instanceof Float32Array) ||
    q2.size !== B ||
    y.size !== B ||
    d1.length < B ||
    d2.length < B
  ) {
    return twinCriticLossOps(q1, q2, y);
  }
  const s = allocData('float32', 2, false) as Float32Array;
  for (let i = 0; i < B; i++) {
    d1[i] = a[i] - t[i];
    d2[i] = b[i] - t[i];
  }
  // The squares are summed by the same sumAxis as sum() over a [B, 1] tensor.
  const sq = allocData('float32', 2 * B, false) as Float32Array;
  for (let i = 0; i < B; i++) {
    sq[i] = d1[i] * d1[i];
    sq[B + i] = d2[i] * d2[i];
  }
  sumAxis(sq.subarray(0, B), s.subarray(0, 1), 1, B, 1);
  sumAxis(sq.subarray(B), s.subarray(1), 1, B, 1);
  const f = Math.fround,
    invB = f(1 / B);
  const out = allocData('float32', 1, false) as Float32Array;
  out[0] = f(f(f(s[0] * invB) + f(s[1] * invB)) * 0.5);
  return record('twinCriticLoss', new Tensor(out, []), [q1, q2], (g) => {
    if (isGradEnabled() || !(g.data instanceof Float32Array)) {
      const createGraph = isGradEnabled();
      return withGrad(() => gradients(twinCriticLossOps(q1, q2, y), [q1, q2], { seed: g, createGraph, allowUnused: true }));
    }
    const c = f(f(g.data[0] * 0.5) * invB);
    const g1 = q1.requiresGrad ? (allocData('float32', B, false) as Float32Array) : null,
      g2 = q2.requiresGrad ? (allocData('float32', B, false) as Float32Array) : null;
    if (g1) for (let i = 0; i < B; i++) g1[i] = c * f(2 * d1[i]);
    if (g2) for (let i = 0; i < B; i++) g2[i] = c * f(2 * d2[i]);
    return [g1 && new Tensor(g1, q1.shape), g2 && new Tensor(g2, q2.shape)];
  });
}

/** L_pi = mean(alpha log pi - min(q1, q2)) from the elementwise ops (the reference sacActorLoss matches). */
export function sacActorLossOps(logProb: Tensor, q1: Tensor, q2: Tensor, alpha: number): Tensor {
  return mean(sub(mul(logProb, alpha), reshape(minimum(q1, q2), [logProb.size])));
}

/**
 * sacActorLossOps as one op on the tape (issue 12: six small ops per step), bit for bit: alpha is
 * rounded to float32 as the ops lift it, the minimum takes q1 at ties and NaN from either, the sum
 * runs through the same sumAxis, and the gradients are the ops' products, signed zeros included.
 * logProb is [B], q1 and q2 [B, 1]; mask is caller-owned scratch of B floats. Its guard has the shape
 * of twinCriticLoss's (float32 data, matching sizes, scratch of B) with other tensors and buffers.
 */
export function sacActorLoss(logProb: Tensor, q1: Tensor, q2: Tensor, alpha: number, e: Float32Array, mask: Float32Array): Tensor {
  const B = logProb.size;
  const lp = logProb.data,
    a = q1.data,
    b = q2.data;
  if (
    !(lp instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) ||
    q1.size !== B ||
    q2.size !== B ||
    e.length < B ||
    mask.length < B
  ) {
    return sacActorLossOps(logProb, q1, q2, alpha);
  }
  const f = Math.fround,
    A = f(alpha),
    invB = f(1 / B);
  for (let i = 0; i < B; i++) {
    const x = a[i],
      y = b[i];
    // minimum's value and pickFirst's mask (1 where q1 was taken, NaN where either is NaN).
    mask[i] = x !== x || y !== y ? NaN : x <= y ? 1 : 0;
    e[i] = f(lp[i] * A) - (x <= y || x !== x ? x : y);
  }
  const s = allocData('float32', 1, false) as Float32Array;
  sumAxis(e.subarray(0, B), s, 1, B, 1);
  const out = allocData('float32', 1, false) as Float32Array;
  out[0] = s[0] * invB;
  return record('sacActorLoss', new Tensor(out, []), [logProb, q1, q2], (g) => {
    if (isGradEnabled() || !(g.data instanceof Float32Array)) {
      const createGraph = isGradEnabled();
      return withGrad(() => gradients(sacActorLossOps(logProb, q1, q2, alpha), [logProb, q1, q2], { seed: g, createGraph, allowUnused: true }));
    }
    const gm = f(g.data[0] * invB),
      nq = -gm;
    const gl = logProb.requiresGrad ? (allocData('float32', B, false) as Float32Array) : null,
      g1 = q1.requiresGrad ? (allocData('float32', B, false) as Float32Array) : null,
      g2 = q2.requiresGrad ? (allocData('float32', B, false) as Float32Array) : null;
    if (gl) gl.fill(gm * A);
    if (g1) for (let i = 0; i < B; i++) g1[i] = nq * mask[i];
    if (g2) for (let i = 0; i < B; i++) g2[i] = nq * (1 - mask[i]);
    return [gl && new Tensor(gl, logProb.shape), g1 && new Tensor(g1, q1.shape), g2 && new Tensor(g2, q2.shape)];
  });
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
  private d1 = new Float32Array(0);
  private d2 = new Float32Array(0);

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
    this.d1 = new Float32Array(B);
    this.d2 = new Float32Array(B);
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
  targets(b: ReplayBatch, rng: Rng, alpha = this.alpha, nextOut?: Float32Array): Float32Array {
    const B = b.size;
    this.buffers(B);
    // nextOut: the actor network's output on s', when the caller computed it already.
    if (nextOut) this.actor.sampleUnitFrom(nextOut, B, rng, false, this.nextAct, this.nextLogp);
    else this.actor.sampleUnit(b.nextObs, B, rng, false, this.nextAct, this.nextLogp);
    const saNext = this.joinSA(b.nextObs, this.nextAct, B);
    // The twin targets (and below, the twin critics) as pairs: the second on a worker thread when
    // that pays (nn's forwardTwin, issue 12), bit for bit the one-at-a-time forwards.
    const [t1, t2] = predictTwin(this.criticTarget.q1, this.criticTarget.q2, saNext, B);
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
    // The actor's network on s (on the tape) and on s' (for the targets) at once: the second on the
    // twin worker when that pays (nn's forwardAndPredict). The noise is drawn in the same order.
    const obsT = new Tensor(b.obs, [B, D]);
    const [actorOut, nextOut] = forwardAndPredict(this.actor.net, obsT, b.nextObs, B);
    const dist = this.actor.distributionOf(actorOut);
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

    const y = this.targets(b, rng, alpha, nextOut);

    // Critic step.
    const sa = new Tensor(this.joinSA(b.obs, b.actions, B), [B, W]);
    const yT = new Tensor(y, [B, 1]);
    const [q1, q2] = forwardTwin(this.critic.q1, this.critic.q2, sa);
    const criticLoss = twinCriticLoss(q1, q2, yT, this.d1, this.d2);
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
      // d1 and d2 are free again (the critic loss's backward has run): the actor loss's scratch.
      const [qa, qb] = forwardTwin(this.critic.q1, this.critic.q2, saPi);
      actorLoss = sacActorLoss(logProb, qa, qb, alpha, this.d1, this.d2);
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
