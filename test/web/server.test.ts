/**
 * The dashboard server without a browser: the run API, incremental progress rows over server-sent
 * events, errors for missing and corrupt runs, and refusal of paths outside the runs directory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import { RunReader } from '../../src/web/runs.ts';
import { appendRows, buildAssets, tempRunsDir, writeRun, ppoCheckpoint } from './fixtures.ts';

let dash: Dashboard;
let runsDir: string;
const ck = ppoCheckpoint(0);

/** GET with the path sent exactly as written (no client-side normalisation of '..'). */
function get(path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  runsDir = tempRunsDir();
  writeRun(runsDir, 'good', { rows: 5, checkpoint: ck });
  const bad = writeRun(runsDir, 'corrupt', { rows: 3, checkpoint: null });
  writeFileSync(join(bad, 'config.json'), '{"algo": "ppo", ');
  writeFileSync(
    join(bad, 'progress.jsonl'),
    `${JSON.stringify({ steps: 1, returnMean: 9 })}\nnot json at all\n${JSON.stringify({ steps: 3, returnMean: 9 })}\n`,
  );
  mkdirSync(join(runsDir, 'empty'));
  writeFileSync(join(runsDir, 'secret.txt'), 'not a run');
  dash = await startDashboard({ runsDir, port: 0, assetsDir: await buildAssets(), pollMs: 50 });
});
after(() => dash?.close());

test('binds 127.0.0.1 on the asked port and serves both pages', async () => {
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const root = await get('/');
  assert.equal(root.status, 302);
  for (const p of ['/dashboard/', '/train/', '/train/worker.js', '/dashboard/main.js', '/style.css']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
  }
  assert.match((await get('/train/worker.js')).type, /javascript/);
});

test('lists runs with their summaries; missing and corrupt files are errors on that run', async () => {
  const { runs, error } = JSON.parse((await get('/api/runs')).body);
  assert.equal(error, null);
  const by = Object.fromEntries(runs.map((r: any) => [r.name, r]));
  assert.deepEqual(Object.keys(by).sort(), ['corrupt', 'empty', 'good'], 'directories only, the stray file is no run');
  assert.equal(by.good.algo, 'ppo');
  assert.equal(by.good.env, 'CartPole-v1');
  assert.equal(by.good.rows, 5);
  assert.deepEqual(by.good.checkpoints, ['best.ascent', 'last.ascent']);
  assert.deepEqual(by.good.errors, []);
  assert.ok(
    by.corrupt.errors.some((e: string) => /config\.json is corrupt/.test(e)),
    by.corrupt.errors.join('; '),
  );
  assert.ok(
    by.corrupt.errors.some((e: string) => /progress\.jsonl line 2 is corrupt/.test(e)),
    by.corrupt.errors.join('; '),
  );
  assert.equal(by.corrupt.rows, 1, 'rows before the bad line are kept');
  assert.ok(by.empty.errors.includes('config.json is missing'));
  const one = JSON.parse((await get('/api/runs/good')).body);
  assert.equal(one.rows.length, 5);
  assert.equal(one.rows[4].steps, 640);
});

test('a run that does not exist is a 404 naming it; checkpoints are served as bytes', async () => {
  const r = await get('/api/runs/no-such-run');
  assert.equal(r.status, 404);
  assert.match(JSON.parse(r.body).error, /no run 'no-such-run'/);
  const c = await get('/api/runs/good/checkpoints/best.ascent');
  assert.equal(c.status, 200);
  assert.equal(Buffer.from(c.body, 'latin1').length, ck.length);
  assert.equal((await get('/api/runs/good/checkpoints/other.ascent')).status, 404);
});

test('refuses paths outside the runs and assets directories, plain or encoded', async () => {
  const attempts = [
    '/api/runs/../../etc/passwd',
    '/api/runs/..',
    '/api/runs/%2e%2e',
    '/api/runs/%2E%2E/%2E%2E/etc/passwd',
    '/api/runs/..%2f..%2fetc%2fpasswd',
    '/api/runs/good%2f..%2f..%2fsecret.txt',
    '/api/runs/good/checkpoints/..%2f..%2fconfig.json',
    '/api/runs/..%5c..%5csecret.txt',
    '/api/runs/%00',
    '/train/../../package.json',
    '/train/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/dashboard/%2e%2e%2f%2e%2e%2fpackage.json',
  ];
  for (const path of attempts) {
    const r = await get(path);
    assert.equal(r.status, 403, `${path} -> ${r.status} ${r.body.slice(0, 80)}`);
    assert.doesNotMatch(r.body, /root:|"name": "ascent-rl"/);
  }
  assert.equal((await get('/api/runs/%E0%A4%A')).status, 400, 'malformed percent-encoding');
  // Double encoding decodes once to a literal '%2e%2e' name, which is simply not a run.
  assert.equal((await get('/api/runs/%252e%252e')).status, 404);
});

