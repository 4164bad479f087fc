/**
 * ONNX export: onnxruntime-node runs the exported graph and its outputs equal the library's
 * predict() within 1e-5 on 1,000 recorded observations, for every family and action space; a
 * 1,000-step greedy run with the ONNX policy equals the library's evaluation step for step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { describePolicy, exportPolicy, Predictor, toOnnx, type Prediction } from '../../src/export/index.ts';
import { findObsNormalizer, makeEnv } from '../../src/algos/common.ts';
import { Rng } from '../../src/rng/index.ts';
import { Discrete } from '../../src/envs/index.ts';
import { AGENTS, maxAbsDiff, recordObservations, trainAgent } from './helpers.ts';

const N = 1000;

const OUTPUT_OF: Record<string, keyof Prediction> = {
  action: 'action',
  logits: 'logits',
  mean: 'mean',
  log_std: 'logStd',
  squashed_mean: 'squashedMean',
  value: 'value',
};

for (const spec of AGENTS) {
  test(`onnx: ${spec.label}: onnxruntime-node equals predict within 1e-5 on ${N} observations`, async () => {
    const algo = trainAgent(spec);
    try {
      const env = spec.config.env as string;
      const [file] = exportPolicy(algo, { format: 'onnx' });
      const session = await ort.InferenceSession.create(file.bytes);
      const d = describePolicy(algo);
      const obs = recordObservations(algo, env, N);
      const r = await session.run({ obs: new ort.Tensor('float32', obs, [N, d.obsDim]) });
      const p = new Predictor(algo).predict(obs, N);
      const expected = Object.keys(p).map((k) => Object.entries(OUTPUT_OF).find(([, v]) => v === k)![0]);
      assert.deepEqual(session.outputNames.slice().sort(), expected.sort(), 'the graph outputs every quantity predict() returns');
      for (const name of session.outputNames) {
        const want = p[OUTPUT_OF[name]]!;
        const got = r[name].data as Float32Array | BigInt64Array;
        assert.equal(got.length, want.length, `${name}: length`);
        if (name === 'action' && d.head.kind === 'categorical') {
          assert.equal(r[name].type, 'int64');
          assert.deepEqual(Array.from(got, Number), Array.from(want), 'greedy discrete actions are identical');
        } else {
          const diff = maxAbsDiff(got, want);
          assert.ok(diff <= 1e-5, `${name}: max |onnx - predict| = ${diff}`);
        }
      }
      // The observations span the normalised range (the fold is exercised), and actions vary.
      assert.ok(new Set(Array.from(p.action.slice(0, 200), (a) => a.toFixed(3))).size > 1, 'the recorded observations give more than one action');
    } finally {
      algo.close();
    }
  });
}

/** The greedy action of the ONNX graph for one raw observation. */
async function onnxAct(session: ort.InferenceSession, obs: Float32Array): Promise<Float32Array> {
  const r = await session.run({ obs: new ort.Tensor('float32', Float32Array.from(obs), [1, obs.length]) }, ['action']);
  return Float32Array.from(r.action.data as ArrayLike<number | bigint>, Number);
}

/** The innermost env of a wrapper stack, with a copy of every observation it returns kept in `last`. */
function tapRaw(env: any): { last: Float32Array } {
  let e = env;
  while (e.env) e = e.env;
  const tap = { last: new Float32Array(0) };
  const reset = e.reset.bind(e),
    step = e.step.bind(e);
  e.reset = (args: unknown) => {
    const r = reset(args);
    tap.last = Float32Array.from(r.obs);
    return r;
  };
  e.step = (a: unknown) => {
    const r = step(a);
    tap.last = Float32Array.from(r.obs);
    return r;
  };
  return tap;
}

