/** The protobuf writer against the byte-exact examples of the protobuf encoding guide. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoWriter } from '../../src/export/protobuf.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('varints, strings, nested messages and packed repeated fields encode as the protobuf guide shows', () => {
  // https://protobuf.dev/programming-guides/encoding/: Test1 { int32 a = 1 } with a = 150.
  assert.equal(hex(new ProtoWriter().int(1, 150).finish()), '089601');
  // Test2 { string b = 2 } with b = "testing".
  assert.equal(hex(new ProtoWriter().string(2, 'testing').finish()), '120774657374696e67');
  // Test3 { Test1 c = 3 } with c.a = 150.
  assert.equal(hex(new ProtoWriter().message(3, (w) => w.int(1, 150)).finish()), '1a03089601');
  // Test5 { repeated int32 f = 6 [packed = true] } with f = [3, 270, 86942].
  assert.equal(hex(new ProtoWriter().int64s(6, [3, 270, 86942]).finish()), '3206038e029ea705');
  // A negative int64 is ten bytes of two's complement (ONNX's -1 in a Reshape shape).
  assert.equal(hex(new ProtoWriter().int64s(1, [-1]).finish()), '0a0affffffffffffffffff01');
  // Growth past the initial buffer keeps every byte.
  const long = 'x'.repeat(1000);
  const b = new ProtoWriter().string(1, long).int(2, 1).finish();
  assert.equal(b.length, 3 + 1000 + 2);
  assert.equal(hex(b.subarray(0, 3)), '0ae807');
  assert.throws(() => new ProtoWriter().int(1, 1.5), /field 1 needs an integer, got 1\.5/);
});
