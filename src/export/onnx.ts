/**
 * ONNX export of a described policy (spec.ts): one graph from raw observations to the greedy action,
 * with the run's observation normalisation folded in, plus the distribution's parameters and V(o).
 *
 * IR version 8 and opset 17 (ONNX 1.12): loaded by onnxruntime-node and onnxruntime-web 1.30, and
 * by every runtime of the last years. Field numbers are those of onnx/onnx.proto; the graph uses
 * only Gemm, the activations, Sub/Div/Clip, ArgMax, Slice, Shape/Expand, Squeeze, Add/Mul, Identity.
 *
 *   inputs:  obs [batch, obsDim] float32 (what the environment returns, before normalisation)
 *   outputs: action   [batch] int64 (discrete: argmax + Discrete.start) or [batch, D] float32
 *            logits   [batch, K]                      categorical
 *            mean, log_std [batch, D]                 Gaussian (log_std is state-independent)
 *            mean, log_std, squashed_mean [batch, D]  SAC's tanh-Gaussian (mean and log_std before
 *                                                     the tanh; action = low + (tanh(mean) + 1)(high - low)/2)
 *            value    [batch]                         when the algorithm has a state-value function
 *
 * Image policies (CnnPolicy) take the flat observation [batch, C * H * W] and view it as NCHW.
 * Dict policies (MultiInputPolicy) take one input per key instead of obs, named by the key and
 * shaped as its Box ([batch, C, H, W] for an image, [batch, n] for a vector); inside, they are
 * flattened and concatenated in key order (the library's flat row) before normalisation.
 * Recurrent policies (LSTM/GRU) take a second input, state [batch, S] (zeros at an episode's start),
 * and return state_out, the state to feed back at the next step.
 */
import { ProtoWriter } from './protobuf.ts';
import type { CellWeights, CombinedEncoderSpec, ConvEncoderSpec, DenseLayer, PolicyDescription } from './spec.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

// TensorProto.DataType
const FLOAT = 1;
const INT64 = 7;
// AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_INTS = 7;

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  /** INT or INTS attributes. */
  attrs?: Record<string, number | number[]>;
}

interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  data: ArrayLike<number>;
}

interface ValueInfo {
  name: string;
  type: typeof FLOAT | typeof INT64;
  /** A number, or a symbolic dimension's name. */
  shape: (number | string)[];
  doc?: string;
}

