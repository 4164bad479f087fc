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
  if (!tall) {
    for (let i = 0; i < k * n; i++) out[i] = gain * q[i]; // vectors are rows
    return out;
  }
  // Vectors are columns: a transpose, in bands of 32 rows of out so its writes stay in cache.
  for (let t0 = 0; t0 < n; t0 += 32) {
    const t1 = Math.min(n, t0 + 32);
    for (let i = 0; i < k; i++) for (let t = t0; t < t1; t++) out[t * cols + i] = gain * q[i * n + t];
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
  for (let t0 = 0; t0 < n; t0 += span) gramBlock(q, S, k, n, t0, Math.min(n, t0 + span));
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
  for (let t0 = 0; t0 < n; t0 += span) solveBlock(q, S, k, n, t0, Math.min(n, t0 + span));
  return true;
}

/**
 * S[i, j] += sum_t q_i[t] q_j[t] over t in [t0, t1), for j <= i. Rows i, i+1 against rows j..j+3:
 * 8 accumulators from 6 loads per step (scalar JS is bound by loads, not arithmetic).
 */
function gramBlock(q: Float64Array, S: Float64Array, k: number, n: number, t0: number, t1: number): void {
  let i = 0;
  for (; i + 1 < k; i += 2) {
    const a0 = i * n,
      a1 = a0 + n;
    let j = 0;
    for (; j + 3 <= i; j += 4) {
      const b0 = j * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let t = t0; t < t1; t++) {
        const x = q[a0 + t],
          y = q[a1 + t],
          u0 = q[b0 + t],
          u1 = q[b1 + t],
          u2 = q[b2 + t],
          u3 = q[b3 + t];
        s00 += x * u0;
        s01 += x * u1;
        s02 += x * u2;
        s03 += x * u3;
        s10 += y * u0;
        s11 += y * u1;
        s12 += y * u2;
        s13 += y * u3;
      }
      const r = i * k + j;
      S[r] += s00;
      S[r + 1] += s01;
      S[r + 2] += s02;
      S[r + 3] += s03;
      S[r + k] += s10;
      S[r + k + 1] += s11;
      S[r + k + 2] += s12;
      S[r + k + 3] += s13;
    }
    for (; j <= i + 1; j++) {
      const b = j * n;
      let s0 = 0,
        s1 = 0;
      for (let t = t0; t < t1; t++) {
        const u = q[b + t];
        s0 += q[a0 + t] * u;
        s1 += q[a1 + t] * u;
      }
      if (j <= i) S[i * k + j] += s0;
      S[(i + 1) * k + j] += s1;
    }
  }
  for (; i < k; i++) {
    const a = i * n;
    for (let j = 0; j <= i; j++) {
      const b = j * n;
      let s = 0;
      for (let t = t0; t < t1; t++) s += q[a + t] * q[b + t];
      S[i * k + j] += s;
    }
  }
}

/**
 * Forward substitution q_i := (q_i - sum_{j<i} L_ij q_j) / L_ii over t in [t0, t1), rows i and i+1
 * together so each q_j loaded serves both; then i+1's term in row i.
 */
function solveBlock(q: Float64Array, L: Float64Array, k: number, n: number, t0: number, t1: number): void {
  let i = 0;
  for (; i < k; i += 2) {
    const two = i + 1 < k;
    const a0 = i * n,
      a1 = two ? a0 + n : a0,
      r0 = i * k,
      r1 = two ? r0 + k : r0;
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const b0 = j * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n;
      const l0 = L[r0 + j],
        l1 = L[r0 + j + 1],
        l2 = L[r0 + j + 2],
        l3 = L[r0 + j + 3];
      const m0 = L[r1 + j],
        m1 = L[r1 + j + 1],
        m2 = L[r1 + j + 2],
        m3 = L[r1 + j + 3];
      if (two) {
        for (let t = t0; t < t1; t++) {
          const u0 = q[b0 + t],
            u1 = q[b1 + t],
            u2 = q[b2 + t],
            u3 = q[b3 + t];
          q[a0 + t] -= l0 * u0 + l1 * u1 + l2 * u2 + l3 * u3;
          q[a1 + t] -= m0 * u0 + m1 * u1 + m2 * u2 + m3 * u3;
        }
      } else {
        for (let t = t0; t < t1; t++) q[a0 + t] -= l0 * q[b0 + t] + l1 * q[b1 + t] + l2 * q[b2 + t] + l3 * q[b3 + t];
      }
    }
    for (; j < i; j++) {
      const b = j * n,
        l0 = L[r0 + j],
        m0 = L[r1 + j];
      for (let t = t0; t < t1; t++) {
        const u = q[b + t];
        q[a0 + t] -= l0 * u;
        if (two) q[a1 + t] -= m0 * u;
      }
    }
    const inv0 = 1 / L[r0 + i];
    for (let t = t0; t < t1; t++) q[a0 + t] *= inv0;
    if (two) {
      const m = L[r1 + i],
        inv1 = 1 / L[r1 + i + 1];
      for (let t = t0; t < t1; t++) q[a1 + t] = (q[a1 + t] - m * q[a0 + t]) * inv1;
    }
  }
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
