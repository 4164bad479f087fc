// SAC with its twin critics and targets on two threads (issue 12, tensor/wasm/pair.ts): the run
// must end on the same parameters, bit for bit, as the one-thread run pinned in sac-checksum.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sacParamsHash } from './sac-hash.ts';
import { kernelInfo, setTwinThreshold, setTwinThreads, twinInfo } from '../../src/tensor/index.ts';

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
