/**
 * Exact J(theta) and grad J(theta) for a tabular softmax policy on a finite-horizon MDP by dynamic
 * programming: state occupancy d_t forward, Q_t / V_t backward, then the policy gradient theorem
 *   dJ/dtheta[t,s,b] = gamma^t d_t(s) pi_t(b|s) (Q_t(s,b) - V_t(s))
 * (summed over t for a time-independent policy). Cost O(H S^2 A).
 */
import type { TabularMDP } from './mdp.ts';
import { checkPolicy, policyProbs, rowOffset, type SoftmaxPolicy } from './policy.ts';

export interface ExactSolution {
  /** J(theta) = E[sum_t gamma^t r_t]. */
  J: number;
  /** dJ/dtheta, laid out like theta. */
  grad: Float64Array;
  /** V_t(s) = E[sum_{t' >= t} gamma^(t'-t) r_t' | s_t = s], at index t * S + s, t = 0 .. H (V_H = 0). */
  V: Float64Array;
  /** Q_t(s, a) at index (t * S + s) * A + a, t = 0 .. H-1. */
  Q: Float64Array;
  /** d_t(s) = P(s_t = s) (undiscounted), at index t * S + s. */
  occupancy: Float64Array;
  /** pi table (as policyProbs). */
  probs: Float64Array;
}

export function solveExact(mdp: TabularMDP, policy: SoftmaxPolicy): ExactSolution {
  checkPolicy(mdp, policy);
  const { numStates: S, numActions: A, horizon: H, gamma, transitions: P, rewards: R } = mdp;
  const probs = policyProbs(policy);
  const occupancy = new Float64Array(H * S);
  occupancy.set(mdp.initial);
  for (let t = 0; t + 1 < H; t++) {
    for (let s = 0; s < S; s++) {
      const ds = occupancy[t * S + s];
      if (ds === 0) continue;
      const off = rowOffset(policy, t, s);
      for (let a = 0; a < A; a++) {
        const w = ds * probs[off + a];
        const p = (s * A + a) * S;
        for (let s2 = 0; s2 < S; s2++) occupancy[(t + 1) * S + s2] += w * P[p + s2];
      }
    }
  }
  const V = new Float64Array((H + 1) * S);
  const Q = new Float64Array(H * S * A);
  for (let t = H - 1; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      const off = rowOffset(policy, t, s);
      let v = 0;
      for (let a = 0; a < A; a++) {
        const p = (s * A + a) * S;
        let next = 0;
        for (let s2 = 0; s2 < S; s2++) next += P[p + s2] * V[(t + 1) * S + s2];
        const q = R[s * A + a] + gamma * next;
        Q[(t * S + s) * A + a] = q;
        v += probs[off + a] * q;
      }
      V[t * S + s] = v;
    }
  }
  let J = 0;
  for (let s = 0; s < S; s++) J += mdp.initial[s] * V[s];
  const grad = new Float64Array(policy.theta.length);
  let disc = 1;
  for (let t = 0; t < H; t++, disc *= gamma) {
    for (let s = 0; s < S; s++) {
      const w = disc * occupancy[t * S + s];
      if (w === 0) continue;
      const off = rowOffset(policy, t, s);
      const v = V[t * S + s];
      for (let b = 0; b < A; b++) grad[off + b] += w * probs[off + b] * (Q[(t * S + s) * A + b] - v);
    }
  }
  return { J, grad, V, Q, occupancy, probs };
}

/** J(theta) alone (forward pass only): used by finite-difference checks. */
export function exactJ(mdp: TabularMDP, policy: SoftmaxPolicy): number {
  checkPolicy(mdp, policy);
  const { numStates: S, numActions: A, horizon: H, gamma, transitions: P, rewards: R } = mdp;
  const probs = policyProbs(policy);
  let d = Float64Array.from(mdp.initial);
  let J = 0;
  let disc = 1;
  for (let t = 0; t < H; t++, disc *= gamma) {
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      if (d[s] === 0) continue;
      const off = rowOffset(policy, t, s);
      for (let a = 0; a < A; a++) {
        const w = d[s] * probs[off + a];
        J += disc * w * R[s * A + a];
        const p = (s * A + a) * S;
        for (let s2 = 0; s2 < S; s2++) next[s2] += w * P[p + s2];
      }
    }
    d = next;
  }
  return J;
}
