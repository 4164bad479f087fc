/**
 * Observation wrappers for images, in Gymnasium's idiom (gymnasium.wrappers.GrayscaleObservation,
 * ResizeObservation) plus the two steps image policies need after them: scaling uint8 pixels to
 * [0, 1] floats (what SB3's CNN policies do by dividing by 255) and moving channels first (SB3's
 * VecTransposeImage), since convolutions here take NCHW.
 *
 * Images are row-major with channels last ([H, W, C] or [H, W]), as AddRenderObservation gives them.
 * Each wrapper writes into one buffer it owns (the env ownership rule: copy what you keep).
 */
import { snapshotsLikeParent, type Env } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import { Box, type Space } from '../envs/spaces.ts';

type Pixels = Uint8Array | Float32Array;

/** Shape [H, W, C] of an image Box ([H, W] counts as one channel), or an error naming the space. */
function imageShape(who: string, space: Space<any>): [number, number, number] {
  if (!(space instanceof Box) || (space.shape.length !== 2 && space.shape.length !== 3)) {
    throw new RangeError(`${who}: expected an image observation space Box [H, W] or [H, W, C], got ${String(space)}`);
  }
  const [h, w, c = 1] = space.shape;
  return [h, w, c];
}

/** A wrapper that maps each image observation into its own buffer. */
abstract class ImageWrapper<Act> extends ObservationWrapper<any, Act, any> {
  protected abstract override observation(obs: Pixels): Pixels;
}

/**
 * RGB [H, W, 3] -> luma [H, W] (or [H, W, 1] with keepDim), Y = 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601, what Gymnasium's GrayscaleObservation computes through OpenCV), rounded for uint8.
 */
export class GrayscaleObservation<Act> extends ImageWrapper<Act> {
  private readonly out: Pixels;
  constructor(
    env: Env<any, Act>,
    readonly keepDim = false,
  ) {
    super(env);
    const [h, w, c] = imageShape('GrayscaleObservation', env.observationSpace);
    if (c !== 3) throw new RangeError(`GrayscaleObservation: expected RGB images [H, W, 3], got ${c} channel(s) in ${String(env.observationSpace)}`);
    const box = env.observationSpace as Box<any>;
    const u8 = box.dtype === 'uint8';
    this.observationSpace = new Box<any>(0, u8 ? 255 : 1, keepDim ? [h, w, 1] : [h, w], u8 ? 'uint8' : 'float32');
    this.out = u8 ? new Uint8Array(h * w) : new Float32Array(h * w);
  }
  protected observation(obs: Pixels): Pixels {
    const o = this.out,
      round = o instanceof Uint8Array;
    for (let i = 0; i < o.length; i++) {
      const y = 0.299 * obs[3 * i] + 0.587 * obs[3 * i + 1] + 0.114 * obs[3 * i + 2];
      o[i] = round ? Math.round(y) : y;
    }
    return o;
  }
  /** Snapshot: none of its own (its buffer is rewritten from the inner observation at every step). */
  static {
    snapshotsLikeParent(GrayscaleObservation);
  }
}

/**
 * Downscale to [height, width] by area averaging (OpenCV's INTER_AREA, which Gymnasium's
 * ResizeObservation uses): each output pixel is the mean of the input area it covers, with
 * fractional overlaps weighted. Upscaling is refused (no frame here needs it).
 */
