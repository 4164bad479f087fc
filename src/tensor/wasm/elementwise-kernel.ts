/**
 * Elementwise float32 kernels for the MLP hot path, four lanes at a time, all addresses in bytes and
 * every buffer a whole number of vectors (they read and write up to 3 floats past n):
 *
 *   relu(src, dst, n)               dst = max(src, 0), NaN kept, -0 -> 0 (as kernels.ts's reluInto)
 *   reluBackward(y, g, dst, n)      dst = g where y > 0, 0 where y <= 0, y where y is NaN
 *                                   (y may be relu's input or its output: their signs agree)
 *   adam(p, g, m, v, n, b1, b2, c1, c2, stepSize, rc2, eps, decay)
 *                                   m = b1 m + c1 g;  v = b2 v + c2 g^2  (c = 1 - b, computed in
 *                                   float64 by the caller: 1 - f32(0.999) is off by 1.3e-5);
 *                                   p = p decay - stepSize m / (sqrt(v) rc2 + eps)   (nn/optim.ts's Adam)
 *   polyak(t, s, n, tau)            t = t + tau (s - t)
 *   add(a, b, dst, n)               dst = a + b (gradient accumulation)
 *   tanhBackward(y, g, dst, n)      dst = g (1 - y^2)
 *   colsum(src, dst, rows, rowBytes) column sums of a matrix
 *
 * Branchless by lane masks, so the cost does not depend on the signs of the data.
 */
import { Type, type Func } from './emitter.ts';

/** Emits `for (i = 0; i < n; i += 4) body(byte offset)` over a counter starting at 0. */
function vectorLoop(f: Func, n: number, body: (off: number) => void): void {
  const off = f.local(Type.i32),
    end = f.local(Type.i32);
  f.returnIfBelowOne(n);
  f.get(n).i32(2).i32Shl().set(end);
  f.i32(0).set(off);
  f.loop(() => {
    body(off);
    f.get(off).i32(16).i32Add().tee(off).get(end).i32LtS().brIf(0);
  });
}

export function emitRelu(f: Func): void {
  const [src, dst, n] = [0, 1, 2];
  const x = f.local(Type.v128);
  vectorLoop(f, n, (off) => {
    f.get(dst).get(off).i32Add();
    f.get(src).get(off).i32Add().v128Load().tee(x);
    // keep x where x > 0 or x is NaN
    f.get(x).v128Zero().f32x4Gt().get(x).get(x).f32x4Ne().v128Or().v128And();
    f.v128Store();
  });
}

export function emitReluBackward(f: Func): void {
  const [y, g, dst, n] = [0, 1, 2, 3];
  const yv = f.local(Type.v128);
  vectorLoop(f, n, (off) => {
    f.get(dst).get(off).i32Add();
    f.get(y).get(off).i32Add().v128Load().set(yv);
    // bitselect(y, g & (y > 0), y is NaN)
    f.get(yv);
    f.get(g).get(off).i32Add().v128Load().get(yv).v128Zero().f32x4Gt().v128And();
    f.get(yv).get(yv).f32x4Ne().v128Bitselect();
    f.v128Store();
  });
}

