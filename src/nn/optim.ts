/** Optimizers and gradient-norm clipping. They update parameter buffers in place, off the tape. */
import { type Tensor, shapeStr } from '../tensor/index.ts';
import { privateKernels, wasmKernelsOn, wasmPolyak, type KernelExports } from '../tensor/wasm/index.ts';

/** Bytes of n floats rounded up to whole 16-byte vectors. */
const vecBytes = (n: number) => ((n * 4 + 15) >> 4) << 4;

/**
 * Optimizer state kept in a private WebAssembly memory (issue 12), laid out as four regions with
 * the same layout: the parameters' scratch copies, the gradients' scratch copies, then each moment
 * of every parameter. Parameter i sits at the same byte offset `offsets[i]` in each region (rounded
 * to whole vectors, the pads zero), so one kernel call updates the whole parameter set when every
 * gradient is present, and a call per parameter otherwise.
 */
interface ResidentState {
  k: KernelExports;
  /** Byte offset of each parameter inside a region. */
  offsets: number[];
  /** Bytes of one region (all parameters with their pads). */
  region: number;
}

/** The regions' byte starts: scratch p, scratch g, then moment j at (2 + j) region. */
const regionStart = (r: ResidentState, j: number) => j * r.region;

/**
 * Lays out the regions (scratch p and g, then `perParam` moments) in a private kernel instance;
 * null on the JS path or when a parameter is not float32.
 */
function residentState(params: Tensor[], perParam: number): ResidentState | null {
  if (params.length === 0 || params.some((p) => !(p.data instanceof Float32Array))) return null;
  let region = 0;
  const offsets = params.map((p) => ((region += vecBytes(p.size)), region - vecBytes(p.size)));
  const k = privateKernels((2 + perParam) * region);
  return k ? { k, offsets, region } : null;
}

export interface OptimizerState {
  kind: string;
  step: number;
  lr: number;
  buffers: Float32Array[];
}

function checkGrads(op: string, params: Tensor[], grads: (Tensor | null)[]): void {
  if (grads.length !== params.length) {
    throw new RangeError(`${op}.step: got ${grads.length} gradients for ${params.length} parameters`);
  }
  grads.forEach((g, i) => {
    if (g && g.size !== params[i].size) {
      throw new RangeError(`${op}.step: gradient ${i} has shape ${shapeStr(g.shape)}, parameter has ${shapeStr(params[i].shape)}`);
    }
  });
}

function checkLr(op: string, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`${op}: learning rate must be a finite number >= 0, got ${lr}`);
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW, Loshchilov & Hutter 2019); 0 disables it. */
  weightDecay?: number;
}

/** Adam (Kingma & Ba, 2015) with bias correction. Defaults are the paper's. */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(
    readonly params: Tensor[],
    opts: AdamOptions = {},
  ) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkLr('Adam', this.lr);
    for (const [k, v] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(v >= 0 && v < 1)) throw new RangeError(`Adam: ${k} must be in [0, 1), got ${v}`);
    }
    if (!(this.eps > 0)) throw new RangeError(`Adam: eps must be > 0, got ${this.eps}`);
    this.resident = residentState(params, 2);
    const r = this.resident;
    const view = (j: number, i: number, n: number) => (r ? new Float32Array(r.k.memory.buffer, regionStart(r, j) + r.offsets[i], n) : new Float32Array(n));
    this.m = params.map((p, i) => view(2, i, p.size));
    this.v = params.map((p, i) => view(3, i, p.size));
    this.scratchP = params.map((p, i) => view(0, i, p.size));
    this.scratchG = params.map((p, i) => view(1, i, p.size));
  }

  /** Moments in WebAssembly memory, updated there by the SIMD kernel (null: the JS loop). */
  private readonly resident: ResidentState | null;
  /** Each parameter's and gradient's place in the resident scratch regions (unused on the JS path). */
  private readonly scratchP: Float32Array[];
  private readonly scratchG: Float32Array[];

  step(grads: (Tensor | null)[]): void {
    checkGrads('Adam', this.params, grads);
    checkLr('Adam', this.lr);
    this.t++;
    const b1 = this.beta1,
      b2 = this.beta2,
      eps = this.eps;
    const c1 = 1 - b1 ** this.t,
      c2 = 1 - b2 ** this.t;
    const stepSize = this.lr / c1,
      decay = 1 - this.lr * this.weightDecay;
    const rc2 = 1 / Math.sqrt(c2);
    // The kernels may have been turned off since construction: then the JS loop runs on the same buffers.
    const r = wasmKernelsOn() ? this.resident : null;
    if (r && grads.every((g) => g?.data instanceof Float32Array)) {
      // Every gradient present: copy all in, one kernel call over the whole set (pads stay 0), copy out.
      for (let i = 0; i < this.params.length; i++) {
        this.scratchP[i].set(this.params[i].data);
        this.scratchG[i].set((grads[i] as Tensor).data);
      }
      r.k.adam(regionStart(r, 0), regionStart(r, 1), regionStart(r, 2), regionStart(r, 3), r.region >> 2, b1, b2, 1 - b1, 1 - b2, stepSize, rc2, eps, decay);
      for (let i = 0; i < this.params.length; i++) this.params[i].data.set(this.scratchP[i]);
      return;
    }
    for (let i = 0; i < this.params.length; i++) {
      const gt = grads[i];
      if (!gt) continue;
      const p = this.params[i].data,
        g = gt.data,
        m = this.m[i],
        v = this.v[i];
      if (r && g instanceof Float32Array) {
        const o = r.offsets[i];
        this.scratchP[i].set(p);
        this.scratchG[i].set(g);
        r.k.adam(
          regionStart(r, 0) + o,
          regionStart(r, 1) + o,
          regionStart(r, 2) + o,
          regionStart(r, 3) + o,
          p.length,
          b1,
          b2,
          1 - b1,
          1 - b2,
          stepSize,
          rc2,
          eps,
          decay,
        );
        p.set(this.scratchP[i]);
        continue;
      }
      for (let j = 0; j < p.length; j++) {
        const gj = g[j];
        const mj = (m[j] = b1 * m[j] + (1 - b1) * gj);
        const vj = (v[j] = b2 * v[j] + (1 - b2) * gj * gj);
        p[j] = p[j] * decay - (stepSize * mj) / (Math.sqrt(vj) * rc2 + eps);
      }
    }
  }

  getState(): OptimizerState {
    return { kind: 'adam', step: this.t, lr: this.lr, buffers: [...this.m, ...this.v].map((b) => b.slice()) };
  }

  setState(s: OptimizerState): void {
    const n = this.params.length;
    if (s.kind !== 'adam' || s.buffers.length !== 2 * n || s.buffers.some((b, i) => b.length !== this.params[i % n].size)) {
      throw new RangeError(`Adam.setState: state does not match ${n} parameters of sizes [${this.params.map((p) => p.size)}]`);
    }
    this.t = s.step;
    this.lr = s.lr;
    for (let i = 0; i < n; i++) {
      this.m[i].set(s.buffers[i]);
      this.v[i].set(s.buffers[n + i]);
    }
  }
}

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional (Nesterov) momentum. */
// Fields and constructor of the same shape as Adam's: each optimiser declares its own options.
export class SGD {
  lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  private t = 0;
  private readonly buf: Float32Array[];

