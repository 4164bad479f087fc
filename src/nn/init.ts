/**
 * Weight initialisers. Orthogonal init (Saxe et al., 2014) with gain sqrt(2) for hidden layers and
 * small gains on output heads is what PPO implementations use (CleanRL, SB3); Xavier/Glorot
 * (Glorot & Bengio, 2010) is the common default elsewhere.
 */
import type { Rng } from '../rng/index.ts';

/** Recommended gains per activation (as torch.nn.init.calculate_gain). */
export const GAINS = { identity: 1, tanh: 5 / 3, relu: Math.SQRT2, elu: Math.SQRT2, sigmoid: 1 } as const;

/**
 * A [rows, cols] matrix with orthonormal columns (or rows, when rows < cols), times `gain`: the Q
 * of a QR decomposition of a Gaussian matrix, with the sign fix (R's diagonal positive) that makes
 * Q uniform (Haar), as torch.nn.init.orthogonal_ and SB3 do. Small matrices run modified
 * Gram-Schmidt; large tall ones (a CNN's first linear layer, e.g. 3136x512 or 41472x128) run
 * Cholesky QR, the same Q from the same draws in exact arithmetic (R^T R = G^T G with R's diagonal
 * positive), in cache-sized blocks: 2.2 s by Gram-Schmidt for 41472x128 (issue 14).
 */
export function orthogonal(rng: Rng, rows: number, cols: number, gain = 1): Float32Array {
  for (const [name, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`orthogonal: ${name} must be a positive integer, got ${v}`);
  const tall = rows >= cols;
  const n = tall ? rows : cols,
    k = tall ? cols : rows;
  // k vectors of length n (the rows of G^T), orthonormalised in order.
  const q = new Float64Array(k * n);
  rng.fillNormal(q);
  if (!(n >= CHOLESKY_ASPECT * k && n * k * k >= CHOLESKY_MIN_WORK && choleskyQR(q, k, n))) gramSchmidt(q, k, n);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < k; i++)
    for (let t = 0; t < n; t++) {
      // Tall: vectors are columns; wide: vectors are rows.
      if (tall) out[t * cols + i] = gain * q[i * n + t];
      else out[i * cols + t] = gain * q[i * n + t];
    }
  return out;
}

/**
 * Cholesky QR needs G well conditioned: its error grows with cond(G)^2. A Gaussian n x k matrix with
 * n >= 4k has cond(G) <= (1 + sqrt(k/n)) / (1 - sqrt(k/n)) ~ 3 (Marchenko-Pastur edges), so the
 * float64 Q is orthonormal to ~1e-15. Below n k^2 = 2^24 multiply-adds Gram-Schmidt takes < 50 ms.
 */
const CHOLESKY_ASPECT = 4;
const CHOLESKY_MIN_WORK = 1 << 24;

/** Modified Gram-Schmidt over the k rows of q (each of length n), in place. */
function gramSchmidt(q: Float64Array, k: number, n: number): void {
  for (let i = 0; i < k; i++) {
    const qi = q.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < i; j++) {
      const qj = q.subarray(j * n, (j + 1) * n);
      let dot = 0;
      for (let t = 0; t < n; t++) dot += qi[t] * qj[t];
      for (let t = 0; t < n; t++) qi[t] -= dot * qj[t];
    }
    let norm = 0;
    for (let t = 0; t < n; t++) norm += qi[t] * qi[t];
    norm = Math.sqrt(norm);
    for (let t = 0; t < n; t++) qi[t] /= norm;
  }
}

/**
 * Cholesky QR over the k rows of q (each of length n), in place: S = G G^T (k x k), S = L L^T, then
 * q := L^{-1} q by forward substitution. Both passes walk q in column blocks of `span` so a block
 * of all k rows stays in cache. Returns false (q untouched) if S is not numerically positive definite.
 */
function choleskyQR(q: Float64Array, k: number, n: number): boolean {
  const span = Math.max(16, Math.min(n, Math.floor(32768 / k))); // k * span doubles = 256 KiB
  const S = new Float64Array(k * k);
  for (let t0 = 0; t0 < n; t0 += span) {
    const t1 = Math.min(n, t0 + span);
    for (let i = 0; i < k; i++) {
      const a = i * n;
      // four rows j..j+3 at a time: 4 accumulators, 5 loads per 4 multiply-adds
      let j = 0;
      for (; j + 3 <= i; j += 4) {
        const b0 = j * n,
          b1 = b0 + n,
          b2 = b1 + n,
          b3 = b2 + n;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let t = t0; t < t1; t++) {
          const x = q[a + t];
          s0 += x * q[b0 + t];
          s1 += x * q[b1 + t];
          s2 += x * q[b2 + t];
          s3 += x * q[b3 + t];
        }
        const r = i * k + j;
        S[r] += s0;
        S[r + 1] += s1;
        S[r + 2] += s2;
        S[r + 3] += s3;
      }
      for (; j <= i; j++) {
        const b = j * n;
        let s0 = 0;
        for (let t = t0; t < t1; t++) s0 += q[a + t] * q[b + t];
        S[i * k + j] += s0;
      }
    }
  }
  // S = L L^T in place (lower triangle), L's diagonal positive.
  for (let j = 0; j < k; j++) {
    let d = S[j * k + j];
    for (let p = 0; p < j; p++) d -= S[j * k + p] * S[j * k + p];
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    S[j * k + j] = l;
    for (let i = j + 1; i < k; i++) {
      let v = S[i * k + j];
      for (let p = 0; p < j; p++) v -= S[i * k + p] * S[j * k + p];
      S[i * k + j] = v / l;
    }
  }
  // q_i := (q_i - sum_{j<i} L_ij q_j) / L_ii, block by block.
  for (let t0 = 0; t0 < n; t0 += span) {
    const t1 = Math.min(n, t0 + span);
    for (let i = 0; i < k; i++) {
      const a = i * n;
      let j = 0;
      for (; j + 4 <= i; j += 4) {
        const b0 = j * n,
          b1 = b0 + n,
          b2 = b1 + n,
          b3 = b2 + n,
          r = i * k + j;
        const l0 = S[r],
          l1 = S[r + 1],
          l2 = S[r + 2],
          l3 = S[r + 3];
        for (let t = t0; t < t1; t++) q[a + t] -= l0 * q[b0 + t] + l1 * q[b1 + t] + l2 * q[b2 + t] + l3 * q[b3 + t];
      }
      for (; j < i; j++) {
        const b = j * n,
          l0 = S[i * k + j];
        for (let t = t0; t < t1; t++) q[a + t] -= l0 * q[b + t];
      }
      const inv = 1 / S[i * k + i];
      for (let t = t0; t < t1; t++) q[a + t] *= inv;
    }
  }
  return true;
}

/** Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(rng: Rng, fanIn: number, fanOut: number, gain = 1): Float32Array {
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return rng.fillUniform(new Float32Array(fanIn * fanOut), -a, a) as Float32Array;
}

/** Glorot/Xavier normal: N(0, gain^2 * 2 / (fanIn + fanOut)). */
export function xavierNormal(rng: Rng, fanIn: number, fanOut: number, gain = 1): Float32Array {
  return rng.fillNormal(new Float32Array(fanIn * fanOut), 0, gain * Math.sqrt(2 / (fanIn + fanOut))) as Float32Array;
}