export function emitAdam(f: Func): void {
  const [p, g, m, v, n, b1, b2, oneMinusB1, oneMinusB2, stepSize, rc2, eps, decay] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const splat = (x: number) => {
    const l = f.local(Type.v128);
    f.get(x).f32x4Splat().set(l);
    return l;
  };
  const vb1 = splat(b1),
    vb2 = splat(b2),
    vStep = splat(stepSize),
    vRc2 = splat(rc2),
    vEps = splat(eps),
    vDecay = splat(decay);
  const c1 = splat(oneMinusB1),
    c2 = splat(oneMinusB2);
  const gv = f.local(Type.v128),
    mv = f.local(Type.v128),
    vv = f.local(Type.v128);
  vectorLoop(f, n, (off) => {
    f.get(g).get(off).i32Add().v128Load().set(gv);
    f.get(m).get(off).i32Add();
    f.get(vb1).get(m).get(off).i32Add().v128Load().f32x4Mul().get(c1).get(gv).f32x4Mul().f32x4Add().tee(mv);
    f.v128Store();
    f.get(v).get(off).i32Add();
    f.get(vb2).get(v).get(off).i32Add().v128Load().f32x4Mul().get(c2).get(gv).f32x4Mul().get(gv).f32x4Mul().f32x4Add().tee(vv);
    f.v128Store();
    f.get(p).get(off).i32Add();
    f.get(p).get(off).i32Add().v128Load().get(vDecay).f32x4Mul();
    f.get(vStep).get(mv).f32x4Mul();
    f.get(vv).f32x4Sqrt().get(vRc2).f32x4Mul().get(vEps).f32x4Add();
    f.f32x4Div().f32x4Sub();
    f.v128Store();
  });
}

export function emitPolyak(f: Func): void {
  const [t, s, n, tau] = [0, 1, 2, 3];
  const vt = f.local(Type.v128),
    vTau = f.local(Type.v128);
  f.get(tau).f32x4Splat().set(vTau);
  vectorLoop(f, n, (off) => {
    f.get(t).get(off).i32Add();
    f.get(t).get(off).i32Add().v128Load().tee(vt);
    f.get(s).get(off).i32Add().v128Load().get(vt).f32x4Sub().get(vTau).f32x4Mul().f32x4Add();
    f.v128Store();
  });
}

export function emitAdd(f: Func): void {
  const [a, b, dst, n] = [0, 1, 2, 3];
  vectorLoop(f, n, (off) => {
    f.get(dst).get(off).i32Add();
    f.get(a).get(off).i32Add().v128Load().get(b).get(off).i32Add().v128Load().f32x4Add();
    f.v128Store();
  });
}

/**
 * colsum(src, dst, rows, rowBytes): dst[j] = sum over r of src[r, j] for a row-major [rows, cols]
 * block with rowBytes = 4 cols a multiple of 16; rows are added in order, as kernels.ts's sumAxis
 * does, so the float32 result is the same bit for bit.
 */
export function emitColSum(f: Func): void {
  const [src, dst, rows, rowBytes] = [0, 1, 2, 3];
  const j = f.local(Type.i32),
    r = f.local(Type.i32);
  f.returnIfBelowOne(rowBytes);
  f.i32(0).set(j);
  f.loop(() => {
    f.get(dst).get(j).i32Add().v128Zero().v128Store();
    f.get(j).i32(16).i32Add().tee(j).get(rowBytes).i32LtS().brIf(0);
  });
  f.returnIfBelowOne(rows);
  f.i32(0).set(r);
  f.loop(() => {
    f.i32(0).set(j);
    f.loop(() => {
      f.get(dst).get(j).i32Add();
      f.get(dst).get(j).i32Add().v128Load().get(src).get(j).i32Add().v128Load().f32x4Add();
      f.v128Store();
      f.get(j).i32(16).i32Add().tee(j).get(rowBytes).i32LtS().brIf(0);
    });
    f.get(src).get(rowBytes).i32Add().set(src);
    f.get(r).i32(1).i32Add().tee(r).get(rows).i32LtS().brIf(0);
  });
}

/** tanhBackward(y, g, dst, n): dst = g (1 - y^2) (tanh's derivative from its output), float32 arithmetic. */
export function emitTanhBackward(f: Func): void {
  const [y, g, dst, n] = [0, 1, 2, 3];
  const yv = f.local(Type.v128);
  vectorLoop(f, n, (off) => {
    f.get(dst).get(off).i32Add();
    f.get(g).get(off).i32Add().v128Load();
    f.f32x4Const(1).get(y).get(off).i32Add().v128Load().tee(yv).get(yv).f32x4Mul().f32x4Sub();
    f.f32x4Mul().v128Store();
  });
}
