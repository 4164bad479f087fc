/**
 * A minimal WebAssembly binary emitter: enough of the format (MVP + SIMD128, optional relaxed SIMD)
 * to write small numeric kernels as TypeScript that builds the module's bytes at load time, so no
 * external toolchain is needed to install or run the engine.
 *
 * Encoding facts follow the WebAssembly Core Specification 2.0, section 5 (binary format) and the
 * fixed-width SIMD and relaxed-SIMD proposals' opcode tables.
 */

/** Value types (their binary codes). */
export const Type = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;
export type Type = (typeof Type)[keyof typeof Type];

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`uleb: expected a non-negative integer, got ${n}`);
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const immediates). */
export function sleb(n: number, out: number[] = []): number[] {
  if (!Number.isInteger(n)) throw new RangeError(`sleb: expected an integer, got ${n}`);
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  return Array.from(new TextEncoder().encode(s));
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const SIMD = 0xfd;

/**
 * The body of one function: a stack-machine instruction stream with a method per opcode.
 * Locals are numbered after the parameters; `local(type)` declares one and returns its index.
 */
export class Func {
  readonly code: number[] = [];
  private readonly locals: Type[] = [];
  constructor(
    readonly name: string,
    readonly params: Type[],
    readonly results: Type[] = [],
  ) {}

  local(type: Type): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  private simd(opcode: number, ...imm: number[]): this {
    return this.op(SIMD, ...uleb(opcode), ...imm);
  }
  /** memarg: alignment exponent (a hint only) and a constant byte offset added to the address. */
  private mem(opcode: number, offset: number, align: number, simd: boolean): this {
    const arg = [...uleb(align), ...uleb(offset)];
    return simd ? this.simd(opcode, ...arg) : this.op(opcode, ...arg);
  }

  // Control. Blocks take a closure for their body so nesting mirrors the source.
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** if (pop i32) then ... [else ...] end */
  if(then: () => void, otherwise?: () => void): this {
    this.op(0x04, 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  return(): this {
    return this.op(0x0f);
  }
  /** `if (local < 1) return`: a kernel's guard against an empty count. */
  returnIfBelowOne(local: number): this {
    return this.get(local)
      .i32(1)
      .i32LtS()
      .if(() => this.return());
  }
  select(): this {
    return this.op(0x1b);
  }

  // Locals.
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }

  // i32.
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Shl(): this {
    return this.op(0x74);
  }

  // f32 scalars.
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  f32Load(offset = 0): this {
    return this.mem(0x2a, offset, 2, false);
  }
  f32Store(offset = 0): this {
    return this.mem(0x38, offset, 2, false);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Mul(): this {
    return this.op(0x94);
  }

  // v128 memory and constants.
  v128Load(offset = 0): this {
    return this.mem(0x00, offset, 4, true);
  }
  /** Load one f32 and broadcast it to all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.mem(0x09, offset, 2, true);
  }
  v128Store(offset = 0): this {
    return this.mem(0x0b, offset, 4, true);
  }
  // One method per opcode below, all of the same shape: the names are the WebAssembly spec's.
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Const(v: number): this {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }

  // f32x4 arithmetic and comparisons.
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Min(): this {
    return this.simd(0xe8);
  }
  /** Pseudo-minimum b < a ? b : a (one x86 minps; a NaN in a passes through). */
  f32x4Pmin(): this {
    return this.simd(0xea);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  /** Lane mask of a != b: all ones where either lane is NaN (a NaN test with a == b). */
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  /** Round to nearest, ties to even. */
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  i32x4Sub(): this {
    return this.simd(0xb1);
  }
  /** Shift each lane left by the i32 on top of the stack. */
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  i32x4Const(v: number): this {
    const b = new Uint8Array(new Int32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128AndNot(): this {
    return this.simd(0x4f);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  v128Xor(): this {
    return this.simd(0x51);
  }
  /** bitselect(a, b, mask): bits of a where mask is 1, of b elsewhere. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  /** i8x16.shuffle of the two vectors on the stack by 16 byte indices (0-15 first, 16-31 second). */
  i8x16Shuffle(bytes: number[]): this {
    if (bytes.length !== 16 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 31)) {
      throw new RangeError(`i8x16Shuffle: expected 16 byte indices in [0, 31], got [${bytes}]`);
    }
    return this.simd(0x0d, ...bytes);
  }
  /** Relaxed SIMD a*b+c (fused or not, by platform); only in modules built when it validates. */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }

  /** The code-section entry: local declarations (grouped runs of one type) and the body. */
  encode(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...uleb(j - i), this.locals[i]]);
      i = j;
    }
    const body = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/**
 * A module of exported functions over one exported memory ("memory", defined by the module so
 * the host can grow it). Function types are not deduplicated: modules here hold a handful.
 * With `sharedMaxPages`, the memory is instead imported as env.memory, shared (threads proposal,
 * limits flag 0x03) with that maximum: one memory for the instances of several threads.
 */
export class ModuleBuilder {
  private readonly funcs: Func[] = [];
  constructor(
    private readonly memoryPages = 1,
    private readonly sharedMaxPages?: number,
  ) {}

  func(name: string, params: Type[], results: Type[] = []): Func {
    const f = new Func(name, params, results);
    this.funcs.push(f);
    return f;
  }

  bytes(): Uint8Array<ArrayBuffer> {
    const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
    const types = vec(this.funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]));
    const funcIdx = vec(this.funcs.map((_, i) => uleb(i)));
    const memory = vec([[0x00, ...uleb(this.memoryPages)]]);
    const shared = this.sharedMaxPages;
    const imports =
      shared === undefined
        ? []
        : vec([[...vec(utf8('env').map((b) => [b])), ...vec(utf8('memory').map((b) => [b])), 0x02, 0x03, ...uleb(this.memoryPages), ...uleb(shared)]]);
    const exports = vec([
      [...vec(utf8('memory').map((b) => [b])), 0x02, 0x00],
      ...this.funcs.map((f, i) => [...vec(utf8(f.name).map((b) => [b])), 0x00, ...uleb(i)]),
    ]);
    const code = vec(this.funcs.map((f) => f.encode()));
    return new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00, // magic, version 1
      ...section(1, types),
      ...(shared === undefined ? [] : section(2, imports)),
      ...section(3, funcIdx),
      ...(shared === undefined ? section(5, memory) : []),
      ...section(7, exports),
      ...section(10, code),
    ]);
  }
}
