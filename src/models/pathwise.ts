/**
 * Version 2.0 of model-based RL with policies: differentiate the return of a model rollout.
 *
 *   J(theta) = 1/B sum_b sum_{t<H} gamma^t r(s_t, a_t),  s_{t+1} = f(s_t, a_t),  a_t = tanh(mu(s_t) + sigma(s_t) eps_t)
 *
 * with f and r a deterministic (mean) model member, and the policy reparameterised by fixed noise eps:
 * the whole rollout is one differentiable function of theta, so autodiff gives the pathwise gradient
 * dJ/dtheta (it multiplies the Jacobians df/ds along the rollout: they explode or vanish with H).
 * The likelihood-ratio (score-function) estimator of the same gradient, for comparison, uses
 * sum_t grad log pi(a_t|s_t) (sum_{t' >= t} gamma^{t'} r_{t'}) on sampled rollouts of the same model.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, grad, add, mul, exp, tanh, sum, mean, noGrad } from '../tensor/index.ts';
import type { SquashedGaussian } from '../distributions/index.ts';
import type { GaussianEnsemble } from './ensemble.ts';

/** A reparameterisable tanh-Gaussian policy (e.g. SAC's actor): actions in [-1, 1]. */
export interface ReparamPolicy {
  distribution(obs: Tensor): SquashedGaussian;
  parameters(): Tensor[];
}

function checkArgs(where: string, model: GaussianEnsemble, startObs: Float32Array, B: number, H: number): void {
  if (!Number.isInteger(H) || H < 1) throw new RangeError(`${where}: horizon must be a positive integer, got ${H}`);
  if (startObs.length !== B * model.obsDim) throw new RangeError(`${where}: startObs has ${startObs.length} values; expected B ${B} x obsDim ${model.obsDim}`);
}

/**
 * J(theta) on the tape. `noise` holds H * B * actDim standard normals (time-major): with it fixed the
 * return is a deterministic function of the policy parameters (what finite differences check).
 */
export function pathwiseReturn(
  model: GaussianEnsemble,
  member: number,
  policy: ReparamPolicy,
  startObs: Float32Array,
  B: number,
  H: number,
  gamma: number,
  noise: Float32Array,
): Tensor {
  checkArgs('pathwiseReturn', model, startObs, B, H);
  const A = model.actDim;
  if (noise.length !== H * B * A) throw new RangeError(`pathwiseReturn: noise has ${noise.length} values; expected H ${H} x B ${B} x actDim ${A}`);
  let s = new Tensor(Float32Array.from(startObs), [B, model.obsDim]);
  let J: Tensor | null = null;
  for (let t = 0; t < H; t++) {
    const d = policy.distribution(s);
    const eps = new Tensor(noise.slice(t * B * A, (t + 1) * B * A), [B, A]);
    const a = tanh(add(d.mean, mul(exp(d.logStd), eps)));
    const { nextObs, reward } = model.meanForward(member, s, a);
    const r = mul(sum(reward), gamma ** t / B);
    J = J ? add(J, r) : r;
    s = nextObs;
  }
  return J!;
}

/** The pathwise gradient dJ/dtheta for one draw of the noise, flattened over the policy's parameters. */
export function pathwiseGradient(
  model: GaussianEnsemble,
  member: number,
  policy: ReparamPolicy,
  startObs: Float32Array,
  B: number,
  H: number,
  gamma: number,
  rng: Rng,
): { J: number; grad: Float32Array } {
  const noise = rng.fillNormal(new Float32Array(H * B * model.actDim)) as Float32Array;
  const J = pathwiseReturn(model, member, policy, startObs, B, H, gamma, noise);
  return { J: J.item(), grad: flatten(grad(J, policy.parameters(), { allowUnused: true })) };
}

/**
 * The likelihood-ratio gradient of the same J: roll the stochastic policy through the mean model off
 * the tape, then differentiate sum_t log pi(a_t|s_t) R_t with R_t the discounted reward-to-go.
 * Same parameters as pathwiseGradient on purpose: the two estimators of one gradient are called alike.
 */
export function likelihoodRatioGradient(
  model: GaussianEnsemble,
  member: number,
  policy: ReparamPolicy,
  startObs: Float32Array,
  B: number,
  H: number,
  gamma: number,
  rng: Rng,
): { J: number; grad: Float32Array } {
  checkArgs('likelihoodRatioGradient', model, startObs, B, H);
  const D = model.obsDim;
  const states: Float32Array[] = [],
    actions: Float32Array[] = [],
    preTanh: Float32Array[] = [],
    rewards: Float32Array[] = [];
  let s: Float32Array = Float32Array.from(startObs);
  noGrad(() => {
    for (let t = 0; t < H; t++) {
      // Keep the pre-tanh draw: log pi of an action that rounded to +-1 in float32 is only exact from u.
      const { actions: a, preTanh: u } = policy.distribution(new Tensor(s, [B, D])).sampleWithPreTanh(rng);
      const p = model.predict(member, s, a, B);
      states.push(s);
      actions.push(a);
      preTanh.push(u);
      rewards.push(p.rewardMean);
      s = p.nextObsMean;
    }
  });
  // Discounted reward-to-go from t, counted from time 0 (gamma^{t'} inside).
  const togo = new Float32Array(B);
  let J = 0;
  let surrogate: Tensor | null = null;
  for (let t = H - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) togo[b] += gamma ** t * rewards[t][b];
    const logp = policy.distribution(new Tensor(states[t], [B, D])).logProb(actions[t], preTanh[t]);
    const term = mean(mul(logp, new Tensor(Float32Array.from(togo), [B])));
    surrogate = surrogate ? add(surrogate, term) : term;
  }
  for (let b = 0; b < B; b++) J += togo[b] / B;
  return { J, grad: flatten(grad(surrogate!, policy.parameters(), { allowUnused: true })) };
}

function flatten(gs: (Tensor | null)[]): Float32Array {
  const n = gs.reduce((k, g) => k + (g ? g.size : 0), 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const g of gs)
    if (g) {
      out.set(g.data, o);
      o += g.size;
    }
  return out;
}
