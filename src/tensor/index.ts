/**
 * tensor/: Tensor, reverse-mode autodiff on a tape, ops, kernels and gradient checking.
 *
 * Ops are free functions (`add(a, b)`) and, for readable model code, methods (`a.add(b)`).
 */
import { Tensor, gradients, type GradOptions } from './tensor.ts';
import * as E from './ops/elementwise.ts';
import * as R from './ops/reduce.ts';
import * as S from './ops/shape.ts';
import * as L from './ops/linalg.ts';

export { Tensor, BufferArena, gradients, noGrad, isGradEnabled, setCheckNumerics, assertFinite, sizeOf, shapeStr, allocData } from './tensor.ts';
export type { DType, Data, Shape, Node, GradOptions } from './tensor.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/shape.ts';
export * from './ops/linalg.ts';
export * from './ops/mlp.ts';
export * from './ops/tanh-gaussian.ts';
export * from './ops/ppo-loss.ts';
export { checkGradients, type GradCheckResult, type GradCheckOptions } from './gradcheck.ts';
export { gemm } from './kernels.ts';
export { setWasmKernels, kernelInfo, wasmTanh, setGemmThreads, setGemmThreadThreshold, gemmThreadsReady, type KernelInfo } from './wasm/index.ts';
export { setTwinThreads, setTwinThreshold, twinInfo } from './wasm/index.ts';

/** Gradients of a scalar `output` with respect to each of `inputs`. */
export function grad(output: Tensor, inputs: Tensor[], opts?: GradOptions): Tensor[] {
  return gradients(output, inputs, opts) as Tensor[];
}

/**
 * Hessian-vector product H v of a scalar function of `params` (double backward):
 * d/dθ [ (∇θ f) · v ]. Used for Fisher-vector products (the Hessian of the KL at θ_old).
 */
export function hessianVectorProduct(f: Tensor, params: Tensor[], v: Tensor[]): Tensor[] {
  const g = gradients(f, params, { createGraph: true, allowUnused: true });
  let dot: Tensor | null = null;
  g.forEach((gi, i) => {
    if (!gi) return;
    const term = R.sum(E.mul(gi, v[i]));
    dot = dot ? E.add(dot, term) : term;
  });
  if (!dot) return params.map((p) => Tensor.zeros(p.shape, p.dtype));
  const h = gradients(dot, params, { allowUnused: true });
  return h.map((hi, i) => hi ?? Tensor.zeros(params[i].shape, params[i].dtype));
}

type TL = E.TensorLike;
declare module './tensor.ts' {
  interface Tensor {
    add(b: TL): Tensor;
    sub(b: TL): Tensor;
    mul(b: TL): Tensor;
    div(b: TL): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    pow(p: number): Tensor;
    abs(): Tensor;
    clip(lo: number, hi: number): Tensor;
    sum(axes?: number | number[], keepDims?: boolean): Tensor;
    mean(axes?: number | number[], keepDims?: boolean): Tensor;
    max(axes?: number | number[], keepDims?: boolean): Tensor;
    matmul(b: Tensor, transA?: boolean, transB?: boolean): Tensor;
    reshape(shape: number[]): Tensor;
    transpose(perm?: number[]): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}
// One short method per op, all of the same shape: each is typed by the declaration above.
const P = Tensor.prototype;
P.add = function (b) {
  return E.add(this, b);
};
P.sub = function (b) {
  return E.sub(this, b);
};
P.mul = function (b) {
  return E.mul(this, b);
};
P.div = function (b) {
  return E.div(this, b);
};
P.neg = function () {
  return E.neg(this);
};
P.exp = function () {
  return E.exp(this);
};
P.log = function () {
  return E.log(this);
};
P.tanh = function () {
  return E.tanh(this);
};
P.sigmoid = function () {
  return E.sigmoid(this);
};
P.relu = function () {
  return E.relu(this);
};
P.square = function () {
  return E.square(this);
};
P.sqrt = function () {
  return E.sqrt(this);
};
P.pow = function (p) {
  return E.pow(this, p);
};
P.abs = function () {
  return E.abs(this);
};
P.clip = function (lo, hi) {
  return E.clip(this, lo, hi);
};
P.sum = function (axes, keep) {
  return R.sum(this, axes, keep);
};
P.mean = function (axes, keep) {
  return R.mean(this, axes, keep);
};
P.max = function (axes, keep) {
  return R.max(this, axes, keep);
};
P.matmul = function (b, ta, tb) {
  return L.matmul(this, b, ta, tb);
};
P.reshape = function (shape) {
  return S.reshape(this, shape);
};
P.transpose = function (perm) {
  return S.transpose(this, perm);
};
P.softmax = function (axis) {
  return R.softmax(this, axis);
};
P.logSoftmax = function (axis) {
  return R.logSoftmax(this, axis);
};
export * from './ops/conv.ts';
