/**
 * Tabular softmax policy pi(a | s) = exp(theta[s,a]) / sum_b exp(theta[s,b]), either one table for all
 * steps (theta[s,a], the default) or one per step (theta[t,s,a], a Markov policy for a finite horizon).
 * Its score is analytic: d log pi(a|s) / d theta[s,b] = 1[a = b] - pi(b|s), nonzero only in row s.
 */
import { Rng } from '../rng/index.ts';
import type { TabularMDP } from './mdp.ts';

export interface SoftmaxPolicy {
  numStates: number;
  numActions: number;
  horizon: number;
  timeDependent: boolean;
  /** Logits, length numParams(policy): row (t?, s) holds numActions entries. */
  theta: Float64Array;
}

export function numParams(p: Pick<SoftmaxPolicy, 'numStates' | 'numActions' | 'horizon' | 'timeDependent'>): number {
  return (p.timeDependent ? p.horizon : 1) * p.numStates * p.numActions;
}

/** Offset of the logit row used at step t in state s. */
export function rowOffset(p: SoftmaxPolicy, t: number, s: number): number {
  return ((p.timeDependent ? t : 0) * p.numStates + s) * p.numActions;
}

/** A policy for `mdp` with logits theta ~ N(0, scale^2) from `seed` (scale 0: uniform policy). */
export function randomPolicy(mdp: TabularMDP, opts: { seed?: number; scale?: number; timeDependent?: boolean } = {}): SoftmaxPolicy {
  const timeDependent = opts.timeDependent ?? false;
  const shape = { numStates: mdp.numStates, numActions: mdp.numActions, horizon: mdp.horizon, timeDependent };
  const theta = new Float64Array(numParams(shape));
  const rng = new Rng(opts.seed ?? 0, 11);
  const scale = opts.scale ?? 1;
  for (let i = 0; i < theta.length; i++) theta[i] = scale * rng.normal();
  return { ...shape, theta };
}

/** A copy of `p` with logits `theta` (checked for length). */
export function withTheta(p: SoftmaxPolicy, theta: Float64Array): SoftmaxPolicy {
  if (theta.length !== p.theta.length) {
    throw new RangeError(`withTheta: theta must have length ${p.theta.length}, got ${theta.length}`);
  }
  return { ...p, theta };
}

/** Checks that the policy's shape fits the MDP. */
export function checkPolicy(mdp: TabularMDP, p: SoftmaxPolicy): void {
  if (p.numStates !== mdp.numStates || p.numActions !== mdp.numActions || p.horizon !== mdp.horizon) {
    throw new RangeError(
      `policy shape (S=${p.numStates}, A=${p.numActions}, H=${p.horizon}) does not fit MDP ${mdp.name} ` +
        `(S=${mdp.numStates}, A=${mdp.numActions}, H=${mdp.horizon})`,
    );
  }
  if (p.theta.length !== numParams(p)) throw new RangeError(`policy theta must have length ${numParams(p)}, got ${p.theta.length}`);
  for (let i = 0; i < p.theta.length; i++) {
    if (!Number.isFinite(p.theta[i])) throw new RangeError(`policy theta[${i}] is ${p.theta[i]}; expected a finite logit`);
  }
}

/** Softmax of every logit row: a table laid out like theta. */
export function policyProbs(p: SoftmaxPolicy): Float64Array {
  return softmaxRows(p, false);
}

/** log-softmax of every logit row (stable: subtracts the row max). */
export function policyLogProbs(p: SoftmaxPolicy): Float64Array {
  return softmaxRows(p, true);
}

/** Softmax (or log-softmax when `log`) of every logit row, each shifted by its max. */
function softmaxRows(p: SoftmaxPolicy, log: boolean): Float64Array {
  const out = new Float64Array(p.theta.length);
  const A = p.numActions;
  for (let off = 0; off < out.length; off += A) {
    let max = -Infinity;
    for (let a = 0; a < A; a++) max = Math.max(max, p.theta[off + a]);
    let sum = 0;
    for (let a = 0; a < A; a++) sum += out[off + a] = Math.exp(p.theta[off + a] - max);
    if (log) {
      const lse = max + Math.log(sum);
      for (let a = 0; a < A; a++) out[off + a] = p.theta[off + a] - lse;
    } else for (let a = 0; a < A; a++) out[off + a] /= sum;
  }
  return out;
}

/** out[off + b] += w * (1[a = b] - pi(b|s)): weight times the score of action a in the row at `off`. */
export function addScore(out: Float64Array, probs: Float64Array, off: number, a: number, w: number, numActions: number): void {
  if (w === 0) return;
  for (let b = 0; b < numActions; b++) out[off + b] -= w * probs[off + b];
  out[off + a] += w;
}
