/**
 * A small animated-GIF encoder (GIF89a, one global palette, LZW as in the GIF89a specification,
 * section 22 and appendix F): enough for rendered episodes of the classic-control envs, whose frames
 * use a handful of colours. Frames with more than 256 distinct colours are quantised to 3-3-2 RGB.
 */
import type { RgbFrame } from '../envs/index.ts';

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

/** A palette for all frames: the exact colours when there are at most 256, else the 3-3-2 cube. */
function buildPalette(frames: RgbFrame[]): { palette: Uint8Array; index: (r: number, g: number, b: number) => number } {
  const seen = new Map<number, number>();
  outer: for (const f of frames) {
    const d = f.data;
    for (let i = 0; i < d.length; i += 3) {
      const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      if (!seen.has(key)) {
        if (seen.size === 256) { seen.clear(); break outer; }
        seen.set(key, seen.size);
      }
    }
  }
  const palette = new Uint8Array(256 * 3);
  if (seen.size > 0) {
    for (const [key, i] of seen) palette.set([key >> 16, (key >> 8) & 0xff, key & 0xff], i * 3);
    return { palette, index: (r, g, b) => seen.get((r << 16) | (g << 8) | b)! };
  }
  for (let i = 0; i < 256; i++) palette.set([Math.round(((i >> 5) * 255) / 7), Math.round((((i >> 2) & 7) * 255) / 7), Math.round(((i & 3) * 255) / 3)], i * 3);
  return { palette, index: (r, g, b) => (((r * 7 + 127) / 255) << 5) | (((g * 7 + 127) / 255) << 2) | ((b * 3 + 127) / 255) };
}

/** LZW-compress palette indices with 8-bit symbols into GIF data sub-blocks. */
export function lzwEncode(indices: Uint8Array, minCodeSize = 8): Uint8Array {
  const out = new ByteSink();
  const clear = 1 << minCodeSize, eoi = clear + 1;
  let size = minCodeSize + 1, next = eoi + 1;
  let table = new Map<number, number>();
  let acc = 0, nbits = 0;
  const block: number[] = [];
  const flushBlock = () => {
    if (block.length) { out.byte(block.length); out.push(...block); block.length = 0; }
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
    if (code !== undefined) { prefix = code; continue; }
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

export function encodeGif(frames: RgbFrame[], opts: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif: no frames');
  const { width, height } = frames[0];
  for (const f of frames) {
    if (f.width !== width || f.height !== height) throw new RangeError(`encodeGif: frames must share one size, got ${f.width}x${f.height} and ${width}x${height}`);
  }
  const { palette, index } = buildPalette(frames);
  const s = new ByteSink();
  s.ascii('GIF89a');
  s.u16(width);
  s.u16(height);
  s.push(0xf7, 0, 0); // global colour table of 2^(7+1) entries, 8-bit colour resolution
  for (const b of palette) s.byte(b);
  s.push(0x21, 0xff, 0x0b);
  s.ascii('NETSCAPE2.0');
  s.push(0x03, 0x01);
  s.u16(opts.loop ?? 0);
  s.byte(0);
  const idx = new Uint8Array(width * height);
  for (const f of frames) {
    s.push(0x21, 0xf9, 0x04, 0x00);
    s.u16(opts.delayCs ?? 4);
    s.push(0x00, 0x00);
    s.byte(0x2c);
    s.u16(0);
    s.u16(0);
    s.u16(width);
    s.u16(height);
    s.byte(0);
    const d = f.data;
    for (let p = 0, i = 0; p < idx.length; p++, i += 3) idx[p] = index(d[i], d[i + 1], d[i + 2]);
    s.byte(8);
    const data = lzwEncode(idx, 8);
    for (const b of data) s.byte(b);
  }
  s.byte(0x3b);
  return s.finish();
}

/** Nearest-neighbour rescale of a frame (to keep recorded GIFs small). */
export function scaleFrame(f: RgbFrame, scale: number): RgbFrame {
  if (scale === 1) return f;
  const w = Math.max(1, Math.round(f.width * scale)), h = Math.max(1, Math.round(f.height * scale));
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(f.height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(f.width - 1, Math.floor(x / scale));
      const si = (sy * f.width + sx) * 3, di = (y * w + x) * 3;
      data[di] = f.data[si];
      data[di + 1] = f.data[si + 1];
      data[di + 2] = f.data[si + 2];
    }
  }
  return { width: w, height: h, data };
}
