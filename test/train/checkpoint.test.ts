import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/index.ts';
import { crc32 } from '../../src/nn/serialize.ts';
import { encodeCheckpoint, decodeCheckpoint, type CheckpointInfo } from '../../src/train/checkpoint.ts';
import { initialDriverState, type Snapshot } from '../../src/train/driver.ts';
import { readCheckpoint } from '../../src/train/node/load.ts';

const INFO: CheckpointInfo = {
  algo: 'reinforce',
  env: 'CartPole-v1',
  config: { lr: 0.001, seed: 3 },
  run: { totalSteps: 40000, evalEvery: 1000, evalEpisodes: 3, evalSeed: 1003, threshold: 475, checkpointEvery: 0 },
};
const snap = (steps = 20224): Snapshot => ({
  kind: 'last',
  steps,
  driver: initialDriverState({ evalEvery: 1000 }, steps),
  state: { tensors: [['policy.0.weight', new Tensor(new Float32Array([0.5, -1.25, 2, 3]), [2, 2])]], meta: { iteration: 79 } },
});

/** Replace `from` by `to` (same length) in the file's bytes, where the JSON header holds it. */
function edit(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf(from);
  assert.ok(at > 0, `${from} is in the file`);
  const out = bytes.slice();
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

test('the checksum covers the JSON header: an altered learning rate or step count is refused', () => {
  const bytes = encodeCheckpoint(snap(), INFO);
  const ck = decodeCheckpoint(bytes);
  assert.equal(ck.config.lr, 0.001);
  assert.equal(ck.steps, 20224);
  for (const [from, to] of [
    ['"lr":0.001', '"lr":0.003'],
    ['"steps":20224', '"steps":20225'],
    ['"iteration":79', '"iteration":78'],
  ]) {
    assert.throws(() => decodeCheckpoint(edit(bytes, from, to)), /checksum mismatch.*corrupted or was altered/, `${from} -> ${to}`);
  }
  // Data and the trailer itself are covered as before.
  const flipped = bytes.slice();
  flipped[bytes.length - 6] ^= 1;
  assert.throws(() => decodeCheckpoint(flipped), /checksum mismatch/);
  assert.throws(() => decodeCheckpoint(bytes.slice(0, bytes.length - 2)), /truncated/);
});

test('reading an altered checkpoint from disk names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-ck-'));
  const path = join(dir, 'last.ascent');
  writeFileSync(path, edit(encodeCheckpoint(snap(), INFO), '"lr":0.001', '"lr":0.003'));
  assert.throws(
    () => readCheckpoint(path),
    (e: Error) => e.message.includes(`checkpoint ${path} is unusable`) && /checksum mismatch/.test(e.message),
  );
});

test('a version 1 file (checksum over the data only) is refused with a message saying why', () => {
  // The version 1 layout: magic, header length, header JSON with a CRC-32 of the data, data, no trailer.
  const data = new Uint8Array(new Float32Array([1, 2]).buffer);
  const header = {
    format: 'ascent-params',
    version: 1,
    tensors: [{ name: 'w', shape: [2], offset: 0 }],
    crc32: crc32(data),
    meta: { format: 'ascent-checkpoint' },
  };
  const json = Buffer.from(JSON.stringify(header).padEnd(Math.ceil(JSON.stringify(header).length / 4) * 4, ' '));
  const v1 = new Uint8Array(12 + json.length + data.length);
  v1.set(Buffer.from('ASCENTP\n'));
  new DataView(v1.buffer).setUint32(8, json.length, true);
  v1.set(json, 12);
  v1.set(data, 12 + json.length);
  assert.throws(() => decodeCheckpoint(v1), /format version 1 is not read any more: its checksum covered the data but not the header/);
});
