/**
 * A whole multilayer perceptron's forward and backward in one visit to WebAssembly memory (issue 12:
 * at 64-unit layers and batch 100, copies into and out of the shared kernel memory moved 2.1 MB per
 * SAC update, and every layer paid the JS cost of its own ops).
 *
 * Each MLP owns a private kernel instance (runtime.ts's privateKernels). The forward copies x, the
 * weights and biases in once, runs every layer there (gemm with the bias; relu as the tiles are
 * stored, tanh in a pass after) and copies out only the output; the hidden activations stay in that
 * memory for the backward, which runs act', dW = h^T dz, db = column sums and dx = dz W^T (with
 * relu' of the layer below applied as it is stored) layer after layer without leaving it.
 *
 * The products use the same kernel, packing and k-blocks as gemm.ts (wasmGemm, wasmDenseBackward),
 * so values and gradients are bit for bit those of the per-layer ops whenever each of those ops runs
 * in WebAssembly.
 *
 * One forward's activations are resident at a time. A second forward of the same MLP while the first
 * one's backward has not run (two forwards on the tape) first saves the resident one to a JS buffer,
 * and its backward copies it back in: correct in every order, fast in the usual one.
 */
import { allocData } from '../tensor.ts';
import { kernels, privateKernels, bytes16, copy, type KernelExports } from './runtime.ts';

/** Rows of B per k-block, as gemm.ts (the same blocks give the same float32 sums). */
const kBlock = (ld: number) => Math.max(64, Math.min(256, Math.floor(32768 / ld)));
const pad4 = (n: number) => (n + 3) & ~3;

/** 0 identity, 1 relu, 2 tanh. */
export type MlpActivation = 0 | 1 | 2;

/**
 * The kernel calls a forward or backward makes once its inputs are in memory: an instance's exports,
 * or pair.ts's recorder that replays them on another thread over the same shared memory.
 */
export type MlpKernelCalls = Pick<KernelExports, 'gemm' | 'pack' | 'tanh' | 'reluBackward' | 'tanhBackward' | 'colsum' | 'transpose'>;

/**
 * A region of a shared WebAssembly memory, for networks whose kernels may run on another thread
 * (pair.ts): `k` is this thread's instance over the memory, `alloc` reserves bytes and returns
 * their (16-aligned) offset.
 */
export interface MlpMemoryHost {
  k(): KernelExports | null;
  alloc(bytes: number): number | null;
}

/** Byte offsets of one batch size's regions (absolute: a shared memory's base included). */
interface Layout {
  n: number;
  x: number;
  /** Per layer: packed weights [in, ld(out)], bias [ld(out)], activations [n, ld(out)]. */
  w: number[];
  b: number[];
  y: number[];
  /** End of what a forward leaves for its backward (x, weights, activations). */
  saved: number;
  /** Scratch: W^T packed, two gradient buffers, per-layer dW [in, ld(out)] and db [ld(out)], one column. */
  wt: number;
  g0: number;
  g1: number;
  dw: number[];
  db: number[];
  col: number;
  end: number;
}

/** One forward on the tape: whose activations are resident, or where they were saved. */
export interface MlpForwardToken {
  layout: Layout;
  /** The resident region [layout.x, layout.saved) copied out when another forward needed the memory. */
  saved: Float32Array | null;
  /** No backward will come (nothing on the tape needed it): its memory may be reused freely. */
  done: boolean;
}

/** What a backward's compute phase left where: the final gradient G (dx's source). */
export interface MlpBackwardPending {
  token: MlpForwardToken;
  G: number;
}

export class FusedMlpKernels {
  private k: KernelExports | null = null;
  private f32 = new Float32Array(0);
  private layout: Layout | null = null;
  private resident: MlpForwardToken | null = null;
  /** sizes[0] inputs, sizes[i] outputs of layer i; `host`: a region of a shared memory instead of a private instance. */
  constructor(
    readonly sizes: readonly number[],
    readonly host: MlpMemoryHost | null = null,
  ) {}

