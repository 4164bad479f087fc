import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standardize } from '../../src/rollout/returns.ts';

test('standardize: mean 0 and population std 1, in place (hand-computed for 1, 2, 3)', () => {
  const w = Float32Array.of(1, 2, 3);
  standardize(w);
  // mean 2, population std sqrt(2/3): (x - 2) / sqrt(2/3) = -1.2247..., 0, 1.2247...
  const z = Math.sqrt(1.5);
  assert.ok(Math.abs(w[0] + z) < 1e-6 && w[1] === 0 && Math.abs(w[2] - z) < 1e-6, String(Array.from(w)));
  const c = Float32Array.of(5, 5);
  standardize(c);
  assert.deepEqual(Array.from(c), [0, 0], 'a constant batch becomes zeros (the 1e-8 keeps it finite)');
});
