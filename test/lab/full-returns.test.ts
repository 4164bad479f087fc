/**
 * REINFORCE's full-return estimator, as the algorithm collects and weights its batches, against the
 * exact gradient of a small MDP whose episodes end at random times. A fixed-step window keeps only
 * the episodes that start and end inside it, so short episodes are over-represented and the mean of
 * the estimates misses grad J by many standard errors; whole episodes, a number fixed before the
 * batch, are unbiased.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { BaseEnv, Box, Discrete } from '../../src/envs/index.ts';
import { SyncVectorEnv } from '../../src/vector/sync.ts';
import { Collector } from '../../src/rollout/index.ts';
import { collectBatch, episodesPerEnv, reinforceWeights } from '../../src/algos/reinforce.ts';
import { EstimateAccumulator, addScore, checkMDP, policyProbs, randomPolicy, solveExact, type TabularMDP } from '../../src/lab/index.ts';
import type { Policy } from '../../src/policies/index.ts';

/**
 * Three live states and an absorbing, reward-free end state 3 (the DP's exact gradient then equals
 * the gradient of the episode that stops there). Action 0 is safe (2% chance of ending, reward 0.3),
 * action 1 risky (20%, reward 1): episodes last from 1 to H = 40 steps, 7.93 on average.
 */
function endingMDP(): TabularMDP {
  const S = 4,
    A = 2,
    H = 40,
    end = 3;
  const rng = new Rng(5, 1);
  const P = new Float64Array(S * A * S);
  const R = new Float64Array(S * A);
  for (let s = 0; s < end; s++) {
    for (let a = 0; a < A; a++) {
      const stop = a === 0 ? 0.02 : 0.2;
      const w = [rng.random() + 0.1, rng.random() + 0.1, rng.random() + 0.1];
      const z = w[0] + w[1] + w[2];
      for (let s2 = 0; s2 < end; s2++) P[(s * A + a) * S + s2] = ((1 - stop) * w[s2]) / z;
      P[(s * A + a) * S + end] = stop;
      R[s * A + a] = (a === 0 ? 0.3 : 1) + 0.1 * s;
    }
  }
  for (let a = 0; a < A; a++) P[(end * A + a) * S + end] = 1;
  return checkMDP({
    name: 'ending',
    numStates: S,
    numActions: A,
    horizon: H,
    gamma: 1,
    rewardNoise: 0,
    initial: new Float64Array([0.5, 0.3, 0.2, 0]),
    transitions: P,
    rewards: R,
  });
}

/** The MDP as a Gymnasium env: observation [s]; terminated on reaching the end state or after H steps. */
class TabularEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace: Box<Float32Array>;
  readonly actionSpace: Discrete;
  private s = 0;
  private t = 0;
  constructor(
    readonly mdp: TabularMDP,
    private readonly end: number,
  ) {
    super();
    this.observationSpace = new Box(0, mdp.numStates - 1, [1]) as Box<Float32Array>;
    this.actionSpace = new Discrete(mdp.numActions);
  }
  reset(args: { seed?: number } = {}) {
    const rng = this.seedRng(args.seed);
    this.s = rng.categorical(this.mdp.initial);
    this.t = 0;
    return { obs: Float32Array.of(this.s), info: {} };
  }
  step(a: number) {
    const { numStates: S, numActions: A, horizon } = this.mdp;
    const reward = this.mdp.rewards[this.s * A + a];
    this.s = this.rng!.categorical(this.mdp.transitions, (this.s * A + a) * S, S);
    this.t++;
    return this.stepResult(Float32Array.of(this.s), reward, this.s === this.end || this.t === horizon);
  }
}

