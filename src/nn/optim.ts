/** Optimizers and gradient-norm clipping. They update parameter buffers in place, off the tape. */
import { type Tensor, shapeStr } from '../tensor/index.ts';
import { privateKernels, wasmKernelsOn, wasmPolyak, type KernelExports } from '../tensor/wasm/index.ts';

/** Bytes of n floats rounded up to whole 16-byte vectors. */
const vecBytes = (n: number) => ((n * 4 + 15) >> 4) << 4;

/**
 * Optimizer state kept in a private WebAssembly memory (issue 12): each parameter's moment buffers
 * live there between steps, so a step copies only the parameter and its gradient in and the
 * parameter out, and runs one SIMD kernel call per parameter.
 */
interface ResidentState {
  k: KernelExports;
  f32: Float32Array;
  /** Byte offsets of each parameter's buffers (moments; the shared scratch for p and g). */
  offsets: number[][];
  scratchP: number;
  scratchG: number;
}

/**
 * Lays out `perParam` buffers of each parameter's size, then two scratch buffers of the largest size,
 * in a private kernel instance; null on the JS path or when a parameter is not float32.
 */
function residentState(params: Tensor[], perParam: number): ResidentState | null {
  if (params.length === 0 || params.some((p) => !(p.data instanceof Float32Array))) return null;
  let bytes = 0;
  const offsets = params.map((p) => Array.from({ length: perParam }, () => ((bytes += vecBytes(p.size)), bytes - vecBytes(p.size))));
  const largest = Math.max(...params.map((p) => vecBytes(p.size)));
  const scratchP = bytes,
    scratchG = bytes + largest;
  const k = privateKernels(scratchG + largest);
  return k ? { k, f32: new Float32Array(k.memory.buffer), offsets, scratchP, scratchG } : null;
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
    this.m = params.map((p, i) => (r ? new Float32Array(r.k.memory.buffer, r.offsets[i][0], p.size) : new Float32Array(p.size)));
    this.v = params.map((p, i) => (r ? new Float32Array(r.k.memory.buffer, r.offsets[i][1], p.size) : new Float32Array(p.size)));
  }

  /** Moments in WebAssembly memory, updated there by the SIMD kernel (null: the JS loop). */
  private readonly resident: ResidentState | null;

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
    for (let i = 0; i < this.params.length; i++) {
      const gt = grads[i];
      if (!gt) continue;
      const p = this.params[i].data,
        g = gt.data,
        m = this.m[i],
        v = this.v[i];
      if (r && g instanceof Float32Array) {
        const n = p.length,
          f32 = r.f32;
        f32.set(p, r.scratchP >> 2);
        f32.set(g, r.scratchG >> 2);
        r.k.adam(r.scratchP, r.scratchG, r.offsets[i][0], r.offsets[i][1], n, b1, b2, 1 - b1, 1 - b2, stepSize, rc2, eps, decay);
        p.set(f32.subarray(r.scratchP >> 2, (r.scratchP >> 2) + n));
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
  for (const g of grads) {
    if (!g) continue;
    const d = g.data;
    for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  }
  return Math.sqrt(s);
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
      for (let i = 0; i < g.data.length; i++) g.data[i] *= scale;
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
