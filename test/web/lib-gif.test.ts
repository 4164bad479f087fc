import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../src/envs/index.ts';
import { encodeGif, GifWriter } from '../../src/util/image/gif.ts';

test('the browser library (src/web/lib.ts) carries the GIF encoder the CLI uses', async () => {
  const lib = await import('../../src/web/lib.ts');
  assert.equal(lib.encodeGif, encodeGif);
  assert.equal(lib.GifWriter, GifWriter);
  const env = make('CartPole-v1', { renderMode: 'rgb_array' });
  env.reset({ seed: 0 });
  const frame = env.render() as { width: number; height: number; data: Uint8Array };
  const gif = lib.encodeGif([frame, frame]);
  // GIF89a header, then the logical screen size (little-endian) and the trailer byte.
  assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), 'GIF89a');
  assert.deepEqual([gif[6] | (gif[7] << 8), gif[8] | (gif[9] << 8)], [frame.width, frame.height]);
  assert.equal(gif[gif.length - 1], 0x3b);
});
