/** Modules: named trainable parameters, the affine layer and the multilayer perceptron. */
import type { Rng } from '../rng/index.ts';
import {
  Tensor,
  linear,
  linearAct,
  tanh,
  relu,
  elu,
  sigmoid,
  gemm,
  wasmTanh,
  mlp,
  mlpPair,
  mlpPairPredict,
  mlpMacs,
  slice,
  FusedMlpKernels,
  type MlpLayerActivation,
} from '../tensor/index.ts';
import { wasmGemmThreshold, gemmThreadsFor, twinRunner, twinParallelFor, type TwinRunner } from '../tensor/wasm/index.ts';
import { reluInto } from '../tensor/kernels.ts';
import { orthogonal, xavierUniform, GAINS } from './init.ts';

export abstract class Module {
  /** Parameters with dotted names, in a fixed order (the order of optimizer state and files). */
  abstract namedParameters(): [string, Tensor][];

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}

export type Init = 'orthogonal' | 'xavier';

export interface LinearOptions {
  init?: Init;
  gain?: number;
  bias?: boolean;
}

/** y = x W + b with W [in, out] (row-major, so a batch [n, in] multiplies without a transpose). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    opts: LinearOptions = {},
  ) {
    super();
    for (const [k, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Linear: ${k} must be a positive integer, got ${v}`);
    }
    const gain = opts.gain ?? 1;
    const w = (opts.init ?? 'orthogonal') === 'orthogonal' ? orthogonal(rng, inFeatures, outFeatures, gain) : xavierUniform(rng, inFeatures, outFeatures, gain);
    this.weight = Tensor.param(w, [inFeatures, outFeatures], 'weight');
    this.bias = opts.bias === false ? null : Tensor.param(new Float32Array(outFeatures), [outFeatures], 'bias');
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }

  /** act(x W + b) as one fused op for relu and tanh (see linearAct); other activations apply after. */
  forwardAct(x: Tensor, act: Activation): Tensor {
    if (act === 'relu' || act === 'tanh') return linearAct(x, this.weight, this.bias ?? undefined, act);
    return ACTIVATIONS[act](this.forward(x));
  }

  /**
   * out[batch, out] = x[batch, in] W + b on raw buffers: no tape, no allocation; `act` 1 or 2 applies
   * relu or tanh to the product in the same kernel call (kernels.ts's gemm).
   */
  forwardRaw(x: Float32Array, batch: number, out: Float32Array, act: 0 | 1 | 2 = 0): void {
    gemm(x, 0, this.weight.data, 0, out, 0, batch, this.inFeatures, this.outFeatures, false, false, false, act, this.bias?.data);
  }

  namedParameters(): [string, Tensor][] {
    return this.bias
      ? [
          ['weight', this.weight],
          ['bias', this.bias],
        ]
      : [['weight', this.weight]];
  }
}

export type Activation = 'tanh' | 'relu' | 'elu' | 'sigmoid' | 'identity';
const ACT_CODE = { identity: 0, relu: 1, tanh: 2 } as Record<Activation, 0 | 1 | 2>;
const ACTIVATIONS: Record<Activation, (x: Tensor) => Tensor> = {
  tanh,
  relu,
  elu: (x) => elu(x),
  sigmoid,
  identity: (x) => x,
};

/** The same activations in place on raw buffers, for the tape-free inference path. */
const RAW_ACTIVATIONS: Record<Activation, (y: Float32Array) => void> = {
  tanh: (y) => {
    if (!wasmTanh(y, y)) for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i]);
  },
  relu: (y) => reluInto(y, y),
  elu: (y) => {
    for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = Math.expm1(y[i]);
  },
  sigmoid: (y) => {
    for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]));
  },
  identity: () => {},
};

export interface MLPOptions {
  activation?: Activation;
  /** Activation after the last layer (default identity). */
  outputActivation?: Activation;
  init?: Init;
  /** Gain of hidden layers (default sqrt(2), as CleanRL/SB3 use for orthogonal init). */
  hiddenGain?: number;
  /** Gain of the output layer: 0.01 for policy logits/means, 1 for values (CleanRL, SB3). */
  outputGain?: number;
}

