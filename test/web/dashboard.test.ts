/**
 * The dashboard in Chromium: a run is listed and its curve has points, a second run appears (and
 * its curve grows) while it trains, a checkpoint plays on the canvas, and bad input — a missing
 * run, corrupt files, a corrupt checkpoint, a runs directory that does not exist — shows an error
 * in the page. Screenshots go to test-artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import { ARTIFACTS, CANVAS_COLOURS, appendRows, buildAssets, closePage, openPage, ppoCheckpoint, skipBrowser, tempRunsDir, writeRun } from './fixtures.ts';

const skip = skipBrowser();
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
let runsDir: string;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  runsDir = tempRunsDir();
  writeRun(runsDir, 'ppo-CartPole-v1-s0-a', { rows: 12, checkpoint: ppoCheckpoint(2) });
  const bad = writeRun(runsDir, 'ppo-CartPole-v1-s0-corrupt', { rows: 4 });
  writeFileSync(join(bad, 'config.json'), '{ not json');
  const ck = ppoCheckpoint(0);
  ck[ck.length - 20] ^= 0xff; // flip bits in the tensor data: the CRC-32 must catch it
  writeFileSync(join(bad, 'checkpoints', 'best.ascent'), ck);
  ({ dash, browser, page } = await openPage({ runsDir, pollMs: 100, errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

const points = (p: Page) => p.$eval('#chart', (c) => JSON.parse((c as HTMLCanvasElement).dataset.series ?? '[]') as { label: string; points: number }[]);

test('lists a run and draws its learning curve', { skip }, async () => {
  await page.goto(dash.url);
  await page.waitForSelector('tr[data-run="ppo-CartPole-v1-s0-a"]');
  await page.waitForFunction(() => Number(document.getElementById('chart')!.dataset.points) > 0);
  const series = await points(page);
  assert.equal(series.find((s) => s.label === 'ppo-CartPole-v1-s0-a')?.points, 12);
  assert.equal(await page.textContent('#conn'), 'live');
  // The curve is really drawn: the first series' colour is on the canvas.
  const blue = await page.$eval('#chart', (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 0x25 && d[i + 1] === 0x63 && d[i + 2] === 0xeb) n++;
    return n;
  });
  assert.ok(blue > 200, `curve pixels: ${blue}`);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-list.png') });
});

test('a second run appears while it trains and its curve grows live', { skip }, async () => {
  const dir = writeRun(runsDir, 'ppo-CartPole-v1-s1-b', { rows: 1, state: 'running', checkpoint: null });
  await page.waitForSelector('tr[data-run="ppo-CartPole-v1-s1-b"]');
  for (let i = 2; i <= 8; i += 2) {
    appendRows(dir, i, 2);
    await page.waitForFunction((n) => Number(document.querySelector('tr[data-run="ppo-CartPole-v1-s1-b"]')?.getAttribute('data-rows')) === n, i + 1);
  }
  const series = await points(page);
  assert.equal(series.find((s) => s.label === 'ppo-CartPole-v1-s1-b')?.points, 9);
  assert.equal(series.length, 3, 'every run is overlaid');
  assert.equal(await page.textContent('tr[data-run="ppo-CartPole-v1-s1-b"] td:nth-child(3)'), 'running');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png') });
});

test('plays a checkpoint on the canvas: the cart and pole are drawn', { skip }, async () => {
  await page.selectOption('#play-run', 'ppo-CartPole-v1-s0-a');
  await page.selectOption('#speed', '4');
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('episode')!.textContent !== '-');
  const px = (await page.evaluate(`(${CANVAS_COLOURS})('play-canvas')`)) as { black: number; pole: number; width: number };
  assert.equal(px.width, 600);
  assert.ok(px.black > 1500, `black (cart and track) pixels: ${px.black}`);
  assert.ok(px.pole > 300, `pole pixels: ${px.pole}`);
  assert.equal(await page.isHidden('#play-error'), true);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-play.png') });
});

test('corrupt files show as errors on their run; a corrupt checkpoint shows an error, not a blank canvas', { skip }, async () => {
  const err = await page.textContent('tr[data-run="ppo-CartPole-v1-s0-corrupt"] .run-error');
  assert.match(err ?? '', /config\.json is corrupt/);
  await page.selectOption('#play-run', 'ppo-CartPole-v1-s0-corrupt');
  await page.selectOption('#play-ckpt', 'best.ascent');
  await page.click('#play');
  await page.waitForSelector('#play-error:not([hidden])');
  assert.match((await page.textContent('#play-error')) ?? '', /cannot play ppo-CartPole-v1-s0-corrupt\/best\.ascent: .*(CRC|checksum)/i);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-corrupt.png') });
});

test('a run that does not exist is an error in the page', { skip }, async () => {
  await page.goto(`${dash.url}dashboard/#run=no-such-run`);
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /no run 'no-such-run' in /);
  // The other runs are still listed below the message.
  await page.waitForSelector('tr[data-run="ppo-CartPole-v1-s0-a"]');
});

test('a runs directory that does not exist is an error in the page', { skip }, async () => {
  const d = await startDashboard({ runsDir: join(runsDir, 'missing'), port: 0, assetsDir: await buildAssets(), pollMs: 100 });
  try {
    await page.goto(d.url);
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /runs directory .*missing does not exist/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-missing-dir.png') });
  } finally {
    await d.close();
  }
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'ascent.mjs');

test(
  'a run the CLI is training appears, its curve grows while it runs, and its checkpoint plays',
  { skip: skip || (!existsSync(CLI) && 'bin/ascent.mjs is absent'), timeout: 90_000 },
  async () => {
    const out = tempRunsDir();
    const d = await startDashboard({ runsDir: out, port: 0, assetsDir: await buildAssets(), pollMs: 100 });
    const child = spawn(
      process.execPath,
      [CLI, 'train', 'ppo', 'CartPole-v1', '--steps', '40000', '--threshold', '1000', '--eval-every', '10000', '--out', out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await page.goto(d.url);
      // While the CLI trains, the row says running and its row count grows.
      const seen = new Set<number>();
      await page.waitForSelector('tr[data-run^="ppo-CartPole-v1-s0-"]', { timeout: 30_000 });
      for (let i = 0; i < 400 && seen.size < 3; i++) {
        const [state, rows] = await page.$eval(
          'tr[data-run^="ppo-CartPole-v1-s0-"]',
          (tr) => [tr.children[2].textContent, Number((tr as HTMLElement).dataset.rows)] as const,
        );
        if (state === 'running' && rows > 0) seen.add(rows);
        if (state === 'finished') break;
        await page.waitForTimeout(50);
      }
      assert.ok(seen.size >= 2, `row counts seen while running: ${[...seen].join(', ')}`);
      assert.equal(await exited, 0, stderr);
      await page.waitForFunction(() => document.querySelector('tr[data-run^="ppo-CartPole-v1-s0-"] td:nth-child(3)')?.textContent === 'finished');
      const series = await points(page);
      assert.ok(series[0].points > 100, `points: ${series[0].points}`);
      await page.selectOption('#play-ckpt', 'best.ascent');
      await page.click('#play');
      await page.waitForFunction(() => document.getElementById('episode')!.textContent !== '-');
      const px = (await page.evaluate(`(${CANVAS_COLOURS})('play-canvas')`)) as { black: number; pole: number };
      assert.ok(px.black > 1500 && px.pole > 300, JSON.stringify(px));
      assert.equal(await page.isHidden('#play-error'), true, (await page.textContent('#play-error')) ?? '');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-cli-run.png') });
    } finally {
      child.kill();
      await d.close();
    }
  },
);

test('a run with 150,000 progress rows is listed whole and drawn from at most 2000 points', { skip, timeout: 60_000 }, async () => {
  // Before: the server's rows.push(...added) overflowed the call stack past ~130k rows and the
  // page showed 0 rows; the whole history went out in one event.
  const longDir = tempRunsDir();
  const dir = writeRun(longDir, 'long', { rows: 0, checkpoint: null });
  const lines: string[] = [];
  for (let i = 1; i <= 150_000; i++) lines.push(JSON.stringify({ iteration: i, steps: 128 * i, returnMean: (i * 7919) % 500 }));
  writeFileSync(join(dir, 'progress.jsonl'), lines.join('\n') + '\n');
  const d = await startDashboard({ runsDir: longDir, port: 0, assetsDir: await buildAssets(), pollMs: 100 });
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  try {
    await p.goto(d.url);
    await p.waitForFunction(() => document.querySelector('tr[data-run="long"]')?.getAttribute('data-rows') === '150000', undefined, { timeout: 45_000 });
    await p.waitForFunction(() => Number(document.getElementById('chart')!.dataset.points) > 0);
    const series = await points(p);
    assert.equal(series.length, 1);
    assert.ok(series[0].points <= 2000 && series[0].points >= 1000, `${series[0].points} points drawn`);
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
    await d.close();
  }
});