  private plan(n: number): Layout | null {
    if (this.layout?.n === n) return this.layout;
    const s = this.sizes,
      L = s.length - 1;
    let at = 0;
    const take = (floats: number) => ((at += bytes16(floats)), at - bytes16(floats));
    const x = take(n * s[0]);
    const w: number[] = [],
      b: number[] = [],
      y: number[] = [];
    for (let i = 1; i <= L; i++) {
      w.push(take(s[i - 1] * pad4(s[i])));
      b.push(take(pad4(s[i])));
      y.push(take(n * pad4(s[i])));
    }
    const saved = at;
    let maxLd = 0,
      maxWt = 0;
    for (let i = 0; i <= L; i++) maxLd = Math.max(maxLd, pad4(s[i]));
    for (let i = 1; i <= L; i++) maxWt = Math.max(maxWt, s[i] * pad4(s[i - 1]));
    const wt = take(maxWt),
      g0 = take(n * maxLd),
      g1 = take(n * maxLd);
    const dw: number[] = [],
      db: number[] = [];
    for (let i = 1; i <= L; i++) {
      dw.push(take(s[i - 1] * pad4(s[i])));
      db.push(take(pad4(s[i])));
    }
    const col = take(pad4(n));
    // A shared memory's region is placed by its host; a private instance starts at 0.
    const base = this.host ? this.host.alloc(at) : 0;
    if (base === null) return null;
    const sh = (v: number) => v + base;
    return (this.layout = {
      n,
      x: sh(x),
      w: w.map(sh),
      b: b.map(sh),
      y: y.map(sh),
      saved: sh(saved),
      wt: sh(wt),
      g0: sh(g0),
      g1: sh(g1),
      dw: dw.map(sh),
      db: db.map(sh),
      col: sh(col),
      end: sh(at),
    });
  }

  /** The instance with room for `bytes` (a private one grown in place: resident data is kept). */
  private memory(bytes: number): KernelExports | null {
    if (!kernels()) return null; // the kernels were turned off: the caller takes the per-layer path
    if (this.host) this.k = this.host.k();
    else if (!this.k) this.k = privateKernels(bytes);
    const k = this.k;
    if (!k) return null;
    const have = k.memory.buffer.byteLength;
    if (have < bytes) {
      try {
        k.memory.grow(Math.ceil((bytes - have) / 65536));
      } catch {
        return null;
      }
    }
    // A grown memory has a new buffer (a private one detaches the old: byteLength 0).
    if (this.f32.byteLength !== k.memory.buffer.byteLength) this.f32 = new Float32Array(k.memory.buffer);
    return k;
  }

  /** Save the resident forward (if its backward may still come) before its memory is reused. */
  private evict(): void {
    const r = this.resident;
    if (r && !r.done && r.saved === null) {
      const from = r.layout.x >> 2,
        len = (r.layout.saved - r.layout.x) >> 2;
      r.saved = allocData('float32', len, false) as Float32Array; // from the running arena, if any
      r.saved.set(this.f32.subarray(from, from + len));
    }
    this.resident = null;
  }

  /**
   * out [n, sizes[L]] = the MLP of x [n, sizes[0]]; `ws[i]` [in, out] row-major, `bs[i]` [out] or
   * null. Returns the token its backward needs, or null (nothing done) when the kernels are off.
   */
  forward(x: Float32Array, n: number, ws: Float32Array[], bs: (Float32Array | null)[], acts: MlpActivation[], out: Float32Array): MlpForwardToken | null {
    const token = this.forwardLoad(x, n, ws, bs);
    if (!token) return null;
    this.forwardCompute(this.k!, token, acts);
    this.forwardStore(token, out);
    return token;
  }

  /** A forward's first phase: x, the weights and biases into memory (pack runs here, on this thread). */
  forwardLoad(x: Float32Array, n: number, ws: Float32Array[], bs: (Float32Array | null)[]): MlpForwardToken | null {
    const s = this.sizes,
      L = s.length - 1;
    if (this.resident && (this.resident.layout.n !== n || !this.resident.done)) this.evict();
    const lay = this.plan(n);
    const k = lay && this.memory(lay.end);
    if (!lay || !k) return null;
    const f32 = this.f32;
    copy(x, 0, f32, lay.x >> 2, n * s[0]);
    for (let i = 0; i < L; i++) {
      const kIn = s[i],
        m = s[i + 1],
        ld = pad4(m);
      if (ld === m) copy(ws[i], 0, f32, lay.w[i] >> 2, kIn * m);
      else {
        copy(ws[i], 0, f32, lay.g0 >> 2, kIn * m); // g0 is free until a backward
        k.pack(lay.g0, 4 * m, 4, lay.w[i], 4 * ld, kIn, m);
      }
      const bias = bs[i];
      if (bias) copy(bias, 0, f32, lay.b[i] >> 2, m);
      f32.fill(0, (lay.b[i] >> 2) + (bias ? m : 0), (lay.b[i] >> 2) + ld);
    }
    const token: MlpForwardToken = { layout: lay, saved: null, done: false };
    this.resident = token;
    return token;
  }

