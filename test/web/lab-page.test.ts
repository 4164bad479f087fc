/**
 * The lab page in Chromium: every section computes in its worker and draws, the numbers equal what
 * the same functions give in Node and what the `ascent lab ... --json` command each section prints
 * gives (run as a subprocess) for the same settings and seed, moving a
 * control changes them (and the variance scales as 1/N within standard errors), the controls live in
 * the URL, and the page has no console errors; it works offline once loaded (service worker), and its
 * static build (docs-site/lab/) works from a plain folder. Screenshots go to test-artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { computeSection, DEFAULTS } from '../../src/web/lab/compute.ts';
import type { SectionId } from '../../src/web/lab/protocol.ts';
import { ARTIFACTS, closePage, openPage, skipBrowser } from './fixtures.ts';

const skip = skipBrowser();
const SECTIONS: SectionId[] = ['scatter', 'compare', 'importance', 'natural', 'ppo', 'model', 'attention'];
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
const errors: string[] = [];

before(async () => {
  if (skip) return;
  ({ dash, browser, page } = await openPage({ errors, console: true }));
});
after(() => closePage({ browser, dash }));

const runs = (s: SectionId) => page.getAttribute(`section[data-section=${s}]`, 'data-runs').then(Number);
const json = async (sel: string) => JSON.parse((await page.getAttribute(sel, 'data-json'))!);
/** Waits until section s has drawn more than `before` results. */
const drawn = (s: SectionId, before: number) =>
  page.waitForFunction(
    ([s, n]) => {
      const el = document.querySelector(`section[data-section=${s}]`) as HTMLElement;
      if (el.dataset.state === 'error') throw new Error(el.querySelector('.busy')!.textContent!);
      return Number(el.dataset.runs ?? 0) > n;
    },
    [s, before] as const,
    { timeout: 30_000 },
  );
const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

test('every section computes in its worker and draws; the page loads fast and logs no errors', { skip, timeout: 60_000 }, async () => {
  const t0 = Date.now();
  await page.goto(`${dash.url}lab/`);
  const loaded = Date.now() - t0;
  for (const s of SECTIONS) await drawn(s, 0);
  const ms = Object.fromEntries(await Promise.all(SECTIONS.map(async (s) => [s, Number(await page.getAttribute(`section[data-section=${s}]`, 'data-ms'))])));
  console.log(`lab page: loaded in ${loaded} ms; section computations (ms, two at a time): ${JSON.stringify(ms)}`);
  assert.ok(loaded < 2000, `page load ${loaded} ms`);
  assert.equal(Number(await page.getAttribute('#scatter-plot', 'data-points')), DEFAULTS.scatter.M);
  assert.ok(Number(await page.getAttribute('#natural-plot', 'data-cells')) > 0);
  assert.equal(JSON.parse((await page.getAttribute('#compare-bars', 'data-bars'))!).length, 7);
  assert.ok(Number(await page.getAttribute('#ppo-curve', 'data-points')) > 0);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ARTIFACTS, 'lab-page.png'), fullPage: true });
  // Each section links its code and its guide: the dashboard serves them as text under /source/.
  const hrefs = await page.$$eval('p.links a', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
  assert.ok(hrefs.includes('/source/docs/algorithms/reinforce.md') && hrefs.includes('/source/src/lab/estimators.ts'), JSON.stringify(hrefs));
  const guide = await fetch(`${dash.url}source/docs/algorithms/reinforce.md`);
  assert.equal(guide.status, 200);
  assert.match(await guide.text(), /REINFORCE/);
});

