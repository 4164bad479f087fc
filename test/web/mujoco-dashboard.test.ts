/**
 * The dashboard plays a MuJoCo checkpoint in Chromium: the page loads mujoco-js from the build's
 * mujoco/ folder, steps the task, and draws the robot with three.js (WebGL) on its own canvas; the
 * picture changes as the robot moves; a CartPole checkpoint afterwards goes back to the 2D canvas.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { ARTIFACTS, RUN, closePage, openPage, ppoCheckpoint, skipBrowser, tempRunsDir, writeRun } from './fixtures.ts';
import { mujocoCheckpoint } from './mujoco-fixtures.ts';

const skip = skipBrowser();
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const HOPPER_RUN = 'ppo-Hopper-v5-s0-a';
const HUMANOID_RUN = 'ppo-Humanoid-v5-s0';

before(async () => {
  if (skip) return;
  const runsDir = tempRunsDir();
  const dir = writeRun(runsDir, HOPPER_RUN, { rows: 3, checkpoint: await mujocoCheckpoint('Hopper-v5') });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo: 'ppo', env: 'Hopper-v5', config: { seed: 0, env: 'Hopper-v5' }, run: RUN, preset: null }));
  writeRun(runsDir, 'ppo-CartPole-v1-s0-a', { rows: 3, checkpoint: ppoCheckpoint(0) });
  // The trained Humanoid committed to the repository, as `ascent dashboard examples/humanoid` shows it.
  cpSync(join(import.meta.dirname, '..', '..', 'examples', 'humanoid', HUMANOID_RUN), join(runsDir, HUMANOID_RUN), { recursive: true });
  ({ dash, browser, page } = await openPage({ runsDir, pollMs: 100, errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

/**
 * The WebGL canvas copied to a 2D one: pixels of the Hopper's colour (rgba 0.8 0.6 0.4, lit: red >
 * green > blue, unlike the green-grey floor and the blue-grey sky), and how many pixels changed
 * since the previous sample.
 */
const SAMPLE = `(() => {
  const src = document.getElementById('play-3d');
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const g = c.getContext('2d');
  g.drawImage(src, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let robot = 0, sky = 0, other = 0, changed = 0;
  const prev = window.__previousSample;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], gr = d[i + 1], b = d[i + 2];
    if (r > gr + 15 && gr > b + 15) robot++;
    else if (Math.abs(r - 66) < 4 && Math.abs(gr - 83) < 4 && Math.abs(b - 103) < 4) sky++;
    else other++;
    if (prev && (Math.abs(r - prev[i]) > 8 || Math.abs(gr - prev[i + 1]) > 8 || Math.abs(b - prev[i + 2]) > 8)) changed++;
  }
  window.__previousSample = d;
  return { robot, sky, other, changed, width: c.width, height: c.height };
})()`;

interface Sample {
  robot: number;
  sky: number;
  other: number;
  changed: number;
  width: number;
  height: number;
}

test('a Hopper-v5 checkpoint plays in 3D: the robot is drawn and moves', { skip, timeout: 120_000 }, async () => {
  await page.goto(`${dash.url}dashboard/`);
  await page.waitForFunction(
    (name) => Array.from(document.querySelectorAll('#play-run option')).some((o) => (o as HTMLOptionElement).value === name),
    HOPPER_RUN,
  );
  await page.selectOption('#play-run', HOPPER_RUN);
  await page.selectOption('#speed', '4');
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('episode')!.textContent !== '-', undefined, { timeout: 90_000 });
  assert.equal(await page.isHidden('#play-error'), true, (await page.textContent('#play-error')) ?? '');
  assert.equal(await page.isVisible('#play-3d'), true, 'the WebGL canvas is shown');
  assert.equal(await page.isHidden('#play-canvas'), true, 'the 2D canvas is hidden');
  assert.match((await page.textContent('#play-name')) ?? '', /ppo on Hopper-v5/);
  const first = (await page.evaluate(SAMPLE)) as Sample;
  await page.waitForTimeout(1000);
  const second = (await page.evaluate(SAMPLE)) as Sample;
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-mujoco-hopper.png') });
  assert.deepEqual([first.width, first.height], [600, 400]);
  assert.ok(first.robot > 300, `Hopper-coloured pixels: ${first.robot}`);
  assert.ok(first.sky > 10_000 && first.other > 10_000, `sky ${first.sky}, floor and the rest ${first.other}`);
  assert.ok(second.changed > 200, `the picture changes between frames: ${second.changed} pixels changed in 1 s`);
  assert.deepEqual(pageErrors, []);
});

test('a CartPole checkpoint afterwards plays on the 2D canvas again', { skip, timeout: 60_000 }, async () => {
  await page.selectOption('#play-run', 'ppo-CartPole-v1-s0-a');
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('play-name')!.textContent!.includes('CartPole-v1'));
  assert.equal(await page.isVisible('#play-canvas'), true);
  assert.equal(await page.isHidden('#play-3d'), true);
  assert.deepEqual(pageErrors, []);
});

test('the committed Humanoid-v5 checkpoint plays in 3D', { skip, timeout: 120_000 }, async () => {
  await page.selectOption('#play-run', HUMANOID_RUN);
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('play-name')!.textContent!.includes('Humanoid-v5'), undefined, { timeout: 90_000 });
  await page.waitForFunction(() => document.getElementById('episode')!.textContent !== '-', undefined, { timeout: 90_000 });
  assert.equal(await page.isHidden('#play-error'), true, (await page.textContent('#play-error')) ?? '');
  assert.equal(await page.isVisible('#play-3d'), true, 'the WebGL canvas is shown');
  const first = (await page.evaluate(SAMPLE)) as Sample;
  await page.waitForTimeout(1000);
  const second = (await page.evaluate(SAMPLE)) as Sample;
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-mujoco-humanoid.png') });
  assert.ok(first.robot > 300, `Humanoid-coloured pixels: ${first.robot}`);
  assert.ok(second.changed > 200, `the picture changes between frames: ${second.changed} pixels changed in 1 s`);
  assert.deepEqual(pageErrors, []);
});