  /** A forward's kernel calls (on `k`: this thread's instance, or a recorder for another thread). */
  forwardCompute(k: MlpKernelCalls, token: MlpForwardToken, acts: MlpActivation[]): void {
    const s = this.sizes,
      L = s.length - 1,
      lay = token.layout,
      n = lay.n;
    let a = lay.x,
      aRow = 4 * s[0];
    for (let i = 0; i < L; i++) {
      const kIn = s[i],
        ld = pad4(s[i + 1]);
      const kb = kBlock(ld),
        c = lay.y[i];
      for (let p0 = 0; p0 < kIn; p0 += kb) {
        const first = p0 === 0;
        // relu as the last k-block's tiles are stored; tanh in a pass after
        const relu = acts[i] === 1 && p0 + kb >= kIn ? 1 : 0;
        k.gemm(
          a + p0 * 4,
          aRow,
          4,
          lay.w[i] + p0 * 4 * ld,
          4 * ld,
          c,
          4 * ld,
          n,
          4 * ld,
          Math.min(kb, kIn - p0),
          1,
          first ? lay.b[i] : c,
          first ? 0 : 4 * ld,
          relu,
          0,
        );
      }
      if (acts[i] === 2) k.tanh(c, c, n * ld);
      a = c;
      aRow = 4 * ld;
    }
  }

  /** A forward's last phase: the output rows out of memory (unpadded). */
  forwardStore(token: MlpForwardToken, out: Float32Array): void {
    const lay = token.layout,
      m = this.sizes[this.sizes.length - 1];
    unpad(this.f32, lay.y[lay.y.length - 1] >> 2, pad4(m), out, lay.n, m);
  }

  /**
   * The gradients of a forward given g = dL/d out [n, sizes[L]]: dx [n, sizes[0]] and each layer's
   * dW and db, into the arrays given (null: not wanted). Returns false (nothing done) when the kernels
   * are off.
   */
  backward(
    token: MlpForwardToken,
    g: Float32Array,
    acts: MlpActivation[],
    dx: Float32Array | null,
    dws: (Float32Array | null)[],
    dbs: (Float32Array | null)[],
  ): boolean {
    if (!this.backwardLoad(token, g)) return false;
    const p = this.backwardCompute(this.k!, token, acts, dx !== null, dws, dbs);
    this.backwardStore(p, dx, dws, dbs);
    return true;
  }

  /** A backward's first phase: the forward's activations made resident again if needed, g into memory. */
  backwardLoad(token: MlpForwardToken, g: Float32Array): boolean {
    const s = this.sizes,
      L = s.length - 1,
      lay = token.layout,
      n = lay.n;
    if (this.resident !== token) {
      if (token.saved === null) return false; // saved nowhere: cannot happen while the token is live
      this.evict();
      this.layout = lay;
      if (!this.memory(lay.end)) return false;
      this.f32.set(token.saved, lay.x >> 2);
      token.saved = null;
      this.resident = token;
    }
    const k = this.memory(lay.end);
    if (!k) return false;
    // G: dL/d y_L, rows padded to whole vectors.
    const mL = s[L],
      ldL = pad4(mL);
    if (ldL === mL) copy(g, 0, this.f32, lay.g0 >> 2, n * mL);
    else {
      copy(g, 0, this.f32, lay.g1 >> 2, n * mL);
      k.pack(lay.g1, 4 * mL, 4, lay.g0, 4 * ldL, n, mL);
    }
    return true;
  }

