/**
 * Convolution and pooling over NCHW images (PyTorch's layout and output-size rule:
 * out = floor((in + 2 * padding - kernel) / stride) + 1).
 *
 * conv2d is im2col followed by the engine's gemm (linalg.ts matmul): the patches of every output
 * position become the rows of a matrix, so the convolution is one matrix product with the filters.
 * im2col and its adjoint col2im are recorded ops whose backward passes are each other, so conv2d
 * is differentiable twice like the rest of the engine. Float32 convolutions run as one op in
 * WebAssembly when the kernels are on (wasm/conv.ts: patches, product, bias and layout in wasm
 * memory); their backward pass is the same composition of recorded ops, or, for a first-order
 * gradient, wasm/conv.ts's backward. Pooling keeps its own small loops.
 */
import { Tensor, record, allocData, shapeStr, isGradEnabled } from '../tensor.ts';
import { matmul } from './linalg.ts';
import { add, relu, reluBackward } from './elementwise.ts';
import { sum } from './reduce.ts';
import { reshape, transpose } from './shape.ts';
import { wasmConv2d, wasmConv2dBackward, wasmIm2col, wasmCol2im, type ConvGeometry } from '../wasm/conv.ts';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  /** 'relu': relu(conv2d(...)) as one op (the wasm gemm's epilogue, and one backward). */
  activation?: 'relu';
}

type Geometry = ConvGeometry;

/**
 * Below this many patch entries (or image pixels) im2col and col2im stay in JS. Measured on Catch's
 * 10x5 board (3x3, padding 1; wasm copies included, JS allocation included): 450 entries 2.2 vs
 * 3.0 us, 1800: 2.3 vs 26 us, 57600: 156 vs 711 us.
 */
const MIN_WASM = 256;

function geometry(op: string, x: Tensor, kh: number, kw: number, stride: number, pad: number): Geometry {
  if (x.rank !== 4) throw new RangeError(`${op}: expected an input [N, C, H, W], got ${shapeStr(x.shape)}`);
  for (const [k, v, min] of [
    ['kernel height', kh, 1],
    ['kernel width', kw, 1],
    ['stride', stride, 1],
    ['padding', pad, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${k} must be an integer >= ${min}, got ${v}`);
  }
  const [N, C, H, W] = x.shape;
  const OH = Math.floor((H + 2 * pad - kh) / stride) + 1,
    OW = Math.floor((W + 2 * pad - kw) / stride) + 1;
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${op}: a ${kh}x${kw} kernel with padding ${pad} does not fit an input of ${H}x${W} (shape ${shapeStr(x.shape)})`);
  }
  return { N, C, H, W, kh, kw, stride, pad, OH, OW };
}

/**
 * Patches as rows: x [N, C, H, W] -> [N * OH * OW, C * kh * kw], row (n, oy, ox), column (c, ky, kx);
 * positions in the zero padding read 0.
 */
export function im2col(x: Tensor, kh: number, kw: number, stride = 1, padding = 0): Tensor {
  const g = geometry('im2col', x, kh, kw, stride, padding);
  return im2colG(x, g);
}

function im2colG(x: Tensor, g: Geometry): Tensor {
  const { N, C, H, W, kh, kw, stride, pad, OH, OW } = g;
  const K = C * kh * kw;
  const o = allocData(x.dtype, N * OH * OW * K, false);
  const s = x.data;
  if (o.length >= MIN_WASM && s instanceof Float32Array && wasmIm2col(s, g, o as Float32Array)) {
    return record('im2col', new Tensor(o, [N * OH * OW, K]), [x], (gr) => [col2imG(gr, g)]);
  }
  o.fill(0);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let p = ((n * OH + oy) * OW + ox) * K;
        for (let c = 0; c < C; c++) {
          const base = (n * C + c) * H;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) {
              p += kw;
              continue;
            }
            const row = (base + iy) * W;
            for (let kx = 0; kx < kw; kx++, p++) {
              const ix = ox * stride - pad + kx;
              if (ix >= 0 && ix < W) o[p] = s[row + ix];
            }
          }
        }
      }
  return record('im2col', new Tensor(o, [N * OH * OW, K]), [x], (gr) => [col2imG(gr, g)]);
}

