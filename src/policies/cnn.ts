/**
 * Policies and values that see images: a convolutional encoder, then a linear head.
 *
 * Observations arrive flat ([B, C * H * W], as vector envs and rollouts hold them) and are viewed
 * as NCHW images. Two encoders:
 *  - 'nature': the DQN encoder of Mnih et al. (2015, Nature 518): 32 8x8 stride 4, 64 4x4 stride 2,
 *    64 3x3 stride 1, ReLU, then a 512-unit linear layer (SB3's NatureCNN; inputs 84x84 and up);
 *  - 'small': for small boards and frames (Catch's 10x5): 16 and 32 3x3 filters, stride 1, padding
 *    1, ReLU, then a 128-unit linear layer.
 * Initialisation follows SB3 and CleanRL: orthogonal with gain sqrt(2) in the encoder, 0.01 on the
 * policy head, 1 on the value head.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, conv2d, relu, reshape, noGrad, flattenBatch } from '../tensor/index.ts';
import { Linear, Module, orthogonal } from '../nn/index.ts';
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

/** Convolutions, ReLU, flatten, a linear layer and ReLU: image [B, C, H, W] -> features [B, features]. */
export class CnnEncoder extends Module {
  readonly convs: Conv2d[];
  readonly fc: Linear;
  readonly features: number;
  constructor(
    readonly imageShape: [number, number, number],
    kind: EncoderKind,
    rng: Rng,
  ) {
    super();
    const [C, H, W] = imageShape;
    if (![C, H, W].every((d) => Number.isInteger(d) && d > 0))
      throw new RangeError(`CnnEncoder: image shape must be [C, H, W] of positive integers, got ${JSON.stringify(imageShape)}`);
    if (kind === 'nature') {
      this.convs = [new Conv2d(C, 32, 8, rng, 4), new Conv2d(32, 64, 4, rng, 2), new Conv2d(64, 64, 3, rng, 1)];
      this.features = 512;
    } else if (kind === 'small') {
      this.convs = [new Conv2d(C, 16, 3, rng, 1, 1), new Conv2d(16, 32, 3, rng, 1, 1)];
      this.features = 128;
    } else {
      throw new RangeError(`CnnEncoder: encoder must be 'nature' or 'small', got ${JSON.stringify(kind)}`);
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
    for (const c of this.convs) h = relu(c.forward(h));
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
  encoder?: EncoderKind;
  logStdInit?: number;
}

function view(obs: Tensor, shape: [number, number, number]): Tensor {
  const n = shape[0] * shape[1] * shape[2];
  if (obs.rank !== 2 || obs.shape[1] !== n)
    throw new RangeError(`CNN policy: expected observations [B, ${n}] (images ${shape.join('x')} flattened), got [${obs.shape.join(',')}]`);
  return reshape(obs, [obs.shape[0], ...shape]);
}

/** pi(a | image): categorical (Discrete) or diagonal Gaussian (Box) head on a CNN encoder. */
export class CnnPolicy extends Module implements Policy {
  readonly kind: 'categorical' | 'gaussian';
  readonly obsDim: number;
  readonly actDim: number;
  readonly encoder: CnnEncoder;
  readonly head: Linear;
  readonly logStd: Tensor | null;
  constructor(
    readonly imageShape: [number, number, number],
    action: { discrete: number } | { continuous: number },
    rng: Rng,
    opts: CnnOptions = {},
  ) {
    super();
    this.obsDim = imageShape[0] * imageShape[1] * imageShape[2];
    this.encoder = new CnnEncoder(imageShape, opts.encoder ?? 'small', rng);
    const out = 'discrete' in action ? action.discrete : action.continuous;
    this.kind = 'discrete' in action ? 'categorical' : 'gaussian';
    this.actDim = 'discrete' in action ? 1 : action.continuous;
    this.head = new Linear(this.encoder.features, out, rng, { gain: 0.01 });
    this.logStd = this.kind === 'gaussian' ? Tensor.param(new Float32Array(out).fill(opts.logStdInit ?? 0), [out], 'logStd') : null;
  }
  distribution(obs: Tensor): Distribution {
    const out = this.head.forward(this.encoder.forward(view(obs, this.imageShape)));
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

/** V(image): its own CNN encoder and a linear head (output gain 1). */
export class CnnValueFunction extends Module {
  readonly obsDim: number;
  readonly encoder: CnnEncoder;
  readonly head: Linear;
  constructor(
    readonly imageShape: [number, number, number],
    rng: Rng,
    opts: CnnOptions = {},
  ) {
    super();
    this.obsDim = imageShape[0] * imageShape[1] * imageShape[2];
    this.encoder = new CnnEncoder(imageShape, opts.encoder ?? 'small', rng);
    this.head = new Linear(this.encoder.features, 1, rng, { gain: 1 });
  }
  forward(obs: Tensor): Tensor {
    return reshape(this.head.forward(this.encoder.forward(view(obs, this.imageShape))), [-1]);
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
