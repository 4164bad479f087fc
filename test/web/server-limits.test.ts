/**
 * The dashboard server under hostile or heavy input: long histories (no call-stack overflow, the
 * chart downsampled), many event-stream clients that never read (bounded memory, slow clients
 * dropped), a FIFO where a file should be (no hang), and symlinked files that lead out of the
 * runs directory (refused). No browser: a stand-in assets directory keeps these tests fast.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import { RunReader } from '../../src/web/runs.ts';
import { downsampleMinMax, MAX_CHART_POINTS } from '../../src/web/downsample.ts';
import { row, tempRunsDir, writeRun } from './fixtures.ts';

const assetsDir = mkdtempSync(join(tmpdir(), 'ascent-assets-'));
for (const d of ['dashboard', 'train']) mkdirSync(join(assetsDir, d));
writeFileSync(join(assetsDir, 'dashboard', 'main.js'), '');
writeFileSync(join(assetsDir, 'dashboard', 'index.html'), '<!doctype html>');
writeFileSync(join(assetsDir, 'train', 'worker.js'), '');

const open: Dashboard[] = [];
after(async () => {
  for (const d of open) await d.close();
});
async function start(runsDir: string, extra: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<Dashboard> {
  const d = await startDashboard({ runsDir, port: 0, assetsDir, pollMs: 50, ...extra });
  open.push(d);
  return d;
}

function get(d: Dashboard, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: d.port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** A progress.jsonl of n rows, written in one go. */
function bigRun(runsDir: string, name: string, n: number): string {
  const dir = writeRun(runsDir, name, { rows: 0, checkpoint: null });
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) lines.push(JSON.stringify(row(i, i % 500)));
  writeFileSync(join(dir, 'progress.jsonl'), lines.join('\n') + '\n');
  return dir;
}

test('a history of 200,000 rows is read whole (push(...rows) overflowed the call stack at ~130k)', () => {
  const dir = bigRun(tempRunsDir(), 'long', 200_000);
  const r = new RunReader('long', dir);
  const { added } = r.poll();
  assert.equal(added.length, 200_000);
  assert.equal(r.rows.length, 200_000);
  assert.equal(r.rows.at(-1)!.iteration, 200_000);
  assert.deepEqual(r.summary().errors, []);
});

test("downsampleMinMax keeps at most max points, the first and the last, and every bucket's extremes", () => {
  const pts: [number, number][] = Array.from({ length: 200_000 }, (_, i) => [i, Math.sin(i / 1000)]);
  pts[123_457][1] = 50; // a spike
  pts[77_777][1] = -50; // a dip
  const d = downsampleMinMax(pts);
  assert.ok(d.length <= MAX_CHART_POINTS, `${d.length} points`);
  assert.ok(d.length >= MAX_CHART_POINTS - 2);
  assert.deepEqual(d[0], pts[0]);
  assert.deepEqual(d.at(-1), pts.at(-1), 'the current value is always drawn');
  assert.ok(d.some((p) => p[1] === 50) && d.some((p) => p[1] === -50), 'spikes survive');
  for (let i = 1; i < d.length; i++) assert.ok(d[i][0] > d[i - 1][0], 'order kept');
  // Hand-checked small case: 10 points, max 6 -> 2 buckets of 4 interior points each.
  const small: [number, number][] = [
    [0, 0],
    [1, 5],
    [2, -1],
    [3, 2],
    [4, 3],
    [5, 9],
    [6, -4],
    [7, 1],
    [8, 0],
    [9, 7],
  ];
  assert.deepEqual(downsampleMinMax(small, 6), [
    [0, 0],
    [1, 5],
    [2, -1],
    [5, 9],
    [6, -4],
    [9, 7],
  ]);
  const short = pts.slice(0, 10);
  assert.equal(downsampleMinMax(short), short, 'short series are returned as they are');
  assert.throws(() => downsampleMinMax(pts, 3), /max must be at least 4, got 3/);
});

/** Read an event stream until `until` (called after each event) says stop; returns the events. */
function readEvents(d: Dashboard, until: (events: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  return new Promise((resolve, reject) => {
    const events: { event: string; data: any }[] = [];
    const req = request({ host: '127.0.0.1', port: d.port, path: '/api/events' }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          events.push({ event: /^event: (.*)$/m.exec(block)![1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) });
          if (until(events)) {
            req.destroy();
            return resolve(events);
          }
        }
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(events) : reject(e)));
    req.end();
  });
}

