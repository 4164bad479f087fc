import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/index.ts';
import { RecurrentPPO, evaluateRecurrent, type RecurrentStepper } from '../../src/algos/recurrent-ppo.ts';
import type { AlgorithmState } from '../../src/algos/types.ts';

/** Replay every env's whole rollout as one sequence from the state stored at its first step. */
function replay(algo: RecurrentPPO, ro: ReturnType<RecurrentPPO['collector']['collect']>) {
  const { T, numEnvs: n, obsDim: od, stateSize: S } = ro;
  const obs = new Tensor(ro.obs, [T, n, od]);
  const { dist, values } = algo.policy.evaluateSequences(obs, ro.states.slice(0, n * S), ro.starts);
  return { logp: dist.logProb(ro.actions).data, values: values.data };
}

for (const env of ['CartPoleMaskedVelocity-v1', 'PendulumMaskedVelocity-v1']) {
  for (const cell of ['lstm', 'gru'] as const) {
    test(`${env} ${cell}: replaying the stored sequences reproduces the log-probs and values that acted`, () => {
      const algo = new RecurrentPPO({ env, numEnvs: 3, nSteps: 40, seqLen: 40, batchSize: 40, policy: { cell, hiddenSize: 8, headHidden: [8] } as any });
      algo.collector.collect(30); // start mid-episode: the stored state is then not zero
      const ro = algo.collector.collect(40);
      assert.ok(
        ro.states.some((v) => v !== 0),
        'states stored',
      );
      const { logp, values } = replay(algo, ro);
      for (let i = 0; i < ro.logProbs.length; i++) {
        assert.ok(Math.abs(logp[i] - ro.logProbs[i]) < 1e-4, `logp ${i}: ${logp[i]} vs ${ro.logProbs[i]}`);
        assert.ok(Math.abs(values[i] - ro.values![i]) < 1e-4, `value ${i}: ${values[i]} vs ${ro.values![i]}`);
      }
      algo.close();
    });
  }
}

test('episode starts: the first step and every step after an episode end are flagged, and the replay depends on them', () => {
  const algo = new RecurrentPPO({ numEnvs: 2, nSteps: 64, seqLen: 64, batchSize: 64, policy: { hiddenSize: 8, headHidden: [8] } as any });
  const ro = algo.collector.collect(64);
  const n = 2;
  for (let e = 0; e < n; e++) assert.equal(ro.starts[e], 1);
  for (let t = 1; t < 64; t++)
    for (let e = 0; e < n; e++) {
      const prev = (t - 1) * n + e;
      assert.equal(ro.starts[t * n + e], ro.terminated[prev] || ro.truncated[prev] ? 1 : 0, `t ${t} env ${e}`);
    }
  assert.ok(
    ro.terminated.some((v) => v === 1),
    'a random CartPole policy ends episodes within 64 steps',
  );
  // Without the flags the replay carries state across episode ends and differs from what acted.
  const obs = new Tensor(ro.obs, [64, n, ro.obsDim]);
  const noStarts = ro.starts.slice();
  noStarts.fill(0, n);
  const wrong = algo.policy.evaluateSequences(obs, ro.states.slice(0, n * ro.stateSize), noStarts).dist.logProb(ro.actions).data;
  assert.ok(Array.from(wrong).some((v, i) => Math.abs(v - ro.logProbs[i]) > 1e-4));
  algo.close();
});

test('a truncated episode (the time limit) also ends the sequence: the next step is a start and the episode is counted', () => {
  // Pendulum never terminates; its 200-step limit truncates.
  const algo = new RecurrentPPO({
    env: 'PendulumMaskedVelocity-v1',
    numEnvs: 1,
    nSteps: 210,
    seqLen: 210,
    batchSize: 210,
    policy: { hiddenSize: 8, headHidden: [8] } as any,
  });
  try {
    const ro = algo.collector.collect(210);
    assert.equal(ro.truncated[199], 1);
    assert.equal(ro.terminated.indexOf(1), -1);
    assert.deepEqual([ro.starts[0], ro.starts[199], ro.starts[200], ro.starts[201]], [1, 0, 1, 0]);
    assert.equal(ro.episodes.length, 1);
    assert.equal(ro.episodes[0].length, 200);
  } finally {
    algo.close();
  }
});

