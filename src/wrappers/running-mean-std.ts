/**
 * Running mean and variance with Gymnasium's update rule (gymnasium.wrappers.utils.RunningMeanStd,
 * the parallel algorithm of Chan et al. 1979): mean 0, var 1 and count = epsilon (1e-4) at start.
 * dtype 'float32' reproduces Gymnasium's statistics for float32 observations, which NumPy keeps in
 * float32 (mean/var arrays of the space's dtype, the count a Python float): every array operation
 * is rounded with Math.fround, the Python scalars are rounded to float32 where they meet the arrays.
 */
import { decodeNumber, decodeNumbers, encodeNumber, encodeNumbers, stateObject, type Json } from '../envs/snapshot.ts';

export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(
    readonly size: number,
    epsilon = 1e-4,
    readonly dtype: 'float32' | 'float64' = 'float64',
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Update from one sample (a batch of size 1: batch variance 0). */
  updateOne(x: ArrayLike<number>): void {
    const count = this.count,
      tot = count + 1;
    if (this.dtype === 'float32') {
      const fr = Math.fround,
        c32 = fr(count),
        t32 = fr(tot);
      for (let i = 0; i < this.size; i++) {
        const delta = fr(fr(x[i]) - this.mean[i]);
        this.mean[i] = fr(this.mean[i] + fr(delta / t32));
        const m2 = fr(fr(this.var[i] * c32) + fr(fr(fr(delta * delta) * c32) / t32));
        this.var[i] = fr(m2 / t32);
      }
      this.count = tot;
      return;
    }
    for (let i = 0; i < this.size; i++) {
      const delta = x[i] - this.mean[i];
      this.mean[i] = this.mean[i] + (delta * 1) / tot;
      const m2 = this.var[i] * count + 0 * 1 + (delta * delta * count * 1) / tot;
      this.var[i] = m2 / tot;
    }
    this.count = tot;
  }

  /** Update from a batch of `n` samples stored row-major in `xs` (n x size). */
  update(xs: ArrayLike<number>, n: number): void {
    const count = this.count,
      tot = count + n;
    for (let i = 0; i < this.size; i++) {
      let bm = 0;
      for (let k = 0; k < n; k++) bm += xs[k * this.size + i];
      bm /= n;
      let bv = 0;
      for (let k = 0; k < n; k++) bv += (xs[k * this.size + i] - bm) ** 2;
      bv /= n;
      const delta = bm - this.mean[i];
      this.mean[i] = this.mean[i] + (delta * n) / tot;
      this.var[i] = (this.var[i] * count + bv * n + (delta * delta * count * n) / tot) / tot;
    }
    this.count = tot;
  }

  /**
   * Merge statistics of other data (count, mean, var) into these: the parallel formula of Chan et
   * al. 1979, M2 = M2_a + M2_b + delta^2 n_a n_b / (n_a + n_b). Distributed rollout workers ship
   * such deltas (RLlib's MeanStdFilter sync). A delta of count 0 changes nothing.
   */
  merge(o: RunningMeanStdState): void {
    if (o.mean.length !== this.size || o.var.length !== this.size)
      throw new RangeError(`RunningMeanStd.merge: expected ${this.size} values, got ${o.mean.length}`);
    if (!(o.count > 0)) return;
    const na = this.count,
      nb = o.count,
      tot = na + nb;
    for (let i = 0; i < this.size; i++) {
      const delta = o.mean[i] - this.mean[i];
      this.mean[i] += (delta * nb) / tot;
      this.var[i] = (this.var[i] * na + o.var[i] * nb + (delta * delta * na * nb) / tot) / tot;
    }
    this.count = tot;
  }

  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** getState() with every number JSON-safe (see envs/snapshot.ts). */
  toJson(): Json {
    return { mean: encodeNumbers(this.mean), var: encodeNumbers(this.var), count: encodeNumber(this.count) };
  }

  fromJson(state: unknown, who: string): void {
    const o = stateObject(who, state);
    this.setState({
      mean: decodeNumbers(o.mean, this.size, `${who}: mean`),
      var: decodeNumbers(o.var, this.size, `${who}: var`),
      count: decodeNumber(o.count, `${who}: count`),
    });
  }

  setState(s: RunningMeanStdState): void {
    if (!s || s.mean?.length !== this.size || s.var?.length !== this.size || typeof s.count !== 'number') {
      throw new Error(`RunningMeanStd.setState: expected { mean: [${this.size}], var: [${this.size}], count }, got ${JSON.stringify(s)}`);
    }
    this.mean.set(s.mean);
    this.var.set(s.var);
    this.count = s.count;
  }
}
