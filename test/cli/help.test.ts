import test from 'node:test';
import assert from 'node:assert/strict';
import { ascent, tempDir } from './helpers.ts';

const cwd = tempDir();

test('--help marks required options and keeps the defaults', () => {
  const r = ascent(['plot', '--help'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--out <file>\s+output \.svg or \.png \(required\)/);
  assert.match(r.stdout, /--width <px>\s+image width \(default: 800\)/);
  assert.doesNotMatch(r.stdout, /--title <text>\s+plot title \(required\)/);
});

test('train --help says where the config keys are; train <algo> --help lists them with defaults, ranges and descriptions', () => {
  const r = ascent(['train', '--help'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ascent train <algo> --help lists them/);
  const p = ascent(['train', 'ppo', '--help'], cwd);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /^Config keys of ppo/m);
  assert.match(p.stdout, /^ {2}key\s+default\s+range\s+description$/m);
  assert.match(p.stdout, /^ {2}clipRange\s+0\.2\s+> 0\s+ε, the clip range of the probability ratio$/m);
  assert.match(p.stdout, /^ {2}policy\.hidden\s+\[64,64\]\s+list of integers >= 1\s+hidden layer widths of the policy network$/m);
  assert.match(p.stdout, /^ {2}objective\s+"clip"\s+clip \| adaptiveKl\s+'clip': /m);
  assert.match(p.stdout, /^ {2}totalSteps\s+100000\s+integer in 1\.\.1000000000000\s+.*\(also --steps\)$/m);
  const bad = ascent(['train', 'pp0', '--help'], cwd);
  assert.match(bad.stdout, /Unknown algorithm 'pp0'; closest: ppo/);
});
