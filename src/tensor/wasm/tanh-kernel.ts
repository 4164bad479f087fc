/**
 * Elementwise float32 tanh, four lanes at a time, two vectors interleaved per loop step (issue 12:
 * 11.1 -> 8.5 us per 4096 floats on the 2-core EPYC, bit for bit the same):  tanh(src, dst, n)
 * (byte addresses; it writes whole vectors, so up to 3 floats past dst + 4n).
 *
 * Two branches, both computed and blended by a lane mask:
 *   |x| < 0.9:  tanh x = x + x^3 P(x^2), P a degree-6 fit of (tanh(x)/x - 1)/x^2 (relative error
 *               1.8e-8, Lawson-weighted least squares on Chebyshev nodes, coefficients rounded to f32);
 *   |x| >= 0.9: tanh |x| = 1 - 2 / (exp(2|x|) + 1), where 2/(e+1) < 0.28 so its rounding error stays
 *               below a quarter of the result's ulp. exp by Cody-Waite reduction r = y - n ln2
 *               (|r| <= ln2/2), a degree-7 Taylor polynomial in r and 2^n built in the exponent bits.
 *               |x| is clamped at 9.1 (tanh rounds to 1 in f32 beyond ~9.01) so exp never overflows.
 * Measured against Math.tanh rounded to f32 over every float32 magnitude (2^31 - 2^23 inputs): at
 * most 1 ulp; test/tensor/wasm.test.ts re-checks a strided subset.
 * Odd by construction (computed on |x|, x's sign bit put back): -0 stays -0; NaN propagates.
 */
import { Type, type Func } from './emitter.ts';

/** Odd part coefficients, P(u) = sum P[i] u^i with u = x^2. */
const P = [
  -0.3333333134651184, 0.13333262503147125, -0.053953904658555984, 0.021759482100605965, -0.008451040834188461, 0.0027593025006353855, -0.0005204275948926806,
];
/** ln 2 split so n * LN2_HI is exact for the n used here (Cody & Waite, "Software Manual for the Elementary Functions", 1980). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const SMALL = 0.9;
/** 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits. */
const MAGIC = 12582912;
const MAGIC_BITS = 0x4b400000;
const CLAMP = 9.1;

export function emitTanh(f: Func): void {
  const [src, dst, n] = [0, 1, 2];
  const end = f.local(Type.i32),
    end2 = f.local(Type.i32);
  /** One lane group's locals; two groups are computed interleaved (the instruction-level parallelism gained ~25%). */
  const group = () => ({
    x: f.local(Type.v128),
    ax: f.local(Type.v128),
    u: f.local(Type.v128),
    acc: f.local(Type.v128),
    nf: f.local(Type.v128),
    r: f.local(Type.v128),
    small: f.local(Type.v128),
    nb: f.local(Type.v128),
  });
  const pair = [group(), group()];
  type G = (typeof pair)[0];

  /** tanh of the vectors at src + 16q into dst + 16q, q < gs.length, each step interleaved over the groups. */
  const body = (gs: G[]) => {
    const each = (step: (g: G, q: number) => void) => gs.forEach(step);
    /** acc = c[last]; acc = acc * v + c[i] for i descending (Horner). */
    const horner = (coef: number[], v: 'u' | 'r') => {
      each((g) => f.f32x4Const(coef[coef.length - 1]).set(g.acc));
      for (let i = coef.length - 2; i >= 0; i--) each((g) => f.get(g.acc).get(g[v]).f32x4Mul().f32x4Const(coef[i]).f32x4Add().set(g.acc));
    };
    each((g, q) => {
      f.get(src)
        .v128Load(16 * q)
        .set(g.x);
      f.get(g.x).f32x4Abs().set(g.ax);
      f.get(g.x).get(g.x).f32x4Mul().set(g.u);
    });
    // Small branch on |x| (the sign goes on last, so -0 stays -0): |x| + (|x| u) P(u).
    horner(P, 'u');
    each((g) => f.get(g.ax).get(g.ax).get(g.u).f32x4Mul().get(g.acc).f32x4Mul().f32x4Add().set(g.small));
    // Large branch on y = 2 min(|x|, CLAMP): n = nearest(y log2 e), r = (y - n LN2_HI) - n LN2_LO.
    // pmin(|x|, CLAMP) is one minps (min's NaN and -0 rules cost V8 several instructions); NaN passes.
    each((g) => f.get(g.ax).f32x4Const(CLAMP).f32x4Pmin().f32x4Const(2).f32x4Mul().set(g.u));
    // n = y log2 e rounded to nearest by adding and subtracting 1.5 * 2^23 (|y log2 e| < 27), which
    // also leaves n in the low bits of the sum: nb = bits(y log2 e + 1.5 * 2^23).
    each((g) => f.get(g.u).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Const(MAGIC).f32x4Add().tee(g.nb).f32x4Const(MAGIC).f32x4Sub().set(g.nf));
    each((g) => f.get(g.u).get(g.nf).f32x4Const(LN2_HI).f32x4Mul().f32x4Sub().get(g.nf).f32x4Const(LN2_LO).f32x4Mul().f32x4Sub().set(g.r));
    horner([1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040], 'r');
    // e = exp(r) * 2^n, with 2^n's bits (n + 127) << 23; then 1 - 2/(e+1).
    each((g) => {
      f.get(g.acc);
      f.get(g.nb)
        .i32x4Const(MAGIC_BITS - 127)
        .i32x4Sub()
        .i32(23)
        .i32x4Shl();
      f.f32x4Mul().set(g.acc);
    });
    each((g) => f.f32x4Const(1).f32x4Const(2).get(g.acc).f32x4Const(1).f32x4Add().f32x4Div().f32x4Sub().set(g.r));
    // Blend: small where |x| < SMALL (false for NaN, whose large branch is NaN too); x's sign bit.
    each((g, q) => {
      f.get(dst).get(g.small).get(g.r).get(g.ax).f32x4Const(SMALL).f32x4Lt().v128Bitselect();
      f.get(g.x)
        .i32x4Const(-0x80000000)
        .v128And()
        .v128Or()
        .v128Store(16 * q);
    });
    f.get(dst)
      .i32(16 * gs.length)
      .i32Add()
      .set(dst);
    f.get(src)
      .i32(16 * gs.length)
      .i32Add()
      .set(src);
  };

  f.returnIfBelowOne(n);
  f.get(src).get(n).i32(2).i32Shl().i32Add().set(end);
  // Pairs of vectors while the second one starts before the end (src + 16 < end), then single
  // vectors: ceil(n / 4) vectors as before, the same arithmetic per lane whichever loop runs it.
  f.get(end).i32(16).i32Sub().set(end2);
  f.block(() =>
    f.loop(() => {
      f.get(src).get(end2).i32GeS().brIf(1);
      body(pair);
      f.br(0);
    }),
  );
  f.block(() =>
    f.loop(() => {
      f.get(src).get(end).i32GeS().brIf(1);
      body([pair[0]]);
      f.br(0);
    }),
  );
}
