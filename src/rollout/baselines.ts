/**
 * The variance-minimising constant baseline, per parameter k (CS285 lecture 5; Greensmith, Bartlett
 * & Baxter 2004, "Variance reduction techniques for gradient estimates in reinforcement learning"):
 *   b_k = E[g_k^2 r] / E[g_k^2],   g = sum_t grad log pi(a_t | s_t) over a trajectory, r its return.
 *
 * Estimated from earlier batches only (exponentially weighted sums), so b is independent of the batch
 * it is used on and grad_k = (1/N) sum_i g_ik (r_i - b_k) stays unbiased. Estimated from the batch
 * itself it is biased; leave-one-out fixes the bias but at N = 16 its noise costs more variance than
 * it saves (the estimator lab measures both). Earlier batches give many more trajectories per b_k,
 * and each b_k is shrunk towards the mean return where its trajectories are too few to pin it down.
 */

/** Weight of the previous sums at each update: about 1 / (1 - decay) = 10 batches of memory. */
export const OPTIMAL_BASELINE_DECAY = 0.9;

/**
 * Below this fraction of the largest E[g_j^2], E[g_k^2] counts as zero: parameter k barely moved any
 * trajectory's log-probability, so num_k / den_k is a ratio of rounding-level products. Such a
 * parameter gets the mean return instead (its gradient is negligible either way).
 */
export const OPTIMAL_BASELINE_GUARD = 1e-12;

export interface OptimalBaselineState {
  num: number[];
  den: number[];
  quad: number[];
  sumReturn: number;
  sumReturn2: number;
  count: number;
}

export class OptimalBaseline {
  /** Exponentially weighted sums of g_k^2 r, g_k^2 and g_k^4 over earlier trajectories, and of r and r^2. */
  private readonly num: Float64Array;
  private readonly den: Float64Array;
  private readonly quad: Float64Array;
  private sumReturn = 0;
  private sumReturn2 = 0;
  /** Exponentially weighted number of trajectories seen (0: no data yet). */
  private count = 0;

  constructor(
    readonly size: number,
    readonly decay = OPTIMAL_BASELINE_DECAY,
  ) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`OptimalBaseline: size must be a positive integer, got ${size}`);
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`OptimalBaseline: decay must be in [0, 1], got ${decay}`);
    this.num = new Float64Array(size);
    this.den = new Float64Array(size);
    this.quad = new Float64Array(size);
  }

  /** Whether any trajectory has been added (before that, baseline() is 0: plain REINFORCE). */
  get ready(): boolean {
    return this.count > 0;
  }

  /** The mean return of the earlier trajectories (0 before any). */
  meanReturn(): number {
    return this.count > 0 ? this.sumReturn / this.count : 0;
  }

  /**
   * The plain ratios o_k = sum g_k^2 r / sum g_k^2 (weighted sums over the trajectories added so far);
   * where sum g_k^2 is zero or below OPTIMAL_BASELINE_GUARD times the largest, the mean return.
   */
  ratios(out = new Float64Array(this.size)): Float64Array {
    if (out.length !== this.size) throw new RangeError(`OptimalBaseline: out must have length ${this.size}, got ${out.length}`);
    if (!this.ready) return out.fill(0);
    let maxDen = 0;
    for (let k = 0; k < this.size; k++) maxDen = Math.max(maxDen, this.den[k]);
    const m = this.meanReturn();
    for (let k = 0; k < this.size; k++) out[k] = this.den[k] > 0 && this.den[k] > OPTIMAL_BASELINE_GUARD * maxDen ? this.num[k] / this.den[k] : m;
    return out;
  }

  /**
   * b_k for every parameter: o_k shrunk towards the mean return m by how well the data pin it down,
   *   b_k = m + (o_k - m) * s_k / (s_k + v / n_k),  s_k = (o_k - m)^2,
   * v the variance of the returns and n_k = (sum g_k^2)^2 / sum g_k^4 the effective number of
   * trajectories behind o_k. A parameter that few trajectories move gets about the mean return (its
   * o_k is mostly noise, and a noisy baseline adds variance); a well-sampled one gets o_k. Every
   * quantity comes from earlier batches, so b stays independent of the batch it is used on.
   * Before any data: 0 (plain REINFORCE).
   */
  baseline(out = new Float64Array(this.size)): Float64Array {
    this.ratios(out);
    if (!this.ready) return out;
    const m = this.meanReturn();
    const v = Math.max(0, this.sumReturn2 / this.count - m * m);
    for (let k = 0; k < this.size; k++) {
      const s = (out[k] - m) * (out[k] - m);
      if (s === 0) continue;
      const n = (this.den[k] * this.den[k]) / this.quad[k];
      out[k] = m + ((out[k] - m) * s) / (s + v / n);
    }
    return out;
  }

  /**
   * Adds a batch after it has been used: `scores` holds N per-trajectory score sums g_i (row i at
   * i * size), `returns` their N returns. Earlier sums are multiplied by `decay` first.
   */
  add(scores: ArrayLike<number>, returns: ArrayLike<number>): void {
    const N = returns.length;
    if (scores.length !== N * this.size) {
      throw new RangeError(`OptimalBaseline.add: scores must have length N * size = ${N} * ${this.size}, got ${scores.length}`);
    }
    const d = this.decay;
    for (let k = 0; k < this.size; k++) {
      this.num[k] *= d;
      this.den[k] *= d;
      this.quad[k] *= d;
    }
    this.sumReturn *= d;
    this.sumReturn2 *= d;
    this.count *= d;
    for (let i = 0; i < N; i++) {
      const r = returns[i];
      if (!Number.isFinite(r)) throw new RangeError(`OptimalBaseline.add: returns[${i}] is ${r}; expected a finite return`);
      for (let k = 0; k < this.size; k++) {
        const g2 = scores[i * this.size + k] * scores[i * this.size + k];
        this.num[k] += g2 * r;
        this.den[k] += g2;
        this.quad[k] += g2 * g2;
      }
      this.sumReturn += r;
      this.sumReturn2 += r * r;
      this.count++;
    }
  }

  getState(): OptimalBaselineState {
    return {
      num: Array.from(this.num),
      den: Array.from(this.den),
      quad: Array.from(this.quad),
      sumReturn: this.sumReturn,
      sumReturn2: this.sumReturn2,
      count: this.count,
    };
  }

  setState(s: OptimalBaselineState): void {
    const ok = (a: unknown) => Array.isArray(a) && a.length === this.size && a.every(Number.isFinite);
    if (!s || !ok(s.num) || !ok(s.den) || !ok(s.quad) || ![s.sumReturn, s.sumReturn2, s.count].every(Number.isFinite)) {
      throw new RangeError(`OptimalBaseline.setState: expected finite num, den and quad arrays of length ${this.size} and finite sumReturn, sumReturn2, count`);
    }
    this.num.set(s.num);
    this.den.set(s.den);
    this.quad.set(s.quad);
    this.sumReturn = s.sumReturn;
    this.sumReturn2 = s.sumReturn2;
    this.count = s.count;
  }
}
