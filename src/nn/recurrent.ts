/**
 * Recurrent cells: LSTM (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000)
 * and GRU (Cho et al., 2014), in PyTorch's gate layout and equations so that weights and results
 * can be compared with torch.nn.LSTM / torch.nn.GRU:
 *
 *   LSTM: [i f g o] = x W_ih + h W_hh + b;  c' = sigma(f) c + sigma(i) tanh(g);  h' = sigma(o) tanh(c')
 *   GRU:  [r z] = sigma(x W_ih[:, :2H] + b_ih + h W_hh[:, :2H] + b_hh)
 *         n = tanh(x W_in + b_in + r (h W_hn + b_hn));  h' = (1 - z) n + z h
 *
 * Each step is built from recorded ops, so a sequence unrolled over T steps is differentiable
 * through time (backpropagation through time) and twice differentiable like everything else.
 * Episode boundaries inside a sequence are handled with masks: where `starts` is 1 the incoming
 * state is multiplied by 0 before the step (SB3-contrib RecurrentPPO's `episode_starts`).
 *
 * Initialisation: orthogonal recurrent weights per gate block (Saxe et al., 2014), orthogonal input
 * weights per gate block, zero biases except the LSTM forget gate's, which starts at 1 so that the
 * cell remembers by default (Jozefowicz et al., 2015, "An empirical exploration of recurrent
 * network architectures").
 */
import type { Rng } from '../rng/index.ts';
import {
  Tensor,
  linear,
  matmul,
  sigmoid,
  tanh,
  mul,
  add,
  sub,
  slice,
  concat,
  noGrad,
  shapeStr,
  isGradEnabled,
  allocData,
  gemm,
  reshape,
} from '../tensor/index.ts';
import { record } from '../tensor/tensor.ts';
import { Module } from './module.ts';
import { orthogonal } from './init.ts';

/** A recurrent state: h (and c for an LSTM), each [B, H]. */
export interface RecurrentState {
  h: Tensor;
  c?: Tensor;
}

export type CellKind = 'lstm' | 'gru';

/**
 * One LSTM step as a pure function of its inputs (what gradient checks differentiate): the two
 * products on the tape, then the gate nonlinearities and the cell update as one fused op
 * (lstmGates), which takes 1 op where the composed form takes 12 and most of a recurrent update's time.
 */
export function lstmStep(x: Tensor, h: Tensor, c: Tensor, wIh: Tensor, wHh: Tensor, b: Tensor): { h: Tensor; c: Tensor } {
  const H = h.shape[1];
  const hc = lstmGates(add(linear(x, wIh, b), matmul(h, wHh)), c);
  return { h: slice(hc, 1, 0, H), c: slice(hc, 1, H, 2 * H) };
}

/** The same step composed of elementwise ops (the reference the fused op is tested against). */
export function lstmStepReference(x: Tensor, h: Tensor, c: Tensor, wIh: Tensor, wHh: Tensor, b: Tensor): { h: Tensor; c: Tensor } {
  const H = h.shape[1];
  const gates = add(linear(x, wIh, b), matmul(h, wHh));
  const i = sigmoid(slice(gates, 1, 0, H));
  const f = sigmoid(slice(gates, 1, H, 2 * H));
  const g = tanh(slice(gates, 1, 2 * H, 3 * H));
  const o = sigmoid(slice(gates, 1, 3 * H, 4 * H));
  const c2 = add(mul(f, c), mul(i, g));
  return { h: mul(o, tanh(c2)), c: c2 };
}

const sigma = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/**
 * Fused LSTM gates: z [B, 4H] pre-activations (i f g o), c [B, H] -> [B, 2H] rows [h' | c'].
 * Its backward is hand-written (not made of ops), so it supports one backward pass only: a
 * createGraph pass (double backward) through it throws rather than return a wrong second derivative.
 */
