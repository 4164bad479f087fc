/**
 * The convolution kernels, written with the emitter: im2col and its adjoint col2im over NCHW images,
 * in a module of their own that imports the gemm module's memory (runtime.ts's instance), so the
 * patches they write are the gemm's operand without a copy. All sizes and strides in bytes where
 * they name memory, in elements where they name the image:
 *
 *   im2col(x, C, H, W, kh, kw, stride, pad, OH, OW, N, dst, rowBytes)
 *     row (n, oy, ox) at dst + ((n OH + oy) OW + ox) rowBytes, column (c, ky, kx) at 4 ((c kh + ky) kw + kx):
 *     x[n, c, oy stride - pad + ky, ox stride - pad + kx], 0 where that is in the padding.
 *     Patches wholly inside the image copy each run of kw floats as whole vectors: the last one
 *     reads up to 3 floats past the run and writes them past it, where the next run (or row) is
 *     written afterwards. The caller leaves 16 bytes after x and after the last row.
 *
 *   col2im(src, rowBytes, C, H, W, kh, kw, stride, pad, OH, OW, N, dx)
 *     dx := 0, then each entry of those rows added back to the pixel it was copied from, in
 *     im2col's order (so the float32 sums are bit for bit ops/conv.ts's JS col2im). dx is zeroed a
 *     vector at a time: its region is a whole number of vectors.
 */
import { Func, Type } from './emitter.ts';

/** Opcodes the shared emitter has no method for (WebAssembly Core Specification 2.0, 5.4.5). */
const I32_LT_U = 0x49,
  I32_AND = 0x71;
/** Appends raw instruction bytes to a function body (Func.code is the stream its methods fill). */
const raw = (f: Func, ...bytes: number[]) => {
  for (const b of bytes) f.code.push(b);
  return f;
};

// Parameter order of both kernels' geometry, after their leading pointer(s).
const GEOM = ['C', 'H', 'W', 'kh', 'kw', 'stride', 'pad', 'OH', 'OW', 'N'] as const;
type GeomIdx = Record<(typeof GEOM)[number], number>;
const geomIdx = (first: number): GeomIdx => Object.fromEntries(GEOM.map((k, i) => [k, first + i])) as GeomIdx;

/**
 * The loops both kernels share: for every image, output row and column, `interior` or `border`
 * with the patch's top-left input pixel (iy0, ix0), the image's base address and d, the byte
 * address of the patch's row (advanced by rowBytes after each).
 */
function patchLoops(
  f: Func,
  x: number,
  g: GeomIdx,
  rowStart: number,
  rowBytes: number,
  body: (v: { iy0: number; ix0: number; img: number; d: number; planeBytes: number; wBytes: number; kwBytes: number }) => void,
): void {
  const n = f.local(Type.i32),
    oy = f.local(Type.i32),
    ox = f.local(Type.i32),
    iy0 = f.local(Type.i32),
    ix0 = f.local(Type.i32),
    img = f.local(Type.i32),
    d = f.local(Type.i32),
    planeBytes = f.local(Type.i32),
    wBytes = f.local(Type.i32),
    kwBytes = f.local(Type.i32);
  for (const v of [g.N, g.OH, g.OW, g.C]) f.returnIfBelowOne(v);
  f.get(g.W).i32(2).i32Shl().set(wBytes);
  f.get(g.H).get(wBytes).i32Mul().set(planeBytes);
  f.get(g.kw).i32(2).i32Shl().set(kwBytes);
  f.get(x).set(img);
  f.get(rowStart).set(d);
  f.i32(0).set(n);
  f.loop(() => {
    f.i32(0).set(oy);
    f.loop(() => {
      f.get(oy).get(g.stride).i32Mul().get(g.pad).i32Sub().set(iy0);
      f.i32(0).set(ox);
      f.loop(() => {
        f.get(ox).get(g.stride).i32Mul().get(g.pad).i32Sub().set(ix0);
        body({ iy0, ix0, img, d, planeBytes, wBytes, kwBytes });
        f.get(d).get(rowBytes).i32Add().set(d);
        f.get(ox).i32(1).i32Add().tee(ox).get(g.OW).i32LtS().brIf(0);
      });
      f.get(oy).i32(1).i32Add().tee(oy).get(g.OH).i32LtS().brIf(0);
    });
    f.get(img).get(g.C).get(planeBytes).i32Mul().i32Add().set(img);
    f.get(n).i32(1).i32Add().tee(n).get(g.N).i32LtS().brIf(0);
  });
}

