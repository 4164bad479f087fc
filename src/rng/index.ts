/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna, 2018), seeded through SplitMix32.
 *
 * Every random draw in the library takes an explicit `Rng` so that a seed fixes a run bit for bit.
 * 32-bit arithmetic only (no BigInt), so it is fast in every JS engine. `split()` derives an
 * independent stream; `getState()`/`setState()` make checkpoints exact.
 */

export interface RngState {
  /** Four 32-bit words of xoshiro128** state. */
  s: [number, number, number, number];
  /** The second Box-Muller normal, kept between calls (null when none is cached). */
  spare: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`Rng: seed must be an integer, got ${String(seed)}`);
  }
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** A generator for `seed`; `stream` selects one of many independent streams for the same seed. */
  constructor(seed = 0, stream = 0) {
    checkSeed(seed);
    checkSeed(stream);
    // Mix the full (possibly > 32-bit) seed and the stream into the SplitMix32 seed.
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) | 0;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n) without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal draw (Box-Muller; the second value is cached and part of the state). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn from unnormalised non-negative weights `p[offset .. offset+n)`. */
  categorical(p: ArrayLike<number>, offset = 0, n = p.length - offset): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += p[offset + i];
    if (!(total > 0) || !Number.isFinite(total)) {
      throw new RangeError(`Rng.categorical: weights must be finite, non-negative and not all zero (sum ${total})`);
    }
    let u = this.random() * total;
    for (let i = 0; i < n; i++) {
      u -= p[offset + i];
      if (u < 0) return i;
    }
    // Rounding left u >= 0: return the last index with positive weight.
    for (let i = n - 1; i >= 0; i--) if (p[offset + i] > 0) return i;
    return n - 1;
  }

  /** Fill `out` with standard normals. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fill `out` with uniforms in [low, high). */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** An independent child stream; advances this generator by four draws. */
  split(): Rng {
    const child = Object.create(Rng.prototype) as Rng;
    const sm = splitmix32(this.nextUint32() ^ rotl(this.nextUint32(), 16));
    const extra = splitmix32(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b1));
    child.s0 = sm() ^ extra();
    child.s1 = sm() ^ extra();
    child.s2 = sm() ^ extra();
    child.s3 = sm() ^ extra();
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    child.spare = null;
    return child;
  }

  getState(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  setState(state: RngState): void {
    if (!state || !Array.isArray(state.s) || state.s.length !== 4 || state.s.some((w) => !Number.isInteger(w))) {
      throw new TypeError(`Rng.setState: expected { s: [4 uint32 words], spare }, got ${JSON.stringify(state)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w >>> 0);
    this.spare = state.spare ?? null;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