export class ResizeObservation<Act> extends ImageWrapper<Act> {
  private readonly out: Pixels;
  private readonly inShape: [number, number, number];
  private readonly rows: { i: number; w: number }[][];
  private readonly cols: { i: number; w: number }[][];
  constructor(
    env: Env<any, Act>,
    readonly shape: [number, number],
  ) {
    super(env);
    const [h, w, c] = (this.inShape = imageShape('ResizeObservation', env.observationSpace));
    const [oh, ow] = shape ?? [];
    if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1 || oh > h || ow > w) {
      throw new RangeError(
        `ResizeObservation: shape must be [height, width] with 1 <= height <= ${h} and 1 <= width <= ${w} (downscaling only), got ${JSON.stringify(shape)}`,
      );
    }
    const box = env.observationSpace as Box<any>;
    const u8 = box.dtype === 'uint8';
    const outShape = box.shape.length === 3 ? [oh, ow, c] : [oh, ow];
    this.observationSpace = new Box<any>(u8 ? 0 : box.low[0], u8 ? 255 : box.high[0], outShape, u8 ? 'uint8' : 'float32');
    this.out = u8 ? new Uint8Array(oh * ow * c) : new Float32Array(oh * ow * c);
    this.rows = areaWeights(h, oh);
    this.cols = areaWeights(w, ow);
  }
  protected observation(obs: Pixels): Pixels {
    const [, w, c] = this.inShape,
      o = this.out,
      round = o instanceof Uint8Array,
      ow = this.cols.length;
    for (let y = 0; y < this.rows.length; y++)
      for (let x = 0; x < ow; x++)
        for (let k = 0; k < c; k++) {
          let s = 0;
          for (const r of this.rows[y]) for (const q of this.cols[x]) s += r.w * q.w * obs[(r.i * w + q.i) * c + k];
          o[(y * ow + x) * c + k] = round ? Math.round(s) : s;
        }
    return o;
  }
  /** Snapshot: none of its own (its buffer is rewritten from the inner observation at every step). */
  static {
    snapshotsLikeParent(ResizeObservation);
  }
}

/** For each of n output cells over m input cells: the input cells it covers and their weights (summing to 1). */
function areaWeights(m: number, n: number): { i: number; w: number }[][] {
  const scale = m / n;
  return Array.from({ length: n }, (_, j) => {
    const lo = j * scale,
      hi = (j + 1) * scale,
      cells: { i: number; w: number }[] = [];
    for (let i = Math.floor(lo); i < Math.min(m, Math.ceil(hi)); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 1e-12) cells.push({ i, w: overlap / scale });
    }
    return cells;
  });
}

/** uint8 pixels -> float32 in [0, 1] (divide by 255). */
export class ScaleObservation<Act> extends ImageWrapper<Act> {
  private readonly out: Float32Array;
  constructor(env: Env<any, Act>) {
    super(env);
    const box = env.observationSpace;
    if (!(box instanceof Box) || box.dtype !== 'uint8') throw new RangeError(`ScaleObservation: expected a uint8 Box of pixels, got ${String(box)}`);
    this.observationSpace = new Box<Float32Array>(0, 1, box.shape, 'float32');
    this.out = new Float32Array(box.size);
  }
  protected observation(obs: Pixels): Pixels {
    for (let i = 0; i < this.out.length; i++) this.out[i] = obs[i] / 255;
    return this.out;
  }
  /** Snapshot: none of its own (its buffer is rewritten from the inner observation at every step). */
  static {
    snapshotsLikeParent(ScaleObservation);
  }
}

/** [H, W, C] -> [C, H, W] ([H, W] -> [1, H, W]): the layout conv2d takes. */
export class ChannelsFirstObservation<Act> extends ImageWrapper<Act> {
  private readonly out: Pixels;
  private readonly hwc: [number, number, number];
  constructor(env: Env<any, Act>) {
    super(env);
    const [h, w, c] = (this.hwc = imageShape('ChannelsFirstObservation', env.observationSpace));
    const box = env.observationSpace as Box<any>;
    const u8 = box.dtype === 'uint8';
    const perm = (a: Float64Array) => {
      const o = new Float64Array(a.length);
      for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) o[k * h * w + i] = a[i * c + k];
      return o;
    };
    this.observationSpace = new Box<any>(perm(box.low), perm(box.high), [c, h, w], u8 ? 'uint8' : 'float32');
    this.out = u8 ? new Uint8Array(h * w * c) : new Float32Array(h * w * c);
  }
  protected observation(obs: Pixels): Pixels {
    const [h, w, c] = this.hwc,
      o = this.out;
    for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) o[k * h * w + i] = obs[i * c + k];
    return o;
  }
  /** Snapshot: none of its own (its buffer is rewritten from the inner observation at every step). */
  static {
    snapshotsLikeParent(ChannelsFirstObservation);
  }
}
