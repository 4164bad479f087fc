/**
 * NumPy's default generator, emulated: numpy.random.Generator(PCG64(SeedSequence(seed))), with the
 * methods Gymnasium's MuJoCo envs draw from (random, uniform, standard_normal). A seed therefore
 * gives the same reset noise as Gymnasium's `env.reset(seed=...)`.
 *
 * Facts from NumPy (BSD-3-Clause): numpy/random/bit_generator.pyx (SeedSequence: pool of 4 uint32
 * words, hashmix/mix constants), numpy/random/src/pcg64 (PCG XSL-RR 128/64, the 128-bit default
 * multiplier, pcg64_set_seed), numpy/random/src/distributions/distributions.c (next_double = 53
 * high bits, random_uniform = low + range * u, the ziggurat random_standard_normal). Checked draw for
 * draw against NumPy in test/envs/mujoco/numpy-random.test.ts.
 *
 * The 128-bit state is kept as eight 16-bit limbs (every partial product and sum is exact in a
 * double): a draw costs tens of nanoseconds, where BigInt took microseconds (issue 12: Pendulum's
 * two reset draws cost as much as all 200 steps of its episode). Seeding and snapshots use BigInt.
 */
import { FI_DOUBLE_B64, KI_DOUBLE_B64, WI_DOUBLE_B64 } from './ziggurat-tables.ts';

const M32 = 0xffffffffn;
const M128 = (1n << 128n) - 1n;

// SeedSequence constants (bit_generator.pyx).
const INIT_A = 0x43b0d7e5,
  MULT_A = 0x931e8875,
  INIT_B = 0x8b51f9dd,
  MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd,
  MIX_MULT_R = 0x4973f715,
  POOL_SIZE = 4;

/** A non-negative integer seed as little-endian uint32 words (NumPy's _int_to_uint32_array). */
function seedWords(seed: number | bigint): number[] {
  let n = BigInt(seed);
  if (n < 0n) throw new Error(`SeedSequence: the seed must be a non-negative integer, got ${String(seed)}`);
  if (n === 0n) return [0];
  const out: number[] = [];
  while (n > 0n) {
    out.push(Number(n & M32));
    n >>= 32n;
  }
  return out;
}

/** SeedSequence(seed).generate_state(nWords) as uint32 words. */
export function seedSequenceState(seed: number | bigint, nWords: number): Uint32Array {
  const entropy = seedWords(seed);
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    let r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    r = (r ^ (r >>> 16)) >>> 0;
    return r;
  };
  const pool = new Array<number>(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  const out = new Uint32Array(nWords);
  let h = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL_SIZE] ^ h) >>> 0;
    h = Math.imul(h, MULT_B) >>> 0;
    v = Math.imul(v, h) >>> 0;
    out[i] = (v ^ (v >>> 16)) >>> 0;
  }
  return out;
}

/** PCG_DEFAULT_MULTIPLIER_128. */
const PCG_MULT = (2549297995355413924n << 64n) | 4865540595714422341n;

function decode(b64: string, kind: 'u64' | 'f64'): BigUint64Array | Float64Array {
  const bin = typeof atob === 'function' ? atob(b64) : Buffer.from(b64, 'base64').toString('binary');
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const n = bytes.length / 8;
  if (kind === 'u64') {
    const a = new BigUint64Array(n);
    for (let i = 0; i < n; i++) a[i] = view.getBigUint64(8 * i, true);
    return a;
  }
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = view.getFloat64(8 * i, true);
  return a;
}

let tables: { ki: Float64Array; wi: Float64Array; fi: Float64Array } | null = null;
function zigguratTables() {
  if (!tables) {
    // ki values are below 2^53, so they are exact as doubles.
    const ki = Float64Array.from(decode(KI_DOUBLE_B64, 'u64') as BigUint64Array, (x) => Number(x));
    tables = { ki, wi: decode(WI_DOUBLE_B64, 'f64') as Float64Array, fi: decode(FI_DOUBLE_B64, 'f64') as Float64Array };
  }
  return tables;
}
const ZIGGURAT_NOR_R = 3.6541528853610088;
const ZIGGURAT_NOR_INV_R = 0.27366123732975828;

/** The generator state as JSON-safe strings (for env snapshots). */
export interface NumpyGeneratorState {
  state: string;
  inc: string;
}

/** A 128-bit integer as eight 16-bit limbs, least significant first. */
function toLimbs(x: bigint, out: Float64Array): Float64Array {
  for (let k = 0; k < 8; k++) out[k] = Number((x >> BigInt(16 * k)) & 0xffffn);
  return out;
}

function fromLimbs(l: Float64Array): bigint {
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 16n) | BigInt(l[k]);
  return x;
}

const MULT_LIMBS = toLimbs(PCG_MULT, new Float64Array(8));

