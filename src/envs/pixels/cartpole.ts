/**
 * Pixel CartPole: CartPole-v1 seen only through its rendered frames, composed the way Gymnasium
 * users build it (AddRenderObservation, GrayscaleObservation, ResizeObservation,
 * FrameStackObservation), with the uint8 -> [0, 1] scaling SB3's CNN policies do:
 *
 *   CartPole-v1 (rgb_array) -> AddRenderObservation -> grayscale -> resize to size
 *     -> scale to [0, 1] -> frame stack (oldest first): observation [stack, height, width] float32
 *
 * One frame holds positions only; the stack of the last 4 holds the velocities (Mnih et al. 2015 stack
 * 4 Atari frames for the same reason). The stack axis comes first, so the observation is already the
 * [C, H, W] image a CNN takes.
 *
 * Rendering Gymnasium's 600x400 screen and area-averaging it down is the faithful pipeline
 * (`renderSize: [400, 600]`); by default the renderer draws at 4x the target size instead, the same
 * scene scaled, which the resize then averages: nearly the same image (test/envs/pixels-cartpole.test.ts
 * bounds the difference) at a fraction of the cost (bench/learning/pixels.ts measures both).
 */
import type { Env } from '../env.ts';
import { CartPoleEnv } from '../classic/cartpole.ts';
import { AddRenderObservation } from '../../wrappers/add-render-observation.ts';
import { GrayscaleObservation, ResizeObservation, ScaleObservation } from '../../wrappers/pixels.ts';
import { FrameStackObservation } from '../../wrappers/frame-stack.ts';

export interface CartPolePixelsOptions {
  /** [height, width] of each frame the policy sees (default [40, 60]: the screen's 2:3, 1/10 of it). */
  size?: [number, number];
  /** Frames per observation (default 4). */
  frameStack?: number;
  /** [height, width] the renderer draws at, at least `size` (default 4 x size; Gymnasium's screen is [400, 600]). */
  renderSize?: [number, number];
}

function pair(who: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`CartPolePixels: ${who} must be [height, width] in whole pixels >= 1, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1]];
}

/** The settings with defaults filled in and checked. */
export function cartPolePixelsSettings(opts: CartPolePixelsOptions = {}): Required<CartPolePixelsOptions> {
  const size = pair('size', opts.size ?? [40, 60]);
  const renderSize = pair('renderSize', opts.renderSize ?? [4 * size[0], 4 * size[1]]);
  if (renderSize[0] < size[0] || renderSize[1] < size[1]) {
    throw new RangeError(`CartPolePixels: renderSize ${JSON.stringify(renderSize)} must be at least size ${JSON.stringify(size)} (frames are only downscaled)`);
  }
  const frameStack = opts.frameStack ?? 4;
  if (!Number.isInteger(frameStack) || frameStack < 1) throw new RangeError(`CartPolePixels: frameStack must be an integer >= 1, got ${frameStack}`);
  return { size, frameStack, renderSize };
}

/** The pixel pipeline around an env made with renderMode 'rgb_array' (CartPole or any other). */
export function pixelObservations<Act>(env: Env<any, Act>, size: [number, number], frameStack: number): Env<Float32Array, Act> {
  const gray = new GrayscaleObservation(new AddRenderObservation(env));
  return new FrameStackObservation(new ScaleObservation(new ResizeObservation(gray, size)), frameStack) as unknown as Env<Float32Array, Act>;
}

/** CartPole-v1's dynamics behind the pixel pipeline (no TimeLimit: make('CartPolePixels-v1') adds 500 steps). */
export function makeCartPolePixels(opts: CartPolePixelsOptions = {}): Env<Float32Array, number> {
  const { size, frameStack, renderSize } = cartPolePixelsSettings(opts);
  const cartpole = new CartPoleEnv({ renderMode: 'rgb_array', renderHeight: renderSize[0], renderWidth: renderSize[1] });
  return pixelObservations(cartpole, size, frameStack);
}
