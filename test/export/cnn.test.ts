/**
 * ONNX export of image policies (CnnPolicy): the flat observation viewed as NCHW, Conv/Relu,
 * Flatten and the dense layers; outputs equal predict() within 1e-5 for the 'small' encoder (PPO on
 * CatchPixels-v0, with its CNN value function) and the 'nature' encoder (a Gaussian head on
 * 4x36x36 frames). The Dense-only formats refuse the policy, naming onnx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS, type Algorithm } from '../../src/algos/index.ts';
import { CnnPolicy } from '../../src/policies/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { describePolicy, exportPolicy, Predictor } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

const OUTPUT_OF: Record<string, string> = { action: 'action', logits: 'logits', mean: 'mean', log_std: 'logStd', value: 'value' };

async function compare(algo: Algorithm, obs: Float32Array, n: number): Promise<string[]> {
  const d = describePolicy(algo);
  const session = await ort.InferenceSession.create(exportPolicy(algo, { format: 'onnx' })[0].bytes);
  const r = await session.run({ obs: new ort.Tensor('float32', obs, [n, d.obsDim]) });
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

test("onnx: PPO's CNN policy and value on CatchPixels-v0 ('small' encoder) equal predict within 1e-5 on 1,000 observations", async () => {
  const algo = ALGORITHMS.ppo.create({ env: 'CatchPixels-v0', seed: 2, numEnvs: 2, nSteps: 64, batchSize: 64, epochs: 1 });
  try {
    algo.update();
    assert.equal((algo.policy as CnnPolicy).encoder.convs.length, 2, "the 'small' encoder");
    const outputs = await compare(algo, recordObservations(algo, 'CatchPixels-v0', 1000), 1000);
    assert.deepEqual(outputs, ['action', 'logits', 'value']);
    for (const format of ['tfjs', 'ascent-runner'] as const) {
      assert.throws(() => exportPolicy(algo, { format }), { message: `cannot export a CnnPolicy policy to ${format}: formats that support it: onnx` });
    }
  } finally {
    algo.close();
  }
});

test("onnx: a Gaussian CNN policy with the 'nature' encoder (4x36x36, stride 4/2/1) equals predict within 1e-5", async () => {
  const policy = new CnnPolicy([4, 36, 36], { continuous: 2 }, new Rng(4), { encoder: 'nature', logStdInit: -0.5 });
  assert.deepEqual(
    policy.encoder.convs.map((c) => c.stride),
    [4, 2, 1],
    "the 'nature' encoder",
  );
  // Move the head off its 0.01-gain initialisation so the outputs are not all near zero.
  for (const p of policy.head.parameters()) for (let i = 0; i < p.data.length; i++) p.data[i] *= 50;
  const algo = { name: 'test', config: { env: 'frames' }, policy } as unknown as Algorithm;
  const rng = new Rng(9),
    n = 100;
  const obs = Float32Array.from({ length: n * 4 * 36 * 36 }, () => rng.random());
  assert.deepEqual(await compare(algo, obs, n), ['action', 'mean', 'log_std']);
});
