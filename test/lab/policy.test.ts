import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyLogProbs, policyProbs } from '../../src/lab/policy.ts';
import type { SoftmaxPolicy } from '../../src/lab/index.ts';

// Two rows of logits; the second is the first shifted by 1000, which a softmax without the max shift
// would overflow on.
const policy: SoftmaxPolicy = {
  numStates: 2,
  numActions: 3,
  horizon: 1,
  timeDependent: false,
  theta: Float64Array.from([0, Math.log(2), Math.log(5), 1000, 1000 + Math.log(2), 1000 + Math.log(5)]),
};

test('policyProbs: softmax of each row, by hand (1, 2, 5) / 8, and shift-invariant', () => {
  const p = policyProbs(policy);
  const want = [1 / 8, 2 / 8, 5 / 8, 1 / 8, 2 / 8, 5 / 8];
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(p[i] - want[i]) < 1e-12, `probs[${i}] = ${p[i]}, expected ${want[i]}`);
});

test('policyLogProbs: log of (1, 2, 5) / 8 in each row, stable at logits near 1000', () => {
  const lp = policyLogProbs(policy);
  const want = [1, 2, 5, 1, 2, 5].map((w) => Math.log(w / 8));
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(lp[i] - want[i]) < 1e-12, `logProbs[${i}] = ${lp[i]}, expected ${want[i]}`);
});
