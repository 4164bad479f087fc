/**
 * The TensorFlow.js LayersModel loads in @tensorflow/tfjs and the zero-dependency runner imports as
 * a plain ES module; both equal the library's predict() within 1e-5 on 1,000 recorded observations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { exportPolicy, Predictor, describePolicy, RUNNER_SOURCE } from '../../src/export/index.ts';
import { AGENTS, maxAbsDiff, recordObservations, trainAgent } from './helpers.ts';

const N = 1000;

async function loadTfjs(files: { name: string; bytes: Uint8Array }[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.bytes));
  const bin = files.find((f) => f.name === 'weights.bin')!.bytes;
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
}

for (const spec of AGENTS) {
  test(`tfjs: ${spec.label}: the LayersModel equals predict within 1e-5 on ${N} observations`, async () => {
    await tf.setBackend('cpu');
    const algo = trainAgent(spec);
    try {
      const model = await loadTfjs(exportPolicy(algo, { format: 'tfjs' }));
      const d = describePolicy(algo);
      const obs = recordObservations(algo, spec.config.env as string, N);
      const y = model.predict(tf.tensor2d(obs, [N, d.obsDim])) as tf.Tensor;
      const got = y.dataSync() as Float32Array;
      const p = new Predictor(algo).predict(obs, N);
      if (d.head.kind === 'categorical') {
        assert.ok(maxAbsDiff(got, p.logits!) <= 1e-5, `logits: max diff ${maxAbsDiff(got, p.logits!)}`);
        const argmax = tf.argMax(y, 1).dataSync();
        assert.deepEqual(
          Array.from(argmax, (a) => a + (d.head.kind === 'categorical' ? d.head.start : 0)),
          Array.from(p.action),
        );
      } else {
        const diff = maxAbsDiff(got, p.action);
        assert.ok(diff <= 1e-5, `actions: max |tfjs - predict| = ${diff}`);
      }
      model.dispose();
    } finally {
      algo.close();
    }
  });
}

test(`ascent-runner: the ES module and weights file equal predict within 1e-5 on ${N} observations, for every agent`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-runner-'));
  try {
    for (const spec of AGENTS) {
      const algo = trainAgent(spec);
      try {
        const files = exportPolicy(algo, { format: 'ascent-runner' });
        for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
        assert.equal(new TextDecoder().decode(files.find((f) => f.name === 'policy.mjs')!.bytes), RUNNER_SOURCE);
        // A fresh URL per agent: the module is the same source, but importing it twice is harmless.
        const runner = await import(`${pathToFileURL(join(dir, 'policy.mjs')).href}?${spec.algo}${spec.config.env}`);
        const policy = runner.loadPolicy(files.find((f) => f.name === 'policy.bin')!.bytes);
        const d = describePolicy(algo);
        const obs = recordObservations(algo, spec.config.env as string, N);
        const p = new Predictor(algo).predict(obs, N);
        const D = policy.actDim;
        let diff = 0;
        for (let i = 0; i < N; i++) {
          const a = policy.act(obs.subarray(i * d.obsDim, (i + 1) * d.obsDim));
          if (policy.discrete) assert.equal(a, p.action[i], `${spec.label}: observation ${i}`);
          else diff = Math.max(diff, maxAbsDiff(a, p.action.subarray(i * D, (i + 1) * D)));
        }
        assert.ok(diff <= 1e-5, `${spec.label}: max |runner - predict| = ${diff}`);
        assert.throws(() => policy.act(new Float32Array(d.obsDim + 1)), /expected \d+ observation values, got \d+/);
      } finally {
        algo.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
