import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trimProgress, createRunDir, timestamp } from '../../src/train/node/run-dir.ts';
import { atomicWrite } from '../../src/train/node/files.ts';

test('resuming drops progress rows logged after the checkpoint, in both files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-run-'));
  writeFileSync(join(dir, 'progress.jsonl'), [256, 512, 768].map((s) => JSON.stringify({ steps: s, returnMean: s / 10 })).join('\n') + '\n');
  writeFileSync(join(dir, 'progress.csv'), 'steps,returnMean\n256,25.6\n512,51.2\n768,76.8\n');
  trimProgress(dir, 512);
  assert.equal(readFileSync(join(dir, 'progress.jsonl'), 'utf8'), '{"steps":256,"returnMean":25.6}\n{"steps":512,"returnMean":51.2}\n');
  assert.equal(readFileSync(join(dir, 'progress.csv'), 'utf8'), 'steps,returnMean\n256,25.6\n512,51.2\n');
});

test('run directories are named algo-env-s<seed>-<time> and never reused', () => {
  const out = mkdtempSync(join(tmpdir(), 'ascent-out-'));
  const when = new Date(2026, 0, 2, 3, 4, 5);
  assert.equal(timestamp(when), '20260102-030405');
  const a = createRunDir(out, 'ppo', 'CartPole-v1', 7, when),
    b = createRunDir(out, 'ppo', 'CartPole-v1', 7, when);
  assert.deepEqual([a, b], [join(out, 'ppo-CartPole-v1-s7-20260102-030405'), join(out, 'ppo-CartPole-v1-s7-20260102-030405-2')]);
  assert.deepEqual(readdirSync(a), ['checkpoints']);
});

test('atomicWrite replaces a file whole and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-atomic-'));
  atomicWrite(join(dir, 'x.bin'), new Uint8Array([1, 2, 3]));
  atomicWrite(join(dir, 'x.bin'), 'hello');
  assert.equal(readFileSync(join(dir, 'x.bin'), 'utf8'), 'hello');
  assert.deepEqual(readdirSync(dir), ['x.bin']);
});

test('a checkpoint write that fails halfway (disk full) leaves the previous checkpoint whole', async (t) => {
  // The CommonJS object behind node:fs; syncBuiltinESMExports() carries a mock to the named imports.
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const { RunWriter, CHECKPOINT_FILE } = await import('../../src/train/node/run-dir.ts');
  const { decodeCheckpoint } = await import('../../src/train/checkpoint.ts');
  const { initialDriverState } = await import('../../src/train/driver.ts');
  const { Tensor } = await import('../../src/tensor/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'ascent-ckw-'));
  fs.mkdirSync(join(dir, 'checkpoints'));
  const run = { totalSteps: 1000, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 };
  const writer = new RunWriter(dir, { algo: 'reinforce', env: 'CartPole-v1', config: {}, run });
  const snap = (steps: number) => ({
    kind: 'last' as const,
    steps,
    driver: initialDriverState({}, steps),
    state: { tensors: [['w', new Tensor(new Float32Array(4096).fill(steps), [4096])]] as [string, InstanceType<typeof Tensor>][], meta: {} },
  });
  const path = join(dir, CHECKPOINT_FILE.last);
  writer.onCheckpoint(snap(100));
  const inode = fs.statSync(path).ino;
  writer.onCheckpoint(snap(200));
  // Replaced by rename: a reader holding the old file keeps a whole old file, and the path names a new inode.
  assert.notEqual(fs.statSync(path).ino, inode, 'the checkpoint is a new file renamed over the old one, not the old file rewritten');
  assert.equal(decodeCheckpoint(new Uint8Array(fs.readFileSync(path))).steps, 200);

  // The disk fills up halfway through the next checkpoint: the write fails after half the bytes.
  const realWrite = fs.writeSync;
  t.mock.method(fs, 'writeSync', (fd: number, buf: Uint8Array, off = 0, len = buf.byteLength - off) => {
    if (len < 1000) return (realWrite as any)(fd, buf, off, len);
    (realWrite as any)(fd, buf, off, len >> 1);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  syncBuiltinESMExports();
  try {
    assert.throws(() => writer.onCheckpoint(snap(300)), /ENOSPC/);
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
  assert.equal(decodeCheckpoint(new Uint8Array(fs.readFileSync(path))).steps, 200, 'the previous checkpoint is intact');
  assert.deepEqual(fs.readdirSync(join(dir, 'checkpoints')), ['last.ascent'], 'no temporary file is left behind');
});
