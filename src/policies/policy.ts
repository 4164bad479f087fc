/**
 * Policies pi_theta(a | o) on observations, and value functions V_phi(o).
 *
 * A policy maps a batch of observations to an action distribution (for the pseudo-loss, on the
 * tape) and acts quickly off the tape (for collecting rollouts). Policies see observations, not
 * states: under partial observability they are policies on observations, as the lecture puts it.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, reshape } from '../tensor/index.ts';
import { MLP, Module, type Activation } from '../nn/index.ts';
import { Categorical, DiagGaussian, type Distribution } from '../distributions/index.ts';
import { Box, Discrete, FlatDictBox, type Space } from '../envs/index.ts';
import { CnnPolicy, CnnValueFunction, MultiInputPolicy, MultiInputValueFunction, type EncoderChoice } from './cnn.ts';
import { HALF_LOG_2PI } from '../util/math.ts';

export interface NetworkOptions {
  /** Hidden layer sizes (default [64, 64], as SB3 and CleanRL use for classic control). */
  hidden?: number[];
  activation?: Activation;
}

export interface ActResult {
  /** Discrete: one index per row; continuous: B * D values. */
  actions: Float32Array;
  /** log pi(a | o) per row, under the distribution that drew the action. */
  logProbs: Float32Array;
}

export interface Policy extends Module {
  readonly kind: 'categorical' | 'gaussian';
  readonly obsDim: number;
  /** Numbers per action: 1 (a discrete index) or the Box's size. */
  readonly actDim: number;
  /** The action distribution for a batch of observations [B, obsDim], on the tape. */
  distribution(obs: Tensor): Distribution;
  /** Sample (or, when deterministic, take the mode) off the tape; fills and returns reused buffers. */
  act(obs: Float32Array, batch: number, rng: Rng, deterministic?: boolean): ActResult;
  /** Policies with memory: forget what `act` carried, at the start of an episode. */
  resetState?(): void;
}

function reusable(n: number, cache: { buf?: Float32Array }): Float32Array {
  if (!cache.buf || cache.buf.length !== n) cache.buf = new Float32Array(n);
  return cache.buf;
}

/** Softmax policy over a Discrete action space: logits from an MLP (output gain 0.01, as CleanRL). */
export class CategoricalPolicy extends Module implements Policy {
  readonly kind = 'categorical';
  readonly actDim = 1;
  readonly net: MLP;
  private readonly actions: { buf?: Float32Array } = {};
  private readonly logps: { buf?: Float32Array } = {};

  constructor(
    readonly obsDim: number,
    readonly nActions: number,
    rng: Rng,
    opts: NetworkOptions = {},
  ) {
    super();
    this.net = new MLP([obsDim, ...(opts.hidden ?? [64, 64]), nActions], rng, { activation: opts.activation ?? 'tanh', outputGain: 0.01 });
  }

  distribution(obs: Tensor): Categorical {
    return new Categorical(this.net.forward(obs));
  }

  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    const K = this.nActions;
    const logits = this.net.predict(obs, batch);
    const actions = reusable(batch, this.actions),
      logProbs = reusable(batch, this.logps);
    for (let i = 0; i < batch; i++) {
      const o = i * K;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (logits[o + k] > m) m = logits[o + k];
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits[o + k] - m);
      let a = 0;
      if (deterministic) {
        for (let k = 1; k < K; k++) if (logits[o + k] > logits[o + a]) a = k;
      } else {
        // Inverse-CDF draw from the softmax, without materialising the probabilities.
        let u = rng.random() * z;
        a = K - 1;
        for (let k = 0; k < K; k++) {
          u -= Math.exp(logits[o + k] - m);
          if (u < 0) {
            a = k;
            break;
          }
        }
      }
      actions[i] = a;
      logProbs[i] = logits[o + a] - m - Math.log(z);
    }
    return { actions, logProbs };
  }

  namedParameters(): [string, Tensor][] {
    return this.net.namedParameters().map(([n, p]) => [`pi.${n}`, p] as [string, Tensor]);
  }
}

export type LogStdMode = 'learned' | 'fixed';

