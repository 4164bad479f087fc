/**
 * The training page with a MuJoCo task in Chromium: choosing InvertedPendulum-v5 loads mujoco-js in
 * the page (the CleanRL preset's budget appears), PPO trains it in the worker (which loads its own
 * copy), and the live policy plays in 3D on the WebGL canvas: the cart and pole are drawn and move.
 * A saved MuJoCo policy loaded into a fresh page (MuJoCo not loaded yet) plays in 3D too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { ARTIFACTS, closePage, openPage, skipBrowser } from './fixtures.ts';

const skip = skipBrowser();
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  ({ dash, browser, page } = await openPage({ errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

/**
 * The WebGL canvas copied to a 2D one: pixels of the pole's colour (rgba 0 0.7 0.7: cyan, green and
 * blue well above red), pixels that are not the sky, and pixels changed since the previous sample.
 */
const SAMPLE = `(() => {
  const src = document.getElementById('env-3d');
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const g = c.getContext('2d');
  g.drawImage(src, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let pole = 0, notSky = 0, changed = 0;
  const prev = window.__previousSample;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], gr = d[i + 1], b = d[i + 2];
    if (gr > r + 40 && b > r + 40) pole++;
    if (!(Math.abs(r - 66) < 4 && Math.abs(gr - 83) < 4 && Math.abs(b - 103) < 4)) notSky++;
    if (prev && (Math.abs(r - prev[i]) > 8 || Math.abs(gr - prev[i + 1]) > 8 || Math.abs(b - prev[i + 2]) > 8)) changed++;
  }
  window.__previousSample = d;
  return { pole, notSky, changed };
})()`;

test('InvertedPendulum-v5 trains in the worker and its live policy plays in 3D', { skip, timeout: 120_000 }, async () => {
  await page.goto(`${dash.url}train/`);
  await page.selectOption('#env', 'InvertedPendulum-v5');
  await page.waitForFunction(() => (document.getElementById('steps') as HTMLInputElement).value === '1000000', undefined, { timeout: 60_000 });
  assert.match((await page.textContent('#source')) ?? '', /CleanRL ppo_continuous_action/);
  await page.fill('#steps', '6144');
  await page.fill('#threshold', '');
  await page.selectOption('#speed', '4');
  await page.click('#train');
  await page.waitForFunction(() => Number(document.getElementById('steps-done')!.dataset.value ?? 0) > 0, undefined, { timeout: 90_000 });
  await page.waitForFunction(() => !document.getElementById('env-3d')!.hidden && document.getElementById('episode')!.textContent !== '-');
  assert.equal(await page.isHidden('#env-canvas'), true, 'the 2D canvas is hidden');
  assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '');
  const first = (await page.evaluate(SAMPLE)) as { pole: number; notSky: number; changed: number };
  await page.waitForTimeout(1000);
  const second = (await page.evaluate(SAMPLE)) as { pole: number; notSky: number; changed: number };
  await page.screenshot({ path: join(ARTIFACTS, 'train-page-mujoco.png') });
  assert.ok(first.pole > 200, `pole-coloured pixels: ${first.pole}`);
  assert.ok(first.notSky > 5000, `pixels other than the sky: ${first.notSky}`);
  assert.ok(second.changed > 100, `the picture changes: ${second.changed} pixels in 1 s`);
  await page.waitForFunction(() => document.body.dataset.reason !== undefined, undefined, { timeout: 90_000 });
  assert.deepEqual(pageErrors, []);
});

test('a saved MuJoCo policy loads into a fresh page and plays in 3D', { skip, timeout: 90_000 }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const path = join(ARTIFACTS, download.suggestedFilename());
  await download.saveAs(path);
  assert.match(download.suggestedFilename(), /^ppo-InvertedPendulum-v5-s0-\d+\.ascent$/);
  const fresh = await browser.newPage();
  fresh.on('pageerror', (e) => pageErrors.push(e.message));
  await fresh.goto(`${dash.url}train/`);
  await fresh.setInputFiles('#load-file', path);
  await fresh.waitForFunction(() => document.body.dataset.status?.startsWith('loaded'), undefined, { timeout: 60_000 });
  await fresh.waitForFunction(() => !document.getElementById('env-3d')!.hidden && document.getElementById('episode')!.textContent !== '-');
  assert.equal(await fresh.inputValue('#env'), 'InvertedPendulum-v5', 'the loaded run selects its env');
  assert.equal(await fresh.isHidden('#error'), true, (await fresh.textContent('#error')) ?? '');
  const px = (await fresh.evaluate(SAMPLE)) as { pole: number };
  assert.ok(px.pole > 200, `pole-coloured pixels: ${px.pole}`);
  await fresh.close();
  assert.deepEqual(pageErrors, []);
});
