/** Sampling whole trajectories of a tabular MDP, time-major [H, N] like the rollout buffers. */
import type { Rng } from '../rng/index.ts';
import type { TabularMDP } from './mdp.ts';
import { rowOffset, type SoftmaxPolicy } from './policy.ts';

export interface TrajectoryBatch {
  /** Trajectories (the `numEnvs` of the time-major layout). */
  N: number;
  H: number;
  /** s_t of trajectory i at index t * N + i. */
  states: Int32Array;
  actions: Int32Array;
  rewards: Float64Array;
}

/** Draws N independent trajectories under the policy whose probability table is `probs`. */
export function sampleBatch(mdp: TabularMDP, policy: SoftmaxPolicy, probs: Float64Array, N: number, rng: Rng): TrajectoryBatch {
  if (!Number.isInteger(N) || N <= 0) throw new RangeError(`sampleBatch: N must be a positive integer, got ${N}`);
  const { numStates: S, numActions: A, horizon: H } = mdp;
  const states = new Int32Array(H * N);
  const actions = new Int32Array(H * N);
  const rewards = new Float64Array(H * N);
  for (let i = 0; i < N; i++) {
    let s = rng.categorical(mdp.initial, 0, S);
    for (let t = 0; t < H; t++) {
      const a = rng.categorical(probs, rowOffset(policy, t, s), A);
      const k = t * N + i;
      states[k] = s;
      actions[k] = a;
      rewards[k] = mdp.rewards[s * A + a] + (mdp.rewardNoise > 0 ? rng.normal(0, mdp.rewardNoise) : 0);
      if (t + 1 < H) s = rng.categorical(mdp.transitions, (s * A + a) * S, S);
    }
  }
  return { N, H, states, actions, rewards };
}
