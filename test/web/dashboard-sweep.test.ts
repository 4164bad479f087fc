/**
 * The dashboard server's sweep view without a browser: each job's state from the sweep directory,
 * final returns per configuration (mean ± population std over seeds) and the best configuration,
 * the jobs' runs served under <sweep>/<job>, changes pushed as events, and a corrupt sweep record as
 * one line on that sweep while the others are still served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import type { SweepView } from '../../src/distributed/sweep-view.ts';
import { buildAssets, ppoCheckpoint, tempRunsDir, writeRun } from './fixtures.ts';
import { SWEEP_ID, sweepRecord, writeFixtureSweep, writeJobResult, writeSweepRecord } from './dashboard-sweep-fixtures.ts';

let dash: Dashboard;
let runsDir: string;
let sweepDir: string;
const ck = ppoCheckpoint(0);

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const getJson = async (path: string) => JSON.parse((await get(path)).body);

before(async () => {
  runsDir = tempRunsDir();
  writeRun(runsDir, 'plain', { rows: 3, checkpoint: null });
  ({ dir: sweepDir } = writeFixtureSweep(runsDir));
  writeFileSync(join(sweepDir, 'c0-s0', 'ppo-CartPole-v1-s0-20261126-100000', 'checkpoints', 'best.ascent'), ck);
  // Two broken records: JSON cut short, and JSON of the wrong shape.
  mkdirSync(join(runsDir, 'cut-00000000'));
  writeFileSync(join(runsDir, 'cut-00000000', 'sweep.json'), '{"id": "cut-00000000", "spec": {');
  writeSweepRecord(runsDir, { ...sweepRecord('shape-11111111'), jobs: 'all of them' as never });
  dash = await startDashboard({ runsDir, port: 0, assetsDir: await buildAssets(), pollMs: 50 });
});
after(() => dash?.close());

test('jobs carry their states, progress and final returns', async () => {
  const v: SweepView = await getJson(`/api/sweeps/${SWEEP_ID}`);
  assert.equal(v.error, null);
  assert.equal(v.algo, 'ppo');
  const state = Object.fromEntries(v.jobs.map((j) => [j.key, j.state]));
  assert.deepEqual(state, {
    'c0-s0': 'done',
    'c0-s1': 'done',
    'c1-s0': 'done',
    'c1-s1': 'done',
    'c2-s0': 'running',
    'c2-s1': 'failed',
    'c3-s0': 'stopped',
    'c3-s1': 'queued',
  });
  assert.deepEqual(v.counts, { queued: 1, running: 1, stopped: 1, done: 4, failed: 1 });
  const job = (k: string) => v.jobs.find((j) => j.key === k)!;
  assert.deepEqual([job('c2-s0').steps, job('c2-s0').totalSteps], [256, 4096]);
  assert.equal(job('c2-s1').error, 'NaN in the policy loss at step 384');
  assert.equal(job('c0-s1').final, 200);
  assert.equal(job('c0-s1').run, `${SWEEP_ID}/c0-s1`);
  assert.equal(job('c3-s1').run, null);
  assert.deepEqual(job('c1-s0').params, { lr: 3e-3 });
});

test('scores per configuration are mean ± population std over seeds; the best is the highest mean final return', async () => {
  const v: SweepView = await getJson(`/api/sweeps/${SWEEP_ID}`);
  const rows = v.configurations.map((r) => [r.config, r.done, r.mean, r.std]);
  assert.deepEqual(rows, [
    [0, 2, 150, 50],
    [1, 2, 160, 20],
    [2, 0, null, null],
    [3, 0, null, null],
  ]);
  assert.equal(v.configurations[0].best, 250);
  assert.equal(v.best, 1, 'c1 (mean 160) beats c0 (mean 150, though it has the highest single final and best eval)');
});

test("a sweep job's run is served as <sweep>/<job>: listed, its rows and its checkpoints; the sweep directory is no run", async () => {
  const { runs } = await getJson('/api/runs');
  const names = runs.map((r: { name: string }) => r.name).sort();
  assert.deepEqual(names, [...['c0-s0', 'c0-s1', 'c1-s0', 'c1-s1', 'c2-s0', 'c2-s1', 'c3-s0'].map((k) => `${SWEEP_ID}/${k}`), 'plain']);
  const one = await getJson(`/api/runs/${SWEEP_ID}/c2-s0`);
  assert.equal(one.run.name, `${SWEEP_ID}/c2-s0`);
  assert.equal(one.rows.length, 2);
  const served = await get(`/api/runs/${SWEEP_ID}/c0-s0/checkpoints/best.ascent`);
  assert.equal(served.status, 200);
  assert.deepEqual(new Uint8Array(Buffer.from(served.body, 'latin1')), ck);
  assert.equal((await get(`/api/runs/${SWEEP_ID}/c3-s1`)).status, 404, 'a queued job has no run yet');
  assert.equal((await get(`/api/runs/${SWEEP_ID}`)).status, 404);
  assert.equal((await get(`/api/runs/${SWEEP_ID}/..%2f..%2fplain`)).status, 403);
  assert.equal((await get('/api/sweeps/no-such-sweep')).status, 404);
});

test('a corrupt sweep record is one line on that sweep; the other sweeps are still served', async () => {
  const { sweeps } = await getJson('/api/sweeps');
  const by = Object.fromEntries(sweeps.map((s: SweepView) => [s.id, s]));
  assert.deepEqual(Object.keys(by).sort(), ['cut-00000000', SWEEP_ID, 'shape-11111111']);
  assert.match(by['cut-00000000'].error, /^sweep\.json is corrupt: /);
  assert.match(by['shape-11111111'].error, /^sweep\.json is not a sweep record: "jobs" must be a list, got "all of them"$/);
  for (const id of ['cut-00000000', 'shape-11111111']) {
    assert.doesNotMatch(by[id].error, /\n/);
    assert.deepEqual(by[id].jobs, []);
  }
  assert.equal(by[SWEEP_ID].error, null);
});

test('a job that finishes is pushed as a sweep event with the new scores and best configuration', { timeout: 30_000 }, async () => {
  const seen: SweepView[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: dash.port, path: '/api/events' }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const msg = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const m = /^event: sweep\ndata: (.*)$/s.exec(msg);
          if (!m) continue;
          const v = JSON.parse(m[1]) as SweepView;
          if (v.id !== SWEEP_ID) continue;
          seen.push(v);
          // The first is the snapshot: then c2-s0 finishes with 300 (and c2-s1 stays failed: c2 is 300 ± 0 over one seed).
          if (seen.length === 1) writeJobResult(sweepDir, sweepRecord(), 'c2-s0', 300, 310);
          else if (v.jobs.find((j) => j.key === 'c2-s0')?.state === 'done') {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.on('error', (e) => (/socket hang up|aborted/.test(e.message) ? undefined : reject(e)));
    req.end();
  });
  await done;
  const last = seen.at(-1)!;
  assert.equal(seen[0].jobs.find((j) => j.key === 'c2-s0')?.state, 'running');
  assert.deepEqual([last.configurations[2].done, last.configurations[2].mean, last.configurations[2].std], [1, 300, 0]);
  assert.equal(last.best, 2);
  assert.equal(last.counts.running, 0);
});
