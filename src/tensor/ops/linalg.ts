/** Matrix products: matmul (batched, with transpose flags) and the fused affine layer. */
import { Tensor, record, allocData, shapeStr, isGradEnabled, type Data } from '../tensor.ts';
import { wasmDenseBackward, wasmLinearBackward, eltwiseThreshold, type GemmActivation } from '../wasm/index.ts';
import { gemm } from '../kernels.ts';
import { reshape } from './shape.ts';
import { sum } from './reduce.ts';
import { reluBackward, tanhBackward } from './elementwise.ts';

/**
 * op(a) @ op(b), where op transposes the last two axes when the flag is set.
 * a [..., m, k] with b [k, n] folds a's leading axes into rows; otherwise the leading (batch)
 * axes of a and b must be equal.
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new RangeError(`matmul: operands need rank >= 2, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)} (reshape vectors to [1,n] or [n,1])`);
  }
  // A batch of inputs times one weight matrix: fold the batch into rows.
  if (a.rank > 2 && b.rank === 2 && !transA) {
    const lead = a.shape.slice(0, -1);
    const out = matmul(reshape(a, [-1, a.shape[a.rank - 1]]), b, false, transB);
    return reshape(out, [...lead, out.shape[1]]);
  }
  const ra = a.rank,
    rb = b.rank;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2),
    batchB = b.shape.slice(0, -2);
  if (k !== kb || batchA.length !== batchB.length || batchA.some((d, i) => d !== batchB[i])) {
    throw new RangeError(
      `matmul: shapes ${shapeStr(a.shape)}${transA ? 'ᵀ' : ''} and ${shapeStr(b.shape)}${transB ? 'ᵀ' : ''} do not match ` +
        `(inner dimensions ${k} and ${kb}; batch dimensions must be equal)`,
    );
  }
  const batch = batchA.reduce((p, d) => p * d, 1);
  const dtype = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  const o = allocData(dtype, batch * m * n, false); // gemm writes every element (accumulate off)
  for (let i = 0; i < batch; i++) gemm(a.data, i * m * k, b.data, i * k * n, o, i * m * n, m, k, n, transA, transB);
  return record('matmul', new Tensor(o, [...batchA, m, n]), [a, b], (g) => [
    a.requiresGrad ? (transA ? matmul(b, g, transB, true) : matmul(g, b, false, !transB)) : null,
    b.requiresGrad ? (transB ? matmul(g, a, true, transA) : matmul(a, g, !transA, false)) : null,
  ]);
}

/** o = act(x @ w + b) [n, m] in one gemm, after checking the shapes for `op` (x [n, k], w [k, m]). */
function affine(op: string, x: Tensor, w: Tensor, b: Tensor | undefined, act: GemmActivation): { o: Data; n: number; k: number; m: number } {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0] || (b && (b.rank !== 1 || b.shape[0] !== w.shape[1]))) {
    throw new RangeError(
      `${op}: expected x [n, in], w [in, out], b [out]; got x ${shapeStr(x.shape)}, w ${shapeStr(w.shape)}` + (b ? `, b ${shapeStr(b.shape)}` : ''),
    );
  }
  const [n, k] = x.shape;
  const m = w.shape[1];
  const dtype = x.dtype === 'float64' || w.dtype === 'float64' ? 'float64' : 'float32';
  const o = allocData(dtype, n * m, false); // gemm writes every element (accumulate off)
  gemm(x.data, 0, w.data, 0, o, 0, n, k, m, false, false, false, act, b?.data);
  return { o, n, k, m };
}

/**
 * The affine layer x @ w + b in one pass: x [n, in], w [in, out], b [out].
 * Its backward is three matmul/sum ops, so it is differentiable twice like everything else.
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const { o, n, k, m } = affine('linear', x, w, b, 0);
  const inputs = b ? [x, w, b] : [x, w];
  return record('linear', new Tensor(o, [n, m]), inputs, (g) => {
    // A first-order backward of float32 data: one visit to wasm memory (x and g copied in once, not
    // once per product), the same bits as the ops below. With createGraph the ops record a graph.
    if (!isGradEnabled() && x.data instanceof Float32Array && w.data instanceof Float32Array && g.data instanceof Float32Array) {
      const dx = x.requiresGrad ? (allocData('float32', n * k, false) as Float32Array) : null;
      const dw = w.requiresGrad ? (allocData('float32', k * m, false) as Float32Array) : null;
      // One output column: sum(g, 0) reduces it as a whole vector (its own summation order), so db
      // stays with that op.
      const db = b?.requiresGrad && m > 1 ? (allocData('float32', m, false) as Float32Array) : null;
      if (wasmLinearBackward(x.data, w.data, g.data, n, k, m, dx, dw, db)) {
        return [dx && new Tensor(dx, x.shape), dw && new Tensor(dw, w.shape), db ? new Tensor(db, [m]) : b?.requiresGrad ? sum(g, 0) : null];
      }
    }
    return [x.requiresGrad ? matmul(g, w, false, true) : null, w.requiresGrad ? matmul(x, g, true, false) : null, b?.requiresGrad ? sum(g, 0) : null];
  });
}

/** The activations `linear` can fuse: the ones whose derivative is a function of their output. */
export type FusedActivation = 'relu' | 'tanh';
const ACT_CODE = { relu: 1, tanh: 2 } as const;

/**
 * act(x @ w + b) as one op (an MLP's hidden layer): the activation runs on the product while it is
 * still in WebAssembly memory, and the backward takes the activation's derivative from the output
 * (relu: y > 0 exactly where x w + b > 0, NaN where it is NaN; tanh: 1 - y^2). The backward is made of
 * ops, so it can be differentiated again like `linear` followed by `relu` or `tanh`.
 */
export function linearAct(x: Tensor, w: Tensor, b: Tensor | undefined, act: FusedActivation): Tensor {
  if (!(act in ACT_CODE)) throw new RangeError(`linearAct: activation must be 'relu' or 'tanh', got ${String(act)}`);
  const { o, n, k, m } = affine('linearAct', x, w, b, ACT_CODE[act]);
  const inputs = b ? [x, w, b] : [x, w];
  const out = new Tensor(o, [n, m]);
  return record(`linear+${act}`, out, inputs, (g) => {
    // A first-order backward of float32 data: all of it in one visit to wasm memory, bit for bit
    // what the ops below compute. With createGraph (gradients enabled here) the ops record a graph.
    if (!isGradEnabled() && o instanceof Float32Array && x.data instanceof Float32Array && w.data instanceof Float32Array && g.data instanceof Float32Array) {
      const dx = x.requiresGrad ? (allocData('float32', n * k, false) as Float32Array) : null;
      const dw = w.requiresGrad ? (allocData('float32', k * m, false) as Float32Array) : null;
      const db = b?.requiresGrad ? (allocData('float32', m, false) as Float32Array) : null;
      if (wasmDenseBackward(x.data, w.data, o, g.data, n, k, m, ACT_CODE[act], dx, dw, db, eltwiseThreshold())) {
        return [dx && new Tensor(dx, x.shape), dw && new Tensor(dw, w.shape), db && new Tensor(db, [m])];
      }
    }
    const dz = act === 'relu' ? reluBackward(out, g) : tanhBackward(out, g);
    return [x.requiresGrad ? matmul(dz, w, false, true) : null, w.requiresGrad ? matmul(x, dz, true, false) : null, b?.requiresGrad ? sum(dz, 0) : null];
  });
}