test('a long history streams in bounded events that rebuild it exactly, then live rows follow', async () => {
  const runsDir = tempRunsDir();
  const dir = bigRun(runsDir, 'long', 25_000);
  const d = await start(runsDir, { rowsPerEvent: 1000 });
  let rows: any[] = [];
  const events = await readEvents(d, (ev) => {
    const last = ev.at(-1)!;
    if (last.event === 'rows') rows = last.data.reset ? last.data.rows : [...rows, ...last.data.rows];
    return rows.length >= 25_000;
  });
  const chunks = events.filter((e) => e.event === 'rows');
  assert.equal(chunks.length, 25);
  assert.ok(chunks.every((e) => e.data.rows.length <= 1000));
  assert.equal(chunks.filter((e) => e.data.reset).length, 1, 'only the first chunk resets');
  assert.deepEqual(
    rows.map((r) => r.iteration),
    Array.from({ length: 25_000 }, (_, i) => i + 1),
  );
  // A resumed run rewrites the file shorter: subscribers get a reset with the new rows.
  const live = readEvents(d, (ev) => ev.some((e) => e.event === 'rows' && e.data.reset && e.data.rows.length === 3));
  await new Promise((r) => setTimeout(r, 100));
  writeFileSync(join(dir, 'progress.jsonl'), [1, 2, 3].map((i) => JSON.stringify(row(i, 1)) + '\n').join(''));
  const ev2 = await live;
  assert.deepEqual(
    ev2
      .filter((e) => e.event === 'rows')
      .at(-1)!
      .data.rows.map((r: any) => r.iteration),
    [1, 2, 3],
  );
});

test('40 event-stream clients that never read hold bounded memory; a slow one is dropped', async () => {
  const runsDir = tempRunsDir();
  bigRun(runsDir, 'long', 40_000); // ~11 MB of rows as JSON
  const d = await start(runsDir, { clientQueueBytes: 8 * 1024 });
  const sockets: Socket[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 40; i++) {
    const s = connect(d.port, '127.0.0.1');
    s.pause(); // never read: what a stuck or hostile client does
    s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n\r\n`);
    sockets.push(s);
  }
  try {
    for (let i = 0; i < 40 && d.streams().clients < 40; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const { clients, bufferedBytes } = d.streams();
    assert.equal(clients, 40);
    // Before: each client was handed the whole history in one write (40 x 11 MB held in the process).
    assert.ok(bufferedBytes < 40 * 1024 * 1024, `${(bufferedBytes / 2 ** 20).toFixed(1)} MiB buffered for 40 clients`);
    assert.ok(bufferedBytes / 40 < 1024 * 1024, 'under 1 MiB per client');
    // The server still answers others at once.
    assert.equal((await get(d, '/api/runs')).status, 200);
    // Live changes queue for the stuck clients until their queue passes the cap; then they are dropped.
    const status = join(runsDir, 'long', 'status.json');
    for (let i = 0; i < 400 && d.streams().clients > 0; i++) {
      writeFileSync(status, JSON.stringify({ state: 'running', steps: i, totalSteps: 1e6, updatedAt: new Date().toISOString() }));
      await new Promise((r) => setTimeout(r, 60));
    }
    assert.equal(d.streams().clients, 0, 'every stuck client was disconnected');
    assert.ok(d.streams().disconnected >= 40);
    assert.ok(Date.now() - t0 < 60_000);
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test('a FIFO named config.json does not hang the server; it is reported as not a regular file', async (t) => {
  if (spawnSync('mkfifo', ['--help']).error) return t.skip('mkfifo is not available');
  const runsDir = tempRunsDir();
  const dir = writeRun(runsDir, 'fifo', { rows: 2, checkpoint: null });
  const cfg = join(dir, 'config.json');
  spawnSync('rm', [cfg]);
  assert.equal(spawnSync('mkfifo', [cfg]).status, 0);
  // Before the fix a read blocked the whole process; this writer releases it after 10 s, so the
  // failure shows as a slow start instead of a hung test (the 8 s bound leaves room for a loaded machine).
  const writer = spawn('sh', ['-c', `sleep 10; echo '{}' > '${cfg}'`], { stdio: 'ignore' });
  let d: Dashboard | null = null;
  try {
    const t0 = Date.now();
    d = await startDashboard({ runsDir, port: 0, assetsDir, pollMs: 50 });
    const r = await get(d, '/api/runs');
    assert.ok(Date.now() - t0 < 8000, `answered in ${Date.now() - t0} ms`);
    const run = JSON.parse(r.body).runs.find((x: any) => x.name === 'fifo');
    assert.ok(run.errors.includes('config.json is not a regular file; not read'), run.errors.join('; '));
    assert.equal(run.rows, 2, 'the rest of the run is still read');
  } finally {
    await d?.close(); // first: with the bug, a poll after the writer is gone would block for good
    writer.kill();
  }
});

test('files symlinked out of the runs directory are not read; links inside it are', async () => {
  const runsDir = tempRunsDir();
  const outside = mkdtempSync(join(tmpdir(), 'ascent-outside-'));
  writeFileSync(join(outside, 'secret.jsonl'), `${JSON.stringify({ steps: 1, secretValue: 31337 })}\n`);
  writeFileSync(join(outside, 'config.json'), JSON.stringify({ algo: 'secretAlgo', env: 'secretEnv' }));
  const dir = writeRun(runsDir, 'linked', { rows: 0, checkpoint: null });
  spawnSync('rm', [join(dir, 'progress.jsonl'), join(dir, 'config.json')]);
  symlinkSync(join(outside, 'secret.jsonl'), join(dir, 'progress.jsonl'));
  symlinkSync(join(outside, 'config.json'), join(dir, 'config.json'));
  writeFileSync(join(outside, 'x.ascent'), 'not yours');
  symlinkSync(join(outside, 'x.ascent'), join(dir, 'checkpoints', 'x.ascent'));
  // A link to another run inside the runs directory is fine.
  const ok = writeRun(runsDir, 'source', { rows: 3, checkpoint: null });
  const alias = writeRun(runsDir, 'alias', { rows: 0, checkpoint: null });
  spawnSync('rm', [join(alias, 'progress.jsonl')]);
  symlinkSync(join(ok, 'progress.jsonl'), join(alias, 'progress.jsonl'));
  const d = await start(runsDir);
  const runs = Object.fromEntries(JSON.parse((await get(d, '/api/runs')).body).runs.map((r: any) => [r.name, r]));
  assert.equal(runs.linked.rows, 0);
  assert.equal(runs.linked.algo, null);
  assert.ok(
    runs.linked.errors.some((e: string) => /^progress\.jsonl points outside the served directory/.test(e)),
    runs.linked.errors.join('; '),
  );
  assert.ok(
    runs.linked.errors.some((e: string) => /^config\.json points outside the served directory/.test(e)),
    runs.linked.errors.join('; '),
  );
  const one = await get(d, '/api/runs/linked');
  assert.doesNotMatch(one.body, /secretValue|31337|secretAlgo|secretEnv/);
  const ck = await get(d, '/api/runs/linked/checkpoints/x.ascent');
  assert.equal(ck.status, 403);
  assert.doesNotMatch(ck.body, /not yours/);
  assert.equal(runs.alias.rows, 3);
  assert.deepEqual(runs.alias.errors, []);
});

test('a torn last progress line of a run that has stopped is skipped with a warning naming the line', () => {
  const dir = writeRun(tempRunsDir(), 'torn', { rows: 2, state: 'running', checkpoint: null });
  writeFileSync(join(dir, 'progress.jsonl'), `${JSON.stringify(row(1, 1))}\n${JSON.stringify(row(2, 2))}\n{"iteration": 3, "ste`, { flag: 'w' });
  const r = new RunReader('torn', dir);
  r.poll();
  assert.equal(r.rows.length, 2);
  assert.deepEqual(r.summary().errors, [], 'while the run is running the line may still be completed');
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ state: 'failed', steps: 256, totalSteps: 4096, updatedAt: new Date().toISOString() }));
  r.poll();
  assert.deepEqual(r.summary().errors, ['progress.jsonl line 3 is incomplete (a torn write: the run stopped mid-line); skipped']);
  assert.equal(r.rows.length, 2);
});