test("the default numbers equal the lab's in Node for the same settings and seed", { skip, timeout: 45_000 }, async () => {
  const sc = computeSection('scatter', DEFAULTS.scatter) as any;
  const page1 = await json('#scatter-numbers');
  // Chromium's V8 and Node's may round transcendental functions differently in the last bit: 1e-9 relative.
  assert.ok(close(page1.J, sc.J) && close(page1.gradNorm, sc.gradNorm), `${page1.J}, ${page1.gradNorm} vs ${sc.J}, ${sc.gradNorm}`);
  assert.ok(close(page1.totalVariance, sc.stats.totalVariance), `${page1.totalVariance} vs ${sc.stats.totalVariance}`);
  assert.ok(close(page1.biasSE, sc.stats.biasSE));
  const cmp = computeSection('compare', DEFAULTS.compare) as any;
  const page2 = await json('#compare-table');
  for (const e of cmp.estimators)
    assert.ok(close(page2[e.name].totalVariance, e.totalVariance), `${e.name}: ${page2[e.name].totalVariance} vs ${e.totalVariance}`);
  const imp = computeSection('importance', DEFAULTS.importance) as any;
  const page3 = await json('#importance-table');
  const at = imp.sweep.steps.find((s: any) => s.alpha === DEFAULTS.importance.alpha);
  assert.ok(close(page3.exactEssFraction, at.exactEssFraction));
  page3.estimators.forEach((e: any, k: number) => assert.ok(close(e.biasSE, at.estimators[k].biasSE), e.kind));
  const nat = computeSection('natural', DEFAULTS.natural) as any;
  const page4 = await json('#natural-numbers');
  page4.start.grad.forEach((g: number, k: number) => assert.ok(close(g, nat.start.grad[k]), `dJ/dphi_${k}`));
  assert.ok(close(page4.naturalJ, nat.natural.at(-1).J));
  const ppo = computeSection('ppo', DEFAULTS.ppo) as any;
  const page5 = await json('#ppo-numbers');
  assert.ok(close(page5.slopeAtOne, 1, 1e-6), `dL/dr = A = 1 at r = 1 (float32 tape): ${page5.slopeAtOne}`);
  // The same PPO run (seeded, same engine code) in the worker and in Node.
  page5.run.forEach((row: any, i: number) =>
    assert.ok(close(row.clipFraction, ppo.run[i].clipFraction, 1e-6), `update ${i + 1}: ${row.clipFraction} vs ${ppo.run[i].clipFraction}`),
  );
  const mb = computeSection('model', DEFAULTS.model) as any;
  const page6 = await json('#model-numbers');
  page6.gradients.forEach((g: any, i: number) =>
    assert.ok(
      close(g.totalVariance, mb.gradients[i].totalVariance, 1e-6),
      `${g.estimator} H ${g.horizon}: ${g.totalVariance} vs ${mb.gradients[i].totalVariance}`,
    ),
  );
  page6.compounding.forEach((c: any, i: number) => assert.ok(close(c.changed, mb.compounding[i].changed, 1e-6), `model error H ${c.horizon}`));
  // The claims: the pathwise gradient's variance grows by orders of magnitude with H; the changed policy's model error outgrows the data policy's.
  const pw = page6.gradients.filter((g: any) => g.estimator === 'pathwise');
  assert.ok(pw.at(-1).totalVariance > 1e4 * pw[0].totalVariance, 'pathwise variance at H 50 vs H 1');
  assert.ok(page6.compounding.at(-1).changed > 2 * page6.compounding.at(-1).behaviour);
  const att = computeSection('attention', DEFAULTS.attention) as any;
  const page7 = await json('#attention-numbers');
  for (const v of ['leaveOneOut', 'noBaseline', 'off'])
    assert.deepEqual(
      page7[v].map((x: any) => x.attendsCue),
      att[v].map((x: any) => x.attendsCue),
      v,
    );
});

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'ascent.mjs');
/** Runs the `ascent lab ...` command a section prints under its plot, with --json into a temporary file; returns the JSON. */
async function cliJson(s: SectionId): Promise<any> {
  const text = (await page.textContent(`section[data-section=${s}] .cli`))!;
  const m = /^ascent (lab [^(]*?)\s*(\(|$)/.exec(text.trim());
  assert.ok(m, `section ${s} shows no ascent lab command: ${JSON.stringify(text)}`);
  const args = m[1].split(/\s+/);
  const out = join(mkdtempSync(join(tmpdir(), 'ascent-lab-cli-')), 'out.json');
  args[args.indexOf('--json') + 1] = out;
  await promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 30_000 });
  return JSON.parse(readFileSync(out, 'utf8'));
}