/** A tabular softmax policy with the Policy interface the Collector uses (act only). */
function tabularPolicy(probs: Float64Array, _S: number, A: number): Policy {
  return {
    kind: 'categorical',
    obsDim: 1,
    actDim: 1,
    act(obs: Float32Array, batch: number, rng: Rng) {
      const actions = new Float32Array(batch),
        logProbs = new Float32Array(batch);
      for (let e = 0; e < batch; e++) {
        const off = obs[e] * A;
        actions[e] = rng.categorical(probs, off, A);
        logProbs[e] = Math.log(probs[off + actions[e]]);
      }
      return { actions, logProbs };
    },
  } as unknown as Policy;
}

/** The bias of REINFORCE's full-return estimate (1/D) sum_t score_t * weight_t over M batches. */
function measure(batchSteps: number, M: number) {
  const mdp = endingMDP();
  const policy = randomPolicy(mdp, { seed: 3, scale: 0.5 });
  const exact = solveExact(mdp, policy);
  const probs = policyProbs(policy);
  const numEnvs = 4;
  const env = new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => () => new TabularEnv(mdp, 3)),
    { autoresetMode: 'same-step' },
  );
  const collector = new Collector(env, tabularPolicy(probs, mdp.numStates, mdp.numActions), new Rng(11), { seed: 7 });
  const c = { returns: 'full' as const, baseline: 'none' as const, gamma: 1, gaeLambda: 1, batchSteps, batchEpisodes: 0, numEnvs };
  const acc = new EstimateAccumulator(exact.grad);
  const est = new Float64Array(policy.theta.length);
  let keptLength = 0,
    kept = 0;
  for (let m = 0; m < M; m++) {
    const ro = collectBatch(collector, c);
    const { weights, mask, divisor } = reinforceWeights(ro, c);
    est.fill(0);
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      addScore(est, probs, ro.obs[i] * mdp.numActions, ro.actions[i], weights[i] / divisor, mdp.numActions);
      keptLength++;
    }
    kept += divisor;
    acc.add(est);
  }
  env.close();
  return { stats: acc.stats(), meanKeptLength: keptLength / kept };
}

test("REINFORCE's full-return estimate is unbiased with fixed-step settings (whole episodes, not a window)", () => {
  // 4 envs x 32 steps: a window four times the mean episode length (7.9); with it, the old window kept
  // episodes of mean length 5.9 and missed grad J by 9.7 SE (relative bias 1.4).
  const { stats, meanKeptLength } = measure(128, 3000);
  const msg = `bias ${stats.biasSE.toFixed(2)} SE, max |z| ${stats.maxZ.toFixed(2)}, relative bias ${stats.relativeBias.toFixed(3)}, mean kept episode length ${meanKeptLength.toFixed(2)}`;
  assert.ok(stats.biasSE < 4 && stats.maxZ < 5, msg);
  // The kept episodes are the whole population's: the mean length of an episode is 7.93 (exact, from the DP occupancy below).
  const mdp = endingMDP();
  const occ = solveExact(mdp, randomPolicy(mdp, { seed: 3, scale: 0.5 })).occupancy;
  let expectedLength = 0;
  for (let t = 0; t < mdp.horizon; t++) for (let s = 0; s < 3; s++) expectedLength += occ[t * 4 + s];
  assert.ok(Math.abs(meanKeptLength - expectedLength) < 0.02 * expectedLength, `${msg}; expected length ${expectedLength.toFixed(2)}`);
});

test('episodes per env for full returns: fixed before the batch, from batchEpisodes or batchSteps over earlier lengths', () => {
  const c = { returns: 'full' as const, batchSteps: 2048, batchEpisodes: 0, numEnvs: 8 };
  assert.equal(episodesPerEnv(c, []), 1);
  assert.equal(episodesPerEnv(c, [{ length: 20 }, { length: 12 }]), 16); // 2048 / (8 * 16)
  assert.equal(episodesPerEnv(c, [{ length: 500 }]), 1); // never 0: at least one whole episode per env
  assert.equal(episodesPerEnv({ ...c, batchEpisodes: 16 }, [{ length: 20 }]), 2);
  assert.equal(episodesPerEnv({ ...c, returns: 'rewardToGo' }, [{ length: 20 }]), 0); // fixed steps
});
