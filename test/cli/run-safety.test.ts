/**
 * A run directory under the things that happen to real runs: schedulers' SIGTERM, a closed
 * terminal's SIGHUP, SIGKILL with a torn last progress line and stray temporary files, and two
 * processes resuming the same directory at once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ascent, ascentAsync, tempDir, onlyRun, readJson } from './helpers.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { parseJsonl, parseCsv } from '../../src/train/progress.ts';
import { eventFiles, readRunStatus } from '../../src/train/node/run-dir.ts';
import { LOCK_FILE, runLiveness } from '../../src/train/node/lock.ts';
import { parseRecords, decodeEvent } from '../../src/train/tfevents.ts';

const LONG = ['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '1000000', '--eval-every', '0', '--seed', '2'];
const ckSteps = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, 'checkpoints', 'last.ascent')))).steps;
const rowSteps = (dir: string) => parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')).map((r) => r.steps);

/** Wait until `dir()` has a progress file with at least `rows` rows (and, optionally, a checkpoint). */
async function waitForRows(dir: () => string, rows: number, what: string, checkpoint = false): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const d = dir();
      const p = join(d, 'progress.jsonl');
      if (existsSync(p) && readFileSync(p, 'utf8').split('\n').length > rows && (!checkpoint || existsSync(join(d, 'checkpoints', 'last.ascent')))) return d;
    } catch {
      /* not created yet */
    }
    if (Date.now() > deadline) assert.fail(`${what}: nothing logged within 60 s`);
  }
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} saves a checkpoint, marks the run interrupted and exits ${code}, like Ctrl-C`, async () => {
    const cwd = tempDir();
    const run = ascentAsync(LONG, cwd);
    const dir = await waitForRows(() => onlyRun(join(cwd, 'runs')), 3, signal);
    assert.deepEqual(runLiveness(dir).live, true);
    assert.equal(readRunStatus(dir).state, 'running');
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\), saving a checkpoint after the current update`));
    assert.match(r.stdout, /continue with: ascent train --resume /);
    const status = readJson(join(dir, 'status.json'));
    assert.equal(status.state, 'interrupted');
    assert.equal(ckSteps(dir), status.steps);
    assert.equal(rowSteps(dir).at(-1), status.steps, 'the checkpoint is at the last logged update');
    // Rows are buffered up to a second (issue 12): every finished update's row still reached the file.
    assert.deepEqual(
      rowSteps(dir),
      Array.from({ length: status.steps / 256 }, (_, i) => 256 * (i + 1)),
    );
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'the lock is released');
    assert.equal(readRunStatus(dir).state, 'interrupted');
  });
}

test('two --resume of one run directory at once: one trains, the other refuses with one line naming the directory and the holder', async () => {
  const cwd = tempDir();
  const first = ascent([...LONG, '--stop-at', '512'], cwd);
  assert.equal(first.code, 0, first.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const a = ascentAsync(['train', '--resume', dir], cwd),
    b = ascentAsync(['train', '--resume', dir], cwd);
  // Exactly one of them exits 2 at once; the other trains until it is stopped.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => {
        a.child.kill('SIGKILL');
        b.child.kill('SIGKILL');
        reject(new Error('both resumed processes were still training after 60 s'));
      }, 60_000)),
  );
  const loser = await Promise.race([a.done.then((r) => ({ r, winner: b })), b.done.then((r) => ({ r, winner: a })), timeout]).finally(() =>
    clearTimeout(timer),
  );
  assert.equal(loser.r.code, 2, loser.r.stderr);
  const holder = loser.winner.child.pid;
  assert.match(
    loser.r.stderr,
    new RegExp(`^ascent: ${dir.replace(/[.]/g, '\\.')} is in use by another training process \\(pid ${holder} on ${hostname()}, since [0-9T:.Z-]+\\)\\n$`),
  );
  await waitForRows(() => dir, 4, 'the resumed run');
  loser.winner.child.kill('SIGTERM');
  const w = await loser.winner.done;
  assert.equal(w.code, 143, w.stderr);
  // Rows were appended by one process only: consecutive updates, no step logged twice.
  const steps = rowSteps(dir);
  assert.deepEqual(
    steps,
    steps.map((_, i) => 256 * (i + 1)),
  );
  assert.equal(ckSteps(dir), steps.at(-1));
});

test('after SIGKILL: readers see a dead run, and --resume cleans up temp files, a torn line and repeated TensorBoard steps', async () => {
  const cwd = tempDir();
  const run = ascentAsync([...LONG, '--checkpoint-every', '1024'], cwd);
  const dir = await waitForRows(() => onlyRun(join(cwd, 'runs')), 6, 'SIGKILL', true);
  run.child.kill('SIGKILL');
  await run.done;
  const pid = run.child.pid!;
  // What the kill leaves: status 'running', a lock naming a dead pid; then a full disk tore the last rows
  // and an atomic write was cut off before its rename.
  assert.equal(readJson(join(dir, 'status.json')).state, 'running');
  assert.deepEqual(runLiveness(dir), { live: false, holder: readJson(join(dir, LOCK_FILE)) });
  assert.equal(readRunStatus(dir).state, 'dead');
  appendFileSync(join(dir, 'progress.jsonl'), '{"iteration":99,"steps":25344,"seconds":1.2,"retur');
  appendFileSync(join(dir, 'progress.csv'), '99,25344,1.2,');
  const temps = [join(dir, 'checkpoints', `.last.ascent.${pid}.tmp`), join(dir, `.status.json.${pid}.tmp`)];
  for (const t of temps) writeFileSync(t, 'partial');
  const keep = join(dir, 'my-notes.tmp');
  writeFileSync(keep, 'not ours');
  const ck = ckSteps(dir);

  const plot = ascent(['plot', dir, '--out', join(cwd, 'p.svg')], cwd);
  assert.equal(plot.code, 0, plot.stderr);
  assert.match(plot.stderr, /warning: .*progress\.jsonl line \d+: skipped a torn last line/);

  const resumed = ascent(['train', '--resume', dir, '--stop-at', String(ck + 768)], cwd);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /progress\.jsonl line \d+: skipped a torn last line/);
  for (const t of temps) assert.equal(existsSync(t), false, `${t} is removed`);
  assert.equal(existsSync(keep), true, 'files that are not ours stay');
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  assert.equal(readRunStatus(dir).state, 'interrupted');

  const steps = rowSteps(dir);
  assert.deepEqual(
    steps,
    steps.map((_, i) => 256 * (i + 1)),
    'each update logged once',
  );
  assert.equal(steps.at(-1), ck + 768);
  assert.deepEqual(parseCsv(readFileSync(join(dir, 'progress.csv'), 'utf8')), parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')));
  // TensorBoard: across both event files, every step once, the same steps as the progress rows.
  const files = eventFiles(dir);
  assert.equal(files.length, 2);
  const events = files.flatMap((f) => parseRecords(new Uint8Array(readFileSync(f))).map(decodeEvent)).filter((e) => e.scalars);
  assert.deepEqual(
    events.map((e) => e.step),
    steps,
  );
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['last.ascent']);
});