/** Collects nodes and constants with unique names. */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private n = 0;

  constant(name: string, data: ArrayLike<number>, dims: number[], type: typeof FLOAT | typeof INT64 = FLOAT): string {
    if (this.initializers.some((i) => i.name === name)) throw new Error(`onnx: duplicate constant ${name}`);
    this.initializers.push({ name, dims, type, data });
    return name;
  }

  /** An int64 vector constant with a generated name (Slice bounds, axes). */
  ints(values: number[]): string {
    return this.constant(`const_${this.n++}`, values, [values.length], INT64);
  }

  /** Columns [from, to) of a [batch, n] tensor. */
  columns(x: string, from: number, to: number): string {
    return this.op('Slice', [x, this.ints([from]), this.ints([to]), this.ints([1])]);
  }

  /**
   * One LSTM or GRU step in the library's equations and gate order (src/nn/recurrent.ts): x [B, in],
   * h and c [B, H] -> h' (and c').
   */
  cellStep(prefix: string, kind: 'lstm' | 'gru', cw: CellWeights, H: number, x: string, h: string, c: string | null): { h: string; c: string | null } {
    const G = kind === 'lstm' ? 4 : 3;
    const wIh = this.constant(`${prefix}.wIh`, cw.wIh, [cw.inFeatures, G * H]);
    const wHh = this.constant(`${prefix}.wHh`, cw.wHh, [H, G * H]);
    if (kind === 'lstm') {
      // z = x W_ih + b + h W_hh; c' = sigma(f) c + sigma(i) tanh(g); h' = sigma(o) tanh(c')
      const z = this.op('Add', [this.op('Gemm', [x, wIh, this.constant(`${prefix}.bias`, cw.bias, [4 * H])]), this.op('MatMul', [h, wHh])]);
      const i = this.op('Sigmoid', [this.columns(z, 0, H)]);
      const f = this.op('Sigmoid', [this.columns(z, H, 2 * H)]);
      const g = this.op('Tanh', [this.columns(z, 2 * H, 3 * H)]);
      const o = this.op('Sigmoid', [this.columns(z, 3 * H, 4 * H)]);
      const c2 = this.op('Add', [this.op('Mul', [f, c!]), this.op('Mul', [i, g])]);
      return { h: this.op('Mul', [o, this.op('Tanh', [c2])]), c: c2 };
    }
    // r, z = sigma(gi + gh); n = tanh(gi_n + r gh_n); h' = n + z (h - n)
    const gi = this.op('Gemm', [x, wIh, this.constant(`${prefix}.bIh`, cw.bias, [3 * H])]);
    const gh = this.op('Gemm', [h, wHh, this.constant(`${prefix}.bHh`, cw.bHh!, [3 * H])]);
    const r = this.op('Sigmoid', [this.op('Add', [this.columns(gi, 0, H), this.columns(gh, 0, H)])]);
    const zg = this.op('Sigmoid', [this.op('Add', [this.columns(gi, H, 2 * H), this.columns(gh, H, 2 * H)])]);
    const n = this.op('Tanh', [this.op('Add', [this.columns(gi, 2 * H, 3 * H), this.op('Mul', [r, this.columns(gh, 2 * H, 3 * H)])])]);
    return { h: this.op('Add', [n, this.op('Mul', [zg, this.op('Sub', [h, n])])]), c: null };
  }

  op(op: string, inputs: string[], attrs?: Record<string, number | number[]>, output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.n++}`;
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  /** A CNN encoder: the flat rows viewed as NCHW, Conv + Relu per layer, Flatten, Gemm + Relu. */
  convEncoder(prefix: string, e: ConvEncoderSpec, x: string): string {
    let h = this.op('Reshape', [x, this.ints([-1, ...e.imageShape])]);
    e.convs.forEach((c, i) => {
      const w = this.constant(`${prefix}.conv${i}.weight`, c.weight, [c.outChannels, c.inChannels, c.kernel, c.kernel]);
      const b = this.constant(`${prefix}.conv${i}.bias`, c.bias, [c.outChannels]);
      const p = c.padding;
      h = this.op('Relu', [this.op('Conv', [h, w, b], { kernel_shape: [c.kernel, c.kernel], strides: [c.stride, c.stride], pads: [p, p, p, p] })]);
    });
    // Flatten keeps (C, H, W) row-major order, the library's flattenBatch.
    return this.dense(`${prefix}.fc`, [e.fc], this.op('Flatten', [h], { axis: 1 }));
  }

  /** A combined encoder: each key's columns of the flat row through its CNN or MLP, the features concatenated in key order. */
  combinedEncoder(prefix: string, e: CombinedEncoderSpec, x: string): string {
    const feats = e.parts.map((p) => {
      const cols = this.columns(x, p.offset, p.offset + p.size);
      return p.encoder.kind === 'cnn' ? this.convEncoder(`${prefix}.${p.key}`, p.encoder.cnn, cols) : this.dense(`${prefix}.${p.key}`, p.encoder.layers, cols);
    });
    return feats.length === 1 ? feats[0] : this.op('Concat', feats, { axis: 1 });
  }

  /** Dense layers (Gemm: y = x W + b, W [in, out] as stored) with their activations. */
  dense(prefix: string, layers: DenseLayer[], x: string): string {
    let h = x;
    layers.forEach((l, i) => {
      const w = this.constant(`${prefix}.${i}.weight`, l.weight, [l.inFeatures, l.outFeatures]);
      const b = this.constant(`${prefix}.${i}.bias`, l.bias, [l.outFeatures]);
      h = this.op('Gemm', [h, w, b]);
      if (l.activation === 'identity') return;
      const op = Object.hasOwn(ONNX_ACTIVATION, l.activation) ? ONNX_ACTIVATION[l.activation] : undefined;
      if (!op) throw new Error(`onnx: no ONNX operator for activation '${l.activation}'`);
      h = this.op(op, [h]);
    });
    return h;
  }
}

/** The ONNX operator of each activation; ONNX Elu's default alpha is 1, the library's elu. */
const ONNX_ACTIVATION: Record<string, string> = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', elu: 'Elu' };

export interface OnnxOptions {
  /** 'all' (default): the action, the distribution's parameters and the value; 'action': the action only. */
  outputs?: 'all' | 'action';
  /** ModelProto.producer_version (the CLI passes the package version; this module reads no files). */
  producerVersion?: string;
}

/** The graph of a described policy, encoded as an ONNX ModelProto. */
export function toOnnx(d: PolicyDescription, opts: OnnxOptions = {}): Uint8Array {
  const all = (opts.outputs ?? 'all') === 'all';
  const g = new GraphBuilder();
  const B = 'batch';
  const outputs: ValueInfo[] = [];

  const mi = d.multiInput;
  // Dict policies: one input per key, flattened and concatenated into the flat row the library sees.
  let x = mi ? flatRow(g, mi.policy) : 'obs';
  if (d.obsNorm) {
    const z = d.obsNorm;
    const mean = g.constant('obs_norm.mean', z.mean, [d.obsDim]);
    const std = g.constant('obs_norm.std', z.std, [d.obsDim]);
    const lo = g.constant('obs_norm.clip_min', [-z.clip], []);
    const hi = g.constant('obs_norm.clip_max', [z.clip], []);
    x = g.op('Clip', [g.op('Div', [g.op('Sub', [x, mean]), std]), lo, hi], undefined, 'obs_normalized');
  }
  const stacked = d.frameStack > 1 ? `; the last ${d.frameStack} observations, oldest first, concatenated (the run's frameStack)` : '';
  const inputs: ValueInfo[] = mi
    ? mi.policy.parts.map((p) => ({
        name: p.key,
        type: FLOAT,
        shape: [B, ...p.shape],
        doc: `the observation's '${p.key}' (raw, as the environment returns it)`,
      }))
    : [{ name: 'obs', type: FLOAT, shape: [B, d.obsDim], doc: `raw observations, as the environment returns them${stacked}` }];
  // Recurrent policies: the packed state [actor h, (c), critic h, (c)] in, the next state out.
  let piIn = x,
    vfIn = x,
    nextState: string | null = null;
  const rec = d.recurrent;
  if (rec) {
    const H = rec.hiddenSize,
      lstm = rec.cell === 'lstm',
      SA = rec.stateSize / 2;
    inputs.push({
      name: 'state',
      type: FLOAT,
      shape: [B, rec.stateSize],
      doc: `the state after the previous step (zeros at an episode's start): [actor h${lstm ? ', c' : ''}, critic h${lstm ? ', c' : ''}]`,
    });
    const part = (off: number) => ({ h: g.columns('state', off, off + H), c: lstm ? g.columns('state', off + H, off + 2 * H) : null });
    const a0 = part(0),
      c0 = part(SA);
    const a = g.cellStep('pi.cell', rec.cell, rec.actor, H, x, a0.h, a0.c);
    const c = g.cellStep('vf.cell', rec.cell, rec.critic, H, x, c0.h, c0.c);
    piIn = a.h;
    vfIn = c.h;
    nextState = g.op('Concat', lstm ? [a.h, a.c!, c.h, c.c!] : [a.h, c.h], { axis: 1 }, 'state_out');
  }
  if (d.cnn) {
    piIn = g.convEncoder('pi.encoder', d.cnn.policy, x);
    if (d.cnn.value) vfIn = g.convEncoder('vf.encoder', d.cnn.value, x);
  }
  if (mi) {
    piIn = g.combinedEncoder('pi.encoder', mi.policy, x);
    if (mi.value) vfIn = g.combinedEncoder('vf.encoder', mi.value, x);
  }
  const out = g.dense('pi', d.layers, piIn);
  const h = d.head;
  if (h.kind === 'categorical') {
    const logits = g.op('Identity', [out], undefined, 'logits');
    let action = g.op('ArgMax', [logits], { axis: 1, keepdims: 0 });
    if (h.start !== 0) action = g.op('Add', [action, g.constant('action_start', [h.start], [], INT64)]);
    g.op('Identity', [action], undefined, 'action');
    outputs.push({ name: 'action', type: INT64, shape: [B], doc: `greedy action: argmax of the logits${h.start ? ` + ${h.start}` : ''}` });
    if (all) outputs.push({ name: 'logits', type: FLOAT, shape: [B, h.nActions], doc: 'logits of the categorical distribution' });
  } else if (h.kind === 'gaussian') {
    const mean = g.op('Identity', [out], undefined, 'mean');
    g.op('Identity', [mean], undefined, 'action');
    outputs.push({ name: 'action', type: FLOAT, shape: [B, h.actDim], doc: 'greedy action: the Gaussian mean (unclipped, as the library acts)' });
    if (all) {
      const ls = g.constant('pi.log_std', h.logStd, [h.actDim]);
      g.op('Expand', [ls, g.op('Shape', [mean])], undefined, 'log_std');
      outputs.push(
        { name: 'mean', type: FLOAT, shape: [B, h.actDim] },
        { name: 'log_std', type: FLOAT, shape: [B, h.actDim], doc: 'state-independent log standard deviation' },
      );
    }
  } else {
    const D = h.actDim;
    const i64 = (name: string, v: number) => g.constant(name, [v], [1], INT64);
    const axes = i64('slice.axes', 1);
    const mean = g.op('Slice', [out, i64('slice.mean_start', 0), i64('slice.mean_end', D), axes], undefined, 'mean');
    const squashed = g.op('Tanh', [mean], undefined, 'squashed_mean');
    // SB3's unscale_action: low + (a + 1) (high - low) / 2.
    const half = g.constant(
      'action.half_range',
      Float32Array.from(h.low, (lo, j) => 0.5 * (h.high[j] - lo)),
      [D],
    );
    const low = g.constant('action.low', h.low, [D]);
    const one = g.constant('one', [1], []);
    g.op('Add', [g.op('Mul', [g.op('Add', [squashed, one]), half]), low], undefined, 'action');
    outputs.push({ name: 'action', type: FLOAT, shape: [B, D], doc: 'greedy action: tanh(mean) rescaled to the action space' });
    if (all) {
      const raw = g.op('Slice', [out, i64('slice.log_std_start', D), i64('slice.log_std_end', 2 * D), axes]);
      g.op('Clip', [raw, g.constant('log_std.min', [h.logStdMin], []), g.constant('log_std.max', [h.logStdMax], [])], undefined, 'log_std');
      outputs.push(
        { name: 'mean', type: FLOAT, shape: [B, D], doc: 'mean of the Gaussian before the tanh' },
        { name: 'log_std', type: FLOAT, shape: [B, D], doc: 'log standard deviation before the tanh (clipped as in training)' },
        { name: 'squashed_mean', type: FLOAT, shape: [B, D], doc: 'tanh(mean), in [-1, 1]' },
      );
    }
  }
  if (all && d.value) {
    const v = g.dense('vf', d.value, vfIn);
    g.op('Squeeze', [v, g.constant('value.axes', [1], [1], INT64)], undefined, 'value');
    outputs.push({ name: 'value', type: FLOAT, shape: [B], doc: 'state value V(o)' });
  }
  if (nextState) outputs.push({ name: 'state_out', type: FLOAT, shape: [B, rec!.stateSize], doc: 'the state after this step: feed it back as state' });

  const meta: Record<string, string> = {
    'ascent.algo': d.algo,
    'ascent.env': d.env,
    'ascent.policy': rec ? `${h.kind} (${rec.cell} ${rec.hiddenSize})` : h.kind,
    'ascent.frame_stack': String(d.frameStack),
    ...(mi ? { 'ascent.inputs': mi.policy.parts.map((p) => `${p.key} [${p.shape.join(', ')}]`).join(', ') } : {}),
    'ascent.obs_normalization': d.obsNorm ? `folded in: (obs - mean) / sqrt(var + eps), clipped to [-${d.obsNorm.clip}, ${d.obsNorm.clip}]` : 'none',
  };
  return encodeModel(g, inputs, outputs, `${d.algo} ${d.env} policy`, meta, opts.producerVersion ?? '');
}

