/**
 * Spaces with Gymnasium's meaning (gymnasium.spaces): the set of valid observations or actions.
 *
 * Value types: Box -> Float32Array (float32) or Float64Array (float64); Discrete -> number;
 * MultiDiscrete -> Int32Array; MultiBinary -> Uint8Array; Tuple -> array; Dict -> plain object.
 * `flatten` follows gymnasium.spaces.utils: Discrete and MultiDiscrete become one-hot vectors,
 * everything else is concatenated in order (Dict keys sorted, as Gymnasium sorts them).
 */
import type { Rng } from '../rng/index.ts';

export type FloatDtype = 'float32' | 'float64';
/** Box dtypes: floats, and uint8 for images (rgb_array frames). */
export type BoxDtype = FloatDtype | 'uint8';
export type FloatArray = Float32Array | Float64Array;
type BoxArray = Float32Array | Float64Array | Uint8Array;

function boxArray(dtype: BoxDtype, n: number): BoxArray {
  return dtype === 'float64' ? new Float64Array(n) : dtype === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
}

export abstract class Space<T = unknown> {
  /** A random element, drawn with `rng` (Gymnasium's sampling distribution for the space). */
  abstract sample(rng: Rng): T;
  /** Whether `x` is an element of the space (right type, shape and bounds). */
  abstract contains(x: unknown): boolean;
  /** Length of the flattened representation. */
  abstract get flatdim(): number;
  /** Write the flat representation of `x` into `out` at `offset` and return `out`. */
  abstract flattenInto(x: T, out: FloatArray, offset?: number): FloatArray;
  /** Inverse of flatten, reading `flat` from `offset`. */
  abstract unflatten(flat: ArrayLike<number>, offset?: number): T;
  abstract toString(): string;

  /** The dtype of flatten's output: float64 when a float64 Box is inside, as flatten_space says. */
  get flatDtype(): FloatDtype {
    return 'float32';
  }

  /** gymnasium.spaces.utils.flatten: a Float64Array for float64 spaces (no precision lost), else a Float32Array. */
  flatten(x: T): FloatArray {
    const n = this.flatdim;
    return this.flattenInto(x, this.flatDtype === 'float64' ? new Float64Array(n) : new Float32Array(n), 0);
  }
}

function isNumArray(x: unknown): x is ArrayLike<number> {
  return ArrayBuffer.isView(x) || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
}

/**
 * NumPy's safe casts (np.can_cast) from a typed array's element type to a Box dtype, by the array's
 * tag (robust across realms): Gymnasium's Box.contains refuses an array that cannot be cast safely,
 * so a float32 Box holds no Int32Array or Float64Array. MultiDiscrete (int64) takes integer arrays.
 */
const SAFE_CASTS: Record<BoxDtype | 'int64', ReadonlySet<string>> = {
  float32: new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Float16Array', 'Float32Array']),
  float64: new Set([
    'Int8Array',
    'Uint8Array',
    'Uint8ClampedArray',
    'Int16Array',
    'Uint16Array',
    'Int32Array',
    'Uint32Array',
    'Float16Array',
    'Float32Array',
    'Float64Array',
  ]),
  uint8: new Set(['Uint8Array', 'Uint8ClampedArray']),
  int64: new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array']),
};

/** Whether a typed array's elements cast safely to `dtype`; plain arrays are cast by the space (np.asarray(x, dtype)). */
function castsSafely(x: ArrayLike<number>, dtype: BoxDtype | 'int64'): boolean {
  if (!ArrayBuffer.isView(x)) return true;
  return SAFE_CASTS[dtype].has(Object.prototype.toString.call(x).slice(8, -1));
}

function fmtNum(v: number): string {
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
}

/** Standard exponential draw (for half-bounded Box dimensions, as Gymnasium samples them). */
function exponential(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.random();
  return -Math.log(u);
}

/**
 * Continuous box: every element within [low[i], high[i]]. `T` is the value type the env uses
 * (Float32Array for float32 observations; envs may also accept number[] actions).
 */
