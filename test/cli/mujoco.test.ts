// MuJoCo ids on the command line: train, resume, eval and list load the WebAssembly module for
// them (tiny step counts; the learning is tested elsewhere); eval --record draws MuJoCo frames.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, tempDir, onlyRun } from './helpers.ts';
import { MUJOCO_IDS } from '../../src/envs/mujoco/ids.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';

const load = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, 'checkpoints', 'last.ascent'))));

const ARGS = [
  'ppo',
  'InvertedPendulum-v5',
  '--no-preset',
  '--set',
  'nSteps=32',
  '--set',
  'batchSize=32',
  '--steps',
  '64',
  '--eval-episodes',
  '1',
  '--seed',
  '3',
  '--threshold',
  'none',
];

test('train, resume and eval a MuJoCo task', () => {
  const cwd = tempDir();
  const paused = ascent(['train', ...ARGS, '--out', 'runs', '--stop-at', '32'], cwd);
  assert.equal(paused.code, 0, paused.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const resumed = ascent(['train', '--resume', dir], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming ppo on InvertedPendulum-v5 from 32 steps/);
  // Paused and resumed ends bit for bit where an uninterrupted run ends: the checkpoint holds the
  // MuJoCo states and the NumPy generators of the envs, which reset many times in 64 steps.
  const whole = ascent(['train', ...ARGS, '--out', 'whole'], cwd);
  assert.equal(whole.code, 0, whole.stderr);
  const a = load(onlyRun(join(cwd, 'whole'))),
    b = load(dir);
  assert.equal(b.steps, 64);
  for (let i = 0; i < a.state.tensors.length; i++) {
    const [name, x] = a.state.tensors[i],
      y = b.state.tensors[i][1];
    assert.deepEqual(Array.from(y.data), Array.from(x.data), name);
  }
  const ev = ascent(['eval', dir, '--episodes', '2', '--record', 'ip.gif'], cwd);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /recorded episode \(seed \d+, return [\d.]+, \d+ steps, \d+ frames\) to ip\.gif/);
  const gif = readFileSync(join(cwd, 'ip.gif'));
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.deepEqual([gif.readUInt16LE(6), gif.readUInt16LE(8)], [480, 480], 'the MuJoCo frame size');
  assert.match(ev.stdout, /ppo on InvertedPendulum-v5.*\nreturn .* over 2 episodes .*threshold 950: /);
});

test('list shows the eleven MuJoCo tasks with their spaces, limits and thresholds', () => {
  const j = JSON.parse(ascent(['list', '--json'], tempDir()).stdout);
  const byId = new Map(j.environments.map((e: { id: string }) => [e.id, e]));
  for (const id of MUJOCO_IDS) assert.ok(byId.has(id), id);
  assert.deepEqual(byId.get('Hopper-v5'), {
    id: 'Hopper-v5',
    observation: 'Box(11,) float64',
    action: 'Box(3,) [-1, 1] float32',
    actionKind: 'continuous',
    maxEpisodeSteps: 1000,
    rewardThreshold: 3800,
  });
});

test('a misspelt MuJoCo id is refused with the closest ids', () => {
  const r = ascent(['train', 'ppo', 'Hoper-v5', '--steps', '64'], tempDir());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown environment 'Hoper-v5'; closest: Hopper-v5/);
});
