/**
 * The gemm kernels, written with the emitter. Two exported functions, all sizes and strides
 * in bytes:
 *
 *   gemm(a, aRow, aCol, b, bRow, c, cRow, m, nBytes, k, load, init, initRow, epi, delta)
 *     C[i, j] := I[i, j] + sum_p A(i, p) * B[p, j] for i < m and j < nBytes/4 (a multiple of 4),
 *     where A(i, p) is at a + i*aRow + p*aCol (any layout, so op(A) needs no copy),
 *     B is row-major (row stride bRow, rows padded to whole vectors) and C row-major (cRow).
 *     With load = 0, I = 0 (C := A B); otherwise I[i, j] is the f32 at init + i*initRow + 4j:
 *     init = c, initRow = cRow accumulates (C += A B); initRow = 0 starts every row from one
 *     vector at init (a bias: C := 1 b + A B, without tiling b into C first). epi = 1 applies
 *     relu to each tile as it is stored; epi = 2 relu's backward at y, the f32 at C's address +
 *     delta (callers pass either with the last k-block only).
 *
 *   pack(src, rs, cs, dst, ld, rows, cols)
 *     the f32 at dst + r*ld + 4c := the f32 at src + r*rs + c*cs: a strided (e.g. transposing) copy
 *     into row-major rows, zero-filling each row from cols up to ld bytes (the pad that makes rows
 *     whole vectors).
 *
 * The gemm is register-blocked: an MR x (4*NV) tile of C lives in MR*NV v128 locals while the
 * p loop streams NV vectors of a row of B and MR broadcast elements of a column of A; edges run
 * the same code generated for fewer rows (m % MR) and for one vector of columns.
 *
 * Tile 4x8 (8 accumulators + 2 B vectors + 1 broadcast = 11 v128 locals) was measured fastest under
 * V8 on x64: ~27 GMAC/s in cache on the 2-core EPYC dev machine, about the peak of separate SSE
 * multiply and add; 4x12, 4x16, 6x8 and 8x8 ran at 13-16 GMAC/s (v128 locals spilled), 2x16 tied.
 */
import { ModuleBuilder, Type, type Func } from './emitter.ts';
import { emitTanh } from './tanh-kernel.ts';
import { emitRelu, emitReluBackward, emitTanhBackward, emitAdam, emitPolyak, emitColSum, emitAdd } from './elementwise-kernel.ts';

export interface GemmShape {
  /** Rows of the register tile. */
  mr: number;
  /** v128 vectors (4 columns each) of the register tile. */
  nv: number;
  /** Use relaxed-SIMD multiply-add (only when the engine validates it). */
  fma: boolean;
}

export const DEFAULT_TILE: GemmShape = { mr: 4, nv: 2, fma: false };

/**
 * The kernel module: gemm and pack (this file), the elementwise tanh (tanh-kernel.ts), relu and its
 * backward, tanh's backward, Adam, Polyak and the column sum (elementwise-kernel.ts). With
 * `sharedMaxPages` the memory is imported and shared (for threads.ts's worker threads).
 */
export function buildKernelModule(tile: GemmShape = DEFAULT_TILE, sharedMaxPages?: number): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(1, sharedMaxPages);
  emitGemm(mod.func('gemm', new Array<Type>(15).fill(Type.i32)), tile);
  emitPack(mod.func('pack', new Array<Type>(7).fill(Type.i32)));
  emitTanh(mod.func('tanh', new Array<Type>(3).fill(Type.i32)));
  emitRelu(mod.func('relu', new Array<Type>(3).fill(Type.i32)));
  emitReluBackward(mod.func('reluBackward', new Array<Type>(4).fill(Type.i32)));
  emitAdam(mod.func('adam', [...new Array<Type>(5).fill(Type.i32), ...new Array<Type>(8).fill(Type.f32)]));
  emitPolyak(mod.func('polyak', [Type.i32, Type.i32, Type.i32, Type.f32]));
  emitColSum(mod.func('colsum', new Array<Type>(4).fill(Type.i32)));
  emitTanhBackward(mod.func('tanhBackward', new Array<Type>(4).fill(Type.i32)));
  emitTranspose(mod.func('transpose', new Array<Type>(6).fill(Type.i32)));
  emitAdd(mod.func('add', new Array<Type>(4).fill(Type.i32)));
  return mod.bytes();
}