/**
 * The adjoint of im2col: patch rows summed back into an image [N, C, H, W]. Same loops as im2colG
 * with the copy turned round; kept apart so the innermost loop has no branch on the direction.
 */
function col2imG(cols: Tensor, g: Geometry): Tensor {
  const { N, C, H, W, kh, kw, stride, pad, OH, OW } = g;
  const K = C * kh * kw;
  const o = allocData(cols.dtype, N * C * H * W, false);
  const s = cols.data;
  if (s.length >= MIN_WASM && s instanceof Float32Array && wasmCol2im(s, g, o as Float32Array)) {
    return record('col2im', new Tensor(o, [N, C, H, W]), [cols], (gr) => [im2colG(gr, g)]);
  }
  o.fill(0);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let p = ((n * OH + oy) * OW + ox) * K;
        for (let c = 0; c < C; c++) {
          const base = (n * C + c) * H;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) {
              p += kw;
              continue;
            }
            const row = (base + iy) * W;
            for (let kx = 0; kx < kw; kx++, p++) {
              const ix = ox * stride - pad + kx;
              if (ix >= 0 && ix < W) o[row + ix] += s[p];
            }
          }
        }
      }
  return record('col2im', new Tensor(o, [N, C, H, W]), [cols], (gr) => [im2colG(gr, g)]);
}

/**
 * 2-D convolution (cross-correlation, as every deep-learning library computes it):
 * x [N, C, H, W], w [O, C, kh, kw], b [O] -> [N, O, OH, OW].
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor, opts: Conv2dOptions = {}): Tensor {
  if (w.rank !== 4 || x.rank !== 4 || w.shape[1] !== x.shape[1] || (b && (b.rank !== 1 || b.shape[0] !== w.shape[0]))) {
    throw new RangeError(
      `conv2d: expected x [N, C, H, W], w [O, C, kh, kw], b [O]; got x ${shapeStr(x.shape)}, w ${shapeStr(w.shape)}` + (b ? `, b ${shapeStr(b.shape)}` : ''),
    );
  }
  const [O, C, kh, kw] = w.shape;
  const act = opts.activation;
  if (act !== undefined && act !== 'relu') throw new RangeError(`conv2d: activation must be 'relu' or absent, got ${JSON.stringify(act)}`);
  const g = geometry('conv2d', x, kh, kw, opts.stride ?? 1, opts.padding ?? 0);
  if (x.data instanceof Float32Array && w.data instanceof Float32Array && (!b || b.data instanceof Float32Array)) {
    const y = allocData('float32', g.N * O * g.OH * g.OW, false) as Float32Array;
    if (wasmConv2d(x.data, w.data, (b?.data as Float32Array | undefined) ?? null, g, O, act ? 1 : 0, y)) {
      const out = new Tensor(y, [g.N, O, g.OH, g.OW]);
      return record(act ? 'conv2d+relu' : 'conv2d', out, b ? [x, w, b] : [x, w], (gr) => conv2dBackward(gr, x, w, b, g, act ? out : null));
    }
  }
  if (act) return relu(conv2d(x, w, b, { stride: g.stride, padding: g.pad }));
  const cols = im2colG(x, g);
  let y = matmul(cols, reshape(w, [O, C * kh * kw]), false, true); // [N*OH*OW, O]
  if (b) y = add(y, b);
  // [N, OH*OW, O] -> [N, O, OH*OW]
  return reshape(transpose(reshape(y, [g.N, g.OH * g.OW, O]), [0, 2, 1]), [g.N, O, g.OH, g.OW]);
}

/**
 * conv2d's backward from the output gradient gr [N, O, OH, OW]: in wasm for a first-order float32
 * gradient, else as recorded ops (the composed conv's backward, differentiable again).
 */
