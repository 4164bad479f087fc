/**
 * ONNX export of recurrent policies (LSTM and GRU): the packed state is an extra input and output.
 * Stepping the ONNX graph and the library side by side over 1,000 observations, carrying each
 * one's own state, gives the same outputs and states within 1e-5; a 1,000-step greedy run with the
 * ONNX policy returns what the library's evaluation returns; tfjs and the runner refuse the policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS, type Algorithm } from '../../src/algos/index.ts';
import { makeEnv } from '../../src/algos/common.ts';
import { Discrete } from '../../src/envs/index.ts';
import { describePolicy, exportPolicy, Predictor } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

const CASES = [
  { label: 'LSTM, CartPole-v1 (categorical)', cell: 'lstm', env: 'CartPole-v1', extra: {} },
  { label: 'GRU, CartPole-v1 (categorical)', cell: 'gru', env: 'CartPole-v1', extra: {} },
  { label: 'LSTM, Pendulum-v1 (Gaussian, normalizeObs)', cell: 'lstm', env: 'Pendulum-v1', extra: { normalizeObs: true } },
];

function trainRecurrent(c: (typeof CASES)[number]): Algorithm {
  const algo = ALGORITHMS['recurrent-ppo'].create({
    env: c.env,
    seed: 5,
    numEnvs: 2,
    nSteps: 64,
    seqLen: 16,
    policy: { cell: c.cell, hiddenSize: 16, headHidden: [16], activation: 'tanh', logStdInit: 0 },
    ...c.extra,
  });
  algo.update();
  return algo;
}

const OUTPUT_OF: Record<string, string> = { action: 'action', logits: 'logits', mean: 'mean', log_std: 'logStd', value: 'value', state_out: 'state' };
const B = 4,
  T = 250;

for (const c of CASES) {
  test(`onnx recurrent: ${c.label}: ${B} x ${T} steps carrying the state equal the library within 1e-5`, async () => {
    const algo = trainRecurrent(c);
    try {
      const d = describePolicy(algo);
      const S = d.recurrent!.stateSize;
      const session = await ort.InferenceSession.create(exportPolicy(algo, { format: 'onnx' })[0].bytes);
      assert.deepEqual(session.inputNames, ['obs', 'state']);
      const obs = recordObservations(algo, c.env, B * T);
      const predictor = new Predictor(algo);
      let libState: Float32Array = new Float32Array(B * S),
        onnxState = new Float32Array(B * S);
      const worst: Record<string, number> = {};
      for (let t = 0; t < T; t++) {
        // Row b at time t is observation b * T + t: B independent sequences.
        const o = new Float32Array(B * d.obsDim);
        for (let b = 0; b < B; b++) o.set(obs.subarray((b * T + t) * d.obsDim, (b * T + t + 1) * d.obsDim), b * d.obsDim);
        const p = predictor.predict(o, B, libState) as unknown as Record<string, Float32Array>;
        const r = await session.run({ obs: new ort.Tensor('float32', o, [B, d.obsDim]), state: new ort.Tensor('float32', onnxState, [B, S]) });
        for (const name of session.outputNames) {
          const got = r[name].data as Float32Array | BigInt64Array;
          const want = p[OUTPUT_OF[name]];
          if (name === 'action' && d.head.kind === 'categorical') assert.deepEqual(Array.from(got, Number), Array.from(want), `step ${t}: actions`);
          else worst[name] = Math.max(worst[name] ?? 0, maxAbsDiff(got, want));
        }
        libState = p.state;
        onnxState = Float32Array.from(r.state_out.data as Float32Array);
      }
      for (const [name, w] of Object.entries(worst)) assert.ok(w <= 1e-5, `${name}: max |onnx - library| = ${w} over ${T} steps`);
      assert.ok('state_out' in worst && 'value' in worst);
    } finally {
      algo.close();
    }
  });
}

test('onnx recurrent: a 1,000-step greedy run with the ONNX LSTM policy returns what the library evaluation returns', async () => {
  const algo = trainRecurrent(CASES[0]);
  try {
    const d = describePolicy(algo);
    const S = d.recurrent!.stateSize;
    const session = await ort.InferenceSession.create(exportPolicy(algo, { format: 'onnx', outputs: 'action' })[0].bytes);
    assert.deepEqual(session.outputNames, ['action', 'state_out']);
    const env = makeEnv('CartPole-v1');
    assert.ok(env.actionSpace instanceof Discrete);
    const seed = 1000,
      returns: number[] = [];
    let steps = 0;
    for (let ep = 0; steps < 1000; ep++) {
      let obs = env.reset({ seed: seed + ep }).obs as Float32Array;
      let state = new Float32Array(S),
        total = 0;
      for (;;) {
        const r = await session.run({ obs: new ort.Tensor('float32', Float32Array.from(obs), [1, d.obsDim]), state: new ort.Tensor('float32', state, [1, S]) });
        state = Float32Array.from(r.state_out.data as Float32Array);
        const step = env.step(Number(r.action.data[0]));
        total += step.reward;
        obs = step.obs as Float32Array;
        steps++;
        if (step.terminated || step.truncated) break;
      }
      returns.push(total);
    }
    const ev = algo.evaluate({ episodes: returns.length, seed, deterministic: true });
    assert.deepEqual(returns, ev.returns);
  } finally {
    algo.close();
  }
});

test('tfjs and ascent-runner refuse a recurrent policy, naming the format that carries it', () => {
  const algo = trainRecurrent(CASES[1]);
  try {
    for (const format of ['tfjs', 'ascent-runner'] as const) {
      assert.throws(() => exportPolicy(algo, { format }), {
        name: 'UnsupportedPolicyError',
        message: `cannot export a RecurrentActorCritic policy to ${format}: formats that support it: onnx`,
      });
    }
  } finally {
    algo.close();
  }
});
