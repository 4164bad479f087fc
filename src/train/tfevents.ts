/**
 * TensorBoard event files, encoded by hand (browser-safe). A file is a sequence of TFRecords:
 *
 *   uint64 length (LE) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
 *
 * with masked_crc = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h),
 * and each record's data an Event protocol buffer (tensorflow/core/util/event.proto):
 *
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 *
 * The first event of a file carries file_version "brain.Event:2", as TensorBoard's writers do.
 */

/**
 * Slicing-by-8 tables (Kounavis and Berry, "A Systematic Approach to Building High Performance
 * Software-Based CRC Generators", 2005): T[0] is the bytewise table of the reflected polynomial
 * 0x82f63b78, T[k][n] = (T[k-1][n] >>> 8) ^ T[0][T[k-1][n] & 0xff]. Eight bytes per step: ~5x the
 * bytewise loop's speed, which cost ~2 us per progress row's event (issue 12).
 */
const CRC32C_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++)
    for (let n = 0; n < 256; n++) {
      const p = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (p >>> 8) ^ t[p & 0xff];
    }
  return t;
})();

/** CRC-32C (Castagnoli) of bytes[start, end). */
function crc32cRange(bytes: Uint8Array, start: number, end: number): number {
  const t = CRC32C_TABLES;
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32C (Castagnoli), the checksum TFRecord uses. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cRange(bytes, 0, bytes.length);
}

const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

export function maskedCrc32c(bytes: Uint8Array): number {
  return mask(crc32c(bytes));
}

