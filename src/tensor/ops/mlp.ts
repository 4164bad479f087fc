/**
 * A whole multilayer perceptron as one op on the tape (issue 12: at small sizes the cost of an MLP
 * was per-op overhead and copies, not arithmetic). Forward and first-order backward run in
 * WebAssembly through wasm/mlp.ts, bit for bit what the per-layer ops (linearAct, linear) compute
 * there; a backward that must itself be differentiated (createGraph) recomputes the MLP with the
 * per-layer ops and differentiates that graph, so second derivatives work as everywhere else.
 */
import { Tensor, record, allocData, shapeStr, isGradEnabled, gradients, withGrad } from '../tensor.ts';
import { FusedMlpKernels, type MlpActivation, type MlpBackwardPending } from '../wasm/mlp.ts';
import { twinParallelFor, type TwinRunner } from '../wasm/pair.ts';
import { linear, linearAct } from './linalg.ts';
import { concat } from './shape.ts';

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

/** One network of a pair: weights, biases and its kernels (host mode, on the runner's memory). */
export interface MlpPairNet {
  ws: Tensor[];
  bs: (Tensor | null)[];
  kernels: FusedMlpKernels;
}

const checkPair = (a: MlpPairNet, b: MlpPairNet, acts: MlpLayerActivation[], runner: TwinRunner) => {
  const sa = a.kernels.sizes,
    sb = b.kernels.sizes;
  if (sa.length !== sb.length || sa.some((s, i) => s !== sb[i])) {
    throw new RangeError(`mlpPair: the two networks must have the same sizes, got [${sa.join(', ')}] and [${sb.join(', ')}]`);
  }
  if (a.kernels.host !== runner || b.kernels.host !== runner) throw new RangeError("mlpPair: both networks' kernels must live on the runner's memory");
  if (acts.length !== sa.length - 1) throw new RangeError(`mlpPair: expected ${sa.length - 1} activations, got ${acts.length}`);
};

/** Multiply-adds of one call of a network of these sizes on n rows. */
export const mlpMacs = (sizes: readonly number[], n: number) => sizes.reduce((t, s, i) => (i ? t + n * sizes[i - 1] * s : 0), 0);

/**
 * Two networks of the same sizes on the same x [n, in], as one op: [n, 2 out], a's outputs in
 * columns [0, out) and b's in [out, 2 out). With a worker (pair.ts) and networks of at least
 * setTwinThreshold's size, b's forward and backward run on the second thread while a's run here;
 * the values and gradients are bit for bit those of two mlp() calls. Falls back to the per-layer
 * ops where mlp() does.
 */