test('evaluation carries the state across the steps of an episode and starts each episode from zero', () => {
  const seen: { state: number[]; out: number[] }[] = [];
  let k = 0;
  const stub: RecurrentStepper = {
    kind: 'categorical',
    initialState: (B) => new Float32Array(B * 2),
    step(_obs, _B, state) {
      const out = Float32Array.from([++k, state[0] + 1]);
      seen.push({ state: Array.from(state), out: Array.from(out) });
      return { actions: Float32Array.from([k % 2]), state: out };
    },
  };
  const r = evaluateRecurrent(stub, 'CartPole-v1', { episodes: 2 });
  let i = 0;
  for (const len of r.lengths) {
    assert.deepEqual(seen[i].state, [0, 0], 'episode starts from zero');
    for (let t = 1; t < len; t++) assert.deepEqual(seen[i + t].state, seen[i + t - 1].out, `step ${t} gets the previous step's state`);
    i += len;
  }
  assert.equal(i, seen.length);
});

function copyState(s: AlgorithmState): AlgorithmState {
  return { tensors: s.tensors.map(([n, t]) => [n, t.clone()] as [string, Tensor]), meta: JSON.parse(JSON.stringify(s.meta)) };
}

test('a checkpoint resumes bit for bit: the recurrent state, optimizer and RNGs continue exactly', () => {
  const cfg = { numEnvs: 2, nSteps: 16, seqLen: 8, batchSize: 16, epochs: 2, policy: { hiddenSize: 8, headHidden: [8] } as any };
  const a = new RecurrentPPO(cfg);
  a.update();
  const saved = copyState(a.getState());
  const la = a.update();
  const b = new RecurrentPPO({ ...cfg, seed: 9 });
  b.setState(saved);
  const lb = b.update();
  for (const k of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'steps'] as const) assert.equal(lb[k], la[k], k);
  a.policy.parameters().forEach((p, i) => assert.deepEqual(Array.from(b.policy.parameters()[i].data), Array.from(p.data)));
  assert.deepEqual(Array.from(b.collector.currentState), Array.from(a.collector.currentState));
  a.close();
  b.close();
});

test('bad sequence settings get errors naming the values', () => {
  assert.throws(() => new RecurrentPPO({ nSteps: 30, seqLen: 8 }), /'seqLen' \(8\) must divide 'nSteps' \(30\)/);
  assert.throws(() => new RecurrentPPO({ nSteps: 32, seqLen: 8, batchSize: 12 }), /'batchSize' \(12\) must be a multiple of 'seqLen' \(8\)/);
  assert.throws(() => new RecurrentPPO({ policy: { cell: 'rnn' } as any }), /'policy.cell' must be "lstm" or "gru", got "rnn"/);
});

test('an update trains every parameter, for GRU cells with a categorical head and LSTM cells with a Gaussian head', () => {
  for (const [env, cell] of [
    ['CartPoleMaskedVelocity-v1', 'gru'],
    ['PendulumMaskedVelocity-v1', 'lstm'],
  ] as const) {
    const algo = new RecurrentPPO({ env, numEnvs: 2, nSteps: 16, seqLen: 8, batchSize: 8, epochs: 1, policy: { cell, hiddenSize: 4, headHidden: [4] } as any });
    const before = algo.policy.namedParameters().map(([n, p]) => [n, Array.from(p.data)] as const);
    const log = algo.update();
    assert.ok(Number.isFinite(log.policyLoss) && Number.isFinite(log.valueLoss), JSON.stringify(log));
    algo.policy.namedParameters().forEach(([n, p], i) =>
      assert.ok(
        Array.from(p.data).some((v, k) => v !== before[i][1][k]),
        `${env} ${cell}: ${n} did not change`,
      ),
    );
    algo.close();
  }
});

test('evaluate() starts every episode from a fresh state: a policy with memory gets resetState() per episode', async () => {
  const { evaluate } = await import('../../src/algos/common.ts');
  let resets = 0,
    steps = 0;
  const policy = {
    kind: 'categorical' as const,
    act: () => {
      steps++;
      return { actions: Float32Array.of(steps % 2), logProbs: Float32Array.of(0) };
    },
    resetState: () => {
      resets++;
    },
  };
  const r = evaluate(policy, 'CartPole-v1', { episodes: 3 });
  assert.equal(resets, 3);
  assert.equal(
    steps,
    r.lengths.reduce((a, b) => a + b, 0),
  );
});

