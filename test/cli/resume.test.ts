import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, ascentAsync, tempDir, onlyRun, readJson } from './helpers.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { parseJsonl, parseCsv } from '../../src/train/progress.ts';

const COMMON = ['--steps', '1024', '--eval-every', '512', '--eval-episodes', '3', '--seed', '5'];
// REINFORCE with 256-step batches; PPO with its CartPole preset (8 envs x 32 steps, linear lr and clip schedules).
const CASES: [string, string[]][] = [
  ['reinforce', ['reinforce', 'CartPole-v1', '--set', 'batchSteps=256', ...COMMON]],
  ['ppo', ['ppo', 'CartPole-v1', '--set', 'normalizeObs=true', ...COMMON]],
];
const load = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, 'checkpoints', 'last.ascent'))));
const rows = (dir: string) => parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')).map(({ seconds, ...r }) => r);

for (const [algo, ARGS] of CASES)
  test(`${algo}: a run paused with --stop-at and resumed ends where an uninterrupted run ends`, async (t) => {
    const cwd = tempDir();
    const whole = ascent(['train', ...ARGS, '--out', 'whole'], cwd);
    assert.equal(whole.code, 0, whole.stderr);
    const paused = ascent(['train', ...ARGS, '--out', 'parts', '--stop-at', '512'], cwd);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /paused at --stop-at 512: 512 steps/);
    const dir = onlyRun(join(cwd, 'parts'));
    assert.equal(readJson(join(dir, 'status.json')).state, 'interrupted');
    assert.equal(load(dir).steps, 512);
    const resumed = ascent(['train', '--resume', dir], cwd);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming ${algo} on CartPole-v1 from 512 steps`));
    assert.equal(readJson(join(dir, 'status.json')).state, 'finished');

    const a = load(onlyRun(join(cwd, 'whole'))),
      b = load(dir);
    assert.equal(b.steps, 1024);
    assert.deepEqual(
      b.state.tensors.map(([n]) => n),
      a.state.tensors.map(([n]) => n),
    );
    // Progress files continue: the resumed run appended rows 3 and 4 to the CSV and the JSONL alike.
    assert.deepEqual(
      rows(dir).map((r) => r.steps),
      [256, 512, 768, 1024],
    );
    assert.deepEqual(parseCsv(readFileSync(join(dir, 'progress.csv'), 'utf8')), parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')));
    assert.deepEqual(rows(dir).slice(0, 2), rows(onlyRun(join(cwd, 'whole'))).slice(0, 2));

    // Exactness needs the envs' physical state in the checkpoint (the vector env's snapshot).
    const envSnapshot = (b.state.meta as any)?.collector?.env ?? null;
    await t.test('parameters, optimizer state and progress equal the uninterrupted run bit for bit', () => {
      assert.notEqual(envSnapshot, null, 'the checkpoint holds the vector env snapshot');
      for (let i = 0; i < a.state.tensors.length; i++) {
        const [name, x] = a.state.tensors[i],
          y = b.state.tensors[i][1];
        assert.deepEqual(
          Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength),
          Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength),
          name,
        );
      }
      assert.deepEqual(rows(dir), rows(onlyRun(join(cwd, 'whole'))));
    });
  });

test('Ctrl-C (SIGINT) mid-run saves a checkpoint, marks the run interrupted, exits 130; --resume continues it', async (t) => {
  const cwd = tempDir();
  const LONG = ['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '1000000', '--eval-every', '0', '--seed', '1'];
  const run = ascentAsync(LONG, cwd);
  // Interrupt once a few updates have been logged.
  const deadline = Date.now() + 30_000;
  let dir = '';
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      dir = onlyRun(join(cwd, 'runs'));
      if (existsSync(join(dir, 'progress.jsonl')) && readFileSync(join(dir, 'progress.jsonl'), 'utf8').split('\n').length > 3) break;
    } catch {
      /* not created yet */
    }
    if (Date.now() > deadline) {
      run.child.kill('SIGKILL');
      assert.fail('the run logged nothing within 30 s');
    }
  }
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted, saving a checkpoint/);
  assert.match(r.stdout, /continue with: ascent train --resume /);
  const status = readJson(join(dir, 'status.json'));
  assert.equal(status.state, 'interrupted');
  const ck = load(dir);
  assert.equal(ck.steps, status.steps);
  const logged = rows(dir);
  assert.equal(logged.at(-1)!.steps, ck.steps, 'the checkpoint is at the last logged update');

  const resumed = ascent(['train', '--resume', dir, '--stop-at', String(ck.steps + 512)], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = rows(dir);
  assert.deepEqual(after.slice(0, logged.length), logged);
  assert.deepEqual(
    after.slice(logged.length).map((x) => x.steps),
    [ck.steps + 256, ck.steps + 512],
  );
  assert.deepEqual(
    after.map((x) => x.iteration),
    after.map((_, i) => i + 1),
  );
  assert.equal(load(dir).steps, ck.steps + 512);

  // The interrupted-and-resumed run matches one that ran straight to the same step count.
  const straight = ascent([...LONG, '--out', 'straight', '--stop-at', String(ck.steps + 512)], cwd);
  assert.equal(straight.code, 0, straight.stderr);
  const a = load(onlyRun(join(cwd, 'straight'))),
    b = load(dir);
  const envSnapshot = (b.state.meta as any)?.collector?.env ?? null;
  await t.test('equal to an uninterrupted run bit for bit', () => {
    assert.notEqual(envSnapshot, null, 'the checkpoint holds the vector env snapshot');
    assert.equal(a.steps, b.steps);
    a.state.tensors.forEach(([name, x], i) => assert.deepEqual(Array.from(b.state.tensors[i][1].data), Array.from(x.data), name));
    assert.deepEqual(rows(dir), rows(onlyRun(join(cwd, 'straight'))));
  });
});
