/**
 * Policies and values that see images: a convolutional encoder, then a linear head.
 *
 * Observations arrive flat ([B, C * H * W], as vector envs and rollouts hold them) and are viewed
 * as NCHW images. Two encoders:
 *  - 'nature': the DQN encoder of Mnih et al. (2015, Nature 518): 32 8x8 stride 4, 64 4x4 stride 2,
 *    64 3x3 stride 1, ReLU, then a 512-unit linear layer (SB3's NatureCNN; inputs 84x84 and up);
 *  - 'small': for small boards and frames (Catch's 10x5): 16 and 32 3x3 filters, stride 1, padding
 *    1, ReLU, then a 128-unit linear layer.
 * 'auto' takes 'nature' for images of at least 36x36 (the smallest its convolutions accept) and
 * 'small' below. Initialisation follows SB3 and CleanRL: orthogonal with gain sqrt(2) in the
 * encoder, 0.01 on the policy head, 1 on the value head.
 *
 * Observations that are a Dict of images and vectors (flattened to a FlatDictBox) get a combined
 * encoder, as SB3's MultiInputPolicy and CombinedExtractor: a CNN per image key, an MLP per vector
 * key, their features concatenated, then the heads.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, conv2d, relu, reshape, noGrad, flattenBatch, slice, concat } from '../tensor/index.ts';
import { Linear, MLP, Module, orthogonal, type Activation } from '../nn/index.ts';
import { Box, type FlatDictBox } from '../envs/spaces.ts';
import { Categorical, DiagGaussian, type Distribution } from '../distributions/index.ts';
import type { ActResult, Policy } from './policy.ts';

/** A 2-D convolution layer: weight [O, C, k, k], bias [O]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    rng: Rng,
    readonly stride = 1,
    readonly padding = 0,
    gain = Math.SQRT2,
  ) {
    super();
    for (const [k, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['kernel', kernel],
      ['stride', stride],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Conv2d: ${k} must be a positive integer, got ${v}`);
    }
    const fanIn = inChannels * kernel * kernel;
    // Orthogonal over the [fanIn, O] view of the filters (torch.nn.init.orthogonal_ flattens the same way).
    const w = orthogonal(rng, fanIn, outChannels, gain);
    const wt = new Float32Array(outChannels * fanIn);
    for (let i = 0; i < fanIn; i++) for (let o = 0; o < outChannels; o++) wt[o * fanIn + i] = w[i * outChannels + o];
    this.weight = Tensor.param(wt, [outChannels, inChannels, kernel, kernel], 'weight');
    this.bias = Tensor.param(new Float32Array(outChannels), [outChannels], 'bias');
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
  namedParameters(): [string, Tensor][] {
    return [
      ['weight', this.weight],
      ['bias', this.bias],
    ];
  }
}

export type EncoderKind = 'nature' | 'small';
/** An encoder, or 'auto': 'nature' for images of at least 36x36, else 'small'. */
export type EncoderChoice = EncoderKind | 'auto';

/** The encoder an image [C, H, W] gets for a choice ('auto': NatureCNN where it fits, 36x36 and up). */
export function resolveEncoder(choice: EncoderChoice, imageShape: readonly number[]): EncoderKind {
  if (choice === 'auto') return imageShape[1] >= 36 && imageShape[2] >= 36 ? 'nature' : 'small';
  if (choice !== 'nature' && choice !== 'small') throw new RangeError(`encoder must be 'nature', 'small' or 'auto', got ${JSON.stringify(choice)}`);
  return choice;
}