/** Names the graph gives its outputs and intermediates: a Dict key cannot be an input of the same name. */
const RESERVED = new Set(['obs', 'obs_flat', 'obs_normalized', 'state', 'state_out', 'action', 'logits', 'mean', 'log_std', 'squashed_mean', 'value']);

/** The flat row [batch, flatdim] of a Dict policy's inputs: each key flattened, concatenated in key order. */
function flatRow(g: GraphBuilder, e: CombinedEncoderSpec): string {
  for (const p of e.parts) {
    if (RESERVED.has(p.key) || /^[a-z]+_\d+$/.test(p.key) || p.key.startsWith('const_'))
      throw new Error(`onnx: the observation key '${p.key}' would name an input that clashes with the graph's own names (${[...RESERVED].join(', ')}, op_N)`);
  }
  const flat = e.parts.map((p) => (p.shape.length === 1 ? p.key : g.op('Flatten', [p.key], { axis: 1 })));
  return flat.length === 1 ? g.op('Identity', flat, undefined, 'obs_flat') : g.op('Concat', flat, { axis: 1 }, 'obs_flat');
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  w.int64s(1, t.dims);
  w.int(2, t.type);
  w.string(8, t.name);
  // raw_data: little-endian bytes of the values.
  const arr = t.type === FLOAT ? Float32Array.from(t.data) : BigInt64Array.from(Array.from(t.data, (v) => BigInt(v)));
  w.bytes(9, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type);
      tensor.message(2, (shape) => {
        for (const dim of v.shape) shape.message(1, (dd) => (typeof dim === 'number' ? dd.int(1, dim) : dd.string(2, dim)));
      });
    }),
  );
  if (v.doc) w.string(3, v.doc);
}

