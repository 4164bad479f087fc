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
  assert.match(r.stdout, /^Pendulum-v1\s+Box\(3,\) float32\s+Box\(1,\) \[-2, 2\] float32\s+200\s+-$/m);
  assert.match(r.stdout, /^reinforce\s+CartPole-v1\s+Ascent's own tuning/m);
  const j = JSON.parse(ascent(['list', '--json'], cwd).stdout);
  const cp = j.environments.find((e: any) => e.id === 'CartPole-v1');
  assert.equal(cp.maxEpisodeSteps, 500);
  assert.equal(cp.rewardThreshold, 475);
  assert.equal(cp.actionKind, 'discrete');
  assert.ok(j.presets.every((p: any) => typeof p.source === 'string' && p.source.length > 0));
});

test('lab estimators prints the estimator table; lab importance the IS tables', () => {
  const r = ascent(['lab', 'estimators', '--batches', '40', '--seed', '2'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Estimator lab: [^]*M = 40 batches, seed 2/);
  assert.match(r.stdout, /^estimator\s+unbiased\s+bias\/SE/m);
  assert.match(r.stdout, /^full\s+yes/m);
  const i = ascent(['lab', 'importance', '--batches', '20', '--steps', '0,0.5', '--horizons', '2,5'], cwd);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /Importance-sampled gradients/);
  assert.match(i.stdout, /^T\s+ESS\/N exact/m);
  const bad = ascent(['lab', 'estimators', '--batches', '1'], cwd);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--batches must be an integer >= 2, got '1'/);
});
