/**
 * Weight initialisers. Orthogonal init (Saxe et al., 2014) with gain sqrt(2) for hidden layers and
 * small gains on output heads is what PPO implementations use (CleanRL, SB3); Xavier/Glorot
 * (Glorot & Bengio, 2010) is the common default elsewhere.
 */
import type { Rng } from '../rng/index.ts';

/** Recommended gains per activation (as torch.nn.init.calculate_gain). */
export const GAINS = { identity: 1, tanh: 5 / 3, relu: Math.SQRT2, elu: Math.SQRT2, sigmoid: 1 } as const;

/**
 * A [rows, cols] matrix with orthonormal columns (or rows, when rows < cols), times `gain`:
 * QR of a Gaussian matrix by modified Gram-Schmidt, with the sign fix that makes Q uniform (Haar).
 */
export function orthogonal(rng: Rng, rows: number, cols: number, gain = 1): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols,
    k = tall ? cols : rows;
  // k vectors of length n, Gram-Schmidt orthonormalised.
  const q = new Float64Array(k * n);
  rng.fillNormal(q);
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
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < k; i++)
    for (let t = 0; t < n; t++) {
      // Tall: vectors are columns; wide: vectors are rows.
      if (tall) out[t * cols + i] = gain * q[i * n + t];
      else out[i * cols + t] = gain * q[i * n + t];
    }
  return out;
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
