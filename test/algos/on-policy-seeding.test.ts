/**
 * PPO's and TRPO's constructors draw their networks from the seed in a fixed order (policy, value,
 * collector); these pinned weight checksums change if that order or a network's initial draw does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../src/algos/index.ts';
import type { Tensor } from '../../src/tensor/index.ts';

/** sum_i w_i (i mod 7 + 1) over every parameter in order, in float64: sensitive to order and values. */
function checksum(params: Tensor[]): number {
  let s = 0;
  let i = 0;
  for (const p of params) for (const w of p.data) s += w * ((i++ % 7) + 1);
  return s;
}

for (const algo of ['ppo', 'trpo']) {
  test(`${algo}: the initial policy and value weights at seed 7 match the pinned checksums`, () => {
    const a = ALGORITHMS[algo].create({ env: 'CartPole-v1', numEnvs: 2, seed: 7 }) as any;
    try {
      const got = [checksum(a.policy.parameters()), checksum(a.value.parameters())];
      assert.deepEqual(got, PINNED[algo]);
    } finally {
      a.close();
    }
  });
}

// Measured before makeEnvsAndPolicies was shared (the constructors' own code) and after: equal.
const PINNED: Record<string, number[]> = { ppo: [-7.396490460045129, -10.912024197346], trpo: [-7.396490460045129, -10.912024197346] };