function encodeModel(g: GraphBuilder, inputs: ValueInfo[], outputs: ValueInfo[], name: string, meta: Record<string, string>, version: string): Uint8Array {
  const m = new ProtoWriter();
  m.int(1, ONNX_IR_VERSION);
  m.string(2, 'ascent-rl');
  if (version) m.string(3, version);
  m.string(6, 'policy exported by ascent: greedy action from raw observations');
  m.message(7, (graph) => {
    g.nodes.forEach((n, i) => {
      graph.message(1, (node) => {
        for (const s of n.inputs) node.string(1, s);
        for (const s of n.outputs) node.string(2, s);
        node.string(3, `${n.op}_${i}`);
        node.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) {
          node.message(5, (a) => (Array.isArray(v) ? a.string(1, k).int64s(8, v).int(20, ATTR_INTS) : a.string(1, k).int(3, v).int(20, ATTR_INT)));
        }
      });
    });
    graph.string(2, name);
    for (const t of g.initializers) graph.message(5, (tw) => writeTensor(tw, t));
    for (const v of inputs) graph.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of outputs) graph.message(12, (vw) => writeValueInfo(vw, v));
  });
  m.message(8, (op) => op.string(1, '').int(2, ONNX_OPSET));
  for (const [k, v] of Object.entries(meta)) m.message(14, (e) => e.string(1, k).string(2, v));
  return m.finish();
}
