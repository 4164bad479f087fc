/** Optimizers and gradient-norm clipping. They update parameter buffers in place, off the tape. */
import { Tensor, shapeStr } from '../tensor/index.ts';

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

  constructor(readonly params: Tensor[], opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkLr('Adam', this.lr);
    for (const [k, v] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(v >= 0 && v < 1)) throw new RangeError(`Adam: ${k} must be in [0, 1), got ${v}`);
    }
    if (!(this.eps > 0)) throw new RangeError(`Adam: eps must be > 0, got ${this.eps}`);
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(grads: (Tensor | null)[]): void {
    checkGrads('Adam', this.params, grads);
    checkLr('Adam', this.lr);
    this.t++;
    const b1 = this.beta1, b2 = this.beta2, eps = this.eps;
    const c1 = 1 - Math.pow(b1, this.t), c2 = 1 - Math.pow(b2, this.t);
    const stepSize = this.lr / c1, decay = 1 - this.lr * this.weightDecay;
    const rc2 = 1 / Math.sqrt(c2);
    for (let i = 0; i < this.params.length; i++) {
      const gt = grads[i];
      if (!gt) continue;
      const p = this.params[i].data, g = gt.data, m = this.m[i], v = this.v[i];
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
export class SGD {
  lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  private t = 0;
  private readonly buf: Float32Array[];

  constructor(readonly params: Tensor[], opts: SGDOptions = {}) {
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
    const mu = this.momentum, lr = this.lr;
    for (let i = 0; i < this.params.length; i++) {
      const gt = grads[i];
      if (!gt) continue;
      const p = this.params[i].data, g = gt.data, b = this.buf[i];
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