export function lstmGates(z: Tensor, c: Tensor): Tensor {
  const B = c.shape[0],
    H = c.shape[1];
  if (z.rank !== 2 || c.rank !== 2 || z.shape[0] !== B || z.shape[1] !== 4 * H) {
    throw new RangeError(`lstmGates: expected z [B, 4H] and c [B, H], got z ${shapeStr(z.shape)} and c ${shapeStr(c.shape)}`);
  }
  const dtype = z.dtype === 'float64' || c.dtype === 'float64' ? 'float64' : 'float32';
  const out = allocData(dtype, B * 2 * H);
  // Saved for the backward pass: activated gates and tanh(c').
  const act = allocData(dtype, B * 4 * H),
    tc = allocData(dtype, B * H);
  const zd = z.data,
    cd = c.data;
  for (let r = 0; r < B; r++) {
    const zo = r * 4 * H,
      co = r * H,
      oo = r * 2 * H;
    for (let j = 0; j < H; j++) {
      const i = sigma(zd[zo + j]),
        f = sigma(zd[zo + H + j]),
        g = Math.tanh(zd[zo + 2 * H + j]),
        o = sigma(zd[zo + 3 * H + j]);
      act[zo + j] = i;
      act[zo + H + j] = f;
      act[zo + 2 * H + j] = g;
      act[zo + 3 * H + j] = o;
      const c2 = f * cd[co + j] + i * g,
        t = Math.tanh(c2);
      tc[co + j] = t;
      out[oo + j] = o * t;
      out[oo + H + j] = c2;
    }
  }
  return record('lstmGates', new Tensor(out, [B, 2 * H]), [z, c], (G) => {
    if (isGradEnabled()) throw new Error('lstmGates: double backward (createGraph) is not supported by the fused LSTM op; use lstmStepReference');
    const gd = G.data;
    const dz = allocData(dtype, B * 4 * H),
      dc = allocData(dtype, B * H);
    for (let r = 0; r < B; r++) {
      const zo = r * 4 * H,
        co = r * H,
        oo = r * 2 * H;
      for (let j = 0; j < H; j++) {
        const i = act[zo + j],
          f = act[zo + H + j],
          g = act[zo + 2 * H + j],
          o = act[zo + 3 * H + j],
          t = tc[co + j];
        const gh = gd[oo + j];
        const dcTot = gd[oo + H + j] + gh * o * (1 - t * t);
        dz[zo + j] = dcTot * g * i * (1 - i);
        dz[zo + H + j] = dcTot * cd[co + j] * f * (1 - f);
        dz[zo + 2 * H + j] = dcTot * i * (1 - g * g);
        dz[zo + 3 * H + j] = gh * t * o * (1 - o);
        dc[co + j] = dcTot * f;
      }
    }
    return [z.requiresGrad ? new Tensor(dz, z.shape) : null, c.requiresGrad ? new Tensor(dc, c.shape) : null];
  });
}

/**
 * A whole LSTM sequence as one op: xs [T, B, I], h0 and c0 [B, H], starts (T * B flags or null)
 * -> [T, B, 2H], rows [h_t | c_t]. The input projection of all T steps is one gemm, and the
 * backward pass gathers the weight gradients of all steps into one gemm each (W_ih: X^T dZ,
 * W_hh: H_prev^T dZ), leaving only dh_{t-1} = dz_t W_hh^T inside the time loop. Where starts is 1
 * the incoming state is zeroed (and so receives no gradient). One backward pass only, as lstmGates.
 */