  constructor(
    readonly params: Tensor[],
    opts: SGDOptions = {},
  ) {
    this.lr = opts.lr ?? 1e-2;
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    checkLr('SGD', this.lr);
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    this.buf = params.map((p) => new Float32Array(p.size));
  }

  step(grads: (Tensor | null)[]): void {
    checkGrads('SGD', this.params, grads);
    this.t++;
    const mu = this.momentum,
      lr = this.lr;
    for (let i = 0; i < this.params.length; i++) {
      const gt = grads[i];
      if (!gt) continue;
      const p = this.params[i].data,
        g = gt.data,
        b = this.buf[i];
      for (let j = 0; j < p.length; j++) {
        if (mu === 0) {
          p[j] -= lr * g[j];
          continue;
        }
        b[j] = mu * b[j] + g[j];
        p[j] -= lr * (this.nesterov ? g[j] + mu * b[j] : b[j]);
      }
    }
  }

  getState(): OptimizerState {
    return { kind: 'sgd', step: this.t, lr: this.lr, buffers: this.buf.map((b) => b.slice()) };
  }

  setState(s: OptimizerState): void {
    if (s.kind !== 'sgd' || s.buffers.length !== this.buf.length) throw new RangeError('SGD.setState: state does not match the parameters');
    this.t = s.step;
    this.lr = s.lr;
    s.buffers.forEach((b, i) => this.buf[i].set(b));
  }
}

export type Optimizer = Adam | SGD;

/** Global L2 norm of a list of gradients. */
export function globalNorm(grads: (Tensor | null)[]): number {
  let s = 0;
  for (const g of grads) if (g) s += sumOfSquares(g.data);
  return Math.sqrt(s);
}

/**
 * sum d[i]^2 in float64 over four interleaved partial sums: one running sum is a chain of dependent
 * adds (~2 ns per element here, 20 us per PPO minibatch of two 64x64 networks); four chains overlap.
 */
function sumOfSquares(d: Tensor['data']): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    i = 0;
  for (const n = d.length - 3; i < n; i += 4) {
    s0 += d[i] * d[i];
    s1 += d[i + 1] * d[i + 1];
    s2 += d[i + 2] * d[i + 2];
    s3 += d[i + 3] * d[i + 3];
  }
  for (; i < d.length; i++) s0 += d[i] * d[i];
  return s0 + s1 + (s2 + s3);
}

/**
 * Scale gradients in place so their global L2 norm is at most `maxNorm` (as torch's
 * clip_grad_norm_). Returns the norm before clipping (worth logging).
 */
export function clipGradNorm(grads: (Tensor | null)[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) throw new RangeError(`clipGradNorm: the gradient norm is ${norm}; a loss or gradient is NaN/Inf`);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) {
    // Each buffer is scaled once, even if a caller's list holds one tensor twice.
    const done = new Set<Tensor['data']>();
    for (const g of grads) {
      if (!g || done.has(g.data)) continue;
      done.add(g.data);
      const d = g.data;
      for (let i = 0; i < d.length; i++) d[i] *= scale;
    }
  }
  return norm;
}

/**
 * Polyak averaging of target parameters, in place: t <- t + tau (s - t) for each pair (SAC's and
 * TD3's target networks; tau = 1 copies). Runs in WebAssembly SIMD for large float32 buffers.
 */
export function polyak(targets: Tensor[], sources: Tensor[], tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`polyak: tau must be in [0, 1], got ${tau}`);
  if (targets.length !== sources.length) throw new RangeError(`polyak: ${targets.length} targets for ${sources.length} sources`);
  targets.forEach((t, k) => {
    if (t.size !== sources[k].size) throw new RangeError(`polyak: source ${k} has ${sources[k].size} elements, target ${t.size}`);
  });
  for (let k = 0; k < targets.length; k++) {
    const t = targets[k].data,
      s = sources[k].data;
    if (t instanceof Float32Array && s instanceof Float32Array && wasmPolyak(t, s, tau)) continue;
    for (let j = 0; j < t.length; j++) t[j] += tau * (s[j] - t[j]);
  }
}
