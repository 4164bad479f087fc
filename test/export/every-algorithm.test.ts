/**
 * Every registered algorithm's policy exports to ONNX (or is refused with the one-line error that
 * names the policy): for each, onnxruntime-node's greedy action equals predict() on 64 observations
 * straight after construction. A new algorithm with a new kind of policy shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS } from '../../src/algos/index.ts';
import { describePolicy, exportPolicy, Predictor, UnsupportedPolicyError } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

/** Algorithms whose policies must export (the built-in ones); smaller buffers keep construction quick. */
const EXPECTED: Record<string, Record<string, unknown>> = {
  reinforce: { env: 'CartPole-v1' },
  ppo: { env: 'CartPole-v1' },
  trpo: { env: 'Pendulum-v1' },
  npg: { env: 'CartPole-v1' },
  'offpolicy-pg': { env: 'Pendulum-v1' },
  sac: { env: 'Pendulum-v1', bufferSize: 1000 },
  mbpo: { env: 'Pendulum-v1', bufferSize: 1000 },
  mbpg: { env: 'Pendulum-v1' },
  'recurrent-ppo': { env: 'CartPole-v1' },
};

for (const name of Object.keys(ALGORITHMS)) {
  test(`onnx: ${name}'s policy exports, and its greedy action equals predict`, async (t) => {
    const entry = ALGORITHMS[name];
    const env = entry.actionSpaces.includes('discrete') ? 'CartPole-v1' : 'Pendulum-v1';
    const config = EXPECTED[name] ?? { env };
    let algo;
    try {
      algo = entry.create({ seed: 1, ...config });
    } catch (e) {
      if (name in EXPECTED) throw e;
      t.skip(`${name} needs settings this test does not know: ${(e as Error).message}`);
      return;
    }
    try {
      let files;
      try {
        files = exportPolicy(algo, { format: 'onnx', outputs: 'action' });
      } catch (e) {
        assert.ok(!(name in EXPECTED), `${name} must export: ${(e as Error).message}`);
        assert.ok(e instanceof UnsupportedPolicyError && /^cannot export a \w+.* policy to onnx: /.test(e.message), (e as Error).message);
        return;
      }
      const d = describePolicy(algo);
      const session = await ort.InferenceSession.create(files[0].bytes);
      const n = 64;
      const obs = recordObservations(algo, config.env as string, n);
      const S = d.recurrent?.stateSize ?? 0;
      const feeds: Record<string, ort.Tensor> = { obs: new ort.Tensor('float32', obs, [n, d.obsDim]) };
      if (S) feeds.state = new ort.Tensor('float32', new Float32Array(n * S), [n, S]);
      const r = await session.run(feeds);
      const p = new Predictor(algo).predict(obs, n);
      const got = Float32Array.from(r.action.data as ArrayLike<number | bigint>, Number);
      assert.ok(maxAbsDiff(got, p.action) <= 1e-5, `${name}: max |onnx - predict| = ${maxAbsDiff(got, p.action)}`);
    } finally {
      algo.close();
    }
  });
}
