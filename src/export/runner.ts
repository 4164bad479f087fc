/**
 * The zero-dependency runner: one small ES module (RUNNER_SOURCE, written out as policy.mjs) and a
 * weights file (policy.bin) that together run a trained policy's greedy action with nothing else:
 * for a game, a web page or a Node service that should not carry the training library.
 *
 * policy.bin: uint32 little-endian n, then n bytes of UTF-8 JSON (the header: sizes, activations,
 * the action head, and where each tensor starts), zero padding to a multiple of 4, then every tensor
 * as float32 little-endian.
 */
import { unsupported, type DenseLayer, type PolicyDescription } from './spec.ts';

export const RUNNER_MODULE_FILE = 'policy.mjs';
export const RUNNER_WEIGHTS_FILE = 'policy.bin';
export const RUNNER_FORMAT_VERSION = 1;

/**
 * The runner module. Plain modern JavaScript (ES2020), no imports; float32 weights, float64
 * arithmetic. Kept small on purpose: bench/export.ts reports its gzipped size.
 */
export const RUNNER_SOURCE = `// Ascent policy runner: a trained policy's greedy action, without the library (no dependencies).
//   import { loadPolicy } from './policy.mjs';
//   const policy = loadPolicy(bytesOf('policy.bin')); // a Uint8Array or ArrayBuffer (fetch, readFileSync)
//   const action = policy.act(observation); // discrete: a number; continuous: a Float32Array (reused)
// Observations are raw, as the environment returns them: the run's normalisation is applied here.
const ACT = {
  tanh: Math.tanh,
  relu: (v) => (v > 0 ? v : 0),
  elu: (v) => (v < 0 ? Math.expm1(v) : v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  identity: (v) => v,
};

export function loadPolicy(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const n = new DataView(u8.buffer, u8.byteOffset, 4).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + n)));
  if (h.format !== 'ascent-runner' || h.version !== ${RUNNER_FORMAT_VERSION}) throw new Error('loadPolicy: not an ascent-runner weights file (version ${RUNNER_FORMAT_VERSION})');
  const start = (4 + n + 3) & ~3;
  const data = new Float32Array(u8.slice(start, start + 4 * h.size).buffer);
  const t = (name) => data.subarray(h.tensors[name][0], h.tensors[name][0] + h.tensors[name][1]);
  const layers = h.layers.map((l) => ({ n: l.in, m: l.out, w: Float64Array.from(t(l.weight)), b: t(l.bias), f: ACT[l.activation] }));
  const width = Math.max(h.obsDim, ...h.layers.map((l) => l.out));
  const bufs = [new Float64Array(width), new Float64Array(width)];
  const mean = h.norm && t('norm.mean'), std = h.norm && t('norm.std'), clip = h.norm && h.norm.clip;
  const head = h.head, D = head.actDim, low = head.low && t('action.low'), half = head.low && t('action.half');
  const out = new Float32Array(D || 1);

  // Raw observation -> the last layer's outputs (logits, the mean, or [mu, log-std]).
  function forward(obs) {
    if (obs.length !== h.obsDim) throw new RangeError('act: expected ' + h.obsDim + ' observation values, got ' + obs.length);
    let x = bufs[0], y = bufs[1];
    for (let i = 0; i < h.obsDim; i++) {
      let v = obs[i];
      if (mean) {
        v = Math.fround(Math.fround(v - mean[i]) / std[i]);
        v = v < -clip ? -clip : v > clip ? clip : v;
      }
      x[i] = v;
    }
    for (const l of layers) {
      // y = x W + b with W row-major [n, m]: four outputs at a time accumulate in registers.
      const n = l.n, m = l.m, w = l.w, b = l.b, f = l.f;
      let o = 0;
      for (; o + 4 <= m; o += 4) {
        let s0 = b[o], s1 = b[o + 1], s2 = b[o + 2], s3 = b[o + 3];
        for (let i = 0, r = o; i < n; i++, r += m) {
          const xi = x[i];
          s0 += xi * w[r]; s1 += xi * w[r + 1]; s2 += xi * w[r + 2]; s3 += xi * w[r + 3];
        }
        y[o] = f(s0); y[o + 1] = f(s1); y[o + 2] = f(s2); y[o + 3] = f(s3);
      }
      for (; o < m; o++) {
        let s = b[o];
        for (let i = 0, r = o; i < n; i++, r += m) s += x[i] * w[r];
        y[o] = f(s);
      }
      const t = x; x = y; y = t;
    }
    return x;
  }

  function act(obs) {
    const z = forward(obs);
    if (head.kind === 'categorical') {
      let best = 0;
      for (let k = 1; k < head.nActions; k++) if (z[k] > z[best]) best = k;
      return best + head.start;
    }
    for (let j = 0; j < D; j++) out[j] = head.kind === 'gaussian' ? z[j] : low[j] + (Math.tanh(z[j]) + 1) * half[j];
    return out;
  }

  return { obsDim: h.obsDim, discrete: head.kind === 'categorical', actDim: D || 1, meta: { algo: h.algo, env: h.env, policy: head.kind, frameStack: h.frameStack }, forward, act };
}
`;

/** policy.bin for a described policy. */
export function toRunnerWeights(d: PolicyDescription): Uint8Array {
  if (d.recurrent) throw unsupported('RecurrentActorCritic', 'ascent-runner');
  if (d.cnn) throw unsupported('CnnPolicy', 'ascent-runner');
  if (d.multiInput) throw unsupported('MultiInputPolicy', 'ascent-runner');
  const tensors: Record<string, [number, number]> = {};
  const chunks: ArrayLike<number>[] = [];
  let size = 0;
  const put = (name: string, v: ArrayLike<number>) => {
    tensors[name] = [size, v.length];
    chunks.push(v);
    size += v.length;
    return name;
  };
  const layers = d.layers.map((l: DenseLayer, i) => ({
    in: l.inFeatures,
    out: l.outFeatures,
    activation: l.activation,
    weight: put(`pi.${i}.weight`, l.weight),
    bias: put(`pi.${i}.bias`, l.bias),
  }));
  let norm: { clip: number } | null = null;
  if (d.obsNorm) {
    put('norm.mean', d.obsNorm.mean);
    put('norm.std', d.obsNorm.std);
    norm = { clip: d.obsNorm.clip };
  }
  const h = d.head;
  let head: Record<string, unknown>;
  if (h.kind === 'categorical') head = { kind: h.kind, nActions: h.nActions, start: h.start };
  else if (h.kind === 'gaussian') head = { kind: h.kind, actDim: h.actDim };
  else {
    put('action.low', h.low);
    put(
      'action.half',
      Float32Array.from(h.low, (lo, j) => 0.5 * (h.high[j] - lo)),
    );
    head = { kind: h.kind, actDim: h.actDim, low: true };
  }
  const header = {
    format: 'ascent-runner',
    version: RUNNER_FORMAT_VERSION,
    algo: d.algo,
    env: d.env,
    obsDim: d.obsDim,
    frameStack: d.frameStack,
    norm,
    head,
    layers,
    tensors,
    size,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = (4 + json.length + 3) & ~3;
  const bytes = new Uint8Array(start + 4 * size);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  const data = new Float32Array(bytes.buffer, start, size);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  return bytes;
}