/** Multilayer perceptron with sizes [in, hidden..., out]. */
export class MLP extends Module {
  readonly layers: Linear[];

  constructor(
    readonly sizes: number[],
    rng: Rng,
    readonly opts: MLPOptions = {},
  ) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new RangeError(`MLP: sizes must be at least two positive integers [in, ..., out], got ${JSON.stringify(sizes)}`);
    }
    const activation = opts.activation ?? 'tanh';
    if (!(activation in ACTIVATIONS)) {
      throw new RangeError(`MLP: unknown activation '${activation}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
    }
    if (!((opts.outputActivation ?? 'identity') in ACTIVATIONS)) {
      throw new RangeError(`MLP: unknown outputActivation '${opts.outputActivation}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
    }
    const hiddenGain = opts.hiddenGain ?? (opts.init === 'xavier' ? GAINS[activation] : Math.SQRT2);
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const last = i + 2 === sizes.length;
      this.layers.push(new Linear(sizes[i], sizes[i + 1], rng, { init: opts.init, gain: last ? (opts.outputGain ?? 1) : hiddenGain }));
    }
  }

  get inFeatures(): number {
    return this.sizes[0];
  }

  get outFeatures(): number {
    return this.sizes[this.sizes.length - 1];
  }

  /** Reused activation buffers per batch size (acting and training often alternate two sizes). */
  private readonly scratch = new Map<number, Float32Array[]>();

  /**
   * Inference without the tape: x [batch, in] -> [batch, out], through reused buffers (the hot path
   * of acting in an environment). The returned array is overwritten by the next call with the same
   * batch size; copy it to keep it.
   */
  predict(x: Float32Array, batch: number): Float32Array {
    if (x.length !== batch * this.inFeatures) {
      throw new RangeError(`MLP.predict: expected ${batch} x ${this.inFeatures} = ${batch * this.inFeatures} inputs, got ${x.length}`);
    }
    let bufs = this.scratch.get(batch);
    if (!bufs) {
      if (this.scratch.size >= 4) this.scratch.clear(); // bound the cache when batch sizes keep changing
      bufs = this.layers.map((l) => new Float32Array(batch * l.outFeatures));
      this.scratch.set(batch, bufs);
    }
    const hidden = this.opts.activation ?? 'tanh',
      output = this.opts.outputActivation ?? 'identity';
    const last = this.layers.length - 1;
    // The whole network in one visit to wasm memory (its own instance: a forward on the tape keeps
    // its activations resident in this.fused) when every layer would run in wasm anyway, so the
    // result is bit for bit the per-layer one.
    if (this.fusable(batch) && this.layers.every((l) => batch * l.inFeatures * l.outFeatures >= wasmGemmThreshold())) {
      this.fusedPredict ??= new FusedMlpKernels(this.sizes);
      const acts = this.layers.map((_, i) => ACT_CODE[i === last ? output : hidden]);
      const token = this.fusedPredict.forward(
        x,
        batch,
        this.layers.map((l) => l.weight.data as Float32Array),
        this.layers.map((l) => (l.bias ? (l.bias.data as Float32Array) : null)),
        acts,
        bufs[last],
      );
      if (token) {
        token.done = true;
        return bufs[last];
      }
    }
    let h = x;
    for (let i = 0; i <= last; i++) {
      const y = bufs[i],
        act = i === last ? output : hidden;
      // relu and tanh run inside the gemm call; the others after it.
      const fused = act === 'relu' ? 1 : act === 'tanh' ? 2 : 0;
      this.layers[i].forwardRaw(h, batch, y, fused);
      if (!fused) RAW_ACTIVATIONS[act](y);
      h = y;
    }
    return h;
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new RangeError(`MLP.forward: expected input [batch, ${this.inFeatures}], got [${x.shape.join(',')}]`);
    }
    const last = this.layers.length - 1;
    const act = this.opts.activation ?? 'tanh',
      outAct = this.opts.outputActivation ?? 'identity';
    // relu/tanh hidden layers and a relu/tanh/identity output: the whole network as one op
    // (tensor/ops/mlp.ts), which falls back to the per-layer ops itself for float64 or without wasm.
    if (this.fusable(x.shape[0])) {
      this.fused ??= new FusedMlpKernels(this.sizes);
      const acts = this.layers.map((_, i) => (i === last ? outAct : act)) as MlpLayerActivation[];
      return mlp(
        x,
        this.layers.map((l) => l.weight),
        this.layers.map((l) => l.bias),
        acts,
        this.fused,
      );
    }
    let h = x;
    for (let i = 0; i < last; i++) h = this.layers[i].forwardAct(h, act);
    return this.layers[last].forwardAct(h, outAct);
  }

  /** The network's WebAssembly state for the whole-MLP op (made on first use), and predict's. */
  private fused: FusedMlpKernels | undefined;
  private fusedPredict: FusedMlpKernels | undefined;
  /** The same on the twin runner's shared memory (forwardTwin, predictTwin), for the tape and off it. */
  private twin: [FusedMlpKernels, FusedMlpKernels] | undefined;

  private twinOutBuf = new Float32Array(0);
  /** @internal predictTwin's reused output buffer for `batch` rows. */
  twinOut(batch: number): Float32Array {
    const len = batch * this.outFeatures;
    if (this.twinOutBuf.length !== len) this.twinOutBuf = new Float32Array(len);
    return this.twinOutBuf;
  }

  /** @internal forwardTwin's view of this network, or null when it cannot pair with `other`. */
  twinNet(other: MLP, batch: number, runner: TwinRunner, which: 0 | 1): { kernels: FusedMlpKernels; acts: MlpLayerActivation[] } | null {
    const act = this.opts.activation ?? 'tanh',
      out = this.opts.outputActivation ?? 'identity';
    if (
      other.sizes.length !== this.sizes.length ||
      other.sizes.some((s, i) => s !== this.sizes[i]) ||
      (other.opts.activation ?? 'tanh') !== act ||
      (other.opts.outputActivation ?? 'identity') !== out ||
      !this.fusable(batch) ||
      !other.fusable(batch)
    ) {
      return null;
    }
    if (this.twin?.[0].host !== runner) this.twin = [new FusedMlpKernels(this.sizes, runner), new FusedMlpKernels(this.sizes, runner)];
    const last = this.layers.length - 1;
    return { kernels: this.twin[which], acts: this.layers.map((_, i) => (i === last ? out : act)) as MlpLayerActivation[] };
  }

  /**
   * relu/tanh hidden layers, a relu/tanh/identity output, float32 parameters: the fused kernels
   * apply, unless a layer of `batch` rows is large enough for the gemm threads (setGemmThreads),
   * which the per-layer ops use and the fused kernels (private memories) do not.
   */
  private fusable(batch: number): boolean {
    const act = this.opts.activation ?? 'tanh',
      out = this.opts.outputActivation ?? 'identity';
    return (
      (act === 'relu' || act === 'tanh') &&
      (out === 'relu' || out === 'tanh' || out === 'identity') &&
      this.layers.every((l) => l.weight.data instanceof Float32Array && !gemmThreadsFor(batch * l.inFeatures * l.outFeatures))
    );
  }

  namedParameters(): [string, Tensor][] {
    return this.layers.flatMap((l, i) => l.namedParameters().map(([n, p]) => [`${i}.${n}`, p] as [string, Tensor]));
  }
}