test("update()'s minibatches replay each sequence from its stored state: with lr 0 every ratio is 1, every sequence used once per epoch", () => {
  // seqLen < nSteps, so sequences start inside the rollout (and, after collect(13), mid-episode):
  // a wrong stored state, step or env in the gather changes the replayed log-probs and values.
  const L = 6,
    n = 3,
    nSteps = 24;
  const algo = new RecurrentPPO({ numEnvs: n, nSteps, seqLen: L, batchSize: 2 * L, epochs: 2, lr: 0, policy: { hiddenSize: 8, headHidden: [8] } as any });
  algo.collector.collect(13);
  let ro: ReturnType<RecurrentPPO['collector']['collect']> | null = null;
  const collect = algo.collector.collect.bind(algo.collector);
  algo.collector.collect = (T: number) => (ro = collect(T));
  const calls: { obs: Float32Array; state0: Float32Array; starts: number[]; act: Float32Array; logp: Float32Array; values: Float32Array }[] = [];
  const replay = algo.policy.evaluateSequences.bind(algo.policy);
  algo.policy.evaluateSequences = (obs, state0, starts) => {
    const r = replay(obs, state0, starts);
    const logProb = r.dist.logProb.bind(r.dist);
    r.dist.logProb = (a) => {
      const lp = logProb(a);
      calls.push({
        obs: Float32Array.from(obs.data),
        state0: state0.slice(),
        starts: Array.from(starts),
        act: Float32Array.from(a as ArrayLike<number>),
        logp: Float32Array.from(lp.data),
        values: Float32Array.from(r.values.data),
      });
      return lp;
    };
    return r;
  };
  algo.update();
  const r = ro!;
  const { obsDim: od, stateSize: S } = r;
  const M = 2,
    numSeqs = n * (nSteps / L);
  assert.equal(calls.length, 2 * (numSeqs / M));
  const used = new Map<string, number>();
  let nonZeroStates = 0,
    innerStarts = 0;
  for (const c of calls) {
    for (let j = 0; j < M; j++) {
      // Which sequence (env e, chunk k) is column j? Its observations say (they differ between steps).
      let hit: [number, number] | null = null;
      for (let e = 0; e < n && !hit; e++)
        for (let k = 0; k < nSteps / L && !hit; k++) {
          let same = true;
          for (let t = 0; t < L && same; t++)
            for (let d = 0; d < od; d++) if (c.obs[(t * M + j) * od + d] !== r.obs[((k * L + t) * n + e) * od + d]) same = false;
          if (same) hit = [e, k];
        }
      assert.ok(hit, `minibatch column ${j} is no sequence of the rollout`);
      const [e, k] = hit;
      used.set(`${e},${k}`, (used.get(`${e},${k}`) ?? 0) + 1);
      const stored = r.states.subarray((k * L * n + e) * S, (k * L * n + e + 1) * S);
      assert.deepEqual(Array.from(c.state0.subarray(j * S, (j + 1) * S)), Array.from(stored), `state of sequence (${e}, ${k})`);
      if (stored.some((v) => v !== 0)) nonZeroStates++;
      for (let t = 0; t < L; t++) {
        const src = (k * L + t) * n + e,
          dst = t * M + j;
        assert.equal(c.starts[dst], r.starts[src]);
        if (t > 0 && r.starts[src]) innerStarts++;
        assert.equal(c.act[dst], r.actions[src]);
        assert.ok(Math.abs(c.logp[dst] - r.logProbs[src]) < 1e-5, `log-prob of step ${k * L + t} of env ${e}: ${c.logp[dst]} vs ${r.logProbs[src]}`);
        assert.ok(Math.abs(c.values[dst] - r.values![src]) < 1e-5, `value of step ${k * L + t} of env ${e}: ${c.values[dst]} vs ${r.values![src]}`);
      }
    }
  }
  assert.equal(used.size, numSeqs);
  for (const [q, times] of used) assert.equal(times, 2, `sequence ${q} used ${times} times in 2 epochs`);
  assert.ok(nonZeroStates > 0 && innerStarts > 0, `the case is covered: ${nonZeroStates} non-zero stored states, ${innerStarts} starts inside sequences`);
  algo.close();
});
