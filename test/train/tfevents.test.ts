import test from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, maskedCrc32c, encodeEvent, decodeEvent, frameRecord, parseRecords, scalarRecord, fileVersionRecord } from '../../src/train/tfevents.ts';
import { tensorboardScalars } from '../../src/train/progress.ts';

test('CRC-32C matches the standard check value and TFRecord masking', () => {
  // Check value of CRC-32C (Castagnoli) for "123456789" (RFC 3720, appendix B.4).
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  // RFC 3720 B.4: 32 zero bytes and 32 0xff bytes (the eight-byte steps of the sliced loop, no tail).
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const c = crc32c(new Uint8Array([1, 2, 3]));
  assert.equal(maskedCrc32c(new Uint8Array([1, 2, 3])), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('an event round-trips through the protobuf encoding and record framing', () => {
  const bytes = new Uint8Array([
    ...fileVersionRecord(1700000000.5),
    ...scalarRecord(4096, { 'rollout/returnMean': 21.5, 'train/loss': -0.125 }, 1700000001.25),
  ]);
  const events = parseRecords(bytes).map(decodeEvent);
  assert.equal(events.length, 2);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].wallTime, 1700000000.5);
  assert.deepEqual(events[1], { wallTime: 1700000001.25, step: 4096, scalars: { 'rollout/returnMean': 21.5, 'train/loss': -0.125 } });
});

test('a hand-checked Event encoding: field tags, varint step, float value', () => {
  const e = encodeEvent({ wallTime: 0, step: 300, scalars: { a: 1 } });
  // 09 <8 bytes double 0> | 10 ac 02 (300) | 2a 0a [ 0a 08 [ 0a 01 'a' 15 <float32 1.0> ] ]
  assert.deepEqual([...e], [0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0xac, 0x02, 0x2a, 0x0a, 0x0a, 0x08, 0x0a, 0x01, 0x61, 0x15, 0x00, 0x00, 0x80, 0x3f]);
});

test('parseRecords rejects a flipped byte in the data or the length', () => {
  const rec = frameRecord(encodeEvent({ wallTime: 1, step: 2, scalars: { x: 3 } }));
  const bad = rec.slice();
  bad[14] ^= 1;
  assert.throws(() => parseRecords(bad), /data CRC mismatch/);
  const bad2 = rec.slice();
  bad2[0] ^= 1;
  assert.throws(() => parseRecords(bad2), /length CRC mismatch/);
  assert.throws(() => parseRecords(rec.subarray(0, rec.length - 2)), /truncated/);
});

test('one-pass Summary encoding: a tag longer than 127 bytes (two-byte lengths) and a step past 2^32 round-trip', () => {
  const long = 'train/' + 'x'.repeat(200);
  const ev = decodeEvent(encodeEvent({ wallTime: 12.5, step: 2 ** 40 + 3, scalars: { a: 1.5, [long]: -0.25, 'rollout/returnMean': 20.5 } }));
  assert.equal(ev.step, 2 ** 40 + 3);
  assert.equal(ev.wallTime, 12.5);
  assert.deepEqual(ev.scalars, { a: 1.5, [long]: -0.25, 'rollout/returnMean': 20.5 });
});

test('progress columns become SB3-style TensorBoard tags, the same on every row; nulls, steps and iteration are left out', () => {
  const row = (k: number) => ({
    iteration: k,
    steps: 100 * k,
    seconds: 0.5 * k,
    returnMean: 20 + k,
    episodes: k,
    loss: -k,
    evalMean: k === 1 ? null : 9,
    evalLengthMean: 7,
  });
  // Twice: the second row's tags come from the cache the first filled.
  for (const k of [1, 2])
    assert.deepEqual(tensorboardScalars(row(k)), {
      'time/seconds': 0.5 * k,
      'rollout/returnMean': 20 + k,
      'rollout/episodes': k,
      'train/loss': -k,
      ...(k === 1 ? {} : { 'eval/mean': 9 }),
      'eval/lengthMean': 7,
    });
});