export function mlpPair(x: Tensor, a: MlpPairNet, b: MlpPairNet, acts: MlpLayerActivation[], runner: TwinRunner): Tensor {
  checkPair(a, b, acts, runner);
  const sizes = a.kernels.sizes,
    L = sizes.length - 1,
    out = sizes[L];
  if (x.rank !== 2 || x.shape[1] !== sizes[0]) throw new RangeError(`mlpPair: expected input [n, ${sizes[0]}], got ${shapeStr(x.shape)}`);
  const n = x.shape[0];
  const perLayer = () => concat([mlpLayers(x, a.ws, a.bs, acts), mlpLayers(x, b.ws, b.bs, acts)], 1);
  const f32 = (t: Tensor | null) => !t || t.data instanceof Float32Array;
  if (!(f32(x) && [a, b].every((p) => p.ws.every(f32) && p.bs.every(f32)))) return perLayer();
  const codes = acts.map((c) => CODE[c]);
  const raw = (ts: (Tensor | null)[]) => ts.map((t) => (t ? (t.data as Float32Array) : null));
  const ta = a.kernels.forwardLoad(x.data as Float32Array, n, raw(a.ws) as Float32Array[], raw(a.bs));
  const tb = ta && b.kernels.forwardLoad(x.data as Float32Array, n, raw(b.ws) as Float32Array[], raw(b.bs));
  if (!ta || !tb) {
    if (ta) ta.done = true;
    return perLayer();
  }
  const parallel = twinParallelFor(mlpMacs(sizes, n));
  runner.run(
    (k) => a.kernels.forwardCompute(k, ta, codes),
    (k) => b.kernels.forwardCompute(k, tb, codes),
    parallel,
  );
  const oa = allocData('float32', n * out, false) as Float32Array,
    ob = allocData('float32', n * out, false) as Float32Array;
  a.kernels.forwardStore(ta, oa);
  b.kernels.forwardStore(tb, ob);
  const o = allocData('float32', 2 * n * out, false) as Float32Array;
  interleave(oa, ob, o, n, out);
  const params = (p: MlpPairNet) => p.ws.flatMap((w, i) => (p.bs[i] ? [w, p.bs[i]!] : [w]));
  const inputs = [x, ...params(a), ...params(b)];
  const y = record('mlpPair', new Tensor(o, [n, 2 * out]), inputs, (g) => {
    if (!isGradEnabled() && g.data instanceof Float32Array) {
      const ga = allocData('float32', n * out, false) as Float32Array,
        gb = allocData('float32', n * out, false) as Float32Array;
      deinterleave(g.data, ga, gb, n, out);
      if (a.kernels.backwardLoad(ta, ga) && b.kernels.backwardLoad(tb, gb)) {
        const want = (p: MlpPairNet) => ({
          dws: p.ws.map((w) => (w.requiresGrad ? (allocData('float32', w.size, false) as Float32Array) : null)),
          dbs: p.bs.map((bb) => (bb?.requiresGrad ? (allocData('float32', bb.size, false) as Float32Array) : null)),
          dx: x.requiresGrad ? (allocData('float32', x.size, false) as Float32Array) : null,
        });
        const wa = want(a),
          wb = want(b);
        let pa: MlpBackwardPending | null = null,
          pb: MlpBackwardPending | null = null;
        runner.run(
          (k) => (pa = a.kernels.backwardCompute(k, ta, codes, wa.dx !== null, wa.dws, wa.dbs)),
          (k) => (pb = b.kernels.backwardCompute(k, tb, codes, wb.dx !== null, wb.dws, wb.dbs)),
          parallel,
        );
        a.kernels.backwardStore(pa!, wa.dx, wa.dws, wa.dbs);
        b.kernels.backwardStore(pb!, wb.dx, wb.dws, wb.dbs);
        ta.done = tb.done = true;
        // dL/dx sums the two networks' (float addition commutes: the same as the tape adding them).
        if (wa.dx && wb.dx) for (let i = 0; i < wa.dx.length; i++) wa.dx[i] += wb.dx[i];
        const grads: (Tensor | null)[] = [wa.dx && new Tensor(wa.dx, x.shape)];
        for (const [p, w] of [
          [a, wa],
          [b, wb],
        ] as const) {
          for (let i = 0; i < L; i++) {
            const dw = w.dws[i],
              db = w.dbs[i];
            grads.push(dw && new Tensor(dw, p.ws[i].shape));
            if (p.bs[i]) grads.push(db && new Tensor(db, [sizes[i + 1]]));
          }
        }
        return grads;
      }
    }
    const createGraph = isGradEnabled();
    return withGrad(() => gradients(perLayer(), inputs, { seed: g, createGraph, allowUnused: true }));
  });
  if (!y.requiresGrad) ta.done = tb.done = true;
  return y;
}

/**
 * mlpPair off the tape on raw buffers: outA and outB [n, out] from x [n, in]. Returns false
 * (nothing done) when the kernels are off.
 */
export function mlpPairPredict(
  x: Float32Array,
  n: number,
  a: { ws: Float32Array[]; bs: (Float32Array | null)[]; kernels: FusedMlpKernels },
  b: { ws: Float32Array[]; bs: (Float32Array | null)[]; kernels: FusedMlpKernels },
  acts: MlpActivation[],
  runner: TwinRunner,
  outA: Float32Array,
  outB: Float32Array,
): boolean {
  const ta = a.kernels.forwardLoad(x, n, a.ws, a.bs);
  const tb = ta && b.kernels.forwardLoad(x, n, b.ws, b.bs);
  if (ta) ta.done = true;
  if (!ta || !tb) return false;
  tb.done = true;
  runner.run(
    (k) => a.kernels.forwardCompute(k, ta, acts),
    (k) => b.kernels.forwardCompute(k, tb, acts),
    twinParallelFor(mlpMacs(a.kernels.sizes, n)),
  );
  a.kernels.forwardStore(ta, outA);
  b.kernels.forwardStore(tb, outB);
  return true;
}

function interleave(a: Float32Array, b: Float32Array, o: Float32Array, n: number, m: number): void {
  if (m === 1) {
    for (let i = 0; i < n; i++) (o[2 * i] = a[i]), (o[2 * i + 1] = b[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) o[2 * i * m + j] = a[i * m + j];
    for (let j = 0; j < m; j++) o[(2 * i + 1) * m + j] = b[i * m + j];
  }
}

function deinterleave(o: Float32Array, a: Float32Array, b: Float32Array, n: number, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) a[i * m + j] = o[2 * i * m + j];
    for (let j = 0; j < m; j++) b[i * m + j] = o[(2 * i + 1) * m + j];
  }
}
