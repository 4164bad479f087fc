/**
 * The dashboard's sweep view in Chromium: a fixture sweep's table of final returns per
 * configuration with the best one highlighted, its jobs with their states, a job moving from
 * running to done (and the best configuration changing) when its files change, a job's link to its
 * curves, and a corrupt sweep record shown as one line on that sweep. Screenshots go to test-artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { ARTIFACTS, closePage, openPage, skipBrowser, tempRunsDir } from './fixtures.ts';
import { SWEEP_ID, sweepRecord, writeFixtureSweep, writeJobResult } from './dashboard-sweep-fixtures.ts';

const skip = skipBrowser();
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
let sweepDir: string;
const pageErrors: string[] = [];
const S = `.sweep[data-sweep="${SWEEP_ID}"]`;

before(async () => {
  if (skip) return;
  const runsDir = tempRunsDir();
  ({ dir: sweepDir } = writeFixtureSweep(runsDir));
  mkdirSync(join(runsDir, 'cut-00000000'));
  writeFileSync(join(runsDir, 'cut-00000000', 'sweep.json'), '{"id": "cut-00000000", "jobs": [');
  ({ dash, browser, page } = await openPage({ runsDir, pollMs: 100, errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

const configRows = (p: Page) =>
  p.$$eval(`${S} table.sweep-configs tbody tr`, (trs) =>
    trs.map((tr) => ({
      config: (tr as HTMLElement).dataset.config,
      best: tr.classList.contains('best'),
      cells: Array.from(tr.children).map((td) => td.textContent),
    })),
  );

test('a sweep shows its scores per configuration, the best highlighted, and its jobs with their states', { skip }, async () => {
  await page.goto(dash.url);
  await page.waitForSelector(`#sweeps-panel:not([hidden]) ${S} table.sweep-configs tr.best`);
  const rows = await configRows(page);
  assert.deepEqual(
    rows.map((r) => [r.config, r.best, r.cells[2], r.cells[3]]),
    [
      ['0', false, '2/2', '150.00 ± 50.00'],
      ['1', true, '2/2', '160.00 ± 20.00'],
      ['2', false, '0/2', '-'],
      ['3', false, '0/2', '-'],
    ],
  );
  assert.equal(rows[1].cells[0], 'c1 ★');
  assert.equal(rows[1].cells[1], 'lr=0.003');
  assert.equal(await page.textContent(`${S} .sweep-best`), 'best configuration: c1 lr=0.003: final return 160.00 ± 20.00 over 2 seeds');
  const states = await page.$$eval(`${S} table.sweep-jobs tbody tr`, (trs) =>
    trs.map((tr) => `${(tr as HTMLElement).dataset.job}:${(tr as HTMLElement).dataset.state}`),
  );
  assert.deepEqual(states, ['c0-s0:done', 'c0-s1:done', 'c1-s0:done', 'c1-s1:done', 'c2-s0:running', 'c2-s1:failed', 'c3-s0:stopped', 'c3-s1:queued']);
  assert.equal(await page.textContent(`${S} tr[data-job="c2-s1"] .job-error`), 'NaN in the policy loss at step 384');
  assert.equal(await page.textContent(`${S} .sweep-counts`), '4/8 done, 1 running, 1 queued, 1 failed, 1 stopped');
  // The best row is drawn highlighted.
  const bg = await page.$eval(`${S} tr.best td`, (td) => getComputedStyle(td).backgroundColor);
  assert.equal(bg, 'rgb(232, 245, 233)');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sweep.png'), fullPage: true });
});

test('a corrupt sweep record is one line on that sweep, and the page still works', { skip }, async () => {
  const err = await page.textContent('.sweep[data-sweep="cut-00000000"] .sweep-error');
  assert.match(err ?? '', /^sweep\.json is corrupt: /);
  assert.doesNotMatch(err ?? '', /\n/);
  assert.equal(await page.$$eval('.sweep[data-sweep="cut-00000000"] table', (t) => t.length), 0);
  assert.deepEqual(pageErrors, []);
});

test('a running job moves to done when its result is written, and the best configuration follows', { skip }, async () => {
  assert.equal(await page.getAttribute(`${S} tr[data-job="c2-s0"]`, 'data-state'), 'running');
  writeJobResult(sweepDir, sweepRecord(), 'c2-s0', 300, 310);
  await page.waitForSelector(`${S} tr[data-job="c2-s0"][data-state="done"]`);
  await page.waitForSelector(`${S} table.sweep-configs tr.best[data-config="2"]`);
  const rows = await configRows(page);
  assert.deepEqual(rows[2].cells.slice(2, 4), ['1/2', '300.00 ± 0.00']);
  assert.equal(rows.filter((r) => r.best).length, 1);
  assert.equal(await page.textContent(`${S} tr[data-job="c2-s0"] td:nth-child(6)`), '300.00');
  assert.equal(await page.textContent(`${S} .sweep-counts`), '5/8 done, 0 running, 1 queued, 1 failed, 1 stopped');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sweep-done.png'), fullPage: true });
});

test("a job's link opens the page on its run's curve alone", { skip }, async () => {
  await page.click(`${S} tr[data-job="c0-s1"] a`);
  await page.waitForFunction(() => location.hash.includes('c0-s1') && Number(document.getElementById('chart')!.dataset.points) > 0);
  await page.waitForSelector(`tr[data-run="${SWEEP_ID}/c0-s1"]`);
  const series = await page.$eval(
    '#chart',
    (c) => JSON.parse((c as HTMLCanvasElement).dataset.series ?? '[]') as { label: string; legend: string; points: number }[],
  );
  assert.deepEqual(
    series.map((s) => [s.label, s.legend, s.points]),
    [[`${SWEEP_ID}/c0-s1`, 'ppo CartPole-v1 c0-s1', 8]],
  );
  // Its checkpoint list is served under the two-segment name (none in this fixture: the select is empty, no error).
  assert.deepEqual(pageErrors, []);
  assert.equal(await page.isHidden('#error'), true);
});

test("a configuration's link overlays its seeds' curves", { skip }, async () => {
  await page.click(`${S} tr[data-config="1"] a`);
  await page.waitForFunction(() => JSON.parse(document.getElementById('chart')!.dataset.series ?? '[]').length === 2);
  const series = await page.$eval('#chart', (c) => JSON.parse((c as HTMLCanvasElement).dataset.series ?? '[]') as { legend: string }[]);
  assert.deepEqual(
    series.map((s) => s.legend),
    ['ppo CartPole-v1 c1-s0', 'ppo CartPole-v1 c1-s1'],
  );
  assert.deepEqual(pageErrors, []);
});
