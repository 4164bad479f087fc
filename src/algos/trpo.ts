/**
 * Natural policy gradient and Trust Region Policy Optimization (Schulman et al., 2015, arXiv:1502.05477).
 *
 *   collect a batch with pi_old; advantages by GAE
 *   g  = grad of the surrogate L(theta) = E[pi(a|s) / pi_old(a|s) * A] at theta_old
 *   F  = Fisher of pi at theta_old, applied exactly as the Hessian of KL(pi_old || pi) (double backward)
 *   x  = F^-1 g by conjugate gradient (damped: (F + damping I) x = g)
 *   step = sqrt(2 delta / x^T F x) * x                      (the largest step with KL ~ delta)
 *   NPG takes the step; TRPO backtracks (step * shrink^k) until the KL is at most delta and
 *   the surrogate improves.
 *   the value function is fitted separately by regression on the GAE returns.
 *
 * Defaults are Stable-Baselines3's TRPO (n_steps 2048, target KL 0.01, CG 15 steps with damping
 * 0.1, line search shrinking 0.8 for 10 steps, value lr 1e-3 with 10 epochs of batch 128).
 */
import { Rng } from '../rng/index.ts';
import { Tensor, grad, mul, mean, exp, sub, sum, add, noGrad } from '../tensor/index.ts';
import { Adam, mse, checkLoss } from '../nn/index.ts';
import { ValueFunction, type Policy } from '../policies/index.ts';
import { Collector, gae } from '../rollout/index.ts';
import { defineConfig, int, num, seed, steps, bool, widths, type ConfigOf, type Overrides } from '../config/schema.ts';
import { envField, envKwargs, frameStack, mlpPolicy, normalization } from '../config/fields.ts';
import { gatherRows, episodeLogFields, standardize } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import { explainedVariance, makeEnvsAndPolicies } from './ppo.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';
import type { Distribution } from '../distributions/index.ts';

export const TRPO_CONFIG = defineConfig('trpo', {
  env: envField('CartPole-v1'),
  envKwargs: envKwargs(),
  seed: seed(),
  numEnvs: int(1, 'environments stepped together; the batch is numEnvs * nSteps', { source: 'SB3' }),
  nSteps: int(2048, 'steps per env per update', { source: 'SB3 n_steps' }),
  gamma: num(0.99, 'discount γ', 'unit', { source: 'SB3' }),
  gaeLambda: num(0.95, 'GAE λ', 'unit', { source: 'SB3' }),
  targetKl: num(0.01, 'δ, the trust region: the largest mean KL(π_old ‖ π) an update may take', 'positive', {
    source: "SB3 target_kl, the TRPO paper's 0.01",
  }),
  cgIters: int(15, 'conjugate-gradient steps', { source: 'SB3 cg_max_steps' }),
  cgDamping: num(0.1, 'damping added to the Fisher matrix F', 'nonNegative', { source: 'SB3 cg_damping' }),
  lineSearch: bool(true, 'backtracking line search on the KL and the surrogate; false: the natural policy gradient step'),
  lineSearchShrink: num(0.8, 'backtracking factor', 'openUnit', { source: 'SB3 line_search_shrinking_factor' }),
  lineSearchSteps: int(10, 'backtracking tries', { source: 'SB3 line_search_max_iter' }),
  valueLr: num(1e-3, "the value network's Adam step size", 'nonNegative', { source: 'SB3 learning_rate' }),
  valueEpochs: int(10, 'value regression passes over the batch per update', { min: 0, source: 'SB3 n_critic_updates' }),
  valueBatchSize: int(128, 'value regression minibatch size', { source: 'SB3 batch_size' }),
  normalizeAdvantages: bool(true, 'standardise the advantages over the batch', { source: 'SB3' }),
  ...normalization(),
  frameStack: frameStack(),
  policy: mlpPolicy('SB3: 64x64 tanh, learned log-std'),
  valueHidden: widths([64, 64], 'hidden layer widths of the value network', { source: 'SB3' }),
  totalSteps: steps(100_000),
});

/** Stable-Baselines3-contrib's TRPO defaults; every key is in TRPO_CONFIG (npg uses the same keys). */
export type TrpoConfig = ConfigOf<typeof TRPO_CONFIG>;
export const TRPO_DEFAULTS: TrpoConfig = TRPO_CONFIG.defaults;

/**
 * Solve A x = b for symmetric positive definite A given as a product `Av`, by conjugate gradient
 * (Hestenes & Stiefel, 1952). Stops after `iters` steps or when the residual norm^2 < tol.
 */
