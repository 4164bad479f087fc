/**
 * A small animated-GIF encoder (GIF89a, one global palette, LZW as in the GIF89a specification,
 * section 22 and appendix F): enough for rendered episodes of the classic-control envs, whose frames
 * use a handful of colours. Frames with more than 256 distinct colours are quantised to 3-3-2 RGB.
 */
import type { RgbFrame } from '../../envs/index.ts';
import { concatBytes } from '../bytes.ts';

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  push(...bytes: number[]): void {
    for (const b of bytes) this.byte(b);
  }
  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >> 8) & 0xff);
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** The 3-3-2 RGB cube: the palette of frames with more than 256 colours. */
const CUBE = (() => {
  const p = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) p.set([Math.round(((i >> 5) * 255) / 7), Math.round((((i >> 2) & 7) * 255) / 7), Math.round(((i & 3) * 255) / 3)], i * 3);
  return p;
})();
const cubeIndex = (r: number, g: number, b: number) => (((r * 7 + 127) / 255) << 5) | (((g * 7 + 127) / 255) << 2) | ((b * 3 + 127) / 255);

/** LZW-compress palette indices with 8-bit symbols into GIF data sub-blocks. */
export function lzwEncode(indices: Uint8Array, minCodeSize = 8): Uint8Array {
  const out = new ByteSink();
  const clear = 1 << minCodeSize,
    eoi = clear + 1;
  let size = minCodeSize + 1,
    next = eoi + 1;
  let table = new Map<number, number>();
  let acc = 0,
    nbits = 0;
  const block: number[] = [];
  const flushBlock = () => {
    if (block.length) {
      out.byte(block.length);
      out.push(...block);
      block.length = 0;
    }
  };
  const emit = (code: number) => {
    acc |= code << nbits;
    nbits += size;
    while (nbits >= 8) {
      block.push(acc & 0xff);
      if (block.length === 255) flushBlock();
      acc >>>= 8;
      nbits -= 8;
    }
  };
  emit(clear);
  let prefix = indices.length ? indices[0] : -1;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = (prefix << 8) | k;
    const code = table.get(key);
    if (code !== undefined) {
      prefix = code;
      continue;
    }
    emit(prefix);
    if (next === 4096) {
      // Dictionary full: start over (the decoder resets on the clear code).
      emit(clear);
      table = new Map();
      size = minCodeSize + 1;
      next = eoi + 1;
    } else {
      if (next >= 1 << size) size++;
      table.set(key, next++);
    }
    prefix = k;
  }
  if (prefix >= 0) emit(prefix);
  emit(eoi);
  if (nbits > 0) block.push(acc & 0xff);
  flushBlock();
  out.byte(0);
  return out.finish();
}

export interface GifOptions {
  /** Delay between frames in hundredths of a second. */
  delayCs?: number;
  /** 0 = loop forever. */
  loop?: number;
}

/**
 * A GIF written frame by frame: each frame is mapped to palette indices and LZW-compressed as it is
 * added, so only the compressed bytes are kept (a 500-frame 600x400 episode is 360 MB of RGB but
 * well under 1 MB of GIF). The global palette collects the exact colours of the frames as they come;
 * a frame whose new colours would overflow its 256 entries is written with a local colour table of
 * the 3-3-2 cube instead (GIF89a section 20), and so is every frame after it.
 */
export class GifWriter {
  private readonly colors = new Map<number, number>();
  private cube = false;
  private readonly chunks: Uint8Array[] = [];
  private readonly idx: Uint8Array;
  frames = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly opts: GifOptions = {},
  ) {
    this.idx = new Uint8Array(width * height);
  }

  /** Encode one frame now; the caller may reuse `f.data` afterwards. */
  addFrame(f: RgbFrame): void {
    if (f.width !== this.width || f.height !== this.height) {
      throw new RangeError(`GifWriter: frames must share one size, got ${f.width}x${f.height} and ${this.width}x${this.height}`);
    }
    const d = f.data,
      idx = this.idx;
    if (!this.cube) {
      // New colours of this frame, added only if they all fit.
      const added: number[] = [];
      for (let i = 0; i < d.length; i += 3) {
        const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        if (!this.colors.has(key)) {
          if (this.colors.size === 256) {
            for (const k of added) this.colors.delete(k);
            this.cube = true;
            break;
          }
          this.colors.set(key, this.colors.size);
          added.push(key);
        }
      }
    }
    const s = new ByteSink();
    s.push(0x21, 0xf9, 0x04, 0x00);
    s.u16(this.opts.delayCs ?? 4);
    s.push(0x00, 0x00);
    s.byte(0x2c);
    s.u16(0);
    s.u16(0);
    s.u16(this.width);
    s.u16(this.height);
    if (this.cube) {
      s.byte(0x87); // local colour table of 2^(7+1) entries
      for (const b of CUBE) s.byte(b);
      for (let p = 0, i = 0; p < idx.length; p++, i += 3) idx[p] = cubeIndex(d[i], d[i + 1], d[i + 2]);
    } else {
      s.byte(0);
      const colors = this.colors;
      for (let p = 0, i = 0; p < idx.length; p++, i += 3) idx[p] = colors.get((d[i] << 16) | (d[i + 1] << 8) | d[i + 2])!;
    }
    s.byte(8);
    this.chunks.push(s.finish(), lzwEncode(idx, 8));
    this.frames++;
  }

  /** The whole file: header, the global palette of the colours seen, the frames, the trailer. */
  finish(): Uint8Array {
    if (this.frames === 0) throw new RangeError('encodeGif: no frames');
    const head = new ByteSink();
    head.ascii('GIF89a');
    head.u16(this.width);
    head.u16(this.height);
    head.push(0xf7, 0, 0); // global colour table of 2^(7+1) entries, 8-bit colour resolution
    const palette = new Uint8Array(256 * 3);
    for (const [key, i] of this.colors) palette.set([key >> 16, (key >> 8) & 0xff, key & 0xff], i * 3);
    for (const b of palette) head.byte(b);
    head.push(0x21, 0xff, 0x0b);
    head.ascii('NETSCAPE2.0');
    head.push(0x03, 0x01);
    head.u16(this.opts.loop ?? 0);
    head.byte(0);
    return concatBytes([head.finish(), ...this.chunks, Uint8Array.of(0x3b)]);
  }
}

export function encodeGif(frames: RgbFrame[], opts: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif: no frames');
  const w = new GifWriter(frames[0].width, frames[0].height, opts);
  for (const f of frames) w.addFrame(f);
  return w.finish();
}

/** Nearest-neighbour rescale of a frame (to keep recorded GIFs small). */
export function scaleFrame(f: RgbFrame, scale: number): RgbFrame {
  if (scale === 1) return f;
  const w = Math.max(1, Math.round(f.width * scale)),
    h = Math.max(1, Math.round(f.height * scale));
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(f.height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(f.width - 1, Math.floor(x / scale));
      const si = (sy * f.width + sx) * 3,
        di = (y * w + x) * 3;
      data[di] = f.data[si];
      data[di + 1] = f.data[si + 1];
      data[di + 2] = f.data[si + 2];
    }
  }
  return { width: w, height: h, data };
}
