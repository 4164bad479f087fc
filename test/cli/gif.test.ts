import test from 'node:test';
import assert from 'node:assert/strict';
import { encodeGif, lzwEncode, GifWriter } from '../../src/util/image/gif.ts';
import { encodePng, decodePng } from '../../src/util/image/png.ts';
import { make } from '../../src/envs/index.ts';

/** An independent GIF LZW decoder written from the GIF89a specification (appendix F), for checking the encoder. */
function lzwDecode(blocks: Uint8Array, minCodeSize: number, n: number): Uint8Array {
  const bytes: number[] = [];
  for (let p = 0; blocks[p] !== 0; p += blocks[p] + 1) bytes.push(...blocks.subarray(p + 1, p + 1 + blocks[p]));
  const clear = 1 << minCodeSize,
    eoi = clear + 1;
  let size = minCodeSize + 1,
    dict: number[][] = [],
    prev: number[] | null = null;
  const reset = () => {
    dict = Array.from({ length: eoi + 1 }, (_, i) => [i]);
    size = minCodeSize + 1;
    prev = null;
  };
  reset();
  const out: number[] = [];
  let bit = 0;
  while (bit + size <= bytes.length * 8) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((bytes[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      reset();
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`bad code ${code} (dictionary ${dict.length})`);
    out.push(...entry);
    if (prev && dict.length < 4096) dict.push([...prev, entry[0]]);
    if (dict.length === 1 << size && size < 12) size++;
    prev = entry;
  }
  assert.equal(out.length, n);
  return Uint8Array.from(out);
}

test('LZW round-trips through an independent decoder, including dictionary resets', () => {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (const data of [new Uint8Array([7]), Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 3), Uint8Array.from({ length: 60000 }, rand)]) {
    assert.deepEqual(lzwDecode(lzwEncode(data, 8), 8, data.length), data);
  }
});

test('a GIF of rendered CartPole frames decodes back to the same pixels', () => {
  const env = make('CartPole-v1', { renderMode: 'rgb_array' });
  env.reset({ seed: 0 });
  const frames = [0, 1, 1, 0].map((a) => {
    env.step(a);
    const f = env.render();
    return { ...f, data: f.data.slice() };
  });
  const gif = encodeGif(frames, { delayCs: 2 });
  assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), 'GIF89a');
  const w = gif[6] | (gif[7] << 8),
    h = gif[8] | (gif[9] << 8);
  assert.deepEqual([w, h], [frames[0].width, frames[0].height]);
  const palette = gif.subarray(13, 13 + 768);
  // Walk the blocks: NETSCAPE loop extension, then per frame a graphic control extension and an image.
  let p = 13 + 768 + 19;
  for (const f of frames) {
    assert.deepEqual([gif[p], gif[p + 1]], [0x21, 0xf9]);
    assert.equal(gif[p + 4] | (gif[p + 5] << 8), 2);
    p += 8;
    assert.equal(gif[p], 0x2c);
    p += 10;
    const min = gif[p++];
    let end = p;
    while (gif[end] !== 0) end += gif[end] + 1;
    const idx = lzwDecode(gif.subarray(p, end + 1), min, w * h);
    for (let i = 0; i < idx.length; i++) {
      for (let c = 0; c < 3; c++) if (palette[idx[i] * 3 + c] !== f.data[i * 3 + c]) assert.fail(`pixel ${i} channel ${c}`);
    }
    p = end + 1;
  }
  assert.equal(gif[p], 0x3b);
});

/** Each image of a GIF as RGB through its local or the global colour table (blocks walked as the GIF89a specification lays them out). */
function decodeGifFrames(gif: Uint8Array): Uint8Array[] {
  const w = gif[6] | (gif[7] << 8),
    h = gif[8] | (gif[9] << 8);
  const global = gif.subarray(13, 13 + 768);
  let p = 13 + 768 + 19;
  const out: Uint8Array[] = [];
  while (gif[p] !== 0x3b) {
    assert.deepEqual([gif[p], gif[p + 1]], [0x21, 0xf9]);
    p += 8;
    assert.equal(gif[p], 0x2c);
    const flags = gif[p + 9];
    p += 10;
    let table = global;
    if (flags & 0x80) {
      table = gif.subarray(p, p + 3 * (2 << (flags & 7)));
      p += table.length;
    }
    const min = gif[p++];
    let end = p;
    while (gif[end] !== 0) end += gif[end] + 1;
    const idx = lzwDecode(gif.subarray(p, end + 1), min, w * h);
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < idx.length; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = table[idx[i] * 3 + c];
    out.push(rgb);
    p = end + 1;
  }
  return out;
}

test('GifWriter encodes each frame as it is added: the caller can reuse the pixel buffer', () => {
  const env = make('CartPole-v1', { renderMode: 'rgb_array' });
  env.reset({ seed: 0 });
  const w = 600,
    h = 400;
  const writer = new GifWriter(w, h, { delayCs: 2 });
  const buf = new Uint8Array(w * h * 3),
    copies: Uint8Array[] = [];
  for (const a of [0, 1, 1, 0, 1]) {
    env.step(a);
    buf.set(env.render().data);
    copies.push(buf.slice());
    writer.addFrame({ width: w, height: h, data: buf });
  }
  const frames = decodeGifFrames(writer.finish());
  assert.equal(frames.length, 5);
  frames.forEach((f, i) => assert.ok(Buffer.from(f).equals(Buffer.from(copies[i])), `frame ${i}`));
});

test('a frame that overflows the 256-colour palette gets a local 3-3-2 table; earlier frames stay exact', () => {
  const w = 40,
    h = 10;
  const few = new Uint8Array(w * h * 3).fill(200);
  const many = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 89) & 0xff);
  const writer = new GifWriter(w, h);
  writer.addFrame({ width: w, height: h, data: few });
  writer.addFrame({ width: w, height: h, data: many });
  const [a, b] = decodeGifFrames(writer.finish());
  assert.deepEqual(a, few);
  // The cube keeps 3 bits of red and green, 2 of blue: every channel within half a step.
  for (let i = 0; i < many.length; i++) assert.ok(Math.abs(b[i] - many[i]) <= (i % 3 === 2 ? 43 : 19), `channel ${i}: ${b[i]} for ${many[i]}`);
});

test('PNG encoding round-trips and carries valid chunk CRCs', () => {
  const rgb = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) & 0xff);
  const png = encodePng(7, 5, rgb);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.deepEqual(decodePng(png), { width: 7, height: 5, rgb });
  const bad = png.slice();
  bad[20] ^= 1;
  assert.throws(() => decodePng(bad), /CRC mismatch in IHDR/);
});