/**
 * The twin runner when its worker is up and networks of a's size on n rows pay for the handoff;
 * otherwise null and the two networks run one after the other on their own kernels (measured:
 * at 64-unit layers and batch 100 the pair op's extra copies cost more than it saved).
 */
function twinRunnerFor(a: MLP, n: number): TwinRunner | null {
  if (!twinParallelFor(mlpMacs(a.sizes, n))) return null;
  const r = twinRunner();
  return r?.ready() ? r : null;
}

const ACT_CODES = { identity: 0, relu: 1, tanh: 2 } as const;

/**
 * [a(x), b(x)] for two MLPs of the same sizes and activations (SAC's twin critics): one op on the
 * tape whose second network runs on a worker thread when that pays (tensor/wasm/pair.ts), bit for
 * bit a.forward(x) and b.forward(x), which it falls back to when the networks cannot pair.
 */
export function forwardTwin(a: MLP, b: MLP, x: Tensor): [Tensor, Tensor] {
  const n = x.shape[0];
  const runner = x.rank === 2 ? twinRunnerFor(a, n) : null;
  const na = runner && a.twinNet(b, n, runner, 0),
    nb = runner && b.twinNet(a, n, runner, 1);
  if (!runner || !na || !nb || x.shape[1] !== a.inFeatures) return [a.forward(x), b.forward(x)];
  const ps = (m: MLP) => ({ ws: m.layers.map((l) => l.weight), bs: m.layers.map((l) => l.bias) });
  const y = mlpPair(x, { ...ps(a), kernels: na.kernels }, { ...ps(b), kernels: nb.kernels }, na.acts, runner);
  const m = a.outFeatures;
  return [slice(y, 1, 0, m), slice(y, 1, m, 2 * m)];
}