test('GET /api/runs/<run> of a long history is written in pieces and parses whole', async () => {
  const runsDir = tempRunsDir();
  bigRun(runsDir, 'long', 30_000);
  writeRun(runsDir, 'empty-rows', { rows: 0, checkpoint: null });
  const d = await start(runsDir, { rowsPerEvent: 1000 });
  const r = JSON.parse((await get(d, '/api/runs/long')).body);
  assert.equal(r.run.name, 'long');
  assert.deepEqual(
    r.rows.map((x: any) => x.iteration),
    Array.from({ length: 30_000 }, (_, i) => i + 1),
  );
  assert.deepEqual(JSON.parse((await get(d, '/api/runs/empty-rows')).body).rows, []);
});

test("a run whose status says 'running' but whose process is gone is reported dead", async () => {
  const runsDir = tempRunsDir();
  const dir = writeRun(runsDir, 'killed', { rows: 2, state: 'running', checkpoint: null });
  writeFileSync(join(dir, 'progress.jsonl'), `${JSON.stringify(row(1, 1))}\n{"iteration": 2, "st`);
  const { hostname } = await import('node:os');
  // A lock left by a process that no longer exists (pid 2^22 + 1 is above Linux's default pid_max).
  writeFileSync(join(dir, 'train.lock'), JSON.stringify({ pid: 4194305, host: hostname(), startedAt: new Date().toISOString() }));
  const alive = writeRun(runsDir, 'alive', { rows: 1, state: 'running', checkpoint: null });
  writeFileSync(join(alive, 'train.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
  writeRun(runsDir, 'no-lock', { rows: 1, state: 'running', checkpoint: null }); // written before locks existed: not judged
  const d = await start(runsDir);
  const runs = Object.fromEntries(JSON.parse((await get(d, '/api/runs')).body).runs.map((r: any) => [r.name, r]));
  assert.equal(runs.killed.live, false);
  assert.deepEqual(runs.killed.errors, [
    "status.json says 'running' but no process holds the run (train.lock): it was killed; continue it with 'ascent train --resume'",
    'progress.jsonl line 2 is incomplete (a torn write: the run stopped mid-line); skipped',
  ]);
  assert.equal(runs.alive.live, true);
  assert.deepEqual(runs.alive.errors, []);
  assert.equal(runs['no-lock'].live, null);
  assert.deepEqual(runs['no-lock'].errors, []);
});
