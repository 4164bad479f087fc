/**
 * REINFORCE with a recurrent policy (policy.cell 'lstm' / 'gru'): the replayed log-probabilities are
 * those that acted, the pseudo-loss's gradient is the exact policy gradient of a small POMDP, the
 * policy learns a task that needs memory, and a checkpoint resumes bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { grad, noGrad } from '../../src/tensor/index.ts';
import { makeRecurrentPolicy, type RecurrentActorCritic } from '../../src/policies/recurrent.ts';
import { Reinforce, recurrentPseudoLoss } from '../../src/algos/reinforce.ts';
import type { RecurrentRollout } from '../../src/rollout/recurrent.ts';
import type { AlgorithmState } from '../../src/algos/types.ts';
import { Box, Discrete } from '../../src/envs/index.ts';
import { CueEnv, registerCueEnvs } from './cue-env.ts';

registerCueEnvs();

test('collected whole episodes: the state starts at zero, steps past the quota are masked, and the replay reproduces every log-prob', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    const algo = new Reinforce({
      env: 'CartPoleMaskedVelocity-v1',
      numEnvs: 3,
      returns: 'full',
      batchEpisodes: 6,
      policy: { cell, hiddenSize: 8, hidden: [8] } as any,
    });
    const { policy, collector } = algo.recurrent!;
    collector.collect(7); // leave the state mid-episode: collectEpisodes must start afresh
    const ro = collector.collectEpisodes(2);
    const n = 3;
    assert.equal(ro.episodes.length, 6);
    for (let e = 0; e < n; e++) assert.equal(ro.starts[e], 1, `env ${e} starts an episode`);
    assert.deepEqual(Array.from(ro.continuing), [0, 0, 0]);
    for (let e = 0; e < n; e++) {
      let done = 0;
      for (let t = 0; t < ro.T; t++) {
        assert.equal(ro.mask[t * n + e], done < 2 ? 1 : 0, `mask of env ${e} at ${t}`);
        if (ro.terminated[t * n + e] || ro.truncated[t * n + e]) done++;
      }
    }
    // The rows that acted, replayed at once through the cell, give the log-probs of collection.
    const logp = noGrad(() => policy.evaluateRollout(ro).dist.logProb(ro.actions).data);
    for (let i = 0; i < ro.logProbs.length; i++) assert.ok(Math.abs(logp[i] - ro.logProbs[i]) < 1e-4, `${cell} row ${i}: ${logp[i]} vs ${ro.logProbs[i]}`);
    algo.close();
  }
});

/**
 * Cue-v0's exact objective J = E[R] of a recurrent policy, step by step through policy.step (the
 * collection path, not the sequence replay the loss uses). Observations do not depend on actions,
 * so each cue has one history; P[c][t][a] = pi(a | o_1..o_t of cue c).
 */
function stepProbs(policy: RecurrentActorCritic, delay: number): number[][][] {
  const rng = new Rng(0);
  const P: number[][][] = [[], []];
  let state = policy.initialState(2);
  for (let t = 0; t < delay + 2; t++) {
    const obs = new Float32Array(6);
    for (let c = 0; c < 2; c++) obs.set(CueEnv.observation(c, t, delay), c * 3);
    const out = policy.step(obs, 2, state, t === 0 ? [1, 1] : null, rng, true);
    for (let c = 0; c < 2; c++) {
      const pMode = Math.exp(out.logProbs[c]);
      P[c].push(out.actions[c] === 0 ? [pMode, 1 - pMode] : [1 - pMode, pMode]);
    }
    state = out.state;
  }
  return P;
}

function exactJ(policy: RecurrentActorCritic, delay: number): number {
  const P = stepProbs(policy, delay);
  const L = delay + 1;
  return 0.5 * (P[0][L][0] - P[0][L][1]) + 0.5 * (P[1][L][1] - P[1][L][0]);
}

