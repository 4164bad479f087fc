import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync, existsSync, utimesSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProgressJsonl, parseJsonl } from '../../src/train/progress.ts';
import { trimProgress, trimEvents, readRunStatus, RunWriter } from '../../src/train/node/run-dir.ts';
import { acquireRunLock, runLiveness, removeStaleTempFiles, processStartMs, LOCK_FILE } from '../../src/train/node/lock.ts';
import { fileVersionRecord, scalarRecord, parseRecords, decodeEvent } from '../../src/train/tfevents.ts';

const tmp = (p = 'ascent-files-') => mkdtempSync(join(tmpdir(), p));
/** A pid that surely names no process: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
const RUN = { totalSteps: 1000, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 };

test('progress reader: a torn last line is skipped with a warning naming file and line; a bad line elsewhere throws naming both', () => {
  const warnings: string[] = [];
  const text = '{"steps":1}\n\n{"steps":2}\n{"steps":3,"ret';
  const r = readProgressJsonl(text, 'run/progress.jsonl', (m) => warnings.push(m));
  assert.deepEqual(r.rows, [{ steps: 1 }, { steps: 2 }]);
  assert.deepEqual(r.torn, { line: 4, text: '{"steps":3,"ret' });
  assert.deepEqual(warnings, ['run/progress.jsonl line 4: skipped a torn last line (an incomplete write: the disk filled up or the process was killed)']);
  // A zero-filled tail (what some filesystems leave after a crash) followed by a newline is torn too.
  assert.deepEqual(readProgressJsonl('{"steps":1}\n\0\0\0\n', 'f').rows, [{ steps: 1 }]);
  assert.throws(
    () => readProgressJsonl('{"steps":1}\n{"ste\n{"steps":3}\n', 'run/progress.jsonl'),
    /^ProgressFileError: run\/progress\.jsonl line 2 is not valid JSON/,
  );
  assert.throws(() => readProgressJsonl('[1]\n{"steps":3}\n', 'p.jsonl'), /p\.jsonl line 1 is not a JSON object/);
  assert.throws(() => parseJsonl('{"steps":1}\n{"ste', 'p.jsonl'), /p\.jsonl line 2 is not valid JSON/);
  assert.deepEqual(readProgressJsonl('', 'f'), { rows: [], torn: null });
});

test('resuming drops a torn last line from both progress files, rebuilding the CSV from the JSONL', () => {
  const dir = tmp();
  const rows = [256, 512, 768].map((s) => ({ steps: s, returnMean: s / 10, evalMean: null }));
  writeFileSync(join(dir, 'progress.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join('') + '{"steps":1024,"retu');
  writeFileSync(join(dir, 'progress.csv'), 'steps,returnMean,evalMean\n256,25.6,\n512,51.2,\n768,76.8,\n1024,10');
  const warnings: string[] = [];
  trimProgress(dir, 768, (m) => warnings.push(m));
  assert.equal(readFileSync(join(dir, 'progress.jsonl'), 'utf8'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  assert.equal(readFileSync(join(dir, 'progress.csv'), 'utf8'), 'steps,returnMean,evalMean\n256,25.6,\n512,51.2,\n768,76.8,\n');
  assert.deepEqual(warnings, [
    `${join(dir, 'progress.jsonl')} line 4: skipped a torn last line (an incomplete write: the disk filled up or the process was killed)`,
  ]);
  trimProgress(dir, 256);
  assert.equal(readFileSync(join(dir, 'progress.csv'), 'utf8'), 'steps,returnMean,evalMean\n256,25.6,\n');
  writeFileSync(join(dir, 'progress.jsonl'), '{"steps":1}\n{"st\n{"steps":3}\n');
  assert.throws(() => trimProgress(dir, 3), /progress\.jsonl line 2 is not valid JSON/);
});

test('trimEvents cuts each event file back to the records at or before the checkpoint step, and a torn record', () => {
  const dir = tmp();
  const file = (name: string, steps: number[], tail: Uint8Array = new Uint8Array(0)) => {
    const parts = [fileVersionRecord(1), ...steps.map((s) => scalarRecord(s, { 'rollout/returnMean': s / 100 }, 2)), tail];
    writeFileSync(join(dir, name), Buffer.concat(parts));
  };
  const steps = (name: string) =>
    parseRecords(new Uint8Array(readFileSync(join(dir, name))))
      .map(decodeEvent)
      .filter((e) => e.scalars)
      .map((e) => e.step);
  file('events.out.tfevents.100.h', [256, 512, 768, 1024]);
  file('events.out.tfevents.200.h', [1280, 1536], scalarRecord(1792, { x: 1 }, 3).subarray(0, 20));
  assert.throws(() => parseRecords(new Uint8Array(readFileSync(join(dir, 'events.out.tfevents.200.h')))), /truncated/);
  assert.deepEqual(trimEvents(dir, 512), [join(dir, 'events.out.tfevents.100.h'), join(dir, 'events.out.tfevents.200.h')]);
  assert.deepEqual(steps('events.out.tfevents.100.h'), [256, 512]);
  assert.deepEqual(steps('events.out.tfevents.200.h'), [], 'only the file_version record is left');
  file('events.out.tfevents.300.h', [768], scalarRecord(1024, { x: 1 }, 3).subarray(0, 30));
  trimEvents(dir, 2048);
  assert.deepEqual(steps('events.out.tfevents.300.h'), [768], 'a torn record is cut even when no step is past the checkpoint');
});

test('the run lock: one holder, a one-line refusal naming the directory and pid, a dead holder is stale', () => {
  const dir = tmp();
  const lock = acquireRunLock(dir);
  const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.deepEqual(Object.keys(held), ['pid', 'host', 'startedAt']);
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  assert.throws(
    () => acquireRunLock(dir),
    (e: Error) =>
      e.name === 'ConfigError' && e.message === `${dir} is in use by another training process (pid ${process.pid} on ${hostname()}, since ${held.startedAt})`,
  );
  assert.deepEqual(runLiveness(dir), { live: true, holder: held });
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  assert.deepEqual(runLiveness(dir), { live: false, holder: null });

  // A killed holder leaves its lock: readers see it is dead, and the next process takes it over.
  const gone = { pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(gone) + '\n');
  assert.deepEqual(runLiveness(dir), { live: false, holder: gone });
  const again = acquireRunLock(dir);
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  assert.deepEqual(readdirSync(dir), [LOCK_FILE], 'the stale lock was removed, not left aside');
  again.release();

  // The holder's pid now names a process that started after the lock was taken (a restarted container reuses pids).
  if (existsSync('/proc/self/stat')) {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }) + '\n');
    assert.equal(runLiveness(dir).live, false);
    acquireRunLock(dir).release();
    const started = processStartMs(process.pid)!;
    assert.ok(Math.abs(started - (Date.now() - process.uptime() * 1000)) < 3000, `process start ${new Date(started).toISOString()}`);
  }

  // Held on another machine (a shared filesystem): cannot be checked, so it is respected.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'x' }) + '\n');
  assert.equal(runLiveness(dir).live, null);
  assert.throws(() => acquireRunLock(dir), /in use by another training process \(pid 1 on elsewhere, since x\); if that process is gone, delete /);
});

test('status readers tell a dead run from a live one: "running" without a live lock holder is dead', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'checkpoints'));
  const lock = acquireRunLock(dir);
  const w = new RunWriter(dir, { algo: 'reinforce', env: 'CartPole-v1', config: {}, run: RUN });
  w.status('running');
  assert.equal(readRunStatus(dir).state, 'running');
  // SIGKILL: the status stays 'running' and the lock names a process that is gone.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'x' }) + '\n');
  const r = readRunStatus(dir);
  assert.equal(r.status!.state, 'running');
  assert.equal(r.state, 'dead');
  lock.release();
});

test('recording a failure on a full disk falls back to rewriting status.json in place, and never throws', async (t) => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const dir = tmp();
  mkdirSync(join(dir, 'checkpoints'));
  const w = new RunWriter(dir, { algo: 'reinforce', env: 'CartPole-v1', config: {}, run: RUN });
  w.status('running');
  const realOpen = fs.openSync;
  let full = 'temp';
  // ENOSPC for new files (atomicWrite's temporary file); with full = 'all', for every open for writing.
  t.mock.method(fs, 'openSync', (p: string, flags: string, ...rest: unknown[]) => {
    if (flags !== 'r' && (full === 'all' || String(p).endsWith('.tmp')))
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${p}'`), { code: 'ENOSPC' });
    return (realOpen as any)(p, flags, ...rest);
  });
  syncBuiltinESMExports();
  try {
    assert.throws(() => w.status('failed'), /ENOSPC/, 'the ordinary atomic write fails');
    assert.equal(w.recordFailure('policy loss is NaN'), true);
    const s = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
    assert.equal(s.state, 'failed');
    assert.equal(s.error, 'policy loss is NaN');
    full = 'all';
    const warnings: string[] = [];
    assert.equal(
      w.recordFailure('second', (m) => warnings.push(m)),
      false,
    );
    assert.match(warnings[0], /could not record the failure in .*status\.json \(ENOSPC\)/);
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
});

test("stale temporary files: only atomicWrite's, only of processes that are gone (or too old)", () => {
  const dir = tmp();
  mkdirSync(join(dir, 'checkpoints'));
  const dead = deadPid(),
    live = process.ppid;
  const files = {
    [`checkpoints/.last.ascent.${dead}.tmp`]: true,
    [`.status.json.${dead}.tmp`]: true,
    [`.progress.jsonl.${dead}.tmp`]: true,
    [`checkpoints/.last.ascent.${live}.tmp`]: false,
    'notes.tmp': false,
    '.last.ascent.tmp': false,
    'checkpoints/last.ascent': false,
    [`.old.json.${live}.tmp`]: true,
  };
  for (const f of Object.keys(files)) writeFileSync(join(dir, f), 'x');
  const day = (Date.now() - 2 * 86400_000) / 1000;
  utimesSync(join(dir, `.old.json.${live}.tmp`), day, day);
  const removed = removeStaleTempFiles([dir, join(dir, 'checkpoints')]);
  assert.deepEqual(
    removed.sort(),
    Object.entries(files)
      .filter(([, gone]) => gone)
      .map(([f]) => join(dir, f))
      .sort(),
  );
  for (const [f, gone] of Object.entries(files)) assert.equal(existsSync(join(dir, f)), !gone, f);
});

test('a lock that cannot be written (full disk) is not left behind empty', async (t) => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const dir = tmp();
  t.mock.method(fs, 'writeSync', () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  syncBuiltinESMExports();
  try {
    assert.throws(() => acquireRunLock(dir), /ENOSPC/);
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
  assert.deepEqual(readdirSync(dir), []);
  acquireRunLock(dir).release();
});

test('runLiveness does not block on a FIFO named train.lock (the dashboard calls it)', { skip: process.platform === 'win32' }, () => {
  const dir = tmp();
  const r = spawnSync('mkfifo', [join(dir, LOCK_FILE)]);
  if (r.status !== 0) return;
  const t0 = Date.now();
  const l = runLiveness(dir);
  assert.equal(l.holder, null);
  assert.ok(Date.now() - t0 < 1000);
});

test('RunWriter buffers progress rows: appended after flushMs or at a checkpoint, status.json at most once per flushMs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-buf-'));
  mkdirSync(join(dir, 'checkpoints'));
  let clock = 0;
  const info = {
    algo: 'fake',
    env: 'E',
    config: {},
    run: { totalSteps: 1000, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 },
  };
  const w = new RunWriter(dir, info, 0, { flushMs: 1000, now: () => clock });
  const algo = { steps: 0 } as any;
  const ctx = { algo, driver: {} as any, stop() {} };
  w.onStart(ctx);
  const statusSteps = () => JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')).steps;
  const rows = () => (existsSync(join(dir, 'progress.jsonl')) ? parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8')).map((r) => r.steps) : []);
  const log = (steps: number) => ({ iteration: steps / 10, steps, seconds: 0, episodes: 0, returnMean: NaN, returnStd: NaN, lengthMean: NaN });
  for (let s = 10; s <= 50; s += 10) {
    clock += 100;
    w.onUpdate(log(s), ctx, null);
  }
  assert.deepEqual(rows(), [], 'nothing appended within flushMs');
  assert.equal(w.pendingRows, 5);
  assert.equal(statusSteps(), 0, 'status.json not rewritten within flushMs');
  clock += 600;
  w.onUpdate(log(60), ctx, null);
  assert.deepEqual(rows(), [10, 20, 30, 40, 50, 60]);
  assert.equal(readFileSync(join(dir, 'progress.csv'), 'utf8').split('\n').length, 8, 'header, 6 rows, final newline');
  assert.equal(statusSteps(), 60);
  clock += 10;
  w.onUpdate(log(70), ctx, null);
  assert.deepEqual(rows(), [10, 20, 30, 40, 50, 60]);
  // A checkpoint puts every row before it on disk first: a resume trims to the checkpoint's step.
  w.onCheckpoint({ kind: 'last', state: { tensors: [], meta: {} }, driver: {} as any, steps: 70 });
  assert.deepEqual(rows(), [10, 20, 30, 40, 50, 60, 70]);
  assert.equal(statusSteps(), 70);
  w.onUpdate(log(80), ctx, null);
  w.onEnd({ reason: 'steps', steps: 80, updates: 8, final: null, driver: {} as any });
  assert.deepEqual(rows(), [10, 20, 30, 40, 50, 60, 70, 80]);
  const events = readdirSync(dir).filter((f) => f.startsWith('events.out'));
  const steps = parseRecords(new Uint8Array(readFileSync(join(dir, events[0]))))
    .slice(1)
    .map((r) => Number(decodeEvent(r).step));
  assert.deepEqual(steps, [10, 20, 30, 40, 50, 60, 70, 80]);
  assert.throws(() => new RunWriter(dir, info, 0, { flushMs: NaN }), /'flushMs' must be a number >= 0, got NaN/);
  assert.throws(() => new RunWriter(dir, info, 0, { flushRows: -1 }), /'flushRows' must be a number >= 0, got -1/);
});

test('RunWriter formats buffered rows at the flush: flushRows rows force one, and the rows keep the values of their update', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-buf-'));
  mkdirSync(join(dir, 'checkpoints'));
  const info = {
    algo: 'fake',
    env: 'E',
    config: {},
    run: { totalSteps: 1000, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 },
  };
  const w = new RunWriter(dir, info, 0, { flushMs: 1e12, flushRows: 3, now: () => 0 });
  const ctx = { algo: { steps: 0 } as any, driver: {} as any, stop() {} };
  w.onStart(ctx);
  const jsonl = () => (existsSync(join(dir, 'progress.jsonl')) ? readFileSync(join(dir, 'progress.jsonl'), 'utf8') : '');
  // One log object reused and changed after each update: each row keeps what it was at its update.
  const log = { iteration: 0, steps: 0, seconds: 0, episodes: 1, returnMean: 0, returnStd: 0, lengthMean: 1 };
  const update = (k: number) => {
    Object.assign(log, { iteration: k, steps: 10 * k, returnMean: k / 4 });
    w.onUpdate(log, ctx, null);
    log.returnMean = NaN;
  };
  update(1);
  update(2);
  assert.equal(jsonl(), '', 'two rows stay buffered');
  update(3);
  const row = (k: number) => ({
    ...log,
    iteration: k,
    steps: 10 * k,
    returnMean: k / 4,
    evalMean: null,
    evalStd: null,
    evalLengthMean: null,
    evalEpisodes: null,
  });
  assert.equal(jsonl(), [1, 2, 3].map((k) => JSON.stringify(row(k)) + '\n').join(''));
  assert.equal(
    readFileSync(join(dir, 'progress.csv'), 'utf8'),
    [
      'iteration,steps,seconds,episodes,returnMean,returnStd,lengthMean,evalMean,evalStd,evalLengthMean,evalEpisodes',
      '1,10,0,1,0.25,0,1,,,,',
      '2,20,0,1,0.5,0,1,,,,',
      '3,30,0,1,0.75,0,1,,,,',
      '',
    ].join('\n'),
  );
  const events = readdirSync(dir).filter((f) => f.startsWith('events.out'));
  const scalars = parseRecords(new Uint8Array(readFileSync(join(dir, events[0]))))
    .slice(1)
    .map((r) => decodeEvent(r))
    .map((e) => [e.step, e.scalars!['rollout/returnMean']]);
  assert.deepEqual(scalars, [
    [10, 0.25],
    [20, 0.5],
    [30, 0.75],
  ]);
});