function emitGemm(f: Func, { mr, nv, fma }: GemmShape): void {
  const [a, aRow, aCol, b, bRow, c, cRow, m, nBytes, k, load, init, initRow, epi, delta] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const i = f.local(Type.i32); // rows done
  const aI = f.local(Type.i32); // &A(i, 0)
  const cI = f.local(Type.i32); // &C[i, 0]
  const j = f.local(Type.i32); // column byte offset
  const ap = f.local(Type.i32);
  const bp = f.local(Type.i32);
  const p = f.local(Type.i32);
  const rest = f.local(Type.i32);
  const aStep = f.local(Type.i32); // mr*aRow: from one row panel to the next
  const cStep = f.local(Type.i32);
  const initI = f.local(Type.i32); // &I[i, 0]
  const initStep = f.local(Type.i32);
  f.get(aRow).i32(mr).i32Mul().set(aStep);
  f.get(cRow).i32(mr).i32Mul().set(cStep);
  f.get(initRow).i32(mr).i32Mul().set(initStep);
  // r*aRow and r*cRow for r < mr, so the tile's rows are one add away from the row pointer.
  const aOff: number[] = [],
    cOff: number[] = [],
    initOff: number[] = [];
  for (let r = 1; r < mr; r++) {
    aOff[r] = f.local(Type.i32);
    cOff[r] = f.local(Type.i32);
    initOff[r] = f.local(Type.i32);
    f.get(aRow).i32(r).i32Mul().set(aOff[r]);
    f.get(cRow).i32(r).i32Mul().set(cOff[r]);
    f.get(initRow).i32(r).i32Mul().set(initOff[r]);
  }
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => f.local(Type.v128)));
  const bv = Array.from({ length: nv }, () => f.local(Type.v128));
  const av = f.local(Type.v128);
  const yv = f.local(Type.v128); // the epilogue's y vector

  /** Push &A(i + r, p) or &C[i + r, j] from a row pointer and the row's offset local. */
  const rowAddr = (ptr: number, offs: number[], r: number) => {
    f.get(ptr);
    if (r > 0) f.get(offs[r]).i32Add();
  };

  /** One rows x (4*vecs) tile of C at (i, j). */
  const tile = (rows: number, vecs: number) => {
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        f.get(load).if(
          () => {
            rowAddr(initI, initOff, r);
            f.get(j)
              .i32Add()
              .v128Load(16 * v)
              .set(acc[r][v]);
          },
          () => {
            f.v128Zero().set(acc[r][v]);
          },
        );
      }
    }
    f.get(aI).set(ap);
    f.get(b).get(j).i32Add().set(bp);
    f.get(k).set(p);
    f.loop(() => {
      for (let v = 0; v < vecs; v++)
        f.get(bp)
          .v128Load(16 * v)
          .set(bv[v]);
      for (let r = 0; r < rows; r++) {
        rowAddr(ap, aOff, r);
        f.v128Load32Splat().set(av);
        for (let v = 0; v < vecs; v++) {
          if (fma) f.get(av).get(bv[v]).get(acc[r][v]).f32x4RelaxedMadd().set(acc[r][v]);
          else f.get(acc[r][v]).get(av).get(bv[v]).f32x4Mul().f32x4Add().set(acc[r][v]);
        }
      }
      f.get(ap).get(aCol).i32Add().set(ap);
      f.get(bp).get(bRow).i32Add().set(bp);
      f.get(p).i32(1).i32Sub().tee(p).brIf(0);
    });
    // Store the tile, with an epilogue while it is still in registers (bit for bit the elementwise
    // kernel it replaces): 1 relu (x where x > 0 or x is NaN, else +0); 2 relu's backward with this
    // tile as the gradient and y at C's address + delta (g where y > 0, 0 where y <= 0, y where NaN).
    const store = (mode: 0 | 1 | 2) => {
      for (let r = 0; r < rows; r++) {
        for (let v = 0; v < vecs; v++) {
          rowAddr(cI, cOff, r);
          f.get(j).i32Add();
          if (mode === 2) {
            rowAddr(cI, cOff, r);
            f.get(j)
              .i32Add()
              .get(delta)
              .i32Add()
              .v128Load(16 * v)
              .set(yv);
            f.get(yv).get(acc[r][v]).get(yv).v128Zero().f32x4Gt().v128And().get(yv).get(yv).f32x4Ne().v128Bitselect();
          } else {
            f.get(acc[r][v]);
            if (mode === 1) f.get(acc[r][v]).v128Zero().f32x4Gt().get(acc[r][v]).get(acc[r][v]).f32x4Ne().v128Or().v128And();
          }
          f.v128Store(16 * v);
        }
      }
    };
    f.get(epi).if(
      () =>
        f
          .get(epi)
          .i32(1)
          .i32Ne()
          .if(
            () => store(2),
            () => store(1),
          ),
      () => store(0),
    );
  };

  /** All column tiles of `rows` rows starting at row i: whole nv-vector tiles, then single vectors. */
  const rowPanel = (rows: number) => {
    f.i32(0).set(j);
    f.block(() =>
      f.loop(() => {
        f.get(j)
          .i32(16 * nv)
          .i32Add()
          .get(nBytes)
          .i32GtS()
          .brIf(1);
        tile(rows, nv);
        f.get(j)
          .i32(16 * nv)
          .i32Add()
          .set(j)
          .br(0);
      }),
    );
    if (nv > 1) {
      f.block(() =>
        f.loop(() => {
          f.get(j).get(nBytes).i32GeS().brIf(1);
          tile(rows, 1);
          f.get(j).i32(16).i32Add().set(j).br(0);
        }),
      );
    }
  };

  f.returnIfBelowOne(k);
  f.i32(0).set(i);
  f.get(a).set(aI);
  f.get(c).set(cI);
  f.get(init).set(initI);
  f.block(() =>
    f.loop(() => {
      f.get(i).i32(mr).i32Add().get(m).i32GtS().brIf(1);
      rowPanel(mr);
      f.get(i).i32(mr).i32Add().set(i);
      f.get(aI).get(aStep).i32Add().set(aI);
      f.get(cI).get(cStep).i32Add().set(cI);
      f.get(initI).get(initStep).i32Add().set(initI);
      f.br(0);
    }),
  );
  // The m % mr leftover rows, one generated panel per possible count.
  f.get(m).get(i).i32Sub().set(rest);
  for (let rows = 1; rows < mr; rows++) {
    f.get(rest)
      .i32(rows)
      .i32Sub()
      .i32Eqz()
      .if(() => rowPanel(rows));
  }
}