  /**
   * A backward's kernel calls (on `k`, as forwardCompute): act', dW, db and dh layer after layer,
   * each layer's dW and db into its own region (so that they can be read after the last call).
   * `want*` say which gradients are needed (non-null entries).
   */
  backwardCompute(
    k: MlpKernelCalls,
    token: MlpForwardToken,
    acts: MlpActivation[],
    wantDx: boolean,
    wantDw: readonly (unknown | null)[],
    wantDb: readonly (unknown | null)[],
  ): MlpBackwardPending {
    const s = this.sizes,
      L = s.length - 1,
      lay = token.layout,
      n = lay.n;
    let G = lay.g0,
      G2 = lay.g1;
    let masked = false;
    for (let i = L - 1; i >= 0; i--) {
      const kIn = s[i],
        m = s[i + 1],
        ld = pad4(m),
        y = lay.y[i];
      // dz = act'(y) g, in place (y is the layer's output: relu' and tanh' are functions of it);
      // relu' was applied already when the layer above computed g.
      if (acts[i] === 1 && !masked) k.reluBackward(y, G, G, n * ld);
      else if (acts[i] === 2) k.tanhBackward(y, G, G, n * ld);
      // The layer's input h: x (row stride 4 in) or the previous layer's output (4 ld(in)).
      const h = i === 0 ? lay.x : lay.y[i - 1],
        hRow = i === 0 ? 4 * kIn : 4 * pad4(kIn);
      if (wantDw[i]) {
        // dW [in, ld] = h^T dz: h read transposed, k-blocks over the batch.
        const kb = kBlock(ld),
          dw = lay.dw[i];
        for (let p0 = 0; p0 < n; p0 += kb) {
          k.gemm(h + p0 * hRow, 4, hRow, G + p0 * 4 * ld, 4 * ld, dw, 4 * ld, kIn, 4 * ld, Math.min(kb, n - p0), p0 > 0 ? 1 : 0, dw, 4 * ld, 0, 0);
        }
      }
      if (wantDb[i] && m === 1) {
        // One column: gathered here, summed in float64 by backwardStore (as kernels.ts's sumAxis).
        k.pack(G, 0, 4 * ld, lay.col, 4 * pad4(n), 1, n);
      } else if (wantDb[i]) k.colsum(G, lay.db[i], n, 4 * ld);
      if (i === 0 && !wantDx) break;
      // dh [n, ld(in)] = dz W^T: W^T packed [m, ld(in)] from the packed weights [in, ld].
      const ldIn = pad4(kIn);
      if (m % 4 === 0 && kIn % 4 === 0) k.transpose(lay.w[i], 4 * ld, lay.wt, 4 * ldIn, m, kIn);
      else k.pack(lay.w[i], 4, 4 * ld, lay.wt, 4 * ldIn, m, kIn);
      const kb = kBlock(ldIn);
      // Below a relu layer, its backward as the last k-block is stored: dz = relu'(y) dh in one go.
      masked = i > 0 && acts[i - 1] === 1;
      for (let p0 = 0; p0 < m; p0 += kb) {
        const epi = masked && p0 + kb >= m ? 2 : 0;
        k.gemm(
          G + 4 * p0,
          4 * ld,
          4,
          lay.wt + p0 * 4 * ldIn,
          4 * ldIn,
          G2,
          4 * ldIn,
          n,
          4 * ldIn,
          Math.min(kb, m - p0),
          p0 > 0 ? 1 : 0,
          G2,
          4 * ldIn,
          epi,
          epi ? lay.y[i - 1] - G2 : 0,
        );
      }
      [G, G2] = [G2, G];
    }
    return { token, G };
  }

  /** A backward's last phase: dx, dW and db out of memory (unpadded) into the arrays given. */
  backwardStore(p: MlpBackwardPending, dx: Float32Array | null, dws: (Float32Array | null)[], dbs: (Float32Array | null)[]): void {
    const s = this.sizes,
      lay = p.token.layout,
      n = lay.n,
      f32 = this.f32;
    for (let i = 0; i < s.length - 1; i++) {
      const kIn = s[i],
        m = s[i + 1];
      const dw = dws[i],
        db = dbs[i];
      if (dw) unpad(f32, lay.dw[i] >> 2, pad4(m), dw, kIn, m);
      if (db && m === 1) {
        // Summed in float64 and rounded once, as kernels.ts's sumAxis does for one column.
        let sum = 0;
        for (let r = 0, at = lay.col >> 2; r < n; r++, at++) sum += f32[at];
        db[0] = sum;
      } else if (db) copy(f32, lay.db[i] >> 2, db, 0, m);
    }
    if (dx) unpad(f32, p.G >> 2, pad4(s[0]), dx, n, s[0]);
  }
}

/** dst [rows, m] = the first m of each row of src (row stride ld floats, from float offset at). */
function unpad(src: Float32Array, at: number, ld: number, dst: Float32Array, rows: number, m: number): void {
  if (ld === m) {
    copy(src, at, dst, 0, rows * m);
    return;
  }
  for (let r = 0; r < rows; r++, at += ld) for (let j = 0; j < m; j++) dst[r * m + j] = src[at + j];
}