/** Convolutions, ReLU, flatten, a linear layer and ReLU: image [B, C, H, W] -> features [B, features]. */
export class CnnEncoder extends Module {
  readonly convs: Conv2d[];
  readonly fc: Linear;
  readonly features: number;
  readonly kind: EncoderKind;
  constructor(
    readonly imageShape: [number, number, number],
    choice: EncoderChoice,
    rng: Rng,
  ) {
    super();
    const [C, H, W] = imageShape;
    if (![C, H, W].every((d) => Number.isInteger(d) && d > 0))
      throw new RangeError(`CnnEncoder: image shape must be [C, H, W] of positive integers, got ${JSON.stringify(imageShape)}`);
    const kind = (this.kind = choice === 'auto' ? resolveEncoder(choice, imageShape) : choice);
    if (kind === 'nature') {
      this.convs = [new Conv2d(C, 32, 8, rng, 4), new Conv2d(32, 64, 4, rng, 2), new Conv2d(64, 64, 3, rng, 1)];
      this.features = 512;
    } else if (kind === 'small') {
      this.convs = [new Conv2d(C, 16, 3, rng, 1, 1), new Conv2d(16, 32, 3, rng, 1, 1)];
      this.features = 128;
    } else {
      throw new RangeError(`CnnEncoder: encoder must be 'nature', 'small' or 'auto', got ${JSON.stringify(choice)}`);
    }
    let h = H,
      w = W;
    for (const c of this.convs) {
      h = Math.floor((h + 2 * c.padding - c.kernel) / c.stride) + 1;
      w = Math.floor((w + 2 * c.padding - c.kernel) / c.stride) + 1;
      if (h < 1 || w < 1)
        throw new RangeError(`CnnEncoder: images of ${H}x${W} are too small for the '${kind}' encoder (use 'small', or resize to at least 36x36 for 'nature')`);
    }
    this.fc = new Linear(this.convs[this.convs.length - 1].outChannels * h * w, this.features, rng, { gain: Math.SQRT2 });
  }
  forward(x: Tensor): Tensor {
    let h = x;
    // relu fused into each convolution (one op: the gemm's epilogue and one backward)
    for (const c of this.convs) h = conv2d(h, c.weight, c.bias, { stride: c.stride, padding: c.padding, activation: 'relu' });
    return relu(this.fc.forward(flattenBatch(h)));
  }
  namedParameters(): [string, Tensor][] {
    return [
      ...this.convs.flatMap((c, i) => c.namedParameters().map(([n, p]) => [`conv${i}.${n}`, p] as [string, Tensor])),
      ...this.fc.namedParameters().map(([n, p]) => [`fc.${n}`, p] as [string, Tensor]),
    ];
  }
}

export interface CnnOptions {
  encoder?: EncoderChoice;
  logStdInit?: number;
}

function view(obs: Tensor, shape: [number, number, number]): Tensor {
  const n = shape[0] * shape[1] * shape[2];
  if (obs.rank !== 2 || obs.shape[1] !== n)
    throw new RangeError(`CNN policy: expected observations [B, ${n}] (images ${shape.join('x')} flattened), got [${obs.shape.join(',')}]`);
  return reshape(obs, [obs.shape[0], ...shape]);
}

/**
 * pi(a | obs): a categorical (Discrete) or diagonal Gaussian (Box) linear head (gain 0.01) on an
 * encoder's features. CnnPolicy and MultiInputPolicy differ only in their encoder and in how the
 * flat observation rows reach it (`encode`).
 */