test('the numbers equal what the command `ascent lab ... --json` under each section gives', { skip, timeout: 60_000 }, async () => {
  const [est, cmpCli, imp] = await Promise.all([cliJson('scatter'), cliJson('compare'), cliJson('importance')]);
  // Section 1: the scattered estimator's row of `ascent lab estimators` with the same N, M and seed.
  const sc = await json('#scatter-numbers');
  const row = est.estimators.find((e: any) => e.name === 'full');
  assert.ok(row, 'the CLI reports the full-return estimator');
  assert.ok(close(sc.totalVariance, row.totalVariance), `scatter: ${sc.totalVariance} vs CLI ${row.totalVariance}`);
  assert.ok(close(sc.biasSE, row.biasSE), `scatter bias/SE: ${sc.biasSE} vs CLI ${row.biasSE}`);
  // Section 2: every estimator the page and the CLI both report.
  const page2 = await json('#compare-table');
  const common = cmpCli.estimators.filter((e: any) => page2[e.name]);
  assert.ok(common.length >= 7, `estimators in both: ${common.map((e: any) => e.name)}`);
  for (const e of common) {
    assert.ok(close(page2[e.name].totalVariance, e.totalVariance), `${e.name}: ${page2[e.name].totalVariance} vs CLI ${e.totalVariance}`);
    assert.ok(close(page2[e.name].mse, e.mse), `${e.name} MSE`);
  }
  // Section 3: the importance-sampled estimators at the page's step size.
  const page3 = await json('#importance-table');
  const at = imp.importance.steps.find((x: any) => x.alpha === page3.alpha);
  assert.ok(at, `the CLI's sweep has alpha ${page3.alpha}`);
  assert.ok(close(page3.exactEssFraction, at.exactEssFraction) && close(page3.essFraction, at.essFraction), 'ESS');
  page3.estimators.forEach((e: any, k: number) => {
    assert.equal(e.kind, at.estimators[k].kind);
    assert.ok(close(e.totalVariance, at.estimators[k].totalVariance), `${e.kind}: ${e.totalVariance} vs CLI ${at.estimators[k].totalVariance}`);
  });
});

