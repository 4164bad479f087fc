import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, registeredIds } from '../../src/envs/index.ts';
import { FrameStackObservation, MaskVelocity } from '../../src/wrappers/index.ts';

// Regression: an observation wrapper replaces result.obs in the env's reused result object; the env
// must put its own observation back on every step, or the next step returns the wrapper's stale output.
test('observation wrappers see a fresh observation on every step of every classic env', () => {
  for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1']) {
    const plain = make(id),
      stacked = new FrameStackObservation(make(id), 2);
    const action = plain.actionSpace.constructor.name === 'Discrete' ? 1 : Float32Array.from([0.5]);
    const a = plain.reset({ seed: 3 }).obs.slice();
    const b = stacked.reset({ seed: 3 }).obs.slice();
    assert.deepEqual(b.subarray(a.length), a, id);
    let prev = a;
    for (let t = 0; t < 5; t++) {
      const pa = plain.step(action).obs.slice();
      const pb = stacked.step(action).obs.slice();
      assert.deepEqual(Array.from(pb), [...prev, ...pa], `${id} step ${t}`);
      prev = pa;
    }
  }
  assert.ok(registeredIds().includes('CartPoleMaskedVelocity-v1'));
  const masked = new FrameStackObservation(new MaskVelocity(make('CartPole-v1')), 2);
  masked.reset({ seed: 1 });
  const x1 = masked.step(1).obs[4],
    x2 = masked.step(1).obs[4];
  assert.notEqual(x1, x2);
});