export function conjugateGradient(Av: (v: Float64Array) => Float64Array, b: Float64Array, iters: number, tol = 1e-10): Float64Array {
  const x = new Float64Array(b.length);
  const r = b.slice(),
    p = b.slice();
  let rr = dot(r, r);
  for (let k = 0; k < iters && rr > tol; k++) {
    const Ap = Av(p);
    const alpha = rr / dot(p, Ap);
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < p.length; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
  }
  return x;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function flattenTensors(ts: (Tensor | null)[], sizes: number[]): Float64Array {
  const out = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  let o = 0;
  ts.forEach((t, i) => {
    if (t) out.set(t.data, o);
    o += sizes[i];
  });
  return out;
}

export function unflattenTensors(v: Float64Array, like: Tensor[]): Tensor[] {
  let o = 0;
  return like.map((p) => {
    const t = new Tensor(Float32Array.from(v.subarray(o, o + p.size)), p.shape);
    o += p.size;
    return t;
  });
}

/**
 * v -> (F + damping I) v, where F is the Hessian of `kl` (the mean KL(pi_old || pi_theta), evaluated
 * at theta = theta_old, where it equals the Fisher information) with respect to `params`: the
 * first gradient is built on the tape once, and each product differentiates grad(kl) . v again.
 */
export function fisherVectorProduct(kl: Tensor, params: Tensor[], damping = 0): (v: Float64Array) => Float64Array {
  const sizes = params.map((p) => p.size);
  const gKl = grad(kl, params, { createGraph: true, allowUnused: true });
  return (v) => {
    const vs = unflattenTensors(v, params);
    let d: Tensor | null = null;
    gKl.forEach((gi, i) => {
      if (!gi) return;
      const term = sum(mul(gi, vs[i]));
      d = d ? add(d, term) : term;
    });
    const hv = d ? flattenTensors(grad(d, params, { allowUnused: true }), sizes) : new Float64Array(v.length);
    for (let i = 0; i < hv.length; i++) hv[i] += damping * v[i];
    return hv;
  };
}

export interface TrustRegionOptions {
  targetKl: number;
  cgIters: number;
  lineSearch: boolean;
  lineSearchShrink: number;
  lineSearchSteps: number;
}

export interface TrustRegionStep {
  accepted: boolean;
  /** The accepted step's fraction of the full step (0 when none was accepted). */
  fraction: number;
  backtracks: number;
  /** KL and surrogate improvement at the accepted step (0 when none was accepted). */
  kl: number;
  improvement: number;
  /** First-order improvement g . step of the accepted step. */
  expectedImprovement: number;
}

/**
 * TRPO's update direction, size and line search (Schulman et al. 2015, appendix C): x = F^-1 g by
 * conjugate gradient; the full step sqrt(2 delta / x^T F x) x is the largest with the quadratic
 * model of the KL, 1/2 s^T F s, equal to delta; then try step * shrink^k, k = 0, 1, ..., and accept
 * the first with KL <= delta and a surrogate improvement > 0. Without line search (the natural
 * policy gradient) the full step is taken as is. `trial(step)` moves the parameters to
 * theta_old + step and returns the surrogate and mean KL there; after a rejection the caller
 * restores theta_old.
 */
export function trustRegionStep(
  g: Float64Array,
  Fv: (v: Float64Array) => Float64Array,
  surrogate0: number,
  trial: (step: Float64Array) => { surrogate: number; kl: number },
  o: TrustRegionOptions,
): TrustRegionStep {
  const x = conjugateGradient(Fv, g, o.cgIters);
  const xFx = dot(x, Fv(x));
  const scale = xFx > 0 ? Math.sqrt((2 * o.targetKl) / xFx) : 0;
  const gx = dot(g, x);
  const step = new Float64Array(x.length);
  let frac = 1,
    backtracks = 0;
  for (let k = 0; k < (o.lineSearch ? o.lineSearchSteps : 1); k++) {
    for (let i = 0; i < x.length; i++) step[i] = frac * scale * x[i];
    const { surrogate, kl } = trial(step);
    const improvement = surrogate - surrogate0;
    if (!o.lineSearch || (Number.isFinite(surrogate) && kl <= o.targetKl && improvement > 0)) {
      return { accepted: true, fraction: frac, backtracks, kl, improvement, expectedImprovement: frac * scale * gx };
    }
    frac *= o.lineSearchShrink;
    backtracks++;
  }
  return { accepted: false, fraction: 0, backtracks, kl: 0, improvement: 0, expectedImprovement: 0 };
}

export class TRPO extends OnPolicyAlgorithm<TrpoConfig> {
  readonly name: string = 'trpo';
  readonly config: TrpoConfig;
  readonly env: SyncVectorEnv;
  readonly policy: Policy;
  readonly value: ValueFunction;
  readonly collector: Collector;
  private readonly oldPolicy: Policy;
  private readonly vOpt: Adam;
  private readonly rng: Rng;

  constructor(config: Overrides<TrpoConfig> = {}) {
    super();
    const c = (this.config = TRPO_CONFIG.resolve(config));
    const rng = new Rng(c.seed);
    ({ env: this.env, policy: this.policy, oldPolicy: this.oldPolicy } = makeEnvsAndPolicies(c, rng));
    this.value = new ValueFunction(this.policy.obsDim, rng.split(), { hidden: c.valueHidden, activation: c.policy.activation });
    this.collector = new Collector(this.env, this.policy, rng.split(), { value: this.value, seed: c.seed });
    this.rng = rng.split();
    this.vOpt = new Adam(this.value.parameters(), { lr: c.valueLr });
  }

  update(): UpdateLog {
    const c = this.config;
    const ro = this.collector.collect(c.nSteps);
    const steps = { rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: ro.numEnvs };
    const { advantages, returns } = gae(steps, ro.values!, { gamma: c.gamma, lambda: c.gaeLambda, finalValues: ro.finalValues!, lastValues: ro.lastValues! });
    const B = ro.T * ro.numEnvs;
    const obs = new Tensor(ro.obs, [B, ro.obsDim]);
    const adv = Float32Array.from(advantages);
    if (c.normalizeAdvantages) standardize(adv);
    const A = new Tensor(adv, [B]);
    const lpOld = new Tensor(ro.logProbs, [B]);
    const params = this.policy.parameters();
    const sizes = params.map((p) => p.size);
    this.oldPolicy.parameters().forEach((p, i) => p.data.set(params[i].data));
    const oldDist = noGrad(() => this.oldPolicy.distribution(obs)) as Distribution & { kl(o: unknown): Tensor };

    const surrogate = () => mean(mul(exp(sub(this.policy.distribution(obs).logProb(ro.actions), lpOld)), A));
    const meanKl = () => mean(oldDist.kl(this.policy.distribution(obs)));

    // g: the policy gradient (of the surrogate, which equals the vanilla gradient at theta_old).
    const L0 = surrogate();
    checkLoss(L0, 'trpo surrogate', this.iteration);
    const g = flattenTensors(grad(L0, params, { allowUnused: true }), sizes);

    const Fv = fisherVectorProduct(meanKl(), params, c.cgDamping);
    const old = params.map((p) => Float32Array.from(p.data));
    // A trial sets theta = theta_old + step and measures the surrogate and the KL there.
    const trial = (step: Float64Array) => {
      let o = 0;
      params.forEach((p, k) => {
        const d = p.data,
          o0 = old[k];
        for (let i = 0; i < d.length; i++) d[i] = o0[i] + step[o + i];
        o += p.size;
      });
      const [Ln, kl] = noGrad(() => [surrogate().item(), meanKl().item()]);
      return { surrogate: Ln, kl };
    };
    const tr = trustRegionStep(g, Fv, L0.item(), trial, c);
    if (!tr.accepted) params.forEach((p, k) => p.data.set(old[k]));

    // Value function: regression on the GAE returns, shuffled minibatches.
    let valueLoss = NaN;
    const ret = Float32Array.from(returns);
    for (let epoch = 0; epoch < c.valueEpochs; epoch++) {
      const perm = this.rng.permutation(B);
      for (let s = 0; s < B; s += c.valueBatchSize) {
        const idx = perm.subarray(s, Math.min(B, s + c.valueBatchSize));
        const y = new Float32Array(idx.length);
        for (let j = 0; j < idx.length; j++) y[j] = ret[idx[j]];
        const l = mse(this.value.forward(new Tensor(gatherRows(ro.obs, ro.obsDim, idx), [idx.length, ro.obsDim])), new Tensor(y, [idx.length]));
        checkLoss(l, 'trpo value loss', this.iteration);
        valueLoss = l.item();
        this.vOpt.step(grad(l, this.value.parameters()));
      }
    }
    this.iteration++;
    const entropy = noGrad(() => mean(this.policy.distribution(obs).entropy()).item());
    return {
      ...this.counters(),
      ...episodeLogFields(ro, this.collector),
      kl: tr.kl,
      surrogateImprovement: tr.improvement,
      expectedImprovement: tr.expectedImprovement,
      stepFraction: tr.fraction,
      accepted: tr.accepted ? 1 : 0,
      backtracks: tr.backtracks,
      valueLoss,
      entropy,
      explainedVariance: explainedVariance(ro.values!, returns),
    };
  }

  protected checkpointParts() {
    return { modules: [this.policy, this.value], optimizers: [['opt.vf', this.vOpt]] as [string, Adam][] };
  }

  protected override extraState() {
    return { rng: this.rng.getState() };
  }

  protected override restoreExtra(m: Record<string, any>): void {
    this.rng.setState(m.rng);
  }
}

/** The natural policy gradient: TRPO's step direction and size, without the line search. */
export class NPG extends TRPO {
  override readonly name: string = 'npg';
  constructor(config: Overrides<TrpoConfig> = {}) {
    super({ ...config, lineSearch: false });
  }
}