/** Pushes whether the kh x kw patch at (iy0, ix0) lies wholly inside the H x W image. */
function pushInterior(f: Func, g: GeomIdx, iy0: number, ix0: number): void {
  f.get(iy0).i32(0).i32GeS();
  f.get(iy0).get(g.kh).i32Add().get(g.H).i32LeS();
  raw(f, I32_AND);
  f.get(ix0).i32(0).i32GeS();
  raw(f, I32_AND);
  f.get(ix0).get(g.kw).i32Add().get(g.W).i32LeS();
  raw(f, I32_AND);
}

/**
 * Border patches, one float at a time: for each (c, ky, kx) in order, `inside(pixel address)` when
 * the input pixel exists, else `outside()`; `p` (a byte address into the row) steps by 4 each.
 */
function borderPatch(
  f: Func,
  g: GeomIdx,
  v: { iy0: number; ix0: number; img: number; planeBytes: number; wBytes: number },
  p: number,
  inside: (pixel: number) => void,
  outside: () => void,
): void {
  const c = f.local(Type.i32),
    ky = f.local(Type.i32),
    kx = f.local(Type.i32),
    iy = f.local(Type.i32),
    ix = f.local(Type.i32),
    plane = f.local(Type.i32),
    row = f.local(Type.i32),
    pixel = f.local(Type.i32);
  f.get(v.img).set(plane);
  f.i32(0).set(c);
  f.loop(() => {
    f.i32(0).set(ky);
    f.loop(() => {
      f.get(v.iy0).get(ky).i32Add().set(iy);
      f.get(plane).get(iy).get(v.wBytes).i32Mul().i32Add().set(row);
      f.i32(0).set(kx);
      f.loop(() => {
        f.get(v.ix0).get(kx).i32Add().set(ix);
        // (unsigned) iy < H and ix < W: both in range, negatives included
        f.get(iy).get(g.H);
        raw(f, I32_LT_U);
        f.get(ix).get(g.W);
        raw(f, I32_LT_U, I32_AND);
        f.if(() => {
          f.get(row).get(ix).i32(2).i32Shl().i32Add().set(pixel);
          inside(pixel);
        }, outside);
        f.get(p).i32(4).i32Add().set(p);
        f.get(kx).i32(1).i32Add().tee(kx).get(g.kw).i32LtS().brIf(0);
      });
      f.get(ky).i32(1).i32Add().tee(ky).get(g.kh).i32LtS().brIf(0);
    });
    f.get(plane).get(v.planeBytes).i32Add().set(plane);
    f.get(c).i32(1).i32Add().tee(c).get(g.C).i32LtS().brIf(0);
  });
}

/**
 * Interior patches: for each channel and kernel row, `run(src, dst)` over the kw floats at the
 * byte addresses src (input) and dst (row); dst then advances by kw floats.
 */
function interiorPatch(
  f: Func,
  g: GeomIdx,
  v: { iy0: number; ix0: number; img: number; planeBytes: number; wBytes: number; kwBytes: number },
  dst: number,
  run: (src: number, dst: number) => void,
): void {
  const c = f.local(Type.i32),
    ky = f.local(Type.i32),
    base = f.local(Type.i32),
    src = f.local(Type.i32);
  // &x[n, 0, iy0, ix0]
  f.get(v.img).get(v.iy0).get(v.wBytes).i32Mul().i32Add().get(v.ix0).i32(2).i32Shl().i32Add().set(base);
  f.i32(0).set(c);
  f.loop(() => {
    f.get(base).set(src);
    f.i32(0).set(ky);
    f.loop(() => {
      run(src, dst);
      f.get(dst).get(v.kwBytes).i32Add().set(dst);
      f.get(src).get(v.wBytes).i32Add().set(src);
      f.get(ky).i32(1).i32Add().tee(ky).get(g.kh).i32LtS().brIf(0);
    });
    f.get(base).get(v.planeBytes).i32Add().set(base);
    f.get(c).i32(1).i32Add().tee(c).get(g.C).i32LtS().brIf(0);
  });
}