for (const spec of [AGENTS[0], AGENTS[1]]) {
  test(`onnx: ${spec.label}: a 1,000-step greedy run with the ONNX policy equals the library's step for step`, async () => {
    const algo = trainAgent(spec);
    try {
      const envId = spec.config.env as string;
      const session = await ort.InferenceSession.create(toOnnx(describePolicy(algo), { outputs: 'action' }));
      // The library acts in its evaluation env (evaluate()'s stack: normalisation frozen with the
      // run's statistics); the ONNX policy acts in a raw env of its own, on raw observations.
      const normalizeObs = spec.config.normalizeObs === true;
      const libEnv = makeEnv(envId, { normalizeObs });
      const norm = findObsNormalizer(libEnv);
      if (norm) {
        norm.setStats(findObsNormalizer((algo as any).env.envs[0])!.getStats());
        norm.updateRunningMean = false;
      }
      const libRaw = tapRaw(libEnv);
      const onnxEnv = makeEnv(envId);
      const rng = new Rng(0);
      const evalSeed = 1000;
      const ev = algo.evaluate({ episodes: 3, seed: evalSeed, deterministic: true });
      const libReturns: number[] = [],
        onnxReturns: number[] = [];
      let steps = 0,
        maxAction = 0,
        maxObs = 0;
      for (let episode = 0; steps < N; episode++) {
        let libObs = libEnv.reset({ seed: evalSeed + episode }).obs as Float32Array;
        let obs = onnxEnv.reset({ seed: evalSeed + episode }).obs as Float32Array;
        let libTotal = 0,
          total = 0;
        for (;;) {
          maxObs = Math.max(maxObs, maxAbsDiff(obs, libRaw.last));
          const lib = Float32Array.from(algo.policy.act(libObs, 1, rng, true).actions);
          const a = await onnxAct(session, obs);
          const discrete = onnxEnv.actionSpace instanceof Discrete;
          if (discrete) assert.equal(a[0], lib[0], `step ${steps}: the discrete actions differ`);
          else maxAction = Math.max(maxAction, maxAbsDiff(a, lib));
          const rl = libEnv.step(discrete ? lib[0] : lib);
          const r = onnxEnv.step(discrete ? a[0] : a);
          libTotal += rl.reward;
          total += r.reward;
          libObs = rl.obs as Float32Array;
          obs = r.obs as Float32Array;
          steps++;
          assert.equal(r.terminated || r.truncated, rl.terminated || rl.truncated, `step ${steps}: the episodes end at the same step`);
          if (r.terminated || r.truncated) break;
        }
        libReturns.push(libTotal);
        onnxReturns.push(total);
      }
      assert.ok(steps >= N);
      // The library side is exactly its greedy evaluation (same seeds, same stack).
      assert.deepEqual(libReturns.slice(0, ev.returns.length), ev.returns);
      if (onnxEnv.actionSpace instanceof Discrete) {
        assert.equal(maxObs, 0, 'identical actions give identical observations');
        assert.deepEqual(onnxReturns, libReturns);
      } else {
        assert.ok(maxAction <= 1e-5, `actions: max |onnx - library| = ${maxAction} over the run`);
        assert.ok(maxObs <= 1e-4, `observations: max |onnx run - library run| = ${maxObs}`);
        for (let i = 0; i < libReturns.length; i++)
          assert.ok(Math.abs(onnxReturns[i] - libReturns[i]) <= 1e-3, `episode ${i}: return ${onnxReturns[i]} vs ${libReturns[i]}`);
      }
    } finally {
      algo.close();
    }
  });
}

test('onnx: a run with frameStack 3 exports a graph on the stacked observations (oldest first), equal to predict', async () => {
  const algo = trainAgent({
    label: 'ppo Pendulum-v1 frameStack 3',
    algo: 'ppo',
    config: { env: 'Pendulum-v1', numEnvs: 2, nSteps: 64, batchSize: 64, epochs: 1, frameStack: 3, normalizeObs: true },
    updates: 1,
  });
  try {
    const d = describePolicy(algo);
    assert.equal(d.frameStack, 3);
    assert.equal(d.obsDim, 9);
    const session = await ort.InferenceSession.create(toOnnx(d));
    // The raw stacked observations: the run's env stack without the normaliser (folded into the graph).
    const obs = recordObservations(algo, 'Pendulum-v1', N, 5, makeEnv('Pendulum-v1', { frameStack: 3 }));
    const r = await session.run({ obs: new ort.Tensor('float32', obs, [N, 9]) });
    const p = new Predictor(algo).predict(obs, N);
    assert.ok(maxAbsDiff(r.action.data as Float32Array, p.action) <= 1e-5);
    assert.ok(maxAbsDiff(r.value.data as Float32Array, p.value!) <= 1e-5);
  } finally {
    algo.close();
  }
});
