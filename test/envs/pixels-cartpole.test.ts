import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../src/envs/index.ts';
import type { Box } from '../../src/envs/spaces.ts';
import { CartPoleEnv } from '../../src/envs/classic/cartpole.ts';
import { drawCartPole } from '../../src/envs/classic/render.ts';
import { makeCartPolePixels } from '../../src/envs/pixels/index.ts';
import { PPO } from '../../src/algos/ppo.ts';
import { CnnPolicy } from '../../src/policies/cnn.ts';

const H = 40,
  W = 60,
  HW = H * W;

/**
 * The frame the pipeline must show for a cart at x with the pole at theta, computed here by hand:
 * draw at 4x (160 x 240), BT.601 luma rounded to uint8, the mean of each 4x4 block rounded, / 255.
 */
function expectedFrame(x: number, theta: number): Float32Array {
  const f = drawCartPole(x, theta, 2.4, 0.5, 4 * W, 4 * H);
  const out = new Float32Array(HW);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      let s = 0;
      for (let dr = 0; dr < 4; dr++)
        for (let dc = 0; dc < 4; dc++) {
          const i = ((4 * r + dr) * 4 * W + 4 * c + dc) * 3;
          s += Math.round(0.299 * f.data[i] + 0.587 * f.data[i + 1] + 0.114 * f.data[i + 2]);
        }
      out[r * W + c] = Math.round(s / 16) / 255;
    }
  return out;
}

const frame = (obs: Float32Array, k: number) => Array.from(obs.subarray(k * HW, (k + 1) * HW));
const state = (env: { unwrapped: unknown }) => (env.unwrapped as CartPoleEnv).getState();

test('CartPolePixels-v1: a [4, 40, 60] float32 Box in [0, 1], with CartPole-v1 limit and threshold', () => {
  const env = make('CartPolePixels-v1');
  const space = env.observationSpace as Box;
  assert.deepEqual([space.shape, space.dtype, space.low[0], space.high[0]], [[4, 40, 60], 'float32', 0, 1]);
  assert.deepEqual([env.spec?.maxEpisodeSteps, env.spec?.rewardThreshold], [500, 475]);
  const { obs } = env.reset({ seed: 0 });
  assert.ok(obs instanceof Float32Array && obs.length === 4 * HW);
  assert.ok(space.contains(obs));
  assert.ok(env.unwrapped instanceof CartPoleEnv);
  assert.equal(env.actionSpace.toString(), make('CartPole-v1').actionSpace.toString());
});

test('CartPolePixels-v1: each frame is the picture of its step, oldest first; reset fills the stack with the reset frame', () => {
  const env = make('CartPolePixels-v1');
  let { obs } = env.reset({ seed: 5 });
  let s = state(env);
  const history = [expectedFrame(s[0], s[2])];
  for (let k = 0; k < 4; k++) assert.deepEqual(frame(obs, k), Array.from(history[0]), `reset: slot ${k} is the reset frame`);
  let episodes = 0;
  for (let t = 0; episodes < 2; t++) {
    const r = env.step(t % 3 === 0 ? 0 : 1);
    obs = r.obs;
    s = state(env);
    history.push(expectedFrame(s[0], s[2]));
    // Slot 3 is this step's frame, slot 2 the previous one, ... (padding with the reset frame at the start).
    for (let k = 0; k < 4; k++) {
      const want = history[Math.max(0, history.length - 4 + k)];
      assert.deepEqual(frame(obs, k), Array.from(want), `episode ${episodes} step ${t}: slot ${k}`);
    }
    if (r.terminated || r.truncated) {
      episodes++;
      obs = env.reset().obs;
      s = state(env);
      history.length = 0;
      history.push(expectedFrame(s[0], s[2]));
      for (let k = 0; k < 4; k++) assert.deepEqual(frame(obs, k), Array.from(history[0]), 'after the episode: no frame of the last one');
    }
  }
});