export function emitIm2col(f: Func): void {
  const x = 0,
    g = geomIdx(1),
    dst = 11,
    rowBytes = 12;
  const p = f.local(Type.i32),
    off = f.local(Type.i32);
  patchLoops(f, x, g, dst, rowBytes, (v) => {
    f.get(v.d).set(p);
    pushInterior(f, g, v.iy0, v.ix0);
    f.if(
      () =>
        interiorPatch(f, g, v, p, (src, d) => {
          // whole vectors: the last one spills up to 3 floats, overwritten by what follows
          f.i32(0).set(off);
          f.loop(() => {
            f.get(d).get(off).i32Add();
            f.get(src).get(off).i32Add().v128Load();
            f.v128Store();
            f.get(off).i32(16).i32Add().tee(off).get(v.kwBytes).i32LtS().brIf(0);
          });
        }),
      () =>
        borderPatch(
          f,
          g,
          v,
          p,
          (pixel) => f.get(p).get(pixel).f32Load().f32Store(),
          () => f.get(p).f32(0).f32Store(),
        ),
    );
  });
}

export function emitCol2im(f: Func): void {
  const src = 0,
    rowBytes = 1,
    g = geomIdx(2),
    dx = 12;
  const p = f.local(Type.i32),
    off = f.local(Type.i32),
    end = f.local(Type.i32),
    vecEnd = f.local(Type.i32);
  // dx := 0 over N*C*H*W floats rounded up to whole vectors
  f.get(g.N).get(g.C).i32Mul().get(g.H).i32Mul().get(g.W).i32Mul().i32(2).i32Shl().set(end);
  f.i32(0).set(off);
  f.block(() =>
    f.loop(() => {
      f.get(off).get(end).i32GeS().brIf(1);
      f.get(dx).get(off).i32Add().v128Zero().v128Store();
      f.get(off).i32(16).i32Add().set(off).br(0);
    }),
  );
  f.get(g.kw).i32(-4).i32Add().i32(2).i32Shl().set(vecEnd); // whole vectors while off <= 4 (kw - 4)
  patchLoops(f, dx, g, src, rowBytes, (v) => {
    f.get(v.d).set(p);
    pushInterior(f, g, v.iy0, v.ix0);
    f.if(
      () =>
        interiorPatch(f, g, v, p, (pix, s) => {
          f.i32(0).set(off);
          f.block(() =>
            f.loop(() => {
              f.get(off).get(vecEnd).i32GtS().brIf(1);
              f.get(pix).get(off).i32Add();
              f.get(pix).get(off).i32Add().v128Load().get(s).get(off).i32Add().v128Load().f32x4Add();
              f.v128Store();
              f.get(off).i32(16).i32Add().set(off).br(0);
            }),
          );
          f.block(() =>
            f.loop(() => {
              f.get(off).get(v.kwBytes).i32GeS().brIf(1);
              f.get(pix).get(off).i32Add();
              f.get(pix).get(off).i32Add().f32Load().get(s).get(off).i32Add().f32Load().f32Add();
              f.f32Store();
              f.get(off).i32(4).i32Add().set(off).br(0);
            }),
          );
        }),
      () =>
        borderPatch(
          f,
          g,
          v,
          p,
          (pixel) => f.get(pixel).get(pixel).f32Load().get(p).f32Load().f32Add().f32Store(),
          () => {},
        ),
    );
  });
}

/**
 * The module: im2col and col2im over an imported memory "env.memory" (the gemm instance's), shared
 * when that one is (threads), with at most `maxPages` then. Assembled here rather than by
 * emitter.ts's ModuleBuilder, which defines its own memory or imports only a shared one.
 */
export function buildConvModule(shared: boolean, maxPages = 65536): Uint8Array<ArrayBuffer> {
  const funcs: Func[] = [];
  const def = (name: string, nParams: number, emit: (f: Func) => void) => {
    const f = new Func(name, new Array<Type>(nParams).fill(Type.i32));
    emit(f);
    funcs.push(f);
  };
  def('im2col', 13, emitIm2col);
  def('col2im', 13, emitCol2im);
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const name = (s: string) => vec(Array.from(new TextEncoder().encode(s), (b) => [b]));
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const limits = shared ? [0x03, ...uleb(1), ...uleb(maxPages)] : [0x00, ...uleb(1)];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // magic, version 1
    ...section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(funcs.map((f) => f.encode()))),
  ]);
}