/** Growable byte buffer with protobuf wire-format writers. */
class ProtoWriter {
  private buf = new Uint8Array(512);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  varint(v: number | bigint): void {
    // Tags, lengths and steps are small non-negative integers: plain arithmetic, the same bytes as
    // the BigInt path below (which cost ~50 us per progress row, more than a small update's write).
    if (typeof v === 'number' && v >= 0 && Number.isSafeInteger(v)) {
      while (v >= 128) {
        this.byte((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      this.byte(v);
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      this.byte(b);
    } while (x);
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }
  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();
/** Encoded scalar tags: the same few dozen names in every record. */
const tagBytes = new Map<string, Uint8Array>();
const encodeTag = (tag: string): Uint8Array => {
  let b = tagBytes.get(tag);
  if (!b) {
    b = utf8.encode(tag);
    if (tagBytes.size < 1024) tagBytes.set(tag, b);
  }
  return b;
};

export interface TfEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: Record<string, number>;
}

/**
 * The writer every encodeEvent reuses (encoding is synchronous): a new 512-byte buffer and DataView
 * per progress row cost more than the encoding itself (issue 12).
 */
const scratch = new ProtoWriter();

export function encodeEvent(e: TfEvent): Uint8Array {
  const w = scratch;
  w.length = 0;
  w.double(1, e.wallTime);
  w.tag(2, 0);
  w.varint(e.step);
  if (e.fileVersion !== undefined) w.bytes(3, utf8.encode(e.fileVersion));
  if (e.scalars) {
    // Sizes first, then one pass into one buffer: a writer per Value cost ~2 us per scalar.
    const scalars = e.scalars;
    let summaryLen = 0;
    for (const tag in scalars) {
      const v = valueLength(encodeTag(tag));
      summaryLen += 1 + varintLength(v) + v;
    }
    w.tag(5, 2);
    w.varint(summaryLen);
    for (const tag in scalars) {
      const t = encodeTag(tag);
      w.tag(1, 2); // Summary.value
      w.varint(valueLength(t));
      w.bytes(1, t); // Value.tag
      w.float(2, scalars[tag]); // Value.simple_value
    }
  }
  return w.finish();
}

/** Bytes of a Summary.Value of this tag: the tag field (key, length, bytes) and the float field (key, 4 bytes). */
const valueLength = (tag: Uint8Array) => 1 + varintLength(tag.length) + tag.length + 5;

/** Bytes of a non-negative integer's varint. */
function varintLength(n: number): number {
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

/** One TFRecord around `data`. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const dv = new DataView(out.buffer);
  // uint64 little-endian as two uint32 halves (no BigInt per record).
  dv.setUint32(0, data.length % 2 ** 32, true);
  dv.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Split a TFRecord file into records, checking both CRCs of each; throws on any damage. */
export function parseRecords(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) throw new Error(`TFRecord: truncated header at byte ${p}`);
    const len = Number(dv.getBigUint64(p, true));
    if (dv.getUint32(p + 8, true) !== maskedCrc32c(bytes.subarray(p, p + 8))) throw new Error(`TFRecord: length CRC mismatch at byte ${p}`);
    if (p + 12 + len + 4 > bytes.length) throw new Error(`TFRecord: truncated record at byte ${p}`);
    const data = bytes.subarray(p + 12, p + 12 + len);
    if (dv.getUint32(p + 12 + len, true) !== maskedCrc32c(data)) throw new Error(`TFRecord: data CRC mismatch at byte ${p}`);
    out.push(data);
    p += 16 + len;
  }
  return out;
}

/** Decode the subset of Event this module writes (unknown fields are skipped). */
export function decodeEvent(data: Uint8Array): TfEvent {
  const e: TfEvent = { wallTime: 0, step: 0 };
  const dec = new TextDecoder();
  for (const f of fields(data)) {
    if (f.field === 1 && f.wire === 1) e.wallTime = f.dv!.getFloat64(0, true);
    else if (f.field === 2 && f.wire === 0) e.step = Number(BigInt.asIntN(64, f.int!));
    else if (f.field === 3 && f.wire === 2) e.fileVersion = dec.decode(f.bytes);
    else if (f.field === 5 && f.wire === 2) {
      e.scalars = {};
      for (const v of fields(f.bytes!)) {
        if (v.field !== 1 || v.wire !== 2) continue;
        let tag = '',
          value = NaN;
        for (const x of fields(v.bytes!)) {
          if (x.field === 1 && x.wire === 2) tag = dec.decode(x.bytes);
          else if (x.field === 2 && x.wire === 5) value = x.dv!.getFloat32(0, true);
        }
        e.scalars[tag] = value;
      }
    }
  }
  return e;
}

interface Field {
  field: number;
  wire: number;
  int?: bigint;
  bytes?: Uint8Array;
  dv?: DataView;
}

function* fields(b: Uint8Array): Generator<Field> {
  let p = 0;
  const varint = (): bigint => {
    let x = 0n,
      shift = 0n;
    for (;;) {
      if (p >= b.length) throw new Error('protobuf: truncated varint');
      const byte = b[p++];
      x |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return x;
      shift += 7n;
    }
  };
  const slice = (n: number) => {
    if (p + n > b.length) throw new Error('protobuf: truncated field');
    const s = b.subarray(p, p + n);
    p += n;
    return s;
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >>> 3,
      wire = key & 7;
    if (wire === 0) yield { field, wire, int: varint() };
    else if (wire === 1) {
      const s = slice(8);
      yield { field, wire, bytes: s, dv: new DataView(s.buffer, s.byteOffset, 8) };
    } else if (wire === 2) {
      const s = slice(Number(varint()));
      yield { field, wire, bytes: s };
    } else if (wire === 5) {
      const s = slice(4);
      yield { field, wire, bytes: s, dv: new DataView(s.buffer, s.byteOffset, 4) };
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

/** Event-file bytes for a run's scalars at one step: the records to append. */
export function scalarRecord(step: number, scalars: Record<string, number>, wallTime: number): Uint8Array {
  return frameRecord(encodeEvent({ wallTime, step, scalars }));
}

export function fileVersionRecord(wallTime: number): Uint8Array {
  return frameRecord(encodeEvent({ wallTime, step: 0, fileVersion: 'brain.Event:2' }));
}

/**
 * How many leading bytes of an event file to keep so that it holds only whole records of steps
 * <= maxStep: the cut is at the first record that is damaged or cut short (a process killed
 * mid-append) or whose event is past maxStep (logged after the checkpoint a resumed run
 * continues from, and logged again by it). Records within one file are in step order.
 */
export function eventBytesUpTo(bytes: Uint8Array, maxStep: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  while (p + 12 <= bytes.length) {
    const len = Number(dv.getBigUint64(p, true));
    if (dv.getUint32(p + 8, true) !== maskedCrc32c(bytes.subarray(p, p + 8)) || p + 16 + len > bytes.length) break;
    const data = bytes.subarray(p + 12, p + 12 + len);
    if (dv.getUint32(p + 12 + len, true) !== maskedCrc32c(data)) break;
    let step: number;
    try {
      step = decodeEvent(data).step;
    } catch {
      break;
    }
    if (step > maxStep) break;
    p += 16 + len;
  }
  return p;
}

/**
 * The records scalarRecord makes for many rows at once, into one buffer: row r's values are
 * values[r * stride + j] for the columns j, logged under tags[j] (null: not a scalar, like steps)
 * when finite; its step is values[r * stride + stepCol] (0 when stepCol < 0 or the value is not
 * finite) and its wall time wallTimes[r]. Sizes first, then one pass: no buffer per row (issue 12).
 * The per-row work is in small functions: called once a second, a large one cost more in
 * TurboFan recompiles than the encoding.
 */
export function encodeScalarRows(
  tags: (string | null)[],
  values: Float64Array,
  stride: number,
  rows: number,
  stepCol: number,
  wallTimes: Float64Array,
): Uint8Array {
  // Per column: Summary.value's key and length, then Value.tag's key, length and bytes (the float follows); empty: not logged.
  const prefix = tags.map((t) => {
    if (t === null) return new Uint8Array(0);
    const b = encodeTag(t);
    const w = new ProtoWriter();
    w.tag(1, 2);
    w.varint(valueLength(b));
    w.bytes(1, b);
    return w.finish();
  });
  const summaryLen = new Float64Array(rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    summaryLen[r] = summaryLength(prefix, values, r * stride);
    total += recordLength(stepOf(values, r * stride, stepCol), summaryLen[r]);
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * stride,
      step = stepOf(values, base, stepCol);
    let len: number;
    if (step >= 0 && Number.isSafeInteger(step)) len = writeEvent(out, dv, o + 12, wallTimes[r], step, summaryLen[r], prefix, values, base) - (o + 12);
    else {
      // An unusual step (negative, fractional, huge): encodeEvent's general varint.
      const scalars: Record<string, number> = {};
      for (let j = 0; j < stride; j++) if (tags[j] !== null && Number.isFinite(values[base + j])) scalars[tags[j]!] = values[base + j];
      const data = encodeEvent({ wallTime: wallTimes[r], step, scalars });
      out.set(data, o + 12);
      len = data.length;
    }
    frame(out, dv, o, len);
    o += 16 + len;
  }
  return o === total ? out : out.slice(0, o);
}

function stepOf(values: Float64Array, base: number, stepCol: number): number {
  const s = stepCol >= 0 ? values[base + stepCol] : 0;
  return Number.isFinite(s) ? s : 0;
}

/** Bytes of a row's Summary: a Value (prefix, float key, 4 bytes) per logged finite value. */
function summaryLength(prefix: Uint8Array[], values: Float64Array, base: number): number {
  let len = 0;
  for (let j = 0; j < prefix.length; j++) if (prefix[j].length && Number.isFinite(values[base + j])) len += prefix[j].length + 5;
  return len;
}

/** Bytes of a framed record (room for a 10-byte step when encodeEvent's general path takes it). */
function recordLength(step: number, summaryLen: number): number {
  const stepLen = step >= 0 && Number.isSafeInteger(step) ? varintLength(step) : 10;
  return 16 + 9 + 1 + stepLen + 1 + varintLength(summaryLen) + summaryLen;
}

/** An Event (wall_time, step, summary) written at `p`; returns its end. The same bytes as encodeEvent. */
function writeEvent(
  out: Uint8Array,
  dv: DataView,
  p: number,
  wallTime: number,
  step: number,
  summaryLen: number,
  prefix: Uint8Array[],
  values: Float64Array,
  base: number,
): number {
  out[p++] = 0x09; // wall_time, 64-bit
  dv.setFloat64(p, wallTime, true);
  p += 8;
  out[p++] = 0x10; // step, varint
  p = putVarint(out, p, step);
  out[p++] = 0x2a; // summary, length-delimited
  p = putVarint(out, p, summaryLen);
  for (let j = 0; j < prefix.length; j++) {
    const x = values[base + j];
    if (prefix[j].length === 0 || !Number.isFinite(x)) continue;
    // A loop, not out.set: set() costs ~50 ns a call, more than copying a short tag.
    const pre = prefix[j];
    for (let q = 0; q < pre.length; q++) out[p++] = pre[q];
    out[p++] = 0x15; // simple_value, 32-bit
    dv.setFloat32(p, x, true);
    p += 4;
  }
  return p;
}

/** The TFRecord frame around the `len` data bytes at o + 12: length, its masked CRC, the data's masked CRC. */
function frame(out: Uint8Array, dv: DataView, o: number, len: number): void {
  dv.setUint32(o, len % 2 ** 32, true);
  dv.setUint32(o + 4, Math.floor(len / 2 ** 32), true);
  dv.setUint32(o + 8, mask(crc32cRange(out, o, o + 8)), true);
  dv.setUint32(o + 12 + len, mask(crc32cRange(out, o + 12, o + 12 + len)), true);
}

function putVarint(out: Uint8Array, p: number, v: number): number {
  while (v >= 128) {
    out[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return p;
}
