import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseEnv, type StepResult } from '../../src/envs/env.ts';
import { Box, Discrete } from '../../src/envs/spaces.ts';
import { AddRenderObservation } from '../../src/wrappers/index.ts';
import { GrayscaleObservation, ResizeObservation, ScaleObservation, ChannelsFirstObservation } from '../../src/wrappers/pixels.ts';
import { CatchEnv } from '../../src/envs/pixels/catch.ts';

/** An env whose observation is a fixed image (to test the wrappers on known pixels). */
class ImageEnv extends BaseEnv<Uint8Array, number> {
  readonly actionSpace = new Discrete(1);
  constructor(
    readonly observationSpace: Box<Uint8Array>,
    private readonly img: Uint8Array,
  ) {
    super();
  }
  reset() {
    return { obs: this.img, info: {} };
  }
  step(): StepResult<Uint8Array> {
    return this.stepResult(this.img, 0, false);
  }
}

test('GrayscaleObservation: BT.601 luma by hand, rounded for uint8; keepDim adds a channel axis', () => {
  const img = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  const env = new ImageEnv(new Box<Uint8Array>(0, 255, [2, 2, 3], 'uint8'), img);
  const g = new GrayscaleObservation(env);
  assert.deepEqual((g.observationSpace as Box).shape, [2, 2]);
  assert.deepEqual(Array.from(g.reset().obs as Uint8Array), [76, 150, 29, Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)]);
  assert.deepEqual((new GrayscaleObservation(env, true).observationSpace as Box).shape, [2, 2, 1]);
  assert.throws(() => new GrayscaleObservation(new GrayscaleObservation(env)), /expected RGB images \[H, W, 3\], got 1 channel/);
});

test('ResizeObservation: area averaging with fractional overlaps, by hand', () => {
  // One row of 3 pixels to 2: output 0 covers pixel 0 and half of pixel 1, output 1 the other half and pixel 2.
  const env = new ImageEnv(new Box<Uint8Array>(0, 255, [1, 3], 'uint8'), Uint8Array.from([30, 90, 150]));
  const r = new ResizeObservation(env, [1, 2]);
  assert.deepEqual(Array.from(r.reset().obs as Uint8Array), [Math.round((30 + 45) / 1.5), Math.round((45 + 150) / 1.5)]);
  // 4x4 to 2x2: means of 2x2 blocks.
  const env2 = new ImageEnv(new Box<Uint8Array>(0, 255, [4, 4], 'uint8'), Uint8Array.from([0, 4, 8, 12, 4, 8, 12, 16, 100, 100, 0, 0, 100, 100, 0, 0]));
  assert.deepEqual(Array.from(new ResizeObservation(env2, [2, 2]).reset().obs as Uint8Array), [4, 12, 100, 0]);
  assert.throws(() => new ResizeObservation(env2, [8, 2]), /downscaling only\), got \[8,2\]/);
});

test('ScaleObservation and ChannelsFirstObservation: /255 and HWC -> CHW', () => {
  const img = Uint8Array.from([0, 51, 102, 153, 204, 255]); // [1, 2, 3]
  const env = new ImageEnv(new Box<Uint8Array>(0, 255, [1, 2, 3], 'uint8'), img);
  const s = new ChannelsFirstObservation(new ScaleObservation(env));
  assert.deepEqual((s.observationSpace as Box).shape, [3, 1, 2]);
  assert.deepEqual(Array.from(s.reset().obs as Float32Array), [0, 0.6, 0.2, 0.8, 0.4, 1].map(Math.fround));
  assert.throws(() => new ScaleObservation(s as any), /expected a uint8 Box of pixels/);
});

test("the Gymnasium-style pipeline on rendered Catch gives exactly CatchPixels' observations", () => {
  const pixels = new CatchEnv({ obsType: 'pixels' });
  const rendered = new CatchEnv({ renderMode: 'rgb_array', cellPixels: 4 });
  const pipe = new ChannelsFirstObservation(new ScaleObservation(new ResizeObservation(new GrayscaleObservation(new AddRenderObservation(rendered)), [10, 5])));
  assert.deepEqual((pipe.observationSpace as Box).shape, [1, 10, 5]);
  for (let seed = 0; seed < 3; seed++) {
    let a = pixels.reset({ seed }).obs,
      b = pipe.reset({ seed }).obs as Float32Array;
    for (let t = 0; ; t++) {
      assert.deepEqual(Array.from(b), Array.from(a), `seed ${seed} step ${t}`);
      const act = (seed + t) % 3;
      const ra = pixels.step(act),
        rb = pipe.step(act);
      a = ra.obs;
      b = rb.obs as Float32Array;
      assert.equal(rb.reward, ra.reward);
      if (ra.terminated) break;
    }
  }
});