/** numpy.random.Generator(PCG64(seed)) for the methods the MuJoCo envs use. */
export class NumpyGenerator {
  /** PCG64's state and increment, 16-bit limbs. */
  private readonly s = new Float64Array(8);
  private readonly inc = new Float64Array(8);
  private readonly old = new Float64Array(8);
  /** The last 64-bit output, high and low 32-bit words. */
  private hi32 = 0;
  private lo32 = 0;

  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !(Number.isSafeInteger(seed) && seed >= 0)) {
      throw new Error(`NumpyGenerator: seed must be a non-negative integer, got ${String(seed)}`);
    }
    const w = seedSequenceState(seed, 8);
    // generate_state(4, uint64): little-endian pairs of uint32 words.
    const u64 = (i: number) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i]);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    // pcg_setseq_128_srandom_r
    const inc = ((initSeq << 1n) | 1n) & M128;
    // state = 0; step (state = inc); state += initState; step.
    const state = (((inc + initState) & M128) * PCG_MULT + inc) & M128;
    toLimbs(inc, this.inc);
    toLimbs(state, this.s);
  }

  /** state = state * PCG_MULT + inc (mod 2^128), limb by limb; every sum stays below 2^36. */
  private step(): void {
    const s = this.s,
      a = this.old,
      inc = this.inc,
      m = MULT_LIMBS;
    a.set(s);
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let acc = carry + inc[k];
      for (let i = 0; i <= k; i++) acc += a[i] * m[k - i];
      const limb = (acc >>> 0) & 0xffff; // ToUint32 is exact modulo 2^32 for integers below 2^53
      s[k] = limb;
      carry = (acc - limb) / 65536;
    }
  }

  /** PCG64's next_uint64: the XSL-RR output of the advanced state, into hi32 and lo32. */
  private next(): void {
    this.step();
    const s = this.s;
    const hh = (s[6] + s[7] * 65536) >>> 0,
      hl = (s[4] + s[5] * 65536) >>> 0,
      lh = (s[2] + s[3] * 65536) >>> 0,
      ll = (s[0] + s[1] * 65536) >>> 0;
    // x = hi ^ lo, rotated right by the top 6 bits of the state.
    let xh = (hh ^ lh) >>> 0,
      xl = (hl ^ ll) >>> 0,
      rot = s[7] >>> 10;
    if (rot >= 32) {
      const t = xh;
      xh = xl;
      xl = t;
      rot -= 32;
    }
    if (rot === 0) {
      this.hi32 = xh;
      this.lo32 = xl;
    } else {
      this.hi32 = ((xh >>> rot) | (xl << (32 - rot))) >>> 0;
      this.lo32 = ((xl >>> rot) | (xh << (32 - rot))) >>> 0;
    }
  }

  /** PCG64's next_uint64. */
  nextUint64(): bigint {
    this.next();
    return (BigInt(this.hi32) << 32n) | BigInt(this.lo32);
  }

  /** Generator.random(): a double in [0, 1) from the top 53 bits. */
  random(): number {
    this.next();
    return (this.hi32 * 2097152 + (this.lo32 >>> 11)) * (1.0 / 9007199254740992.0);
  }

  /** Generator.uniform(low, high): low + (high - low) * random(). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Generator.standard_normal(): NumPy's 256-layer ziggurat. */
  standardNormal(): number {
    const { ki, wi, fi } = zigguratTables();
    for (;;) {
      this.next();
      // r = next_uint64: idx = r & 0xff; sign = bit 8; rabs = bits 9..60 (52 bits).
      const idx = this.lo32 & 0xff;
      const sign = (this.lo32 >>> 8) & 1;
      const rabs = (this.hi32 & 0x1fffffff) * 8388608 + (this.lo32 >>> 9);
      let x = rabs * wi[idx];
      if (sign) x = -x;
      if (rabs < ki[idx]) return x;
      if (idx === 0) {
        for (;;) {
          const xx = -ZIGGURAT_NOR_INV_R * Math.log1p(-this.random());
          const yy = -Math.log1p(-this.random());
          if (yy + yy > xx * xx) return Math.floor(rabs / 256) % 2 === 1 ? -(ZIGGURAT_NOR_R + xx) : ZIGGURAT_NOR_R + xx;
        }
      } else if ((fi[idx - 1] - fi[idx]) * this.random() + fi[idx] < Math.exp(-0.5 * x * x)) {
        return x;
      }
    }
  }

  getState(): NumpyGeneratorState {
    return { state: fromLimbs(this.s).toString(16), inc: fromLimbs(this.inc).toString(16) };
  }

  static fromState(s: NumpyGeneratorState): NumpyGenerator {
    const ok = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{1,32}$/.test(v);
    if (!s || !ok(s.state) || !ok(s.inc) || (BigInt('0x' + s.inc) & 1n) === 0n) {
      throw new Error(`NumpyGenerator.fromState: expected { state, inc } as hex strings of 128-bit integers (inc odd), got ${JSON.stringify(s)}`);
    }
    const g = new NumpyGenerator(0);
    toLimbs(BigInt('0x' + s.state), g.s);
    toLimbs(BigInt('0x' + s.inc), g.inc);
    return g;
  }
}
