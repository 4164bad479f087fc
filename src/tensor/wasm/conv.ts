/**
 * conv2d in WebAssembly: im2col (conv-kernel.ts) writes the patches of a chunk of images straight
 * into the gemm instance's memory, the gemm (with the bias as its first row and relu as its
 * epilogue) multiplies them by the filters, and pack turns each image's [positions, channels]
 * result into NCHW, so the batch crosses into wasm memory once and its output once; the JS path
 * copies the patches (k^2 / stride^2 times the image) in and the product out, and transposes in JS.
 *
 * The backward pass (first order) does the same per chunk: the output gradient transposed to
 * [positions, channels] (pack), dW^T += patches^T g, db += column sums of g, and
 * dx = col2im(g W). Every function returns false (having done nothing) when JS should do it.
 */
import { kernels, reserve, bytes16, copy, gemmBlocked, type Kernels } from './runtime.ts';
import { buildConvModule } from './conv-kernel.ts';

/** An NCHW convolution's sizes (PyTorch's rule: out = floor((in + 2 pad - k) / stride) + 1). */
export interface ConvGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
  OH: number;
  OW: number;
}

type Kernel13 = (
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
  g: number,
  h: number,
  i: number,
  j: number,
  k: number,
  l: number,
  m: number,
) => void;
interface ConvExports {
  im2col: Kernel13;
  col2im: Kernel13;
}

/** One conv instance per gemm memory (a new one when the kernels are rebuilt, e.g. for threads). */
const instances = new WeakMap<WebAssembly.Memory, ConvExports | null>();

function convKernels(K: Kernels): ConvExports | null {
  let e = instances.get(K.memory);
  if (e === undefined) {
    try {
      const shared = typeof SharedArrayBuffer === 'function' && K.memory.buffer instanceof SharedArrayBuffer;
      const module = new WebAssembly.Module(buildConvModule(shared));
      e = new WebAssembly.Instance(module, { env: { memory: K.memory } }).exports as unknown as ConvExports;
    } catch {
      e = null;
    }
    instances.set(K.memory, e);
  }
  return e;
}

/** Rows of B per k-block, gemm.ts's rule (about 128 KiB of B, 64 to 256 rows). */
const kBlock = (ld: number) => Math.max(64, Math.min(256, Math.floor(32768 / ld)));

/**
 * Floats of patches per chunk of images (at least one image), so that the patches im2col writes are
 * still in cache when the gemm reads them. Measured (NatureCNN conv stack with relu, CPU ms, 2-core
 * EPYC, load 8-11, two rounds): 2^16 floats (256 KiB) forward 15.5 / fwd+bwd 37.5-37.9 at batch 32
 * and 108-113 / 318-324 at 256; 2^18: 17-23 / 43-52 and 124 / 350-378; 2^20: 19-20 / 48 and
 * 160-177 / 431-434. Catch's small encoder showed no difference beyond the noise.
 */
const CHUNK_FLOATS = 1 << 16;
const chunkOf = (g: ConvGeometry, K: number) => Math.max(1, Math.min(g.N, Math.floor(CHUNK_FLOATS / (g.OH * g.OW * K))));

const args = (g: ConvGeometry, n: number) => [g.C, g.H, g.W, g.kh, g.kw, g.stride, g.pad, g.OH, g.OW, n] as const;

/** Patches as rows: x [N, C, H, W] -> out [N*OH*OW, C*kh*kw] (ops/conv.ts's im2col, bit for bit). */
export function wasmIm2col(x: Float32Array, g: ConvGeometry, out: Float32Array): boolean {
  const K = kernels();
  const E = K && convKernels(K);
  if (!K || !E) return false;
  const Kc = g.C * g.kh * g.kw,
    rows = g.N * g.OH * g.OW;
  const xPtr = 0,
    cols = xPtr + bytes16(x.length) + 16;
  if (!reserve(K, cols + bytes16(rows * Kc) + 16)) return false;
  copy(x, 0, K.f32, xPtr >> 2, x.length);
  E.im2col(xPtr, ...args(g, g.N), cols, 4 * Kc);
  copy(K.f32, cols >> 2, out, 0, rows * Kc);
  return true;
}

/** The adjoint: rows [N*OH*OW, C*kh*kw] summed back into out [N, C, H, W] (bit for bit the JS col2im). */
export function wasmCol2im(cols: Float32Array, g: ConvGeometry, out: Float32Array): boolean {
  const K = kernels();
  const E = K && convKernels(K);
  if (!K || !E) return false;
  const n = g.N * g.C * g.H * g.W;
  const src = 0,
    dx = bytes16(cols.length);
  if (!reserve(K, dx + bytes16(n))) return false;
  copy(cols, 0, K.f32, src >> 2, cols.length);
  E.col2im(src, 4 * g.C * g.kh * g.kw, ...args(g, g.N), dx);
  copy(K.f32, dx >> 2, out, 0, n);
  return true;
}

/**
 * y [N, O, OH, OW] := act(conv(x [N, C, H, W], w [O, C, kh, kw]) + b [O]) (act 0 none, 1 relu).
 */