abstract class EncoderPolicy<E extends Module & { readonly features: number }> extends Module implements Policy {
  readonly kind: 'categorical' | 'gaussian';
  readonly actDim: number;
  readonly head: Linear;
  readonly logStd: Tensor | null;
  constructor(
    readonly encoder: E,
    readonly obsDim: number,
    action: { discrete: number } | { continuous: number },
    rng: Rng,
    logStdInit = 0,
  ) {
    super();
    const out = 'discrete' in action ? action.discrete : action.continuous;
    this.kind = 'discrete' in action ? 'categorical' : 'gaussian';
    this.actDim = 'discrete' in action ? 1 : action.continuous;
    this.head = new Linear(encoder.features, out, rng, { gain: 0.01 });
    this.logStd = this.kind === 'gaussian' ? Tensor.param(new Float32Array(out).fill(logStdInit), [out], 'logStd') : null;
  }
  /** The encoder's features of flat observation rows [B, obsDim]. */
  protected abstract encode(obs: Tensor): Tensor;
  distribution(obs: Tensor): Distribution {
    const out = this.head.forward(this.encode(obs));
    return this.kind === 'categorical' ? new Categorical(out) : new DiagGaussian(out, reshape(this.logStd!, [1, this.actDim]));
  }
  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    return noGrad(() => {
      const d = this.distribution(new Tensor(obs, [batch, this.obsDim]));
      const actions = Float32Array.from(deterministic ? d.mode() : d.sample(rng));
      return { actions, logProbs: Float32Array.from(d.logProb(actions).data) };
    });
  }
  namedParameters(): [string, Tensor][] {
    return [
      ...this.encoder.namedParameters().map(([n, p]) => [`pi.encoder.${n}`, p] as [string, Tensor]),
      ...this.head.namedParameters().map(([n, p]) => [`pi.head.${n}`, p] as [string, Tensor]),
      ...(this.logStd ? [['pi.logStd', this.logStd] as [string, Tensor]] : []),
    ];
  }
}

/** V(obs): a linear head (output gain 1) on an encoder of its own; CnnValueFunction and MultiInputValueFunction. */
abstract class EncoderValueFunction<E extends Module & { readonly features: number }> extends Module {
  readonly head: Linear;
  constructor(
    readonly encoder: E,
    readonly obsDim: number,
    rng: Rng,
  ) {
    super();
    this.head = new Linear(encoder.features, 1, rng, { gain: 1 });
  }
  protected abstract encode(obs: Tensor): Tensor;
  forward(obs: Tensor): Tensor {
    return reshape(this.head.forward(this.encode(obs)), [-1]);
  }
  predict(obs: Float32Array, batch: number): Float32Array {
    return noGrad(() => Float32Array.from(this.forward(new Tensor(obs, [batch, this.obsDim])).data));
  }
  namedParameters(): [string, Tensor][] {
    return [
      ...this.encoder.namedParameters().map(([n, p]) => [`vf.encoder.${n}`, p] as [string, Tensor]),
      ...this.head.namedParameters().map(([n, p]) => [`vf.head.${n}`, p] as [string, Tensor]),
    ];
  }
}

/** pi(a | image): categorical (Discrete) or diagonal Gaussian (Box) head on a CNN encoder. */
export class CnnPolicy extends EncoderPolicy<CnnEncoder> {
  constructor(
    readonly imageShape: [number, number, number],
    action: { discrete: number } | { continuous: number },
    rng: Rng,
    opts: CnnOptions = {},
  ) {
    super(new CnnEncoder(imageShape, opts.encoder ?? 'auto', rng), imageShape[0] * imageShape[1] * imageShape[2], action, rng, opts.logStdInit);
  }
  protected encode(obs: Tensor): Tensor {
    return this.encoder.forward(view(obs, this.imageShape));
  }
}

/** V(image): its own CNN encoder and a linear head (output gain 1). */
export class CnnValueFunction extends EncoderValueFunction<CnnEncoder> {
  constructor(
    readonly imageShape: [number, number, number],
    rng: Rng,
    opts: CnnOptions = {},
  ) {
    super(new CnnEncoder(imageShape, opts.encoder ?? 'auto', rng), imageShape[0] * imageShape[1] * imageShape[2], rng);
  }
  protected encode(obs: Tensor): Tensor {
    return this.encoder.forward(view(obs, this.imageShape));
  }
}

export interface MultiInputOptions extends CnnOptions {
  /** Hidden layers of the MLP on each vector key (default [64]); its last layer is the key's features. */
  vectorHidden?: number[];
  /** The vector MLPs' activation (default 'tanh'). */
  activation?: Activation;
}