export interface GaussianOptions extends NetworkOptions {
  /** 'learned': a state-independent log-std parameter (PPO's choice); 'fixed': a constant. */
  logStd?: LogStdMode;
  /** Initial (or fixed) log standard deviation; default 0 (std 1), as SB3 and CleanRL. */
  logStdInit?: number;
}

/** Diagonal Gaussian policy over a Box: mean from an MLP, log-std learned (state-independent) or fixed. */
export class GaussianPolicy extends Module implements Policy {
  // Fields and constructor of the same shape as CategoricalPolicy's: each head declares its own.
  readonly kind = 'gaussian';
  readonly net: MLP;
  readonly logStd: Tensor;
  readonly learnedStd: boolean;
  private readonly actions: { buf?: Float32Array } = {};
  private readonly logps: { buf?: Float32Array } = {};

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    rng: Rng,
    opts: GaussianOptions = {},
  ) {
    super();
    const mode = opts.logStd ?? 'learned';
    if (mode !== 'learned' && mode !== 'fixed') {
      throw new RangeError(`GaussianPolicy: logStd must be 'learned' or 'fixed', got ${JSON.stringify(mode)}`);
    }
    this.net = new MLP([obsDim, ...(opts.hidden ?? [64, 64]), actDim], rng, { activation: opts.activation ?? 'tanh', outputGain: 0.01 });
    this.learnedStd = mode === 'learned';
    const init = new Float32Array(actDim).fill(opts.logStdInit ?? 0);
    this.logStd = this.learnedStd ? Tensor.param(init, [actDim], 'logStd') : new Tensor(init, [actDim]);
  }

  distribution(obs: Tensor): DiagGaussian {
    return new DiagGaussian(this.net.forward(obs), this.learnedStd ? reshape(this.logStd, [1, this.actDim]) : Array.from(this.logStd.data));
  }

  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    const D = this.actDim;
    const mean = this.net.predict(obs, batch);
    const actions = reusable(batch * D, this.actions),
      logProbs = reusable(batch, this.logps);
    const ls = this.logStd.data;
    let norm = 0;
    for (let d = 0; d < D; d++) norm += ls[d] + HALF_LOG_2PI;
    for (let i = 0; i < batch; i++) {
      let lp = -norm;
      for (let d = 0; d < D; d++) {
        const z = deterministic ? 0 : rng.normal();
        actions[i * D + d] = mean[i * D + d] + Math.exp(ls[d]) * z;
        lp -= 0.5 * z * z;
      }
      logProbs[i] = lp;
    }
    return { actions, logProbs };
  }

  namedParameters(): [string, Tensor][] {
    const net = this.net.namedParameters().map(([n, p]) => [`pi.${n}`, p] as [string, Tensor]);
    return this.learnedStd ? [...net, ['pi.logStd', this.logStd]] : net;
  }
}

/** V_phi(o): an MLP with one output (output gain 1, as CleanRL). */
export class ValueFunction extends Module {
  readonly net: MLP;

  constructor(
    readonly obsDim: number,
    rng: Rng,
    opts: NetworkOptions = {},
  ) {
    super();
    this.net = new MLP([obsDim, ...(opts.hidden ?? [64, 64]), 1], rng, { activation: opts.activation ?? 'tanh', outputGain: 1 });
  }

  /** Values [B] on the tape. */
  forward(obs: Tensor): Tensor {
    return reshape(this.net.forward(obs), [-1]);
  }

  /** Values off the tape (the returned buffer is reused by the next call with the same batch). */
  predict(obs: Float32Array, batch: number): Float32Array {
    return this.net.predict(obs, batch);
  }

  namedParameters(): [string, Tensor][] {
    return this.net.namedParameters().map(([n, p]) => [`vf.${n}`, p] as [string, Tensor]);
  }
}

export type PolicyKind = 'auto' | 'categorical' | 'gaussian';

/** What collectors and algorithms need of a value function (ValueFunction, CnnValueFunction). */
export interface ValueModel extends Module {
  readonly obsDim: number;
  /** Values [B] on the tape. */
  forward(obs: Tensor): Tensor;
  /** Values off the tape. */
  predict(obs: Float32Array, batch: number): Float32Array;
}

