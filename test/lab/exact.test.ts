import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import {
  exactJ,
  randomMDP,
  randomPolicy,
  riverSwim,
  sampleBatch,
  solveExact,
  twoStateMDP,
  withTheta,
  checkMDP,
  meanAndSE,
  type SoftmaxPolicy,
} from '../../src/lab/index.ts';

test('J of the two-state MDP under the uniform policy matches the hand computation', () => {
  const mdp = twoStateMDP(2);
  const policy: SoftmaxPolicy = { numStates: 2, numActions: 2, horizon: 2, timeDependent: false, theta: new Float64Array(4) };
  // E r_0 = .7 * .5 + .3 * 1 = .65; d_1 = .7 [.45 .55] + .3 [.55 .45] = [.48 .52]; E r_1 = .48 * .5 + .52 = .76
  assert.ok(Math.abs(exactJ(mdp, policy) - 1.41) < 1e-12);
  const sol = solveExact(mdp, policy);
  assert.ok(Math.abs(sol.J - 1.41) < 1e-12);
  // V_1(s) = expected one-step reward: [.5, 1]; Q_0(0, 1) = R(0,1) + .1 * .5 + .9 * 1 = .95
  assert.ok(Math.abs(sol.V[2] - 0.5) < 1e-12 && Math.abs(sol.V[3] - 1) < 1e-12);
  assert.ok(Math.abs(sol.Q[1] - 0.95) < 1e-12);
});

function checkFiniteDifferences(policy: SoftmaxPolicy, mdp: ReturnType<typeof randomMDP>): void {
  const { grad } = solveExact(mdp, policy);
  const h = 1e-5;
  let maxErr = 0,
    maxG = 0;
  for (let k = 0; k < policy.theta.length; k++) {
    const plus = Float64Array.from(policy.theta);
    plus[k] += h;
    const minus = Float64Array.from(policy.theta);
    minus[k] -= h;
    const fd = (exactJ(mdp, withTheta(policy, plus)) - exactJ(mdp, withTheta(policy, minus))) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - grad[k]));
    maxG = Math.max(maxG, Math.abs(grad[k]));
  }
  assert.ok(maxG > 1e-3, 'gradient should not be trivially zero');
  assert.ok(maxErr < 1e-7 * Math.max(1, maxG), `max |fd - exact| = ${maxErr}`);
}

test('exact gradient equals central finite differences of exact J (stationary and time-dependent, gamma < 1)', () => {
  const mdp = randomMDP({ numStates: 4, numActions: 3, horizon: 7, gamma: 0.9, seed: 3 });
  checkFiniteDifferences(randomPolicy(mdp, { seed: 5, scale: 1.5 }), mdp);
  checkFiniteDifferences(randomPolicy(mdp, { seed: 6, scale: 1.5, timeDependent: true }), mdp);
  const river = riverSwim(5, 12);
  checkFiniteDifferences(randomPolicy(river, { seed: 2, scale: 1, timeDependent: true }), river);
});

test('occupancies are distributions and the sampled mean return matches exact J', () => {
  const mdp = randomMDP({ numStates: 5, numActions: 3, horizon: 8, gamma: 0.95, seed: 9 });
  const policy = randomPolicy(mdp, { seed: 1 });
  const sol = solveExact(mdp, policy);
  for (let t = 0; t < mdp.horizon; t++) {
    let sum = 0;
    for (let s = 0; s < mdp.numStates; s++) sum += sol.occupancy[t * mdp.numStates + s];
    assert.ok(Math.abs(sum - 1) < 1e-12, `occupancy at t = ${t} sums to ${sum}`);
  }
  const batch = sampleBatch(mdp, policy, sol.probs, 20000, new Rng(4));
  const ret = new Float64Array(batch.N);
  for (let t = 0, disc = 1; t < batch.H; t++, disc *= mdp.gamma) {
    for (let i = 0; i < batch.N; i++) ret[i] += disc * batch.rewards[t * batch.N + i];
  }
  const { mean, se } = meanAndSE(ret);
  assert.ok(Math.abs(mean - sol.J) < 4 * se, `sampled ${mean} +- ${se} vs exact ${sol.J}`);
});

test('malformed MDPs and policies are refused with a message naming the problem', () => {
  const m = twoStateMDP();
  assert.throws(() => checkMDP({ ...m, transitions: new Float64Array([0.5, 0.4, 0.1, 0.9, 0.2, 0.8, 0.9, 0.1]) }), /P\(\.\|s=0,a=0\) sums to 0.9/);
  assert.throws(() => checkMDP({ ...m, initial: new Float64Array(3) }), /initial must have length 2, got 3/);
  const p = randomPolicy(randomMDP({ numStates: 3 }));
  assert.throws(() => solveExact(m, p), /policy shape \(S=3, A=3, H=10\) does not fit MDP twoState/);
  assert.throws(() => withTheta(p, new Float64Array(2)), /theta must have length 9, got 2/);
});