interface InputPart {
  key: string;
  offset: number;
  size: number;
  image: [number, number, number] | null;
  net: CnnEncoder | MLP;
}

/**
 * The combined encoder of a Dict observation: each image key [C, H, W] through its own CNN, each
 * vector key [n] through its own MLP (activated output), the features concatenated in key order.
 * Takes the flat rows [B, flatdim] a FlatDictBox describes.
 */
export class CombinedEncoder extends Module {
  readonly parts: InputPart[];
  readonly features: number;
  readonly obsDim: number;
  constructor(space: FlatDictBox, rng: Rng, opts: MultiInputOptions = {}) {
    super();
    const activation = opts.activation ?? 'tanh';
    const hidden = opts.vectorHidden ?? [64];
    if (hidden.length === 0) throw new RangeError('CombinedEncoder: vectorHidden needs at least one layer (its width is the features of a vector key)');
    this.obsDim = space.size;
    this.parts = space.dict.keys.map((key) => {
      const sub = space.dict.spaces[key];
      if (!(sub instanceof Box) || (sub.shape.length !== 1 && sub.shape.length !== 3)) {
        throw new RangeError(`CombinedEncoder: key '${key}' must be an image Box [C, H, W] or a vector Box [n], got ${sub.toString()}`);
      }
      const image = sub.shape.length === 3 ? ([sub.shape[0], sub.shape[1], sub.shape[2]] as [number, number, number]) : null;
      const net = image
        ? new CnnEncoder(image, opts.encoder ?? 'auto', rng)
        : new MLP([sub.size, ...hidden], rng, { activation, outputActivation: activation, outputGain: Math.SQRT2 });
      return { key, offset: space.offsets[key], size: sub.size, image, net };
    });
    this.features = this.parts.reduce((n, p) => n + (p.net instanceof CnnEncoder ? p.net.features : hidden[hidden.length - 1]), 0);
  }
  forward(obs: Tensor): Tensor {
    if (obs.rank !== 2 || obs.shape[1] !== this.obsDim)
      throw new RangeError(`CombinedEncoder: expected observations [B, ${this.obsDim}] (a flattened Dict), got [${obs.shape.join(',')}]`);
    const B = obs.shape[0];
    const feats = this.parts.map((p) => {
      const x = slice(obs, 1, p.offset, p.offset + p.size);
      return p.image ? (p.net as CnnEncoder).forward(reshape(x, [B, ...p.image])) : (p.net as MLP).forward(x);
    });
    return feats.length === 1 ? feats[0] : concat(feats, 1);
  }
  namedParameters(): [string, Tensor][] {
    return this.parts.flatMap((p) => p.net.namedParameters().map(([n, t]) => [`${p.key}.${n}`, t] as [string, Tensor]));
  }
}

/** pi(a | image, vector): a categorical or diagonal Gaussian head on a CombinedEncoder. */
export class MultiInputPolicy extends EncoderPolicy<CombinedEncoder> {
  constructor(space: FlatDictBox, action: { discrete: number } | { continuous: number }, rng: Rng, opts: MultiInputOptions = {}) {
    const encoder = new CombinedEncoder(space, rng, opts);
    super(encoder, encoder.obsDim, action, rng, opts.logStdInit);
  }
  protected encode(obs: Tensor): Tensor {
    return this.encoder.forward(obs);
  }
}

/** V(image, vector): its own CombinedEncoder and a linear head (output gain 1). */
export class MultiInputValueFunction extends EncoderValueFunction<CombinedEncoder> {
  constructor(space: FlatDictBox, rng: Rng, opts: MultiInputOptions = {}) {
    const encoder = new CombinedEncoder(space, rng, opts);
    super(encoder, encoder.obsDim, rng);
  }
  protected encode(obs: Tensor): Tensor {
    return this.encoder.forward(obs);
  }
}