export class Box<T extends ArrayLike<number> = FloatArray> extends Space<T> {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];
  readonly dtype: BoxDtype;
  readonly size: number;

  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], dtype: BoxDtype = 'float32') {
    super();
    const inferred = typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined;
    const sh = shape ?? inferred;
    if (!sh || sh.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`Box: shape must be a list of non-negative integers (or implied by low/high), got ${JSON.stringify(shape)}`);
    }
    this.shape = [...sh];
    this.size = sh.reduce((a, b) => a * b, 1);
    this.dtype = dtype;
    // Bounds are kept as float64 holding values of the dtype (float32-rounded for float32, as NumPy casts them).
    const cast = dtype === 'float32' ? Math.fround : (x: number) => x;
    const fill = (v: number | ArrayLike<number>, name: string): Float64Array => {
      if (typeof v !== 'number' && v.length !== this.size) {
        throw new Error(`Box: ${name} has length ${v.length} but shape ${JSON.stringify(sh)} needs ${this.size}`);
      }
      const out = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) out[i] = cast(typeof v === 'number' ? v : v[i]);
      return out;
    };
    this.low = fill(low, 'low');
    this.high = fill(high, 'high');
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i] <= this.high[i])) {
        throw new Error(`Box: low[${i}]=${this.low[i]} must be <= high[${i}]=${this.high[i]}`);
      }
    }
  }

  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    return true;
  }

  /** Gymnasium's Box.sample: uniform if bounded, normal if unbounded, shifted exponential if half-bounded. */
  sample(rng: Rng): T {
    const out = boxArray(this.dtype, this.size);
    const isInt = this.dtype === 'uint8';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i],
        hi = this.high[i];
      const loF = Number.isFinite(lo),
        hiF = Number.isFinite(hi);
      let v: number;
      if (loF && hiF) v = isInt ? lo + rng.int(hi - lo + 1) : rng.uniform(lo, hi);
      else if (loF) v = lo + exponential(rng);
      else if (hiF) v = hi - exponential(rng);
      else v = rng.normal();
      out[i] = isInt ? Math.floor(v) : v;
      // Rounding to float32 may step just outside the bounds; clamp back in.
      if (out[i] > hi) out[i] = hi;
      if (out[i] < lo) out[i] = lo;
    }
    return out as unknown as T;
  }

  /**
   * Gymnasium's Box.contains: a typed array must cast safely to the dtype (np.can_cast); a plain
   * array is first cast to the dtype (float32 values rounded) and then compared with the bounds.
   */
  contains(x: unknown): boolean {
    if (!isNumArray(x) || x.length !== this.size) return false;
    if (this.dtype === 'uint8' && !ArrayBuffer.isView(x)) return false;
    if (!castsSafely(x, this.dtype)) return false;
    const cast = this.dtype === 'float32' && !ArrayBuffer.isView(x) ? Math.fround : null;
    for (let i = 0; i < this.size; i++) {
      const v = cast ? cast(x[i]) : x[i];
      if (!(v >= this.low[i] && v <= this.high[i])) return false;
    }
    return true;
  }

  override get flatDtype(): FloatDtype {
    return this.dtype === 'float64' ? 'float64' : 'float32';
  }

  get flatdim(): number {
    return this.size;
  }

  flattenInto(x: T, out: FloatArray, offset = 0): FloatArray {
    for (let i = 0; i < this.size; i++) out[offset + i] = x[i];
    return out;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): T {
    const out = boxArray(this.dtype, this.size);
    for (let i = 0; i < this.size; i++) out[i] = flat[offset + i];
    return out as unknown as T;
  }

  toString(): string {
    const allSame = (a: Float64Array) => a.every((v) => v === a[0]);
    const show = (a: Float64Array) => (allSame(a) && this.size > 0 ? fmtNum(a[0]) : `[${Array.from(a, fmtNum).join(', ')}]`);
    return `Box(${show(this.low)}, ${show(this.high)}, (${this.shape.join(', ')}${this.shape.length === 1 ? ',' : ''}), ${this.dtype})`;
  }
}