/** An image observation space [C, H, W] (channels first), or null. */
export function imageShapeOf(space: Space<any>): [number, number, number] | null {
  return space instanceof Box && space.shape.length === 3 ? [space.shape[0], space.shape[1], space.shape[2]] : null;
}

/** V for an env's observations: an MLP on flat Boxes, a CNN on images [C, H, W], both on a flattened Dict of them. */
export function makeValueFunction(observationSpace: Space<any>, rng: Rng, opts: NetworkOptions & { encoder?: EncoderChoice } = {}): ValueModel {
  if (observationSpace instanceof FlatDictBox) {
    return new MultiInputValueFunction(observationSpace, rng, { encoder: opts.encoder, vectorHidden: opts.hidden, activation: opts.activation });
  }
  const img = imageShapeOf(observationSpace);
  if (img) return new CnnValueFunction(img, rng, { encoder: opts.encoder });
  if (!(observationSpace instanceof Box) || observationSpace.shape.length !== 1) {
    throw new RangeError(`makeValueFunction: observations must be a flat Box [n] or an image Box [C, H, W], got ${observationSpace.toString()}`);
  }
  return new ValueFunction(observationSpace.shape[0], rng, opts);
}

/** The policy that fits an env's spaces, with a clear error when the requested kind does not. */
export function makePolicy(
  observationSpace: Space<any>,
  actionSpace: Space<any>,
  rng: Rng,
  opts: GaussianOptions & { kind?: PolicyKind; encoder?: EncoderChoice } = {},
): Policy {
  if (observationSpace instanceof FlatDictBox) {
    // A Dict of images and vectors: a CNN per image, an MLP (opts.hidden) per vector, concatenated.
    const kind = opts.kind ?? 'auto';
    const mi = { encoder: opts.encoder, vectorHidden: opts.hidden, activation: opts.activation, logStdInit: opts.logStdInit };
    if (actionSpace instanceof Discrete && kind !== 'gaussian') return new MultiInputPolicy(observationSpace, { discrete: actionSpace.n }, rng, mi);
    if (actionSpace instanceof Box && actionSpace.shape.length === 1 && kind !== 'categorical')
      return new MultiInputPolicy(observationSpace, { continuous: actionSpace.shape[0] }, rng, mi);
    throw new RangeError(`makePolicy: a '${kind}' policy on a Dict observation cannot act in ${actionSpace.toString()}`);
  }
  const img = imageShapeOf(observationSpace);
  if (img) {
    // Images [C, H, W]: a CNN encoder (channels first: wrap HWC frames in ChannelsFirstObservation).
    const kind = opts.kind ?? 'auto';
    if (actionSpace instanceof Discrete && kind !== 'gaussian') return new CnnPolicy(img, { discrete: actionSpace.n }, rng, opts);
    if (actionSpace instanceof Box && actionSpace.shape.length === 1 && kind !== 'categorical')
      return new CnnPolicy(img, { continuous: actionSpace.shape[0] }, rng, opts);
    throw new RangeError(`makePolicy: a '${kind}' image policy cannot act in ${actionSpace.toString()}`);
  }
  if (!(observationSpace instanceof Box) || observationSpace.shape.length !== 1) {
    throw new RangeError(
      `makePolicy: observations must be a flat Box [n] or an image Box [C, H, W] (wrap the env in FlattenObservation), got ${observationSpace.toString()}`,
    );
  }
  const obsDim = observationSpace.shape[0];
  const kind = opts.kind ?? 'auto';
  if (actionSpace instanceof Discrete) {
    if (kind === 'gaussian') {
      throw new RangeError(`makePolicy: a Gaussian (continuous) policy cannot act in the discrete action space ${actionSpace.toString()}; use 'categorical'`);
    }
    return new CategoricalPolicy(obsDim, actionSpace.n, rng, opts);
  }
  if (actionSpace instanceof Box && actionSpace.shape.length === 1) {
    if (kind === 'categorical') {
      throw new RangeError(`makePolicy: a categorical (discrete) policy cannot act in the continuous action space ${actionSpace.toString()}; use 'gaussian'`);
    }
    return new GaussianPolicy(obsDim, actionSpace.shape[0], rng, opts);
  }
  throw new RangeError(`makePolicy: unsupported action space ${actionSpace.toString()} (expected Discrete or a flat Box)`);
}