export function lstmSequence(xs: Tensor, h0: Tensor, c0: Tensor, wIh: Tensor, wHh: Tensor, b: Tensor, starts: ArrayLike<number> | null): Tensor {
  const [T, B, I] = xs.shape,
    H = h0.shape[1];
  if (
    xs.rank !== 3 ||
    wIh.shape[0] !== I ||
    wIh.shape[1] !== 4 * H ||
    wHh.shape[0] !== H ||
    wHh.shape[1] !== 4 * H ||
    b.size !== 4 * H ||
    h0.shape[0] !== B ||
    c0.shape[0] !== B ||
    c0.shape[1] !== H
  ) {
    throw new RangeError(
      `lstmSequence: expected xs [T, B, I], h0 and c0 [B, H], wIh [I, 4H], wHh [H, 4H], b [4H]; got xs ${shapeStr(xs.shape)}, ` +
        `h0 ${shapeStr(h0.shape)}, c0 ${shapeStr(c0.shape)}, wIh ${shapeStr(wIh.shape)}, wHh ${shapeStr(wHh.shape)}, b ${shapeStr(b.shape)}`,
    );
  }
  if (starts && starts.length !== T * B) throw new RangeError(`lstmSequence: ${starts.length} episode-start flags for T * B = ${T * B} steps`);
  const ins = [xs, h0, c0, wIh, wHh, b];
  const dtype = ins.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  const as = (t: Tensor) => (t.dtype === dtype ? t.data : dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data));
  const X = as(xs),
    Wih = as(wIh),
    Whh = as(wHh),
    bias = as(b);
  const TB = T * B,
    G4 = 4 * H;
  const Z = allocData(dtype, TB * G4); // pre-activations, then activated gates
  gemm(X, 0, Wih, 0, Z, 0, TB, I, G4, false, false, false, 0, bias);
  const Hp = allocData(dtype, TB * H),
    Cp = allocData(dtype, TB * H),
    TC = allocData(dtype, TB * H);
  const out = allocData(dtype, TB * 2 * H);
  const hd = as(h0),
    cd = as(c0);
  for (let t = 0; t < T; t++) {
    // The incoming state, masked where an episode starts.
    for (let r = 0; r < B; r++) {
      const keep = starts?.[t * B + r] ? 0 : 1,
        dst = (t * B + r) * H;
      for (let j = 0; j < H; j++) {
        if (t === 0) {
          Hp[dst + j] = keep * hd[r * H + j];
          Cp[dst + j] = keep * cd[r * H + j];
        } else {
          const src = ((t - 1) * B + r) * 2 * H;
          Hp[dst + j] = keep * out[src + j];
          Cp[dst + j] = keep * out[src + H + j];
        }
      }
    }
    gemm(Hp, t * B * H, Whh, 0, Z, t * B * G4, B, H, G4, false, false, true);
    for (let r = 0; r < B; r++) {
      const zo = (t * B + r) * G4,
        co = (t * B + r) * H,
        oo = (t * B + r) * 2 * H;
      for (let j = 0; j < H; j++) {
        const i = sigma(Z[zo + j]),
          f = sigma(Z[zo + H + j]),
          g = Math.tanh(Z[zo + 2 * H + j]),
          o = sigma(Z[zo + 3 * H + j]);
        Z[zo + j] = i;
        Z[zo + H + j] = f;
        Z[zo + 2 * H + j] = g;
        Z[zo + 3 * H + j] = o;
        const c2 = f * Cp[co + j] + i * g,
          th = Math.tanh(c2);
        TC[co + j] = th;
        out[oo + j] = o * th;
        out[oo + H + j] = c2;
      }
    }
  }
  return record('lstmSequence', new Tensor(out, [T, B, 2 * H]), ins, (Gt) => {
    if (isGradEnabled()) throw new Error('lstmSequence: double backward (createGraph) is not supported by the fused LSTM op; use lstmStepReference');
    const gd = Gt.data;
    const dZ = allocData(dtype, TB * G4);
    const dh = allocData(dtype, B * H),
      dc = allocData(dtype, B * H),
      dhp = allocData(dtype, B * H);
    for (let t = T - 1; t >= 0; t--) {
      for (let r = 0; r < B; r++) {
        const zo = (t * B + r) * G4,
          co = (t * B + r) * H,
          oo = (t * B + r) * 2 * H;
        for (let j = 0; j < H; j++) {
          const i = Z[zo + j],
            f = Z[zo + H + j],
            g = Z[zo + 2 * H + j],
            o = Z[zo + 3 * H + j],
            th = TC[co + j];
          const gh = gd[oo + j] + dh[r * H + j];
          const dcTot = gd[oo + H + j] + dc[r * H + j] + gh * o * (1 - th * th);
          dZ[zo + j] = dcTot * g * i * (1 - i);
          dZ[zo + H + j] = dcTot * Cp[co + j] * f * (1 - f);
          dZ[zo + 2 * H + j] = dcTot * i * (1 - g * g);
          dZ[zo + 3 * H + j] = gh * th * o * (1 - o);
          dc[r * H + j] = dcTot * f;
        }
      }
      gemm(dZ, t * B * G4, Whh, 0, dhp, 0, B, G4, H, false, true);
      for (let r = 0; r < B; r++) {
        const keep = starts?.[t * B + r] ? 0 : 1;
        for (let j = 0; j < H; j++) {
          dh[r * H + j] = keep * dhp[r * H + j];
          dc[r * H + j] *= keep;
        }
      }
    }
    const grads: (Tensor | null)[] = [null, null, null, null, null, null];
    if (xs.requiresGrad) {
      const d = allocData(dtype, TB * I);
      gemm(dZ, 0, Wih, 0, d, 0, TB, G4, I, false, true);
      grads[0] = new Tensor(d, xs.shape);
    }
    if (h0.requiresGrad) grads[1] = new Tensor(dh, h0.shape);
    if (c0.requiresGrad) grads[2] = new Tensor(dc, c0.shape);
    if (wIh.requiresGrad) {
      const d = allocData(dtype, I * G4);
      gemm(X, 0, dZ, 0, d, 0, I, TB, G4, true, false);
      grads[3] = new Tensor(d, wIh.shape);
    }
    if (wHh.requiresGrad) {
      const d = allocData(dtype, H * G4);
      gemm(Hp, 0, dZ, 0, d, 0, H, TB, G4, true, false);
      grads[4] = new Tensor(d, wHh.shape);
    }
    if (b.requiresGrad) {
      const d = allocData(dtype, G4);
      for (let q = 0; q < TB; q++) for (let k = 0; k < G4; k++) d[k] += dZ[q * G4 + k];
      grads[5] = new Tensor(d, b.shape);
    }
    return grads;
  });
}