/** Integers {start, ..., start + n - 1}. */
export class Discrete extends Space<number> {
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Discrete: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(start)) throw new Error(`Discrete: start must be an integer, got ${start}`);
  }
  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }
  contains(x: unknown): boolean {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }
  get flatdim(): number {
    return this.n;
  }
  flattenInto(x: number, out: FloatArray, offset = 0): FloatArray {
    for (let i = 0; i < this.n; i++) out[offset + i] = 0;
    out[offset + x - this.start] = 1;
    return out;
  }
  unflatten(flat: ArrayLike<number>, offset = 0): number {
    for (let i = 0; i < this.n; i++) if (flat[offset + i] !== 0) return this.start + i;
    throw new Error(`Discrete.unflatten: no non-zero entry in the one-hot slice at offset ${offset}`);
  }
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A vector of independent discrete values, element i in {start[i], ..., start[i] + nvec[i] - 1}. */
export class MultiDiscrete extends Space<Int32Array> {
  readonly nvec: Int32Array;
  readonly start: Int32Array;
  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super();
    this.nvec = Int32Array.from(nvec);
    this.start = start ? Int32Array.from(start) : new Int32Array(this.nvec.length);
    if (Array.from(this.nvec).some((n) => n <= 0) || this.start.length !== this.nvec.length) {
      throw new Error(`MultiDiscrete: nvec must be positive and start the same length, got nvec=[${Array.from(nvec)}]`);
    }
  }
  sample(rng: Rng): Int32Array {
    return this.nvec.map((n, i) => this.start[i] + rng.int(n));
  }
  /** Gymnasium's MultiDiscrete.contains: integer values in range, and a typed array of an integer type (np.can_cast to int64). */
  contains(x: unknown): boolean {
    if (!isNumArray(x) || x.length !== this.nvec.length || !castsSafely(x, 'int64')) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isInteger(v) || v < this.start[i] || v >= this.start[i] + this.nvec[i]) return false;
    }
    return true;
  }
  get flatdim(): number {
    return this.nvec.reduce((a, b) => a + b, 0);
  }
  flattenInto(x: Int32Array, out: FloatArray, offset = 0): FloatArray {
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      for (let j = 0; j < this.nvec[i]; j++) out[o + j] = 0;
      out[o + x[i] - this.start[i]] = 1;
      o += this.nvec[i];
    }
    return out;
  }
  unflatten(flat: ArrayLike<number>, offset = 0): Int32Array {
    const out = new Int32Array(this.nvec.length);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      let k = 0;
      while (k < this.nvec[i] && flat[o + k] === 0) k++;
      out[i] = this.start[i] + k;
      o += this.nvec[i];
    }
    return out;
  }
  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(', ')}])`;
  }
}

// Same shape as Box's contains/flatten methods: each space implements Space's interface for its own values.
/** Binary vectors of length n. */
export class MultiBinary extends Space<Uint8Array> {
  constructor(readonly n: number) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new Error(`MultiBinary: n must be a positive integer, got ${n}`);
  }
  sample(rng: Rng): Uint8Array {
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = rng.int(2);
    return out;
  }
  contains(x: unknown): boolean {
    if (!isNumArray(x) || x.length !== this.n) return false;
    for (let i = 0; i < this.n; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }
  get flatdim(): number {
    return this.n;
  }
  flattenInto(x: Uint8Array, out: FloatArray, offset = 0): FloatArray {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i];
    return out;
  }
  unflatten(flat: ArrayLike<number>, offset = 0): Uint8Array {
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = flat[offset + i] ? 1 : 0;
    return out;
  }
  toString(): string {
    return `MultiBinary(${this.n})`;
  }
}

/** A fixed-length tuple of spaces. */
export class Tuple extends Space<unknown[]> {
  readonly spaces: readonly Space[];
  constructor(spaces: readonly Space[]) {
    super();
    this.spaces = [...spaces];
  }
  sample(rng: Rng): unknown[] {
    return this.spaces.map((s) => s.sample(rng));
  }
  contains(x: unknown): boolean {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]));
  }
  get flatdim(): number {
    return this.spaces.reduce((a, s) => a + s.flatdim, 0);
  }
  override get flatDtype(): FloatDtype {
    return this.spaces.some((s) => s.flatDtype === 'float64') ? 'float64' : 'float32';
  }
  flattenInto(x: unknown[], out: FloatArray, offset = 0): FloatArray {
    let o = offset;
    this.spaces.forEach((s, i) => {
      s.flattenInto(x[i], out, o);
      o += s.flatdim;
    });
    return out;
  }
  unflatten(flat: ArrayLike<number>, offset = 0): unknown[] {
    let o = offset;
    return this.spaces.map((s) => {
      const v = s.unflatten(flat, o);
      o += s.flatdim;
      return v;
    });
  }
  toString(): string {
    return `Tuple(${this.spaces.map(String).join(', ')})`;
  }
}

/** Named sub-spaces; keys are sorted, as Gymnasium's Dict sorts a mapping's keys. */
export class Dict extends Space<Record<string, unknown>> {
  readonly spaces: Readonly<Record<string, Space>>;
  readonly keys: readonly string[];
  constructor(spaces: Record<string, Space>) {
    super();
    this.keys = Object.keys(spaces).sort();
    this.spaces = Object.fromEntries(this.keys.map((k) => [k, spaces[k]]));
  }
  sample(rng: Rng): Record<string, unknown> {
    return Object.fromEntries(this.keys.map((k) => [k, this.spaces[k].sample(rng)]));
  }
  contains(x: unknown): boolean {
    if (typeof x !== 'object' || x === null) return false;
    const o = x as Record<string, unknown>;
    return Object.keys(o).length === this.keys.length && this.keys.every((k) => k in o && this.spaces[k].contains(o[k]));
  }
  get flatdim(): number {
    return this.keys.reduce((a, k) => a + this.spaces[k].flatdim, 0);
  }
  override get flatDtype(): FloatDtype {
    return this.keys.some((k) => this.spaces[k].flatDtype === 'float64') ? 'float64' : 'float32';
  }
  flattenInto(x: Record<string, unknown>, out: FloatArray, offset = 0): FloatArray {
    let o = offset;
    for (const k of this.keys) {
      this.spaces[k].flattenInto(x[k], out, o);
      o += this.spaces[k].flatdim;
    }
    return out;
  }
  unflatten(flat: ArrayLike<number>, offset = 0): Record<string, unknown> {
    let o = offset;
    const out: Record<string, unknown> = {};
    for (const k of this.keys) {
      out[k] = this.spaces[k].unflatten(flat, o);
      o += this.spaces[k].flatdim;
    }
    return out;
  }
  toString(): string {
    return `Dict(${this.keys.map((k) => `'${k}': ${this.spaces[k]}`).join(', ')})`;
  }
}

/** gymnasium.spaces.utils.flatdim */
export function flatdim(space: Space): number {
  return space.flatdim;
}

/** gymnasium.spaces.utils.flatten: flatdim(space) numbers, a Float64Array when flattenSpace(space) is float64, else a Float32Array. */
export function flatten<T>(space: Space<T>, x: T): FloatArray {
  return space.flatten(x);
}

/** gymnasium.spaces.utils.unflatten */
export function unflatten<T>(space: Space<T>, flat: ArrayLike<number>): T {
  return space.unflatten(flat, 0);
}

/** gymnasium.spaces.utils.flatten_space: the Box holding the flattened elements of `space`. */
export function flattenSpace(space: Space): Box {
  if (space instanceof Box) return new Box(space.low, space.high, [space.size], space.dtype === 'float64' ? 'float64' : 'float32');
  if (space instanceof Discrete || space instanceof MultiDiscrete || space instanceof MultiBinary) {
    return new Box(0, 1, [space.flatdim], 'float32');
  }
  if (space instanceof Tuple || space instanceof Dict) {
    const parts = space instanceof Tuple ? space.spaces : space.keys.map((k) => space.spaces[k]);
    const boxes = parts.map(flattenSpace);
    const low = boxes.flatMap((b) => Array.from(b.low));
    const high = boxes.flatMap((b) => Array.from(b.high));
    const dtype = boxes.some((b) => b.dtype === 'float64') ? 'float64' : 'float32';
    return new Box(low, high, [low.length], dtype);
  }
  throw new Error(`flattenSpace: unsupported space ${String(space)}`);
}

/**
 * The flat Box a Dict flattens to (what FlattenObservation makes of a Dict env), remembering the
 * Dict: vector envs and rollouts hold flat float rows, and a policy with one encoder per key (a CNN
 * for an image, an MLP for a vector; SB3's MultiInputPolicy) splits each row again at `offsets`
 * (keys in the Dict's sorted order, as spaces.flatten lays them out).
 */
export class FlatDictBox extends Box<Float32Array> {
  /** Where each key's numbers start in a flat row. */
  readonly offsets: Readonly<Record<string, number>>;
  constructor(readonly dict: Dict) {
    const flat = flattenSpace(dict);
    super(flat.low, flat.high, flat.shape, 'float32');
    const offsets: Record<string, number> = {};
    let o = 0;
    for (const k of dict.keys) {
      offsets[k] = o;
      o += dict.spaces[k].flatdim;
    }
    this.offsets = offsets;
  }
  override toString(): string {
    return `${super.toString()} flattened from ${this.dict.toString()}`;
  }
}
