/**
 * The training page in Chromium: PPO (the Zoo preset) trains CartPole-v1 inside a Web Worker to a
 * greedy evaluation mean of at least 195, the canvas shows the cart and pole, pause holds the step
 * count, and a saved policy (downloaded file, and IndexedDB) loads back and plays: its first
 * episode replays the run's last evaluation episode exactly (same seeds, greedy actions), and
 * training continues from it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { decodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint.ts';
import { ARTIFACTS, CANVAS_COLOURS, closePage, openPage, skipBrowser } from './fixtures.ts';

const skip = skipBrowser();
const TRAIN_BOUND_MS = 120_000;
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
let saved: { path: string; ck: Checkpoint } | null = null;

before(async () => {
  if (skip) return;
  ({ dash, browser, page } = await openPage({ errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

const cartPixels = (p: Page) => p.evaluate(`(${CANVAS_COLOURS})('env-canvas')`) as Promise<{ black: number; pole: number; width: number; height: number }>;

/**
 * The canvas's pixel counts once a frame shows the whole cart and pole (within 15 s of animation):
 * an episode can end with the cart at x = +-2.4, half out of view, so one sampled frame may not.
 */
async function cartInView(p: Page): Promise<Awaited<ReturnType<typeof cartPixels>>> {
  let px = await cartPixels(p);
  for (const end = Date.now() + 15_000; !(px.black > 1500 && px.pole > 300) && Date.now() < end; ) {
    await p.waitForTimeout(50);
    px = await cartPixels(p);
  }
  return px;
}

test('PPO trains CartPole-v1 in a worker to a greedy mean of at least 195; pause holds it', { skip, timeout: TRAIN_BOUND_MS + 30_000 }, async () => {
  await page.goto(`${dash.url}train/`);
  assert.equal(await page.inputValue('#env'), 'CartPole-v1');
  assert.equal(await page.inputValue('#algo'), 'ppo');
  assert.equal(await page.inputValue('#steps'), '100000', 'the Zoo preset budget');
  await page.fill('#threshold', '195');
  await page.click('#train');
  // Pause once training is under way: the step count holds while paused.
  await page.waitForFunction(() => Number(document.getElementById('steps-done')!.dataset.value) > 0);
  await page.click('#pause');
  await page.waitForFunction(() => document.body.dataset.status === 'paused');
  const held = await page.getAttribute('#steps-done', 'data-value');
  await page.waitForTimeout(400);
  assert.equal(await page.getAttribute('#steps-done', 'data-value'), held);
  assert.equal(await page.textContent('#pause'), 'Resume');
  await page.click('#pause');
  await page.waitForFunction(() => document.body.dataset.reason === 'threshold', null, { timeout: TRAIN_BOUND_MS });
  const mean = Number(await page.getAttribute('#eval-mean', 'data-value'));
  assert.ok(mean >= 195, `greedy evaluation mean ${mean}`);
  assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '');
  await page.screenshot({ path: join(ARTIFACTS, 'train-done.png') });
});

test('the canvas shows the cart and the pole of the policy being trained', { skip }, async () => {
  await page.waitForFunction(() => document.getElementById('episode')!.textContent !== '-');
  const px = await cartInView(page);
  assert.deepEqual([px.width, px.height], [600, 400]);
  assert.ok(px.black > 1500, `black (cart and track) pixels: ${px.black}`);
  assert.ok(px.pole > 300, `pole pixels: ${px.pole}`);
});

test("Save downloads a checkpoint that decodes in Node with the run's evaluation", { skip }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  assert.match(download.suggestedFilename(), /^ppo-CartPole-v1-s0-\d+\.ascent$/);
  const path = join(ARTIFACTS, download.suggestedFilename());
  await download.saveAs(path);
  const ck = decodeCheckpoint(new Uint8Array(readFileSync(path)));
  assert.equal(ck.algo, 'ppo');
  assert.equal(ck.env, 'CartPole-v1');
  assert.equal(ck.config.numEnvs, 8, 'the preset config travels with the policy');
  assert.ok(ck.driver.lastEval && ck.driver.lastEval.mean >= 195);
  assert.equal(ck.driver.lastEval!.steps, ck.steps, 'the evaluation is of this very policy');
  saved = { path, ck };
  await page.click('#save-idb');
  await page.waitForFunction(() => (document.getElementById('stored') as HTMLSelectElement).options.length > 1);
});

test("a saved file loads back and plays: its first episode is the evaluation's first episode", { skip }, async () => {
  assert.ok(saved, 'needs the saved policy');
  await page.reload();
  await page.setInputFiles('#load-file', saved.path);
  await page.waitForFunction(() => /ppo on CartPole-v1/.test(document.getElementById('policy-name')!.textContent ?? ''));
  await page.selectOption('#speed', '20');
  await page.waitForFunction(() => document.getElementById('played')!.dataset.returns !== undefined, null, { timeout: 30_000 });
  const returns = JSON.parse((await page.getAttribute('#played', 'data-returns'))!);
  assert.equal(returns[0], saved.ck.driver.lastEval!.returns[0]);
  // The first episode may end with the cart at the edge of the view (x = +-2.4 terminates): look at
  // the canvas a few steps into the next episode, where every start state is near the centre.
  await page.waitForFunction(() => Number(document.getElementById('episode-return')!.textContent) >= 3, null, { timeout: 30_000 });
  const px = await cartInView(page);
  await page.screenshot({ path: join(ARTIFACTS, 'train-loaded.png') });
  assert.ok(px.black > 1500 && px.pole > 300, JSON.stringify(px));
});

test('Continue training picks the loaded run up where it stopped', { skip }, async () => {
  const from = saved!.ck.steps;
  await page.fill('#steps', String(from + 4096));
  await page.fill('#threshold', '');
  await page.click('#continue');
  await page.waitForFunction(() => document.body.dataset.reason === 'steps', null, { timeout: 60_000 });
  const done = Number(await page.getAttribute('#steps-done', 'data-value'));
  assert.ok(done >= from + 4096 && done < from + 4096 + 256, `steps ${done} after resuming at ${from}`);
  // 16 updates of 8 x 32 steps were logged, not a run from zero.
  assert.equal(await page.getAttribute('#steps-done', 'data-updates'), '16');
  assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '');
});

test('a policy saved in the browser (IndexedDB) loads back; a corrupt file is an error in the page', { skip }, async () => {
  const name = await page.$eval('#stored', (s) => (s as HTMLSelectElement).options[1].value);
  await page.selectOption('#stored', name);
  await page.click('#load-idb');
  await page.waitForFunction((n) => document.getElementById('policy-name')!.textContent!.startsWith(n), name);
  assert.equal(await page.isHidden('#error'), true);
  const bad = readFileSync(saved!.path);
  bad[bad.length - 10] ^= 0xff;
  const badPath = join(ARTIFACTS, 'corrupt.ascent');
  writeFileSync(badPath, bad);
  await page.setInputFiles('#load-file', badPath);
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /cannot load corrupt\.ascent: .*checksum mismatch/);
  await page.screenshot({ path: join(ARTIFACTS, 'train-corrupt.png') });
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
