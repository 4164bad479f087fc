import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainHardAttention } from '../../examples/hard-attention.ts';

test('hard attention learns where to look only through the score-function estimator', () => {
  const withSf = trainHardAttention({ steps: 300, seed: 1 });
  const last = withSf[withSf.length - 1];
  assert.ok(last.attendsCue >= 0.9 && last.accuracy >= 0.9, JSON.stringify(last));
  const control = trainHardAttention({ steps: 300, seed: 1, scoreFunction: false });
  const c = control[control.length - 1];
  assert.ok(c.attendsCue < 0.4 && c.accuracy < 0.8, `without the score function: ${JSON.stringify(c)}`);
});