/**
 * [a.predict(x), b.predict(x)] off the tape, the second network on the worker thread when that
 * pays. The returned arrays are overwritten by the next call with the same batch size.
 */
export function predictTwin(a: MLP, b: MLP, x: Float32Array, batch: number): [Float32Array, Float32Array] {
  const runner = twinRunnerFor(a, batch);
  // The twin kernels' second pair of slots (a forward's activations on the tape stay resident in the first).
  const na = runner && a.twinNet(b, batch, runner, 1),
    nb = runner && b.twinNet(a, batch, runner, 0);
  // As predict: the fused kernels only where every layer would run in wasm (the same bits).
  const wasmSized = a.layers.every((l) => batch * l.inFeatures * l.outFeatures >= wasmGemmThreshold());
  if (runner && na && nb && wasmSized && x.length === batch * a.inFeatures) {
    const outs = [a, b].map((m) => m.twinOut(batch));
    const raw = (m: MLP) => ({
      ws: m.layers.map((l) => l.weight.data as Float32Array),
      bs: m.layers.map((l) => (l.bias ? (l.bias.data as Float32Array) : null)),
    });
    const acts = na.acts.map((c) => ACT_CODES[c]);
    if (mlpPairPredict(x, batch, { ...raw(a), kernels: na.kernels }, { ...raw(b), kernels: nb.kernels }, acts, runner, outs[0], outs[1]))
      return [outs[0], outs[1]];
  }
  return [a.predict(x, batch), b.predict(x, batch)];
}

/**
 * [net.forward(x), net.predict(xOff, batch)]: one network on two inputs, the forward on the tape
 * here while the off-tape one runs on the twin worker when that pays (SAC: the actor on s for its
 * loss, and on s' for the targets). Bit for bit the two calls, which it falls back to.
 */
export function forwardAndPredict(net: MLP, x: Tensor, xOff: Float32Array, batch: number): [Tensor, Float32Array] {
  const runner = x.rank === 2 ? twinRunnerFor(net, Math.min(batch, x.shape[0])) : null;
  const off = runner && net.twinNet(net, batch, runner, 1);
  const wasmSized = net.layers.every((l) => batch * l.inFeatures * l.outFeatures >= wasmGemmThreshold());
  if (runner && off && wasmSized && xOff.length === batch * net.inFeatures) {
    const ws = net.layers.map((l) => l.weight.data as Float32Array),
      bs = net.layers.map((l) => (l.bias ? (l.bias.data as Float32Array) : null));
    const token = off.kernels.forwardLoad(xOff, batch, ws, bs);
    if (token) {
      token.done = true;
      const acts = off.acts.map((c) => ACT_CODES[c]);
      let y: Tensor | null = null;
      runner.run(
        () => (y = net.forward(x)), // its own kernels, not the shared memory: any code may run here
        (k) => off.kernels.forwardCompute(k, token, acts),
      );
      const out = net.twinOut(batch);
      off.kernels.forwardStore(token, out);
      return [y!, out];
    }
  }
  return [net.forward(x), net.predict(xOff, batch)];
}

/** A set of named submodules treated as one (e.g. a policy and its value function). */
export class ModuleDict extends Module {
  constructor(readonly modules: Record<string, Module>) {
    super();
  }

  namedParameters(): [string, Tensor][] {
    return Object.entries(this.modules).flatMap(([k, m]) => m.namedParameters().map(([n, p]) => [`${k}.${n}`, p] as [string, Tensor]));
  }
}
