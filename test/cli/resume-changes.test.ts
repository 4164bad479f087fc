/** `ascent train --resume <dir> --set ...`: settings that steer the updates change, are applied and are recorded. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ascent, tempDir, onlyRun, readJson } from './helpers.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { parseJsonl } from '../../src/train/progress.ts';
import { RESUMABLE_KEYS } from '../../src/train/resume.ts';
import { ALGORITHMS } from '../../src/algos/index.ts';

const load = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, 'checkpoints', 'last.ascent'))));
const rows = (dir: string) => parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8'));

test('PPO resumed with a new lr and schedule uses them from the next update, and a later resume keeps them', () => {
  const cwd = tempDir();
  const args = ['train', 'ppo', 'CartPole-v1', '--steps', '1024', '--eval-every', '0', '--eval-episodes', '1', '--stop-at', '512'];
  const first = ascent(args, cwd);
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const before = rows(dir);
  // The preset's linear schedule from 1e-3 (presets/ppo.yaml): the rows so far decay.
  assert.ok(
    before.every((r) => (r.lr as number) <= 1e-3 && (r.lr as number) > 5e-4),
    JSON.stringify(before.map((r) => r.lr)),
  );

  const resumed = ascent(['train', '--resume', dir, '--set', 'lr=2e-4', '--set', 'lrSchedule=constant', '--set', 'gamma=0.95', '--stop-at', '768'], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /changed: gamma 0\.98 -> 0\.95, lr 0\.001 -> 0\.0002, lrSchedule "linear" -> "constant" \(recorded in config\.json\)/);
  const after = rows(dir).filter((r) => (r.steps as number) > 512);
  assert.ok(after.length > 0);
  for (const r of after) assert.equal(r.lr, 2e-4);

  const cfg = readJson(join(dir, 'config.json'));
  assert.equal(cfg.config.lr, 2e-4);
  assert.equal(cfg.config.gamma, 0.95);
  assert.equal(cfg.changes.length, 1);
  assert.equal(cfg.changes[0].steps, 512);
  assert.deepEqual(cfg.changes[0].changes, [
    { key: 'gamma', from: 0.98, to: 0.95 },
    { key: 'lr', from: 1e-3, to: 2e-4 },
    { key: 'lrSchedule', from: 'linear', to: 'constant' },
  ]);
  // The preset and the original command stay as they were.
  assert.equal(cfg.preset.file, 'presets/ppo.yaml');
  assert.deepEqual(cfg.command.slice(0, 4), ['ascent', 'train', 'ppo', 'CartPole-v1']);

  // A plain resume continues with the changed settings (the checkpoint holds them) and records nothing new.
  const again = ascent(['train', '--resume', dir], cwd);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /changed:/);
  for (const r of rows(dir).filter((r) => (r.steps as number) > 768)) assert.equal(r.lr, 2e-4);
  assert.equal(load(dir).config.lr, 2e-4);
  assert.equal(readJson(join(dir, 'config.json')).changes.length, 1);
});

test('SAC resumed with a new lr: the optimizers take it, not the saved step size', () => {
  const cwd = tempDir();
  const small = ['--set', 'hidden=[16,16]', '--set', 'learningStarts=50', '--set', 'batchSize=32', '--eval-every', '0', '--eval-episodes', '1'];
  const first = ascent(['train', 'sac', 'Pendulum-v1', '--no-preset', '--steps', '200', '--stop-at', '100', ...small], cwd);
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const optLr = () => Object.values((load(dir).state.meta as any).optimizers as Record<string, { lr: number }>).map((o) => o.lr);
  assert.deepEqual(optLr(), [3e-4, 3e-4, 3e-4]);
  // A changed setting is saved before training resumes: a crash right after the start keeps it.
  const resumed = ascent(['train', '--resume', dir, '--set', 'lr=1e-5', '--set', 'tau=0.01'], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(load(dir).steps, 200);
  assert.deepEqual(optLr(), [1e-5, 1e-5, 1e-5]);
  assert.equal(load(dir).config.tau, 0.01);
});

test('a setting that shapes the saved state is refused with the ones a resume can change', () => {
  const cwd = tempDir();
  const first = ascent(['train', 'ppo', 'CartPole-v1', '--steps', '512', '--eval-every', '0', '--eval-episodes', '1', '--stop-at', '256'], cwd);
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const ck = readFileSync(join(dir, 'checkpoints', 'last.ascent'));
  const cfg = readFileSync(join(dir, 'config.json'), 'utf8');
  for (const [set, key] of [
    ['policy.hidden=[8]', 'policy.hidden'],
    ['nSteps=64', 'nSteps'],
    ['normalizeObs=true', 'normalizeObs'],
    ['envKwargs={length: 1}', 'envKwargs.length'],
  ]) {
    const r = ascent(['train', '--resume', dir, '--set', set], cwd);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^ascent: --resume: '${key.replace('.', '\\.')}' cannot change in a resumed run \\(.* -> .*\\): it shapes what the run saved; start a new run to change it \\(a resume can change batchSize, epochs, gamma, gaeLambda, `,
      ),
    );
    assert.deepEqual(readFileSync(join(dir, 'checkpoints', 'last.ascent')), ck, set);
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), cfg, set);
  }
  // --config goes through the same gate.
  const yaml = join(cwd, 'more.yaml');
  writeFileSync(yaml, 'entCoef: 0.01\nseed: 3\n');
  const r = ascent(['train', '--resume', dir, '--config', yaml], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'seed' cannot change in a resumed run \(0 -> 3\)/);
});

test('every resumable key is a setting of some algorithm, and none shapes a network or a buffer', () => {
  const all = new Set<string>();
  const walk = (o: Record<string, unknown>, p = '') => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${p}${k}.`);
      else all.add(p + k);
    }
  };
  for (const e of Object.values(ALGORITHMS)) walk(e.defaults as Record<string, unknown>);
  for (const k of RESUMABLE_KEYS) assert.ok(all.has(k), k);
  for (const k of [
    'env',
    'envKwargs',
    'seed',
    'numEnvs',
    'nSteps',
    'bufferSize',
    'hidden',
    'valueHidden',
    'policy.hidden',
    'normalizeObs',
    'normalizeReward',
    'frameStack',
    'model.hidden',
    'model.ensembleSize',
    'totalSteps',
  ])
    assert.ok(!RESUMABLE_KEYS.has(k), k);
});

test("examples/humanoid/reset-log-std.ts widens a saved policy's std, recorded as a change; the resume starts from it", () => {
  const cwd = tempDir();
  const first = ascent(
    [
      'train',
      'ppo',
      'Pendulum-v1',
      '--no-preset',
      '--set',
      'nSteps=64',
      '--set',
      'batchSize=64',
      '--steps',
      '256',
      '--stop-at',
      '128',
      '--eval-every',
      '0',
      '--eval-episodes',
      '1',
    ],
    cwd,
  );
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const script = join(import.meta.dirname, '..', '..', 'examples', 'humanoid', 'reset-log-std.ts');
  const logStd = () => Array.from(load(dir).state.tensors.find(([n]) => n === 'pi.logStd')![1].data);
  const before = logStd().map((x) => Math.round(x * 1000) / 1000);
  assert.ok(Math.abs(before[0]) < 0.1, `${before}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, dir, '-1.5'], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(logStd(), [-1.5]);
  const cfg = readJson(join(dir, 'config.json'));
  assert.deepEqual(cfg.changes[0].changes, [{ key: 'pi.logStd', from: before, to: -1.5 }]);
  assert.equal(cfg.changes[0].steps, 128);
  const resumed = ascent(['train', '--resume', dir, '--stop-at', '192'], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  // One update of 64 steps from -1.5: near it, far from the default 0.
  assert.ok(Math.abs(logStd()[0] + 1.5) < 0.05, `${logStd()}`);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', script, dir, 'wide'], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /usage: reset-log-std\.ts <run-dir> <log-std, e\.g\. -1\.6>; got/);
});

test('a run saved before a setting existed resumes with its default, which is no change', () => {
  const cwd = tempDir();
  const first = ascent(['train', 'ppo', 'CartPole-v1', '--steps', '512', '--eval-every', '0', '--eval-episodes', '1', '--stop-at', '256'], cwd);
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  // As an older version wrote it: no envKwargs in the config (added later, default null).
  const ck = load(dir);
  const { envKwargs, ...older } = ck.config;
  assert.equal(envKwargs, null);
  const path = join(dir, 'checkpoints', 'last.ascent');
  writeFileSync(path, encodeCheckpoint({ kind: 'last', steps: ck.steps, driver: ck.driver, state: ck.state }, { ...ck, config: older }, new Date(ck.savedAt)));
  const r = ascent(['train', '--resume', dir, '--set', 'entCoef=0.01'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readJson(join(dir, 'config.json')).changes[0].changes, [{ key: 'entCoef', from: 0, to: 0.01 }]);
});