function emitPack(f: Func): void {
  const [src, rs, cs, dst, ld, rows, cols] = [0, 1, 2, 3, 4, 5, 6];
  const r = f.local(Type.i32);
  const s = f.local(Type.i32);
  const d = f.local(Type.i32);
  const end = f.local(Type.i32);
  const rowEnd = f.local(Type.i32);
  f.returnIfBelowOne(rows);
  f.i32(0).set(r);
  f.loop(() => {
    f.get(src).get(r).get(rs).i32Mul().i32Add().set(s);
    f.get(dst).get(r).get(ld).i32Mul().i32Add().set(d);
    f.get(d).get(cols).i32(2).i32Shl().i32Add().set(end);
    f.get(d).get(ld).i32Add().set(rowEnd);
    f.block(() =>
      f.loop(() => {
        f.get(d).get(end).i32GeS().brIf(1);
        f.get(d).get(s).f32Load().f32Store();
        f.get(s).get(cs).i32Add().set(s);
        f.get(d).i32(4).i32Add().set(d);
        f.br(0);
      }),
    );
    f.block(() =>
      f.loop(() => {
        f.get(d).get(rowEnd).i32GeS().brIf(1);
        f.get(d).f32(0).f32Store();
        f.get(d).i32(4).i32Add().set(d);
        f.br(0);
      }),
    );
    f.get(r).i32(1).i32Add().tee(r).get(rows).i32LtS().brIf(0);
  });
}

