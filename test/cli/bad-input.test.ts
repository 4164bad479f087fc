import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync, unlinkSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, tempDir, onlyRun, snapshotTree } from './helpers.ts';

const cwd = tempDir();
const base = ascent(['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '512', '--eval-every', '0', '--eval-episodes', '2'], cwd);
const run = base.code === 0 ? onlyRun(join(cwd, 'runs')) : '';
writeFileSync(join(cwd, 'bad-type.yaml'), 'lr: fast\n');
writeFileSync(join(cwd, 'bad-key.yaml'), 'policy:\n  hiden: [32]\n');

/** Run a bad command: exit 2, exactly one line on stderr matching `message`, nothing on stdout, nothing changed on disk. */
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

test('the base run for the resume cases trained', () => {
  assert.equal(base.code, 0, base.stderr);
});

test('unknown algorithm or environment: the closest names', () => {
  rejects(['train', 'reinforc', 'CartPole-v1'], /^ascent: unknown algorithm 'reinforc'; closest: reinforce/);
  rejects(['train', 'ppo', 'Cartpole-v1'], /^ascent: unknown environment 'Cartpole-v1'; closest: CartPole-v1, CartPole-v0/);
});

test('unknown config key: the dotted path and the valid keys', () => {
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'lrr=1e-3'], /unknown config key 'lrr' \(did you mean 'lr'\?\); valid keys: env, seed, numEnvs,.* totalSteps$/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--config', 'bad-key.yaml'], /unknown config key 'policy\.hiden' \(did you mean 'policy\.hidden'\?\); valid keys: policy\.kind, policy\.hidden/);
});

test('a value of the wrong type or range', () => {
  rejects(['train', 'reinforce', 'CartPole-v1', '--config', 'bad-type.yaml'], /reinforce: 'lr' must be a number, got "fast"/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'gamma=1.5'], /reinforce: 'gamma' must be in \[0, 1\], got 1\.5/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'returns=sometimes'], /'returns' must be one of "full", "rewardToGo", got "sometimes"/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--steps', '-5'], /--steps must be an integer >= 1, got '-5'/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--threshold', 'high'], /--threshold must be a number \(or 'none'\), got 'high'/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--bogus'], /unknown option '--bogus'/);
});

test('--resume of a missing or corrupted checkpoint', () => {
  rejects(['train', '--resume', 'runs/nothing-here'], /--resume: no such run directory runs\/nothing-here/);
  // A run directory without its checkpoint.
  const copy = join(cwd, 'runs', 'copy');
  cpSync(run, copy, { recursive: true });
  unlinkSync(join(copy, 'checkpoints', 'last.ascent'));
  rejects(['train', '--resume', copy], /has no checkpoint \(checkpoints\/last\.ascent is missing\)/);
  // One flipped bit in the parameter data: the CRC-32 catches it.
  const ck = join(run, 'checkpoints', 'last.ascent');
  const good = readFileSync(ck);
  const bad = Buffer.from(good);
  bad[bad.length - 10] ^= 0x10;
  writeFileSync(ck, bad);
  try {
    rejects(['train', '--resume', run], /checkpoint .*last\.ascent is unusable: parameter file: checksum mismatch .*corrupted/);
    rejects(['eval', run], /checkpoint .*last\.ascent is unusable: parameter file: checksum mismatch/);
    writeFileSync(ck, good.subarray(0, good.length - 100));
    rejects(['train', '--resume', run], /unusable: parameter file: expected \d+ bytes of data, found \d+: truncated or corrupted/);
  } finally {
    writeFileSync(ck, good);
  }
  rejects(['train', '--resume', run, '--set', 'lr=1'], /--resume continues a run with its saved config; --set cannot change it/);
});

test('an algorithm that does not support the env\'s action space is refused', async () => {
  rejects(['train', 'sac', 'CartPole-v1'], /sac does not support CartPole-v1's discrete action space Discrete\(2\); it supports continuous actions/);
  const { checkActionSpace } = await import('../../src/train/setup.ts');
  const { ALGORITHMS } = await import('../../src/algos/index.ts');
  assert.throws(() => checkActionSpace({ ...ALGORITHMS.reinforce, name: 'discrete-only', actionSpaces: ['discrete'] }, 'MountainCarContinuous-v0'),
    /discrete-only does not support MountainCarContinuous-v0's continuous action space/);
});

test('plot and eval bad input', () => {
  rejects(['plot', run, '--out', 'curves.jpg'], /--out must end in \.svg or \.png/);
  rejects(['plot', 'runs/none', '--out', 'c.svg'], /plot: no such run directory runs\/none/);
  rejects(['eval', run, '--record', 'x.mp4'], /--record writes a GIF/);
  assert.ok(!existsSync(join(cwd, 'curves.jpg')));
  assert.deepEqual(readdirSync(join(cwd, 'runs')).length, 2);
});