test('CartPolePixels-v1: the picture follows the state (the cart moves right, the pole leans)', () => {
  const env = make('CartPolePixels-v1', { kwargs: { frameStack: 1 } });
  env.reset({ seed: 0 });
  const at = (x: number, theta: number) => {
    (env.unwrapped as CartPoleEnv).setState([x, 0, theta, 0]);
    return Float32Array.from(env.step(0).obs); // a copy (the wrapper reuses its buffer); one step moves x and theta by tau * velocity = 0: the frame shows [x, theta]
  };
  /** Darkness-weighted mean column of rows r0..r1-1. */
  const centroid = (img: Float32Array, r0: number, r1: number) => {
    let m = 0,
      mc = 0;
    for (let r = r0; r < r1; r++)
      for (let c = 0; c < W; c++) {
        const d = 1 - img[r * W + c];
        m += d;
        mc += d * c;
      }
    return mc / m;
  };
  // Row 0 is the top. The cart spans 85..115 of 400 up (rows 28-31), the track line is at 100 (row 29):
  // rows 30-31 hold the cart's lower half and nothing else; the pole's top reaches 232 of 400 (row 16).
  const left = at(-1, 0),
    right = at(1, 0);
  const shift = centroid(right, 30, 32) - centroid(left, 30, 32);
  assert.ok(Math.abs(shift - 2 * 12.5) < 1, `the cart moves 12.5 columns per metre: shifted ${shift}`); // 60 px / 4.8 m
  const lean = centroid(at(0, 0.15), 17, 22) - centroid(at(0, -0.15), 17, 22);
  assert.ok(lean > 2, `a pole leaning right (theta > 0) puts its top to the right: ${lean}`);
});

test('CartPolePixels-v1: drawing at 4x the frame size gives nearly the frames of Gymnasium 600x400 screen, resized', () => {
  const small = make('CartPolePixels-v1', { kwargs: { frameStack: 1 } });
  const full = make('CartPolePixels-v1', { kwargs: { frameStack: 1, renderSize: [400, 600] } });
  small.reset({ seed: 1 });
  full.reset({ seed: 1 });
  let worstMean = 0,
    worstMax = 0;
  for (let t = 0; t < 30; t++) {
    const a = small.step(t % 2).obs,
      b = full.step(t % 2).obs;
    let sum = 0,
      max = 0;
    for (let i = 0; i < HW; i++) {
      const d = Math.abs(a[i] - b[i]);
      sum += d;
      max = Math.max(max, d);
    }
    worstMean = Math.max(worstMean, sum / HW);
    worstMax = Math.max(worstMax, max);
  }
  // Measured: mean |difference| at most 0.0043, most of it (0.0038) the track line, one pixel thick at
  // any size (so 1/4 of a frame row dark, not 1/10); at most 0.25 at single pixels on the edges.
  assert.ok(worstMean < 0.006, `mean |small - full| ${worstMean}`);
  assert.ok(worstMax < 0.3, `max |small - full| ${worstMax}`);
});

test('CartPole renderWidth/renderHeight: the 600x400 default is unchanged, bad sizes are refused', () => {
  const a = new CartPoleEnv({ renderMode: 'rgb_array' }),
    b = new CartPoleEnv({ renderMode: 'rgb_array', renderWidth: 600, renderHeight: 400 });
  a.setState([0.3, 0, -0.1, 0]);
  b.setState([0.3, 0, -0.1, 0]);
  assert.deepEqual(b.render().data, a.render().data);
  const c = new CartPoleEnv({ renderMode: 'rgb_array', renderWidth: 90, renderHeight: 60 }).render();
  assert.deepEqual([c.width, c.height, c.data.length], [90, 60, 90 * 60 * 3]);
  assert.throws(() => new CartPoleEnv({ renderWidth: 0 }), /renderWidth must be a positive integer \(pixels\), got 0/);
  assert.throws(() => makeCartPolePixels({ size: [40, 0] }), /size must be \[height, width\] in whole pixels >= 1, got \[40,0\]/);
  assert.throws(() => makeCartPolePixels({ size: [40, 60], renderSize: [20, 600] }), /renderSize \[20,600\] must be at least size \[40,60\]/);
  assert.throws(() => makeCartPolePixels({ frameStack: 0 }), /frameStack must be an integer >= 1, got 0/);
});

test('PPO takes CartPolePixels-v1 by id: a NatureCNN on the [4, 40, 60] stack, one update', () => {
  const agent = new PPO({ env: 'CartPolePixels-v1', numEnvs: 2, nSteps: 16, batchSize: 32, epochs: 1, seed: 0, totalSteps: 32 });
  const before = Array.from(agent.policy.parameters()[0].data.slice(0, 8));
  agent.learn();
  assert.equal(agent.steps, 32);
  const policy = agent.policy as CnnPolicy;
  assert.ok(policy instanceof CnnPolicy && policy.encoder.kind === 'nature');
  assert.deepEqual(policy.encoder.imageShape, [4, 40, 60]);
  assert.notDeepEqual(Array.from(agent.policy.parameters()[0].data.slice(0, 8)), before, 'the encoder learned');
  agent.close();
});