/** f32 lanes to i8x16.shuffle byte indices (lanes 4-7 are the second vector's). */
const lanes = (...l: number[]) => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);

/**
 * transpose(src, srcRow, dst, dstRow, rows, cols): the f32 at dst + r*dstRow + 4c := the f32 at
 * src + c*srcRow + 4r, for rows and cols multiples of 4, in 4x4 blocks of vector shuffles (pack
 * does the same one float at a time: a weight matrix's transpose for dx = dz W^T).
 */
function emitTranspose(f: Func): void {
  const [src, srcRow, dst, dstRow, rows, cols] = [0, 1, 2, 3, 4, 5];
  const r = f.local(Type.i32),
    c = f.local(Type.i32),
    s = f.local(Type.i32),
    d = f.local(Type.i32);
  const v = [0, 1, 2, 3].map(() => f.local(Type.v128));
  const t = [0, 1, 2, 3].map(() => f.local(Type.v128));
  f.returnIfBelowOne(rows);
  f.returnIfBelowOne(cols);
  f.i32(0).set(r);
  f.loop(() => {
    f.i32(0).set(c);
    f.loop(() => {
      // s = src + c*srcRow + 4r: rows c..c+3 of src, floats r..r+3 of each
      f.get(src).get(c).get(srcRow).i32Mul().i32Add().get(r).i32(2).i32Shl().i32Add().set(s);
      for (let i = 0; i < 4; i++) {
        f.get(s).v128Load().set(v[i]);
        if (i < 3) f.get(s).get(srcRow).i32Add().set(s);
      }
      // t[i] interleaves two of the loaded rows: [x, y, lanes], the first pass of a 4x4 transpose.
      const mix: [number, number, number[]][] = [
        [0, 1, lanes(0, 4, 1, 5)],
        [0, 1, lanes(2, 6, 3, 7)],
        [2, 3, lanes(0, 4, 1, 5)],
        [2, 3, lanes(2, 6, 3, 7)],
      ];
      mix.forEach(([x, y, sh], i) => f.get(v[x]).get(v[y]).i8x16Shuffle(sh).set(t[i]));
      // d = dst + r*dstRow + 4c: rows r..r+3 of dst, floats c..c+3 of each
      f.get(dst).get(r).get(dstRow).i32Mul().i32Add().get(c).i32(2).i32Shl().i32Add().set(d);
      const out: [number, number, number[]][] = [
        [0, 2, lanes(0, 1, 4, 5)],
        [0, 2, lanes(2, 3, 6, 7)],
        [1, 3, lanes(0, 1, 4, 5)],
        [1, 3, lanes(2, 3, 6, 7)],
      ];
      out.forEach(([x, y, sh], i) => {
        f.get(d).get(t[x]).get(t[y]).i8x16Shuffle(sh).v128Store();
        if (i < 3) f.get(d).get(dstRow).i32Add().set(d);
      });
      f.get(c).i32(4).i32Add().tee(c).get(cols).i32LtS().brIf(0);
    });
    f.get(r).i32(4).i32Add().tee(r).get(rows).i32LtS().brIf(0);
  });
}
