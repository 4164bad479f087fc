/**
 * ONNX export of Dict-observation policies (MultiInputPolicy: a CNN per image key, an MLP per vector
 * key, features concatenated): one input per key, shaped as its Box; outputs equal predict() within
 * 1e-5 on 1,000 recorded CatchDict-v0 observations, and for a Gaussian head on two images and a
 * vector. (normalizeObs is not among the cases: NormalizeObservation's plain Box hides the Dict, so
 * such a run trains an MLP on the flat row, which the MLP exports cover.) The
 * Dense-only formats refuse the policy, naming onnx; a key that would clash with the graph's names
 * is refused in one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS, type Algorithm } from '../../src/algos/index.ts';
import { MultiInputPolicy } from '../../src/policies/index.ts';
import { Box, Dict, FlatDictBox, make } from '../../src/envs/index.ts';
import { FlattenObservation } from '../../src/wrappers/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { describePolicy, exportPolicy, Predictor } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

const OUTPUT_OF: Record<string, string> = { action: 'action', logits: 'logits', mean: 'mean', log_std: 'logStd', value: 'value' };

/** The flat rows [n, flatdim] split into one ONNX feed per Dict key, shaped as the key's Box. */
function feeds(space: FlatDictBox, obs: Float32Array, n: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const key of space.dict.keys) {
    const sub = space.dict.spaces[key] as Box<Float32Array>;
    const size = sub.size,
      off = space.offsets[key];
    const data = new Float32Array(n * size);
    for (let i = 0; i < n; i++) data.set(obs.subarray(i * space.size + off, i * space.size + off + size), i * size);
    out[key] = new ort.Tensor('float32', data, [n, ...sub.shape]);
  }
  return out;
}

async function compare(algo: Algorithm, space: FlatDictBox, obs: Float32Array, n: number): Promise<string[]> {
  const d = describePolicy(algo);
  const session = await ort.InferenceSession.create(exportPolicy(algo, { format: 'onnx' })[0].bytes);
  assert.deepEqual(session.inputNames, space.dict.keys, 'one input per key, in key order');
  const r = await session.run(feeds(space, obs, n));
  const p = new Predictor(algo).predict(obs, n) as unknown as Record<string, Float32Array>;
  assert.deepEqual(session.outputNames.map((o) => OUTPUT_OF[o]).sort(), Object.keys(p).sort());
  for (const name of session.outputNames) {
    const got = r[name].data as Float32Array | BigInt64Array;
    if (name === 'action' && d.head.kind === 'categorical') assert.deepEqual(Array.from(got, Number), Array.from(p.action));
    else {
      const diff = maxAbsDiff(got, p[OUTPUT_OF[name]]);
      assert.ok(diff <= 1e-5, `${name}: max |onnx - predict| = ${diff}`);
    }
  }
  return session.outputNames.slice();
}

test("onnx: PPO's MultiInputPolicy and value on CatchDict-v0 equal predict within 1e-5 on 1,000 observations", async () => {
  const algo = ALGORITHMS.ppo.create({ env: 'CatchDict-v0', seed: 2, numEnvs: 2, nSteps: 64, batchSize: 64, epochs: 2 });
  try {
    for (let i = 0; i < 2; i++) algo.update();
    assert.ok(algo.policy instanceof MultiInputPolicy);
    const d = describePolicy(algo);
    assert.deepEqual(
      d.multiInput!.policy.parts.map((p) => [p.key, p.encoder.kind, p.shape]),
      [
        ['image', 'cnn', [1, 6, 5]],
        ['vector', 'mlp', [1]],
      ],
    );
    assert.ok(d.multiInput!.value, 'the value function has its own combined encoder');
    const env = new FlattenObservation(make('CatchDict-v0'));
    const space = env.observationSpace as FlatDictBox;
    const n = 1000;
    const obs = recordObservations(algo, 'CatchDict-v0', n, 11, env);
    const actions = new Set(new Predictor(algo).predict(obs, n).action);
    assert.ok(actions.size > 1, 'the greedy action varies over the observations');
    assert.deepEqual(await compare(algo, space, obs, n), ['action', 'logits', 'value']);
    for (const format of ['tfjs', 'ascent-runner'] as const) {
      assert.throws(() => exportPolicy(algo, { format }), { message: `cannot export a MultiInputPolicy policy to ${format}: formats that support it: onnx` });
    }
  } finally {
    algo.close();
  }
});

/** A policy alone (no algorithm): what describePolicy and predict read of it. */
function bare(policy: MultiInputPolicy, env: string): Algorithm {
  return { name: 'test', config: { env }, policy } as unknown as Algorithm;
}

test('onnx: a Gaussian MultiInputPolicy on two images and a vector (keys in sorted order) equals predict within 1e-5', async () => {
  // Keys given out of order: Dict sorts them, and so do the flat row and the ONNX inputs.
  const space = new FlatDictBox(
    new Dict({ wrist: new Box<Float32Array>(0, 1, [3, 12, 12]), joints: new Box<Float32Array>(-1, 1, [4]), scene: new Box<Float32Array>(0, 1, [1, 12, 12]) }),
  );
  assert.deepEqual(space.dict.keys, ['joints', 'scene', 'wrist']);
  const policy = new MultiInputPolicy(space, { continuous: 2 }, new Rng(4), { vectorHidden: [16, 8], logStdInit: -0.5 });
  // Move the head off its 0.01-gain initialisation so the outputs are not all near zero.
  for (const p of policy.head.parameters()) for (let i = 0; i < p.data.length; i++) p.data[i] *= 50;
  const rng = new Rng(9),
    n = 200;
  const obs = Float32Array.from({ length: n * space.size }, () => rng.random() * 2 - 1);
  assert.deepEqual(await compare(bare(policy, 'dict'), space, obs, n), ['action', 'mean', 'log_std']);
});

test('onnx: a Dict key that would clash with an output name is refused, naming the key', () => {
  const space = new FlatDictBox(new Dict({ image: new Box<Float32Array>(0, 1, [1, 6, 5]), value: new Box<Float32Array>(0, 1, [1]) }));
  const policy = new MultiInputPolicy(space, { discrete: 3 }, new Rng(1));
  assert.throws(() => exportPolicy(bare(policy, 'dict'), { format: 'onnx' }), /onnx: the observation key 'value' would name an input that clashes/);
});
