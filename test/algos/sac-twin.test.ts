// SAC with its twin critics and targets on two threads (issue 12, tensor/wasm/pair.ts): the run
// must end on the same parameters, bit for bit, as the one-thread run pinned in sac-checksum.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SAC } from '../../src/algos/sac.ts';
import { kernelInfo, setTwinThreshold, setTwinThreads, twinInfo } from '../../src/tensor/index.ts';

/** sac-checksum.test.ts's run and hash (RLtools' Pendulum sizes: 64x64, batch 100, 300 steps). */
function sacParamsHash(): string {
  const sac = new SAC({ env: 'Pendulum-v1', seed: 3, totalSteps: 300, learningStarts: 50, batchSize: 100, hidden: [64, 64], lr: 1e-3, logInterval: 150 });
  sac.learn();
  const h = createHash('sha256');
  for (const m of sac.trainedModules())
    for (const [name, p] of m.namedParameters()) h.update(name).update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  h.update(Float32Array.of(sac.learner.logAlpha.data[0]));
  sac.close();
  return h.digest('hex');
}

const k = kernelInfo();
test(
  'SAC with the twin critics on the worker thread ends on the one-thread parameters, bit for bit',
  { skip: k.path !== 'wasm-simd' && 'no wasm kernels' },
  async () => {
    setTwinThreads(false);
    const serial = sacParamsHash();
    setTwinThreads(true);
    setTwinThreshold(0); // these 64-unit critics would otherwise stay on one thread
    try {
      const t0 = Date.now();
      while (!twinInfo().ready && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(twinInfo().ready, `the twin worker did not start: ${JSON.stringify(twinInfo())}`);
      assert.equal(sacParamsHash(), serial);
    } finally {
      setTwinThreshold();
    }
  },
);