test('on a tiny POMDP the pseudo-loss gradient, weighted by p(tau) R(tau) over every trajectory, equals the finite-difference gradient of the exact J', () => {
  const delay = 1,
    L = delay + 2;
  for (const cell of ['lstm', 'gru'] as const) {
    const policy = makeRecurrentPolicy(new Box(0, 1, [3]), new Discrete(2), new Rng(5), { cell, hiddenSize: 4, headHidden: [] });
    // A policy far from uniform (the head starts at gain 0.01), so that the gradient is not tiny.
    for (const p of policy.piHead.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 150;
    // Every trajectory as one column: cue c, actions a_0..a_{L-1} (the bits of k).
    const n = 2 * 2 ** L;
    const obs = new Float32Array(L * n * 3),
      actions = new Float32Array(L * n),
      w = new Float32Array(L * n);
    const starts = new Uint8Array(L * n).fill(1, 0, n);
    const P = stepProbs(policy, delay);
    let J = 0;
    for (let col = 0; col < n; col++) {
      const c = col % 2,
        k = col >> 1;
      let p = 0.5;
      for (let t = 0; t < L; t++) {
        const a = (k >> t) & 1;
        obs.set(CueEnv.observation(c, t, delay), (t * n + col) * 3);
        actions[t * n + col] = a;
        p *= P[c][t][a];
      }
      const R = ((k >> (L - 1)) & 1) === c ? 1 : -1;
      J += p * R;
      for (let t = 0; t < L; t++) w[t * n + col] = p * R;
    }
    assert.ok(Math.abs(J - exactJ(policy, delay)) < 1e-6, 'the enumeration sums to J');
    const ro = { T: L, numEnvs: n, obs, actions, states: policy.initialState(n), starts } as RecurrentRollout;
    // grad J = sum_tau p(tau) R(tau) grad log p(tau): the negated gradient of the pseudo-loss with these weights.
    const params = policy.actorParameters();
    const g = grad(recurrentPseudoLoss(policy, ro, w, 1), params).map((t) => Float64Array.from(t.data, (v) => -v));
    let err = 0,
      norm = 0,
      dot = 0,
      fdNorm = 0;
    params.forEach((p, j) => {
      for (let i = 0; i < p.size; i++) {
        const x = p.data[i];
        const up = Math.fround(x + 3e-3),
          down = Math.fround(x - 3e-3);
        p.data[i] = up;
        const jUp = exactJ(policy, delay);
        p.data[i] = down;
        const jDown = exactJ(policy, delay);
        p.data[i] = x;
        const fd = (jUp - jDown) / (up - down);
        err = Math.max(err, Math.abs(fd - g[j][i]));
        norm += g[j][i] ** 2;
        fdNorm += fd ** 2;
        dot += fd * g[j][i];
      }
    });
    const cos = dot / Math.sqrt(norm * fdNorm);
    assert.ok(Math.sqrt(norm) > 0.05, `${cell}: the gradient is not negligible (${Math.sqrt(norm)})`);
    assert.ok(cos > 0.99999 && err < 2e-4, `${cell}: autodiff vs finite differences: max error ${err}, cosine ${cos}`);
  }
});

test('REINFORCE with an LSTM policy learns to recall a cue across 3 blank steps; the memoryless policy cannot', () => {
  const config = {
    env: 'Cue3-v0',
    seed: 1,
    numEnvs: 8,
    batchSteps: 400,
    lr: 1e-2,
    valueIters: 10,
    totalSteps: 40_000,
  };
  const lstm = new Reinforce({ ...config, policy: { cell: 'lstm', hiddenSize: 16, hidden: [16] } as any });
  lstm.learn({ stop: (log) => log.returnMean >= 0.95 });
  const withMemory = lstm.evaluate({ episodes: 40, seed: 100 }).mean;
  const mlp = new Reinforce({ ...config, totalSteps: 8000, policy: { hidden: [16] } as any });
  mlp.learn();
  const memoryless = mlp.evaluate({ episodes: 40, seed: 100 }).mean;
  assert.ok(withMemory >= 0.9, `LSTM greedy mean ${withMemory} after ${lstm.steps} steps`);
  assert.ok(memoryless <= 0.5, `memoryless greedy mean ${memoryless}`);
  lstm.close();
  mlp.close();
});

test('a recurrent REINFORCE checkpoint resumes bit for bit (state, optimizers, value baseline)', () => {
  for (const returns of ['rewardToGo', 'full'] as const) {
    const config = { env: 'Cue-v0', numEnvs: 2, batchSteps: 30, returns, valueIters: 2, policy: { cell: 'gru', hiddenSize: 6, hidden: [6] } as any };
    const a = new Reinforce(config);
    a.update();
    const saved: AlgorithmState = structuredClone(a.getState());
    a.update();
    a.update();
    const b = new Reinforce(config);
    b.setState(saved);
    b.update();
    b.update();
    const pa = a.policy.namedParameters(),
      pb = b.policy.namedParameters();
    for (let i = 0; i < pa.length; i++) assert.deepEqual(Array.from(pb[i][1].data), Array.from(pa[i][1].data), `${returns}: ${pa[i][0]}`);
    assert.deepEqual(b.recurrent!.collector.currentState, a.recurrent!.collector.currentState);
    a.close();
    b.close();
  }
});

test('recurrent REINFORCE: every actor parameter moves with the policy step and every critic parameter with the value fit', () => {
  const algo = new Reinforce({ env: 'Cue-v0', numEnvs: 2, batchSteps: 40, policy: { cell: 'lstm', hiddenSize: 4, hidden: [4] } as any });
  const { policy } = algo.recurrent!;
  const before = policy.namedParameters().map(([name, p]) => [name, Float32Array.from(p.data)] as const);
  algo.update();
  const after = new Map(policy.namedParameters());
  for (const [name, old] of before)
    assert.ok(
      after.get(name)!.data.some((v, i) => v !== old[i]),
      `${name} moved`,
    );
  algo.close();
});

test('bad recurrent settings get errors naming the value', () => {
  assert.throws(() => new Reinforce({ policy: { cell: 'rnn' } as any }), /'policy\.cell' must be one of/);
  assert.throws(() => new Reinforce({ policy: { cell: 'lstm', hiddenSize: 0 } as any }), /'policy\.hiddenSize' must be a positive integer/);
  assert.throws(() => new Reinforce({ policy: { cell: 'lstm', kind: 'gaussian' } as any }), /'gaussian' policy cannot act in the action space Discrete/);
  assert.throws(() => new Reinforce({ policy: { cell: 'lstm', logStd: 'fixed' } as any }), /needs policy.logStd 'learned'/);
});

test('the optimal baseline with a recurrent policy: each episode replayed through the cell; with no earlier batch (b = 0) the step is the no-baseline step', () => {
  const base = {
    env: 'Cue-v0',
    numEnvs: 2,
    returns: 'full',
    batchEpisodes: 6,
    normalizeAdvantages: false,
    policy: { cell: 'lstm', hiddenSize: 4, hidden: [4] },
  } as const;
  const opt = new Reinforce({ ...base, baseline: 'optimal' } as any),
    none = new Reinforce({ ...base, baseline: 'none' } as any);
  const params = (a: Reinforce) => a.recurrent!.policy.actorParameters().flatMap((p) => Array.from(p.data));
  const gap = () => {
    const [a, b] = [params(opt), params(none)];
    return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  };
  opt.update();
  none.update();
  // -(1/N) sum_i g_i (r_i - 0) is the pseudo-loss gradient with weight r_i on every step of episode i.
  assert.ok(gap() < 1e-6, `after the first update the policies differ by ${gap()}`);
  opt.update();
  none.update();
  assert.ok(gap() > 1e-5, `from the second batch on, b from the first batch changes the step (gap ${gap()})`);
  opt.close();
  none.close();
});