function conv2dBackward(gr: Tensor, x: Tensor, w: Tensor, b: Tensor | undefined, g: Geometry, reluOut: Tensor | null): (Tensor | null)[] {
  const O = w.shape[0],
    K = w.size / O;
  if (!isGradEnabled() && gr.data instanceof Float32Array) {
    const dx = x.requiresGrad ? (allocData('float32', x.size, false) as Float32Array) : null;
    const dw = w.requiresGrad ? (allocData('float32', w.size, false) as Float32Array) : null;
    const db = b?.requiresGrad ? (allocData('float32', O, false) as Float32Array) : null;
    const y = (reluOut?.data as Float32Array | undefined) ?? null;
    if (wasmConv2dBackward(x.data as Float32Array, w.data as Float32Array, gr.data, g, O, dx, dw, db, y)) {
      return [dx && new Tensor(dx, x.shape), dw && new Tensor(dw, w.shape), db && new Tensor(db, [O])];
    }
  }
  if (reluOut) gr = reluBackward(reluOut, gr);
  // [N, O, OH*OW] -> [N*OH*OW, O]: the gradient of the product's rows
  const gT = reshape(transpose(reshape(gr, [g.N, O, g.OH * g.OW]), [0, 2, 1]), [g.N * g.OH * g.OW, O]);
  return [
    x.requiresGrad ? col2imG(matmul(gT, reshape(w, [O, K])), g) : null,
    w.requiresGrad ? reshape(matmul(gT, im2colG(x, g), true, false), w.shape) : null,
    b?.requiresGrad ? sum(gT, 0) : null,
  ];
}

/** Max pooling over kernel x kernel windows (stride defaults to the kernel); ties go to the first maximum. */
export function maxPool2d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  const g = geometry('maxPool2d', x, kernel, kernel, stride, padding);
  const { N, C, H, W, OH, OW } = g;
  const o = allocData(x.dtype, N * C * OH * OW);
  const arg = new Int32Array(o.length);
  const s = x.data;
  for (let nc = 0; nc < N * C; nc++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let best = -Infinity,
          at = -1;
        for (let ky = 0; ky < kernel; ky++) {
          const iy = oy * stride - padding + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kernel; kx++) {
            const ix = ox * stride - padding + kx;
            if (ix < 0 || ix >= W) continue;
            const i = (nc * H + iy) * W + ix,
              v = s[i];
            // NaN wins (v !== v) so that a NaN upstream is not hidden by the pooling.
            if (v > best || v !== v || at < 0) {
              best = v;
              at = i;
              if (v !== v) break;
            }
          }
        }
        const q = (nc * OH + oy) * OW + ox;
        o[q] = best;
        arg[q] = at;
      }
  return record('maxPool2d', new Tensor(o, [N, C, OH, OW]), [x], (gr) => [scatterPicked(gr, arg, x.shape)]);
}

/** out[arg[q]] += g[q]: maxPool2d's backward; linear in g, its own adjoint is the gather by arg. */
function scatterPicked(gr: Tensor, arg: Int32Array, shape: number[]): Tensor {
  const o = allocData(
    gr.dtype,
    shape.reduce((a, b) => a * b, 1),
  );
  for (let q = 0; q < arg.length; q++) o[arg[q]] += gr.data[q];
  return record('maxPool2dBackward', new Tensor(o, shape), [gr], (gg) => {
    const p = allocData(gg.dtype, arg.length);
    for (let q = 0; q < arg.length; q++) p[q] = gg.data[arg[q]];
    return [new Tensor(p, gr.shape)];
  });
}

/** Average pooling (zero padding counts in the average, PyTorch's count_include_pad default). */
export function avgPool2d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  const g = geometry('avgPool2d', x, kernel, kernel, stride, padding);
  const { N, C, OH, OW } = g;
  // The average is a convolution of each channel with a constant kernel: im2col per channel.
  const cols = im2colG(reshape(x, [N * C, 1, g.H, g.W]), { ...g, N: N * C, C: 1 });
  const w = Tensor.full([kernel * kernel, 1], 1 / (kernel * kernel), x.dtype);
  return reshape(matmul(cols, w), [N, C, OH, OW]);
}

/** [N, ...] -> [N, prod(...)]: the bridge from a convolutional encoder to linear layers. */
export function flattenBatch(x: Tensor): Tensor {
  if (x.rank < 1) throw new RangeError(`flattenBatch: expected a tensor with a batch axis, got shape ${shapeStr(x.shape)}`);
  return reshape(x, [x.shape[0], -1]);
}
