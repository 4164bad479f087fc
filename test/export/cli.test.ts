/**
 * `ascent export`: each format from a saved run (the exported ONNX model loads and acts like the
 * checkpoint's policy), and bad input (no checkpoint, a policy the format cannot carry, an unknown
 * format, an --out of the wrong kind) as one line on stderr and exit code 2, with nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ascent, onlyRun, snapshotTree, tempDir } from '../cli/helpers.ts';
import { Predictor } from '../../src/export/index.ts';
import { readCheckpoint, restoreAlgorithm } from '../../src/train/node/load.ts';

const cwd = tempDir('ascent-export-');
const quick = ['--no-preset', '--set', 'numEnvs=2', '--set', 'nSteps=64', '--eval-every', '0', '--eval-episodes', '1', '--threshold', 'none'];
const ppo = ascent(['train', 'ppo', 'Pendulum-v1', '--steps', '256', '--set', 'normalizeObs=true', '--out', 'ppo', ...quick], cwd);
const rec = ascent(['train', 'recurrent-ppo', 'CartPole-v1', '--steps', '128', '--set', 'seqLen=16', '--out', 'rec', ...quick], cwd);
const run = ppo.code === 0 ? onlyRun(join(cwd, 'ppo')) : '';
const recRun = rec.code === 0 ? onlyRun(join(cwd, 'rec')) : '';

function rejects(args: string[], message: RegExp): void {
  const before = snapshotTree(cwd);
  const r = ascent(args, cwd);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  assert.match(lines[0], message);
  assert.equal(r.stdout, '');
  assert.deepEqual(snapshotTree(cwd), before, `${args.join(' ')} wrote nothing`);
}

test('the runs to export trained', () => {
  assert.equal(ppo.code, 0, ppo.stderr);
  assert.equal(rec.code, 0, rec.stderr);
});

test('export --format onnx: the model acts like the checkpoint (normalisation folded in)', async () => {
  const r = ascent(['export', run, '--format', 'onnx', '--out', 'policy.onnx'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^exported ppo on Pendulum-v1 \(256 steps\) as onnx: policy\.onnx \(\d+ bytes\)\n$/);
  const session = await ort.InferenceSession.create(readFileSync(join(cwd, 'policy.onnx')));
  assert.deepEqual(session.inputNames, ['obs']);
  assert.deepEqual(session.outputNames, ['action', 'mean', 'log_std', 'value']);
  const ckPath = join(run, 'checkpoints', 'last.ascent');
  const algo = restoreAlgorithm(readCheckpoint(ckPath), ckPath);
  try {
    const obs = Float32Array.of(0.5, -0.8, 3, -1, 0.1, -7);
    const out = await session.run({ obs: new ort.Tensor('float32', obs, [2, 3]) });
    const p = new Predictor(algo).predict(obs, 2);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs((out.action.data as Float32Array)[i] - p.action[i]) <= 1e-5);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs((out.value.data as Float32Array)[i] - p.value![i]) <= 1e-5);
  } finally {
    algo.close();
  }
  const a = ascent(['export', run, '--format', 'onnx', '--out', 'action.onnx', '--action-only', '--best'], cwd);
  assert.equal(a.code, 0, a.stderr);
  assert.deepEqual((await ort.InferenceSession.create(readFileSync(join(cwd, 'action.onnx')))).outputNames, ['action']);
});

test('export --format tfjs and ascent-runner: a directory with the two files', () => {
  for (const [format, files] of [
    ['tfjs', ['model.json', 'weights.bin']],
    ['ascent-runner', ['policy.bin', 'policy.mjs']],
  ] as const) {
    const r = ascent(['export', run, '--format', format, '--out', `out-${format}/nested`], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(cwd, `out-${format}`, 'nested')).sort(), [...files]);
  }
});

test('export: a run without a checkpoint, an unsupported policy, a bad format or --out: one line, exit 2', () => {
  rejects(['export', cwd, '--format', 'onnx', '--out', 'x.onnx'], /^ascent: .* has no checkpoint \(checkpoints\/last\.ascent is missing\)$/);
  rejects(
    ['export', recRun, '--format', 'tfjs', '--out', 'rec-tfjs'],
    /^ascent: cannot export a RecurrentActorCritic policy to tfjs: (formats that support it: onnx|no export format supports it yet)/,
  );
  rejects(['export', run, '--format', 'onx', '--out', 'x.onnx'], /^ascent: --format must be one of onnx, tfjs, ascent-runner, got 'onx'$/);
  rejects(['export', run, '--format', 'onnx', '--out', 'ppo'], /^ascent: --out for onnx names a file \(e\.g\. policy\.onnx\), but ppo is a directory$/);
  rejects(
    ['export', run, '--format', 'tfjs', '--out', 'policy.onnx'],
    /^ascent: --out for tfjs names a directory \(it holds two files\), but policy\.onnx is a file$/,
  );
  rejects(['export', run, '--format', 'onnx'], /required option '--out <path>' not specified/);
  assert.ok(!existsSync(join(cwd, 'x.onnx')));
});
