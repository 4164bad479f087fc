/**
 * A whole multilayer perceptron as one op on the tape (issue 12: at small sizes the cost of an MLP
 * was per-op overhead and copies, not arithmetic). Forward and first-order backward run in
 * WebAssembly through wasm/mlp.ts, bit for bit what the per-layer ops (linearAct, linear) compute
 * there; a backward that must itself be differentiated (createGraph) recomputes the MLP with the
 * per-layer ops and differentiates that graph, so second derivatives work as everywhere else.
 */
import { Tensor, record, allocData, shapeStr, isGradEnabled, gradients, withGrad } from '../tensor.ts';
import { FusedMlpKernels, type MlpActivation } from '../wasm/mlp.ts';
import { linear, linearAct } from './linalg.ts';

export { FusedMlpKernels };
export type MlpLayerActivation = 'relu' | 'tanh' | 'identity';
const CODE: Record<MlpLayerActivation, MlpActivation> = { identity: 0, relu: 1, tanh: 2 };

/** The per-layer ops: act_i(h W_i + b_i) with linearAct for relu and tanh, linear for identity. */
export function mlpLayers(x: Tensor, ws: Tensor[], bs: (Tensor | null)[], acts: MlpLayerActivation[]): Tensor {
  let h = x;
  for (let i = 0; i < ws.length; i++) {
    const a = acts[i],
      b = bs[i] ?? undefined;
    h = a === 'identity' ? linear(h, ws[i], b) : linearAct(h, ws[i], b, a);
  }
  return h;
}

/**
 * act_L(... act_1(x W_1 + b_1) ...) as one op: x [n, in], W_i [in_i, out_i], b_i [out_i] or null.
 * `kernels` is the MLP's own WebAssembly state (one per network: it holds the activations between
 * the forward and the backward). Falls back to the per-layer ops for float64 data or without the
 * WebAssembly kernels.
 */
export function mlp(x: Tensor, ws: Tensor[], bs: (Tensor | null)[], acts: MlpLayerActivation[], kernels: FusedMlpKernels): Tensor {
  const L = ws.length;
  const sizes = kernels.sizes;
  if (L === 0 || bs.length !== L || acts.length !== L || sizes.length !== L + 1) {
    throw new RangeError(`mlp: expected ${sizes.length - 1} layers (weights, biases, activations), got ${L}, ${bs.length}, ${acts.length}`);
  }
  if (x.rank !== 2 || x.shape[1] !== sizes[0]) throw new RangeError(`mlp: expected input [n, ${sizes[0]}], got ${shapeStr(x.shape)}`);
  for (let i = 0; i < L; i++) {
    if (!(acts[i] in CODE)) throw new RangeError(`mlp: activation ${i} must be 'relu', 'tanh' or 'identity', got ${String(acts[i])}`);
    const w = ws[i],
      b = bs[i];
    if (w.rank !== 2 || w.shape[0] !== sizes[i] || w.shape[1] !== sizes[i + 1] || (b && (b.rank !== 1 || b.shape[0] !== sizes[i + 1]))) {
      throw new RangeError(
        `mlp: layer ${i} expects w [${sizes[i]}, ${sizes[i + 1]}] and b [${sizes[i + 1]}], got w ${shapeStr(w.shape)}` + (b ? `, b ${shapeStr(b.shape)}` : ''),
      );
    }
  }
  const f32 = x.data instanceof Float32Array && ws.every((w) => w.data instanceof Float32Array) && bs.every((b) => !b || b.data instanceof Float32Array);
  if (!f32) return mlpLayers(x, ws, bs, acts);
  const n = x.shape[0],
    out = sizes[L];
  const codes = acts.map((a) => CODE[a]);
  const o = allocData('float32', n * out, false) as Float32Array;
  const token = kernels.forward(
    x.data as Float32Array,
    n,
    ws.map((w) => w.data as Float32Array),
    bs.map((b) => (b ? (b.data as Float32Array) : null)),
    codes,
    o,
  );
  if (!token) return mlpLayers(x, ws, bs, acts);
  const params: Tensor[] = [];
  for (let i = 0; i < L; i++) {
    params.push(ws[i]);
    const b = bs[i];
    if (b) params.push(b);
  }
  const inputs = [x, ...params];
  const y = record('mlp', new Tensor(o, [n, out]), inputs, (g) => {
    if (!isGradEnabled() && g.data instanceof Float32Array) {
      const dx = x.requiresGrad ? (allocData('float32', x.size, false) as Float32Array) : null;
      const dws = ws.map((w) => (w.requiresGrad ? (allocData('float32', w.size, false) as Float32Array) : null));
      const dbs = bs.map((b) => (b?.requiresGrad ? (allocData('float32', b.size, false) as Float32Array) : null));
      if (kernels.backward(token, g.data, codes, dx, dws, dbs)) {
        token.done = true;
        const grads: (Tensor | null)[] = [dx && new Tensor(dx, x.shape)];
        for (let i = 0; i < L; i++) {
          const dw = dws[i],
            db = dbs[i];
          grads.push(dw && new Tensor(dw, ws[i].shape));
          if (bs[i]) grads.push(db && new Tensor(db, [sizes[i + 1]]));
        }
        return grads;
      }
    }
    // Differentiated again (createGraph), or the kernels were turned off since the forward: the
    // same function built from the per-layer ops, and its gradients (a graph when createGraph).
    const createGraph = isGradEnabled();
    return withGrad(() => {
      const z = mlpLayers(x, ws, bs, acts);
      return gradients(z, inputs, { seed: g, createGraph, allowUnused: true });
    });
  });
  if (!y.requiresGrad) token.done = true; // no backward will come
  return y;
}
