import test from 'node:test';
import assert from 'node:assert/strict';
import { ascent, tempDir } from './helpers.ts';

const cwd = tempDir();

test('list shows algorithms, environments with spaces, limits and thresholds, and presets', () => {
  const r = ascent(['list'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Algorithms/m);
  assert.match(r.stdout, /^reinforce\s+discrete\+continuous\s+REINFORCE/m);
  assert.match(r.stdout, /^CartPole-v1\s+Box\(4,\) float32\s+Discrete\(2\)\s+500\s+475$/m);
  assert.match(r.stdout, /^Pendulum-v1\s+Box\(3,\) float32\s+Box\(1,\) \[-2, 2\] float32\s+200\s+- \(presets set one\)$/m);
  // Its recurrent-ppo preset sets one; Walker2d-v5 has neither a registered threshold nor a preset's.
  assert.match(r.stdout, /^PendulumMaskedVelocity-v1\s+.*\s+200\s+- \(presets set one\)$/m);
  assert.match(r.stdout, /^Walker2d-v5\s+.*\s+1000\s+-$/m);
  assert.match(r.stdout, /^reinforce\s+CartPole-v1\s+475 \(env\)\s+Ascent's own tuning/m);
  const j = JSON.parse(ascent(['list', '--json'], cwd).stdout);
  const cp = j.environments.find((e: any) => e.id === 'CartPole-v1');
  assert.equal(cp.maxEpisodeSteps, 500);
  assert.equal(cp.rewardThreshold, 475);
  assert.equal(cp.actionKind, 'discrete');
  assert.ok(j.presets.every((p: any) => typeof p.source === 'string' && p.source.length > 0));
});

test('list shows the threshold in force for each preset, and cuts the sources to the width unless --verbose', () => {
  const r = ascent(['list'], cwd);
  assert.equal(r.code, 0, r.stderr);
  // Pendulum-v1 has no registered threshold; its presets stop at their own.
  assert.match(r.stdout, /^trpo\s+Pendulum-v1\s+-200 \(preset\)\s/m);
  assert.match(r.stdout, /^ppo\s+Pendulum-v1\s+-250 \(preset\)\s/m);
  const presets = r.stdout.slice(r.stdout.indexOf('\nPresets'));
  // Not a terminal: 100 columns.
  for (const line of presets.split('\n')) assert.ok(line.length <= 110, `${line.length} characters: ${line}`);
  assert.match(presets, /…$/m);
  assert.match(presets, /ascent list --presets --verbose/);
  const full = JSON.parse(ascent(['list', '--json'], cwd).stdout).presets;
  const trpoP = full.find((p: any) => p.algo === 'trpo' && p.env === 'Pendulum-v1');
  assert.equal(trpoP.threshold, -200);
  assert.equal(trpoP.thresholdFrom, 'preset');
  const v = ascent(['list', '--presets', '--verbose'], cwd);
  assert.equal(v.code, 0, v.stderr);
  assert.doesNotMatch(v.stdout, /^Algorithms/m);
  assert.ok(v.stdout.includes(trpoP.source), 'the full source');
  assert.doesNotMatch(v.stdout, /…/);
});

test('lab estimators prints the estimator table; lab importance the IS tables', () => {
  const r = ascent(['lab', 'estimators', '--batches', '40', '--seed', '2'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Estimator lab: [\s\S]*M = 40 batches, seed 2/);
  assert.match(r.stdout, /^estimator\s+unbiased\s+bias\/SE/m);
  assert.match(r.stdout, /^full\s+yes/m);
  const i = ascent(['lab', 'importance', '--batches', '20', '--steps', '0,0.5', '--horizons', '2,5'], cwd);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /Importance-sampled gradients/);
  assert.match(i.stdout, /^T\s+ESS\/N exact/m);
  const bad = ascent(['lab', 'estimators', '--batches', '1'], cwd);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--batches must be an integer in 2\.\.\S+, got '1'/);
});
