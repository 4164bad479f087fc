/**
 * A minimal protocol-buffers writer: enough of the wire format to encode ONNX models (varints,
 * length-delimited fields, packed repeated int64s; tensors go in as raw bytes). An exporter only
 * encodes, so nothing here parses. Wire format: https://protobuf.dev/programming-guides/encoding/
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

const utf8 = new TextEncoder();

/** Builds one message; nested messages are written by `message(field, build)`. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned or two's-complement varint of an integer in the safe range (negatives as 10 bytes, as protobuf's int64). */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** int32 / int64 / enum field. */
  int(field: number, v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`protobuf: field ${field} needs an integer, got ${v}`);
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** Packed repeated int64. */
  int64s(field: number, values: ArrayLike<number>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) w.varint(values[i]);
    return this.bytes(field, w.finish());
  }

  /** A nested message. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  /** The encoded message (a copy); the writer is left empty. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.buf = new Uint8Array(256);
    this.pos = 0;
    return out;
  }
}
