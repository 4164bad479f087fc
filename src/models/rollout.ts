/**
 * Branched model rollouts (MBPO, Janner et al. 2019, algorithm 2): from start states sampled from real
 * data, roll the policy for k steps in the learned model, a random elite member per row and step,
 * sampling s' and r from that member's Gaussian; every model step goes into the model buffer.
 *
 * Flags in the model buffer: terminated = the termination function says s' is terminal (that branch
 * stops there and its target does not bootstrap); truncated = the branch's last (k-th) step: the
 * rollout horizon is a limit outside the MDP, so the target bootstraps from s' as for a time limit.
 */
import type { Rng } from '../rng/index.ts';
import type { ReplayBuffer } from '../rollout/index.ts';
import type { GaussianEnsemble } from './ensemble.ts';
import type { TerminationFn } from './termination.ts';

/** Draws actions in [-1, 1]^A for a batch of observations (e.g. SquashedGaussianActor.sampleUnit). */
export type ActionSampler = (obs: Float32Array, B: number, actions: Float32Array) => void;

export interface BranchStats {
  /** Transitions added to the model buffer. */
  added: number;
  /** Branches that ended in a terminal state before step k. */
  terminated: number;
  /** Mean branch length. */
  meanLength: number;
}

/**
 * Roll `B` branches from `startObs` [B, obsDim] for up to k steps into `out`.
 * `maxEpisodeSteps`, when given, bounds k: a rollout longer than an episode cannot be branched from real data.
 */
export function branchedRollout(
  model: GaussianEnsemble,
  policy: ActionSampler,
  termination: TerminationFn,
  startObs: Float32Array,
  B: number,
  k: number,
  rng: Rng,
  out: ReplayBuffer,
  maxEpisodeSteps?: number,
): BranchStats {
  const D = model.obsDim,
    A = model.actDim;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`branchedRollout: rollout length k must be a positive integer, got ${k}`);
  if (maxEpisodeSteps !== undefined && k > maxEpisodeSteps) {
    throw new RangeError(`branchedRollout: rollout length ${k} is longer than the episode limit ${maxEpisodeSteps}`);
  }
  if (startObs.length < B * D) throw new RangeError(`branchedRollout: startObs has ${startObs.length} values; expected B ${B} x obsDim ${D}`);
  if (out.obsDim !== D || out.actDim !== A)
    throw new RangeError(`branchedRollout: the model buffer holds obsDim ${out.obsDim} / actDim ${out.actDim}, the model ${D} / ${A}`);
  if (!model.fitted) throw new Error('branchedRollout: the model has not been fitted yet');
  let obs = startObs.slice(0, B * D);
  let n = B,
    added = 0,
    terminatedCount = 0,
    lengthSum = 0;
  const act = new Float32Array(B * A),
    next = new Float32Array(B * D),
    rew = new Float32Array(B);
  const done = new Uint8Array(B),
    trunc = new Uint8Array(B);
  for (let t = 0; t < k && n > 0; t++) {
    const a = act.subarray(0, n * A),
      s2 = next.subarray(0, n * D),
      r = rew.subarray(0, n);
    policy(obs, n, a);
    model.sampleStep(obs, a, n, rng, s2, r);
    termination(s2, n, done);
    trunc.fill(t === k - 1 ? 1 : 0, 0, n);
    for (let i = 0; i < n; i++) if (done[i]) trunc[i] = 0;
    out.addBatch(n, obs, a, r, s2, done, trunc);
    added += n;
    // Continue the branches that did not terminate.
    let m = 0;
    const kept = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      if (done[i]) {
        terminatedCount++;
        lengthSum += t + 1;
        continue;
      }
      kept.set(s2.subarray(i * D, (i + 1) * D), m * D);
      m++;
    }
    if (t === k - 1) lengthSum += m * k;
    obs = kept.subarray(0, m * D);
    n = m;
  }
  return { added, terminated: terminatedCount, meanLength: lengthSum / B };
}