export function wasmConv2d(x: Float32Array, w: Float32Array, b: Float32Array | null, g: ConvGeometry, O: number, act: 0 | 1, y: Float32Array): boolean {
  const K = kernels();
  const E = K && convKernels(K);
  if (!K || !E || g.N < 1) return false;
  const Kc = g.C * g.kh * g.kw,
    P = g.OH * g.OW,
    ldO = (O + 3) & ~3,
    img = g.C * g.H * g.W;
  const per = chunkOf(g, Kc);
  const wRaw = 0,
    wT = wRaw + bytes16(O * Kc),
    bias = wT + bytes16(Kc * ldO),
    xPtr = bias + bytes16(ldO),
    cols = xPtr + bytes16(g.N * img) + 16,
    yT = cols + bytes16(per * P * Kc) + 16,
    out = yT + bytes16(per * P * ldO);
  if (!reserve(K, out + bytes16(per * O * P))) return false;
  const f32 = K.f32;
  // Filters as the gemm's B: [K, O] rows padded to whole vectors.
  copy(w, 0, f32, wRaw >> 2, O * Kc);
  K.pack(wRaw, 4, 4 * Kc, wT, 4 * ldO, Kc, O);
  if (b) {
    copy(b, 0, f32, bias >> 2, O);
    f32.fill(0, (bias >> 2) + O, (bias >> 2) + ldO);
  }
  copy(x, 0, f32, xPtr >> 2, g.N * img);
  for (let n0 = 0; n0 < g.N; n0 += per) {
    const cnt = Math.min(per, g.N - n0);
    E.im2col(xPtr + 4 * n0 * img, ...args(g, cnt), cols, 4 * Kc);
    gemmBlocked(K, cols, 4 * Kc, 4, wT, 4 * ldO, yT, 4 * ldO, cnt * P, 4 * ldO, Kc, kBlock(ldO), b ? 1 : 0, bias, 0, act);
    // [positions, channels] -> [channels, positions] per image
    for (let i = 0; i < cnt; i++) K.pack(yT + 4 * i * P * ldO, 4, 4 * ldO, out + 4 * i * O * P, 4 * P, O, P);
    copy(f32, out >> 2, y, n0 * O * P, cnt * O * P);
  }
  return true;
}

/**
 * The first-order backward of wasmConv2d from gy [N, O, OH, OW]: dx (when not null) [N, C, H, W],
 * dw [O, C, kh, kw] and db [O], each overwritten. With `y` (the output of act = 1), gy goes through
 * relu's backward at y first (the elementwise kernel's rule: g where y > 0, 0 where y <= 0, y where NaN).
 */
export function wasmConv2dBackward(
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  g: ConvGeometry,
  O: number,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  y: Float32Array | null = null,
): boolean {
  const K = kernels();
  const E = K && convKernels(K);
  if (!K || !E || g.N < 1) return false;
  const Kc = g.C * g.kh * g.kw,
    P = g.OH * g.OW,
    ldO = (O + 3) & ~3,
    ldK = (Kc + 3) & ~3,
    img = g.C * g.H * g.W;
  const per = chunkOf(g, ldK);
  // Regions (bytes); the ones a gradient does not need are empty.
  const wRaw = 0,
    wP = wRaw + bytes16(O * Kc),
    xPtr = wP + (dx ? bytes16(O * ldK) : 0),
    gIn = xPtr + (dw ? bytes16(g.N * img) + 16 : 0),
    gT = gIn + bytes16(per * O * P),
    cols = gT + bytes16(per * P * ldO),
    dWt = cols + (dw ? bytes16(per * P * Kc) + 16 : 0),
    dWout = dWt + (dw ? bytes16(Kc * ldO) : 0),
    dbT = dWout + (dw ? bytes16(O * Kc) : 0),
    dcols = dbT + bytes16(ldO),
    dxC = dcols + (dx ? bytes16(per * P * ldK) : 0),
    yIn = dxC + (dx ? bytes16(per * img) : 0);
  if (!reserve(K, yIn + (y ? bytes16(per * O * P) : 0))) return false;
  const f32 = K.f32;
  if (dx) {
    // W [O, K] as the gemm's B, rows padded
    copy(w, 0, f32, wRaw >> 2, O * Kc);
    K.pack(wRaw, 4 * Kc, 4, wP, 4 * ldK, O, Kc);
  }
  if (dw) copy(x, 0, f32, xPtr >> 2, g.N * img);
  if (db) db.fill(0);
  for (let n0 = 0; n0 < g.N; n0 += per) {
    const cnt = Math.min(per, g.N - n0),
      rows = cnt * P;
    copy(gy, n0 * O * P, f32, gIn >> 2, cnt * O * P);
    if (y) {
      copy(y, n0 * O * P, f32, yIn >> 2, cnt * O * P);
      K.reluBackward(yIn, gIn, gIn, cnt * O * P);
    }
    for (let i = 0; i < cnt; i++) K.pack(gIn + 4 * i * O * P, 4, 4 * P, gT + 4 * i * P * ldO, 4 * ldO, P, O);
    if (dw) {
      E.im2col(xPtr + 4 * n0 * img, ...args(g, cnt), cols, 4 * Kc);
      // dW^T [K, O] (+)= patches^T [K, rows] gT [rows, O]
      gemmBlocked(K, cols, 4, 4 * Kc, gT, 4 * ldO, dWt, 4 * ldO, Kc, 4 * ldO, rows, kBlock(ldO), n0 === 0 ? 0 : 1, dWt, 4 * ldO, 0);
    }
    if (db) {
      K.colsum(gT, dbT, rows, 4 * ldO);
      for (let o = 0; o < O; o++) db[o] += f32[(dbT >> 2) + o];
    }
    if (dx) {
      // dpatches [rows, K] = gT [rows, O] W [O, K], then summed back into the images
      gemmBlocked(K, gT, 4 * ldO, 4, wP, 4 * ldK, dcols, 4 * ldK, rows, 4 * ldK, O, kBlock(ldK), 0, dcols, 4 * ldK, 0);
      E.col2im(dcols, 4 * ldK, ...args(g, cnt), dxC);
      copy(f32, dxC >> 2, dx, n0 * img, cnt * img);
    }
  }
  if (dw) {
    K.pack(dWt, 4, 4 * ldO, dWout, 4 * Kc, O, Kc);
    copy(f32, dWout >> 2, dw, 0, O * Kc);
  }
  return true;
}
