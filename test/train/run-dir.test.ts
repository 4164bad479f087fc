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
  const a = createRunDir(out, 'ppo', 'CartPole-v1', 7, when), b = createRunDir(out, 'ppo', 'CartPole-v1', 7, when);
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