test('moving N changes the numbers; N x variance stays flat within standard errors; the URL keeps N', { skip, timeout: 40_000 }, async () => {
  // Section 2 at N = 64 (a number input): MSE = total variance for these unbiased estimators, and it scales as 1/N.
  const before = await json('#compare-table');
  const n = await runs('compare');
  await page.fill('section[data-section=compare] [name=N]', '64');
  await drawn('compare', n);
  const after = await json('#compare-table');
  const node = computeSection('compare', { ...DEFAULTS.compare, N: 64 }) as any;
  for (const name of ['full', 'rewardToGo', 'rewardToGo+value']) {
    const a = before[name],
      b = after[name];
    assert.notEqual(a.totalVariance, b.totalVariance);
    assert.ok(close(b.totalVariance, node.estimators.find((e: any) => e.name === name).totalVariance), name);
    const diff = 16 * a.mse - 64 * b.mse,
      se = Math.hypot(16 * a.mseSE, 64 * b.mseSE);
    assert.ok(Math.abs(diff) < 3 * se, `${name}: 16 MSE(16) - 64 MSE(64) = ${diff}, SE ${se}`);
  }
  // Section 1's slider: 2^k trajectories per estimate.
  const m = await runs('scatter');
  await page.$eval('section[data-section=scatter] [name=N]', (el) => {
    (el as HTMLInputElement).value = '6';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await drawn('scatter', m);
  const sc = await json('#scatter-numbers');
  const node1 = computeSection('scatter', { ...DEFAULTS.scatter, N: 64 }) as any;
  assert.ok(close(sc.totalVariance, node1.stats.totalVariance));
  assert.match(page.url(), /scatter\.N=64/);
  assert.match(page.url(), /compare\.N=64/);
  await (await page.$('#scatter'))!.screenshot({ path: join(ARTIFACTS, 'lab-scatter-N64.png') });
  // A linked figure: the URL restores the controls.
  await page.goto(`${dash.url}lab/?scatter.N=64&natural.scale=20`);
  await drawn('natural', 0);
  assert.equal(await page.textContent('section[data-section=scatter] output'), '64');
  assert.equal(await page.inputValue('section[data-section=natural] [name=scale]'), '20');
  const nat = await json('#natural-numbers');
  const want = (computeSection('natural', { ...DEFAULTS.natural, scale: 20 }) as any).start.grad;
  nat.start.grad.forEach((g: number, k: number) => assert.ok(close(g, want[k]), `dJ/dphi_${k} at scale 20`));
  await (await page.$('#natural'))!.screenshot({ path: join(ARTIFACTS, 'lab-natural-scale20.png') });
  assert.deepEqual(errors, []);
});

test('a bad control value is an error in its section, not a dead page', { skip, timeout: 20_000 }, async () => {
  await page.fill('section[data-section=importance] [name=N]', '0');
  await page.waitForFunction(() => (document.querySelector('section[data-section=importance]') as HTMLElement).dataset.state === 'error', null, {
    timeout: 15_000,
  });
  assert.match((await page.textContent('section[data-section=importance] .busy'))!, /batchSize must be a positive integer, got 0/);
});

test('offline once loaded: the service worker serves the page, its bundles and a linked figure', { skip, timeout: 30_000 }, async () => {
  const p = await browser.newPage();
  await p.goto(`${dash.url}lab/`);
  // Controlled once the worker has installed (precached the files) and claimed the page.
  await p.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
  await browser.setOffline(true);
  try {
    await p.goto(`${dash.url}lab/?natural.scale=20`);
    await p.waitForFunction(() => Number((document.querySelector('section[data-section=natural]') as HTMLElement).dataset.runs ?? 0) > 0, null, {
      timeout: 15_000,
    });
    assert.equal(await p.inputValue('section[data-section=natural] [name=scale]'), '20');
    assert.ok(Number(await p.getAttribute('#natural-plot', 'data-cells')) > 0);
    // The page's own stylesheet came from the cache too.
    assert.notEqual(await p.evaluate(() => getComputedStyle(document.body).fontFamily), '');
  } finally {
    await browser.setOffline(false);
    await p.close();
  }
});

test('the static build (npm run docs puts it in docs-site/lab/) works from a plain folder, with relative paths', { skip, timeout: 40_000 }, async () => {
  // @ts-expect-error: a plain .mjs script without types
  const { buildLabSite } = await import('../../scripts/build-web.mjs');
  const site = mkdtempSync(join(tmpdir(), 'ascent-docs-'));
  await buildLabSite({ outdir: join(site, 'lab'), quiet: true });
  // The docs' lectures page links a stub TypeDoc copies into media/, which forwards to ../lab/.
  assert.match(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'lectures.md'), 'utf8'), /\]\(lab-page\.html\)/);
  mkdirSync(join(site, 'media'));
  writeFileSync(join(site, 'media', 'lab-page.html'), readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'lab-page.html')));
  // A static file server under a sub-path (as a docs site is often hosted): only relative paths work here.
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const file = path.startsWith('/docs/') ? join(site, path.slice(6)) + (path.endsWith('/') ? 'index.html' : '') : '';
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const p = await browser.newPage();
  const errs: string[] = [];
  p.on('pageerror', (e) => errs.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') errs.push(`${m.text()} (${m.location().url})`);
  });
  try {
    await p.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/docs/media/lab-page.html`);
    await p.waitForURL(/\/docs\/lab\/index\.html$/, { timeout: 10_000 });
    await p.waitForFunction(() => Number((document.querySelector('section[data-section=natural]') as HTMLElement).dataset.runs ?? 0) > 0, null, {
      timeout: 15_000,
    });
    assert.ok(Number(await p.getAttribute('#natural-plot', 'data-cells')) > 0);
    // In the docs site a guide links to its built page; code paths are plain text.
    const hrefs = await p.$$eval('p.links a', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    assert.ok(hrefs.includes('../documents/algorithms_reinforce.html'), JSON.stringify(hrefs));
    assert.ok(hrefs.every((h) => !h?.startsWith('/source/')));
    assert.deepEqual(errs, []);
  } finally {
    await p.close();
    server.close();
  }
});
