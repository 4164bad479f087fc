/** Shared test helpers for the distribution suites (not a test file itself). */
import assert from 'node:assert/strict';
import type { Rng } from '../../src/rng/index.ts';
import { Tensor, checkGradients } from '../../src/tensor/index.ts';

/** A float64 tensor of uniform values in [lo, hi). */
export function rand(rng: Rng, shape: number[], lo = -1.5, hi = 1.5): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillUniform(d, lo, hi);
  return new Tensor(d, shape);
}

/** A float64 tensor holding `row` repeated n times: [n, row.length]. */
export function tile(row: ArrayLike<number>, n: number): Tensor {
  const d = new Float64Array(n * row.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < row.length; j++) d[i * row.length + j] = row[j];
  return new Tensor(d, [n, row.length]);
}

/** Sample mean and its standard error. */
export function meanSe(xs: ArrayLike<number>): { mean: number; se: number } {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i] - m) ** 2;
  v /= n - 1;
  return { mean: m, se: Math.sqrt(v / n) };
}

/** Assert a Monte-Carlo mean matches `expected` within k standard errors (plus a small absolute slack). */
export function assertWithinSe(xs: ArrayLike<number>, expected: number, what: string, k = 4, slack = 1e-9): void {
  const { mean, se } = meanSe(xs);
  assert.ok(Math.abs(mean - expected) <= k * se + slack, `${what}: Monte-Carlo mean ${mean} (se ${se}) vs expected ${expected}`);
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `${what}[${i}]: ${actual[i]} vs expected ${expected[i]}`);
  }
}

/** Gradients of f at `inputs` match central finite differences (float64). */
export function assertGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string): void {
  const r = checkGradients(f, inputs, { atol: 1e-6, rtol: 1e-5 });
  assert.ok(r.ok, `${what}: max abs error ${r.maxAbsError} at ${JSON.stringify(r.worst)}`);
}

/** Plain-number log-sum-exp of one row. */
export function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i] - m);
  return m + Math.log(s);
}

export function rows(t: Tensor): number[][] {
  return t.toArray() as number[][];
}