test('refuses a Host header that is not a local name for this server (DNS rebinding)', async () => {
  const status = (hostHeader: string) =>
    new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: dash.port, path: '/api/runs', headers: { host: hostHeader } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
  assert.equal(await status(`evil.example:${dash.port}`), 403);
  assert.equal(await status('127.0.0.1:1'), 403);
  assert.equal(await status(`localhost:${dash.port}`), 200);
  assert.equal(await status(`127.0.0.1:${dash.port}`), 200);
});

test('a symlink inside the runs directory that points outside it is refused', async () => {
  const outside = tempRunsDir();
  writeRun(outside, 'elsewhere', { rows: 1, checkpoint: null });
  symlinkSync(join(outside, 'elsewhere'), join(runsDir, 'link'));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await get('/api/runs/link')).status, 403);
});

test('server-sent events: a snapshot of every run, then rows as they are appended and runs as they appear', async () => {
  const events: { event: string; data: any }[] = [];
  const req = request({ host: '127.0.0.1', port: dash.port, path: '/api/events' });
  const done = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          events.push({ event: ev, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) });
          const appended = events.filter((e) => e.event === 'rows' && e.data.name === 'good' && !e.data.reset);
          const born = events.some((e) => e.event === 'rows' && e.data.name === 'fresh');
          if (appended.length && born) {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
  });
  req.end();
  await new Promise((r) => setTimeout(r, 100));
  appendRows(join(runsDir, 'good'), 6, 2);
  writeRun(runsDir, 'fresh', { rows: 2, state: 'running', checkpoint: null });
  await done;
  assert.equal(events[0].event, 'dir');
  const snap = events.find((e) => e.event === 'rows' && e.data.name === 'good' && e.data.reset)!;
  assert.ok(snap.data.rows.length >= 5);
  const added = events.filter((e) => e.event === 'rows' && e.data.name === 'good' && !e.data.reset).flatMap((e) => e.data.rows);
  assert.deepEqual(
    added.map((r: any) => r.iteration),
    [6, 7],
  );
  assert.ok(events.some((e) => e.event === 'run' && e.data.name === 'fresh' && e.data.state === 'running'));
});

test('a progress line still being written is held back until its newline arrives', () => {
  const dir = writeRun(tempRunsDir(), 'r', { rows: 2, checkpoint: null });
  const reader = new RunReader('r', dir);
  assert.equal(reader.poll().added.length, 2);
  appendFileSync(join(dir, 'progress.jsonl'), '{"steps": 3, "retu');
  assert.equal(reader.poll().added.length, 0);
  appendFileSync(join(dir, 'progress.jsonl'), 'rnMean": 1}\n');
  assert.deepEqual(reader.poll().added, [{ steps: 3, returnMean: 1 }]);
  // A resumed run rewrites the file shorter: everything is read again.
  writeFileSync(join(dir, 'progress.jsonl'), `${JSON.stringify({ steps: 1 })}\n`);
  const again = reader.poll();
  assert.equal(again.reset, true);
  assert.equal(reader.rows.length, 1);
  assert.deepEqual(reader.summary().errors, []);
});

test('a runs directory that does not exist is reported, and the port must be valid', async () => {
  const d = await startDashboard({ runsDir: join(runsDir, 'nope', 'deeper'), port: 0, assetsDir: await buildAssets() });
  try {
    const r = await new Promise<string>((resolve) =>
      request({ host: '127.0.0.1', port: d.port, path: '/api/runs' }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).end(),
    );
    assert.match(JSON.parse(r).error, /runs directory .*nope.deeper does not exist/);
  } finally {
    await d.close();
  }
  await assert.rejects(startDashboard({ runsDir, port: 70000 }), /port must be an integer in 0\.\.65535, got 70000/);
});

test('a built page set that lacks a bundle (an older build, before the lab page) is rebuilt on start', async () => {
  const dir = join(tempRunsDir(), 'assets');
  for (const b of ['dashboard/main.js', 'train/worker.js']) {
    mkdirSync(join(dir, b, '..'), { recursive: true });
    writeFileSync(join(dir, b), '// an older build\n');
  }
  const d = await startDashboard({ runsDir: tempRunsDir(), port: 0, assetsDir: dir, pollMs: 100 });
  try {
    assert.ok(existsSync(join(dir, 'lab', 'worker.js')), 'the lab page was built');
    assert.ok(!readFileSync(join(dir, 'dashboard', 'main.js'), 'utf8').startsWith('// an older build'));
  } finally {
    await d.close();
  }
});

test("/source/ serves the package's own sources and docs as text, and nothing else", async () => {
  const ok = await get('/source/src/lab/estimators.ts');
  assert.equal(ok.status, 200);
  assert.match(ok.type, /^text\/plain/);
  assert.match(ok.body, /export function/);
  assert.equal((await get('/source/docs/algorithms/ppo.md')).status, 200);
  for (const bad of [
    '/source/package.json',
    '/source/test/web/server.test.ts',
    '/source/src/../package.json',
    '/source/src/..%2f..%2fpackage.json',
    '/source/src/missing.ts',
    '/source/README.md',
  ]) {
    assert.ok([403, 404].includes((await get(bad)).status), bad);
  }
});