/** One GRU step as a pure function of its inputs. */
export function gruStep(x: Tensor, h: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor): Tensor {
  const H = h.shape[1];
  const gi = linear(x, wIh, bIh),
    gh = linear(h, wHh, bHh);
  const r = sigmoid(add(slice(gi, 1, 0, H), slice(gh, 1, 0, H)));
  const z = sigmoid(add(slice(gi, 1, H, 2 * H), slice(gh, 1, H, 2 * H)));
  const n = tanh(add(slice(gi, 1, 2 * H, 3 * H), mul(r, slice(gh, 1, 2 * H, 3 * H))));
  // h' = (1 - z) n + z h = n + z (h - n)
  return add(n, mul(z, sub(h, n)));
}

/** [rows, gates * H] with each [rows, H] gate block orthogonal (times gain). */
function blockOrthogonal(rng: Rng, rows: number, H: number, gates: number, gain: number): Float32Array {
  const out = new Float32Array(rows * gates * H);
  for (let k = 0; k < gates; k++) {
    const blk = orthogonal(rng, rows, H, gain);
    for (let r = 0; r < rows; r++) out.set(blk.subarray(r * H, (r + 1) * H), r * gates * H + k * H);
  }
  return out;
}

/** The state multiplied by (1 - starts): zero where an episode starts. starts has B entries. */
export function maskState(s: RecurrentState, starts: ArrayLike<number> | null): RecurrentState {
  if (!starts) return s;
  let any = false;
  for (let i = 0; i < starts.length; i++)
    if (starts[i]) {
      any = true;
      break;
    }
  if (!any) return s;
  const B = s.h.shape[0];
  if (starts.length !== B) throw new RangeError(`maskState: ${starts.length} episode-start flags for a state of batch ${B}`);
  const keep = new Tensor(s.h.dtype === 'float64' ? new Float64Array(B) : new Float32Array(B), [B, 1]);
  for (let i = 0; i < B; i++) keep.data[i] = starts[i] ? 0 : 1;
  return { h: mul(s.h, keep), c: s.c ? mul(s.c, keep) : undefined };
}

export interface RecurrentCellOptions {
  /** Gain of the orthogonal weights (default 1). */
  gain?: number;
  /** LSTM forget-gate bias at initialisation (default 1). */
  forgetBias?: number;
}

