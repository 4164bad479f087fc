// Orthogonal init (Saxe et al., 2014; SB3 and CleanRL's default): the Q of a Gaussian matrix's QR
// with R's diagonal positive, times the gain. Large tall matrices take Cholesky QR (issue 14), which
// must give the same Q from the same draws as the Gram-Schmidt that small matrices keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { orthogonal } from '../../src/nn/init.ts';

/** The reference: modified Gram-Schmidt in float64 on the draws orthogonal makes (k vectors of length n). */
function reference(seed: number, rows: number, cols: number, gain: number): Float64Array {
  const tall = rows >= cols,
    n = tall ? rows : cols,
    k = tall ? cols : rows;
  const q = new Rng(seed).fillNormal(new Float64Array(k * n)) as Float64Array;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < n; t++) dot += q[i * n + t] * q[j * n + t];
      for (let t = 0; t < n; t++) q[i * n + t] -= dot * q[j * n + t];
    }
    let norm = 0;
    for (let t = 0; t < n; t++) norm += q[i * n + t] ** 2;
    for (let t = 0; t < n; t++) q[i * n + t] /= Math.sqrt(norm);
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < k; i++) for (let t = 0; t < n; t++) out[tall ? t * cols + i : i * cols + t] = gain * q[i * n + t];
  return out;
}

/** max |W^T W - g^2 I| over the pairs of the short side's vectors i < rowsChecked (all j). */
function orthoError(w: Float32Array, rows: number, cols: number, gain: number, rowsChecked = Math.min(rows, cols)): number {
  const tall = rows >= cols,
    n = tall ? rows : cols,
    k = tall ? cols : rows;
  const at = (i: number, t: number) => (tall ? w[t * cols + i] : w[i * cols + t]);
  let err = 0;
  for (let i = 0; i < rowsChecked; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += at(i, t) * at(j, t);
      err = Math.max(err, Math.abs(s - (i === j ? gain * gain : 0)));
    }
  return err;
}

// First in the file: the other tests' large reference matrices would leave garbage to collect in its timing.
test('a CNN head 41472x128 (gain sqrt 2): W^T W = 2 I within 1e-5, in about a second of CPU', () => {
  const c0 = process.cpuUsage();
  const w = orthogonal(new Rng(1), 41472, 128, Math.SQRT2);
  const used = process.cpuUsage(c0);
  const ms = (used.user + used.system) / 1000;
  // 16 of the 128 columns against all: a full check costs more than the init.
  const err = orthoError(w, 41472, 128, Math.SQRT2, 16);
  assert.ok(err < 1e-5, `max |W^T W - 2 I| = ${err}`);
  // Measured 0.73-0.77 s of CPU in this test at load 12-14 on the 2-core EPYC, 0.33 s of it drawing
  // the normals; Gram-Schmidt took 1.5 s. The bound catches a fall back to Gram-Schmidt.
  assert.ok(ms < 1250, `orthogonal(41472, 128) took ${ms.toFixed(0)} ms of CPU`);
});

test('small matrices keep the Gram-Schmidt of before, bit for bit (seeds reproduce)', () => {
  for (const [r, c] of [
    [64, 64],
    [4, 64],
    [300, 2],
    [256, 256], // square: Cholesky QR would square its condition number
    [1000, 128], // 2^24 multiply-adds less a little
  ]) {
    const want = Float32Array.from(reference(7, r, c, Math.SQRT2));
    const got = orthogonal(new Rng(7), r, c, Math.SQRT2);
    assert.deepEqual(got, want, `${r}x${c}`);
  }
});

test('large tall and wide matrices (Cholesky QR): the same Q as Gram-Schmidt from the same draws', () => {
  // 4096 * 64^2 = 2^24 multiply-adds: the smallest size that takes Cholesky QR.
  for (const [r, c, g] of [
    [4096, 64, Math.SQRT2],
    [64, 4096, 0.01],
    [5000, 72, 1],
    [3001, 75, 1], // an odd number of vectors: the last one alone
    [1600, 128, Math.SQRT2], // the small CNN's linear layer on Catch's 10x5 board
  ]) {
    const want = reference(3, r, c, g);
    const got = orthogonal(new Rng(3), r, c, g);
    let diff = 0;
    for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]) / g);
    assert.ok(diff < 1e-7, `${r}x${c}: max |W - W_gram-schmidt| / gain = ${diff}`);
    assert.ok(orthoError(got, r, c, g) < 1e-5 * g * g, `${r}x${c}: orthonormal`);
  }
});

test('bad sizes get a one-line error naming the value', () => {
  assert.throws(() => orthogonal(new Rng(0), 0, 5), /orthogonal: rows must be a positive integer, got 0/);
  assert.throws(() => orthogonal(new Rng(0), 3, 2.5), /orthogonal: cols must be a positive integer, got 2.5/);
});
