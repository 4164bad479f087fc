import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatchEnv } from '../../src/envs/pixels/index.ts';
import { make } from '../../src/envs/registry.ts';

test('Catch: the ball falls one row per step; +1 when the paddle is under it at the bottom, else -1', () => {
  const env = new CatchEnv();
  const { obs } = env.reset({ seed: 3 });
  const ballCol = Math.round(obs[0] * 4);
  assert.equal(obs[1], 0);
  assert.equal(obs[2], 0.5); // paddle in the middle of 5 columns
  // Move the paddle under the ball, then stay.
  let paddle = 2,
    r;
  for (let t = 0; t < 9; t++) {
    const a = paddle < ballCol ? 2 : paddle > ballCol ? 0 : 1;
    paddle += a - 1;
    r = env.step(a);
    assert.equal(r.terminated, t === 8, `step ${t}`);
    assert.ok(Math.abs(r.obs[1] - (t + 1) / 9) < 1e-6);
  }
  assert.equal(r!.reward, 1);
  env.reset({ seed: 3 });
  let last;
  for (let t = 0; t < 9; t++) last = env.step(ballCol >= 2 ? 0 : 2); // run away from the ball
  assert.equal(last!.reward, -1);
  assert.throws(() => env.step(1), /call reset\(\) before step\(\)/);
});

test('CatchPixels: the same game as an image with ball and paddle at 1; the registry makes both twins', () => {
  const px = make('CatchPixels-v0'),
    st = make('Catch-v0');
  const a = px.reset({ seed: 5 }).obs as Float32Array,
    b = st.reset({ seed: 5 }).obs as Float32Array;
  assert.equal(a.length, 50);
  const ballCol = Math.round(b[0] * 4);
  assert.equal(a[ballCol], 1);
  assert.equal(a[9 * 5 + 2], 1);
  assert.equal(
    a.reduce((s, v) => s + v, 0),
    2,
  );
  assert.throws(() => new CatchEnv({ obsType: 'rgb' as 'state' }), /obsType must be 'state' or 'pixels', got "rgb"/);
  assert.throws(() => new CatchEnv().reset().obs && new CatchEnv().step(1), /call reset\(\) before step\(\)/);
});

test('Catch snapshots restore the board exactly', () => {
  const env = new CatchEnv({ obsType: 'pixels' });
  env.reset({ seed: 1 });
  env.step(0);
  const snap = env.snapshot();
  const after = Array.from(env.step(2).obs);
  env.restore(snap);
  assert.deepEqual(Array.from(env.step(2).obs), after);
});