/** An LSTM or GRU layer: one cell applied over the time axis of a sequence. */
export abstract class RecurrentCell extends Module {
  abstract readonly kind: CellKind;
  constructor(
    readonly inFeatures: number,
    readonly hiddenSize: number,
  ) {
    super();
    for (const [k, v] of [
      ['inFeatures', inFeatures],
      ['hiddenSize', hiddenSize],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${new.target.name}: ${k} must be a positive integer, got ${v}`);
    }
  }

  /** Numbers per batch row of the state: H for a GRU, 2H for an LSTM (h then c). */
  get stateSize(): number {
    return this.kind === 'lstm' ? 2 * this.hiddenSize : this.hiddenSize;
  }

  /** The zero state for a batch of B. */
  initialState(B: number): RecurrentState {
    const H = this.hiddenSize;
    return this.kind === 'lstm' ? { h: Tensor.zeros([B, H]), c: Tensor.zeros([B, H]) } : { h: Tensor.zeros([B, H]) };
  }

  /** One step: x [B, in], state of batch B -> the next state (its h is the output). */
  abstract step(x: Tensor, state: RecurrentState): RecurrentState;

  /**
   * Unroll over a time-major sequence xs [T, B, in] from `state`; starts (T * B flags, or null)
   * zero the incoming state of rows where an episode begins. Returns outputs [T, B, H] and the
   * final state.
   */
  forwardSequence(xs: Tensor, state: RecurrentState, starts: ArrayLike<number> | null = null): { out: Tensor; state: RecurrentState } {
    if (xs.rank !== 3 || xs.shape[2] !== this.inFeatures) {
      throw new RangeError(`${this.constructor.name}.forwardSequence: expected input [T, B, ${this.inFeatures}], got ${shapeStr(xs.shape)}`);
    }
    const [T, B] = xs.shape;
    if (state.h.shape[0] !== B || state.h.shape[1] !== this.hiddenSize) {
      throw new RangeError(
        `${this.constructor.name}.forwardSequence: state h ${shapeStr(state.h.shape)} does not fit batch ${B} and hidden size ${this.hiddenSize}`,
      );
    }
    if (starts && starts.length !== T * B)
      throw new RangeError(`${this.constructor.name}.forwardSequence: ${starts.length} episode-start flags for T * B = ${T * B} steps`);
    const outs: Tensor[] = [];
    let s = state;
    const flat = xs.reshape([T * B, this.inFeatures]);
    for (let t = 0; t < T; t++) {
      const st = starts ? Array.prototype.slice.call(starts, t * B, (t + 1) * B) : null;
      s = this.step(slice(flat, 0, t * B, (t + 1) * B), maskState(s, st));
      outs.push(s.h);
    }
    return { out: concat(outs, 0).reshape([T, B, this.hiddenSize]), state: s };
  }

  /** State rows to flat numbers [B * stateSize] (h then c per row), for rollout buffers and checkpoints. */
  packState(s: RecurrentState): Float32Array {
    const B = s.h.shape[0],
      H = this.hiddenSize,
      S = this.stateSize;
    const out = new Float32Array(B * S);
    for (let b = 0; b < B; b++) {
      out.set(s.h.data.subarray(b * H, (b + 1) * H), b * S);
      if (s.c) out.set(s.c.data.subarray(b * H, (b + 1) * H), b * S + H);
    }
    return out;
  }

  /** The inverse of packState. */
  unpackState(flat: ArrayLike<number>, B: number): RecurrentState {
    const H = this.hiddenSize,
      S = this.stateSize;
    if (flat.length !== B * S) throw new RangeError(`${this.constructor.name}.unpackState: ${flat.length} numbers for ${B} rows of ${S}`);
    const h = new Float32Array(B * H),
      c = new Float32Array(B * H);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        h[b * H + j] = flat[b * S + j];
        if (this.kind === 'lstm') c[b * H + j] = flat[b * S + H + j];
      }
    return this.kind === 'lstm' ? { h: new Tensor(h, [B, H]), c: new Tensor(c, [B, H]) } : { h: new Tensor(h, [B, H]) };
  }

  /** One step off the tape (acting). */
  stepNoGrad(x: Tensor, state: RecurrentState): RecurrentState {
    return noGrad(() => this.step(x, state));
  }
}

export class LSTMCell extends RecurrentCell {
  readonly kind = 'lstm';
  readonly wIh: Tensor;
  readonly wHh: Tensor;
  readonly bias: Tensor;

  constructor(inFeatures: number, hiddenSize: number, rng: Rng, opts: RecurrentCellOptions = {}) {
    super(inFeatures, hiddenSize);
    const H = hiddenSize,
      gain = opts.gain ?? 1;
    this.wIh = Tensor.param(blockOrthogonal(rng, inFeatures, H, 4, gain), [inFeatures, 4 * H], 'wIh');
    this.wHh = Tensor.param(blockOrthogonal(rng, H, H, 4, gain), [H, 4 * H], 'wHh');
    const b = new Float32Array(4 * H);
    b.fill(opts.forgetBias ?? 1, H, 2 * H);
    this.bias = Tensor.param(b, [4 * H], 'bias');
  }

  /** The whole sequence as one fused op (lstmSequence); the same results as stepping, faster. */
  override forwardSequence(xs: Tensor, state: RecurrentState, starts: ArrayLike<number> | null = null): { out: Tensor; state: RecurrentState } {
    if (xs.rank !== 3 || xs.shape[2] !== this.inFeatures) {
      throw new RangeError(`LSTMCell.forwardSequence: expected input [T, B, ${this.inFeatures}], got ${shapeStr(xs.shape)}`);
    }
    if (!state.c) throw new Error('LSTMCell.forwardSequence: the state has no cell c (an LSTM state is { h, c })');
    const [T, B] = xs.shape,
      H = this.hiddenSize;
    const hc = lstmSequence(xs, state.h, state.c, this.wIh, this.wHh, this.bias, starts);
    const last = reshape(slice(hc, 0, T - 1, T), [B, 2 * H]);
    return { out: slice(hc, 2, 0, H), state: { h: slice(last, 1, 0, H), c: slice(last, 1, H, 2 * H) } };
  }

  step(x: Tensor, state: RecurrentState): RecurrentState {
    if (!state.c) throw new Error('LSTMCell.step: the state has no cell c (an LSTM state is { h, c })');
    return lstmStep(x, state.h, state.c, this.wIh, this.wHh, this.bias);
  }

  namedParameters(): [string, Tensor][] {
    return [
      ['wIh', this.wIh],
      ['wHh', this.wHh],
      ['bias', this.bias],
    ];
  }
}

export class GRUCell extends RecurrentCell {
  readonly kind = 'gru';
  readonly wIh: Tensor;
  readonly wHh: Tensor;
  readonly bIh: Tensor;
  readonly bHh: Tensor;

  constructor(inFeatures: number, hiddenSize: number, rng: Rng, opts: RecurrentCellOptions = {}) {
    super(inFeatures, hiddenSize);
    const H = hiddenSize,
      gain = opts.gain ?? 1;
    this.wIh = Tensor.param(blockOrthogonal(rng, inFeatures, H, 3, gain), [inFeatures, 3 * H], 'wIh');
    this.wHh = Tensor.param(blockOrthogonal(rng, H, H, 3, gain), [H, 3 * H], 'wHh');
    this.bIh = Tensor.param(new Float32Array(3 * H), [3 * H], 'bIh');
    this.bHh = Tensor.param(new Float32Array(3 * H), [3 * H], 'bHh');
  }

  step(x: Tensor, state: RecurrentState): RecurrentState {
    return { h: gruStep(x, state.h, this.wIh, this.wHh, this.bIh, this.bHh) };
  }

  namedParameters(): [string, Tensor][] {
    return [
      ['wIh', this.wIh],
      ['wHh', this.wHh],
      ['bIh', this.bIh],
      ['bHh', this.bHh],
    ];
  }
}

export function makeCell(kind: CellKind, inFeatures: number, hiddenSize: number, rng: Rng, opts: RecurrentCellOptions = {}): RecurrentCell {
  if (kind === 'lstm') return new LSTMCell(inFeatures, hiddenSize, rng, opts);
  if (kind === 'gru') return new GRUCell(inFeatures, hiddenSize, rng, opts);
  throw new RangeError(`makeCell: cell must be 'lstm' or 'gru', got ${JSON.stringify(kind)}`);
}
