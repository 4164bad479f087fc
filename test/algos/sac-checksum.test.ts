import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SAC } from '../../src/algos/sac.ts';

/**
 * A short SAC run's (at RLtools' Pendulum sizes: 64x64, batch 100) final parameters, hashed bit for bit (issue 12): speed work on the SAC learner,
 * the actor-critic modules and the loop must leave the arithmetic and the random streams as they
 * were. The pinned hash is of the run before that work (commit a38c4f4); if a change alters the
 * arithmetic on purpose, say so in its commit and pin the new hash.
 */
export function sacParamsHash(): string {
  const sac = new SAC({ env: 'Pendulum-v1', seed: 3, totalSteps: 300, learningStarts: 50, batchSize: 100, hidden: [64, 64], lr: 1e-3, logInterval: 150 });
  sac.learn();
  const h = createHash('sha256');
  for (const m of sac.trainedModules())
    for (const [name, p] of m.namedParameters()) h.update(name).update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  h.update(Float32Array.of(sac.learner.logAlpha.data[0]));
  sac.close();
  return h.digest('hex');
}

test('SAC: a 300-step run ends on the pinned parameters, bit for bit', () => {
  assert.equal(sacParamsHash(), 'db98477f649df42a4567139f78e220dcaa254d5d60f9d678dfbc2ead6feb4dd6');
});
