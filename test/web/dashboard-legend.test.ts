/**
 * The dashboard's legend in Chromium: names start with algo, env and seed (cut at their end when the
 * column is narrow, never at their start), runs that would share a name are told apart, and a failed
 * run is marked in the legend and the table. Screenshot: test-artifacts/dashboard-legend.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { ARTIFACTS, RUN, closePage, openPage, skipBrowser, tempRunsDir, writeRun } from './fixtures.ts';

const skip = skipBrowser();
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;

const RUNS = [
  ['ppo-CartPole-v1-s0-20261126-061000', 'ppo', 'finished'],
  ['trpo-CartPole-v1-s0-20261126-061500', 'trpo', 'failed'],
  ['ppo-CartPole-v1-s0-20261126-062000', 'ppo', 'finished'],
] as const;

before(async () => {
  if (skip) return;
  const runsDir = tempRunsDir();
  for (const [name, algo, state] of RUNS) {
    const dir = writeRun(runsDir, name, { rows: 12, state, checkpoint: null });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo, env: 'CartPole-v1', config: { seed: 0, env: 'CartPole-v1' }, run: RUN, preset: null }));
  }
  ({ dash, browser, page } = await openPage({ runsDir, pollMs: 100 }));
  // Record the text the chart draws (its legend), to check how names are cut.
  await page.addInitScript(() => {
    const drawn: string[] = ((globalThis as any).__chartText = []);
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, w?: number) {
      if (this.canvas.id === 'chart') drawn.push(text);
      return w === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, w);
    };
  });
});
after(() => closePage({ browser, dash }));

test('legend names lead with algo, env and seed; a failed run is marked in the legend and the table', { skip }, async () => {
  // A narrow page: three legend columns of about 170 px, too narrow for the long names.
  await page.setViewportSize({ width: 600, height: 900 });
  await page.goto(dash.url);
  await page.waitForFunction(() => JSON.parse(document.getElementById('chart')!.dataset.series ?? '[]').length === 3);
  const series = await page.$eval('#chart', (c) => JSON.parse((c as HTMLCanvasElement).dataset.series!));
  assert.deepEqual(
    series.map((s: any) => [s.legend, s.failed]),
    [
      ['ppo CartPole-v1 s0 06:10:00', false],
      ['ppo CartPole-v1 s0 06:20:00', false],
      ['✗ trpo CartPole-v1 s0 (failed)', true],
    ],
  );
  const drawn: string[] = await page.evaluate(() => (globalThis as any).__chartText);
  const legends = drawn.filter((t) => /CartPole|…/.test(t)).slice(-3);
  assert.equal(legends.length, 3, drawn.join(' | '));
  for (const [i, prefix] of ['ppo CartPole', 'ppo CartPole', '✗ trpo CartPole'].entries()) {
    assert.ok(legends[i].startsWith(prefix), `legend ${i} drawn as '${legends[i]}'`);
  }
  assert.ok(
    legends.some((t) => t.endsWith('…')),
    'a long name is cut at its end',
  );
  assert.equal(await page.$eval('tr[data-run="trpo-CartPole-v1-s0-20261126-061500"]', (tr) => tr.classList.contains('failed')), true);
  assert.equal(await page.$eval('tr[data-run="ppo-CartPole-v1-s0-20261126-061000"]', (tr) => tr.classList.contains('failed')), false);
  await page.locator('#chart').screenshot({ path: join(ARTIFACTS, 'dashboard-legend.png') });
});
