/**
 * Every hidden activation maps to its ONNX operator: an untrained PPO Pendulum agent per activation,
 * exported, run by onnxruntime-node, equals the library's predict() within 1e-5 (the mean and the
 * value read every hidden layer, so a wrong operator shows in both).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS } from '../../src/algos/index.ts';
import { describePolicy, exportPolicy, Predictor } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

const N = 200;

for (const activation of ['tanh', 'relu', 'sigmoid', 'elu']) {
  test(`onnx: hidden activation '${activation}' runs in onnxruntime-node as in predict()`, async () => {
    const algo = ALGORITHMS.ppo.create({ env: 'Pendulum-v1', numEnvs: 1, seed: 5, policy: { activation } });
    try {
      const [file] = exportPolicy(algo, { format: 'onnx' });
      const session = await ort.InferenceSession.create(file.bytes);
      const obs = recordObservations(algo, 'Pendulum-v1', N);
      const r = await session.run({ obs: new ort.Tensor('float32', obs, [N, describePolicy(algo).obsDim]) });
      const p = new Predictor(algo).predict(obs, N);
      for (const [name, want] of [
        ['mean', p.mean!],
        ['value', p.value!],
      ] as const) {
        const diff = maxAbsDiff(r[name].data as Float32Array, want);
        assert.ok(diff <= 1e-5, `${activation}: ${name}: max |onnx - predict| = ${diff}`);
      }
    } finally {
      algo.close();
    }
  });
}
