/**
 * onnxruntime-web in Chromium: agents trained in the page with the library, exported to ONNX in the
 * page (exportPolicy is browser-safe), equal predict() within 1e-5 on 1,000 recorded observations,
 * and a 1,000-step greedy run with the ONNX policy takes the library's action at every step. Then
 * the training page's own policy: trained there, saved with its Save button, exported, and run in
 * onnxruntime-web against predict.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { buildAssets, launch, skipBrowser, tempRunsDir } from '../web/fixtures.ts';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { restoreAlgorithm } from '../../src/train/node/load.ts';
import { describePolicy, exportPolicy, Predictor } from '../../src/export/index.ts';
import { maxAbsDiff, recordObservations } from './helpers.ts';

const skip = skipBrowser();
const ORT_DIST = join(import.meta.dirname, '..', '..', 'node_modules', 'onnxruntime-web', 'dist');
let server: Server;
let dash: Dashboard;
let browser: BrowserContext;
let url = '';

const HTML = `<!doctype html><meta charset="utf-8"><title>ascent export check</title>
<script type="importmap">{ "imports": { "onnxruntime-web": "/ort/ort.wasm.min.mjs" } }</script>
<script type="module" src="/page.js"></script>`;

before(async () => {
  if (skip) return;
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'browser', 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // MuJoCo (a dynamic import no agent here reaches) and Node built-ins stay out, as in scripts/build-web.mjs.
    external: ['onnxruntime-web', 'mujoco-js', 'node:*'],
    write: false,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0].contents;
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const types: Record<string, string> = { mjs: 'text/javascript', js: 'text/javascript', wasm: 'application/wasm' };
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
    } else if (path === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    } else if (path.startsWith('/ort/')) {
      const file = normalize(join(ORT_DIST, path.slice(5)));
      if (!file.startsWith(ORT_DIST) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': types[file.split('.').pop()!] ?? 'application/octet-stream' }).end(readFileSync(file));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}/`;
  browser = await launch();
  dash = await startDashboard({ runsDir: tempRunsDir(), port: 0, assetsDir: await buildAssets() });
});
after(async () => {
  await browser?.close();
  await dash?.close();
  server?.close();
});

test('onnxruntime-web in Chromium runs the ONNX export of every agent as the library predicts it', { skip, timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as any).exportCheckReady === true, undefined, { timeout: 60_000 });
  const reports = await page.evaluate((n) => (globalThis as any).runExportCheck(n), 1000);
  assert.deepEqual(errors, []);
  assert.equal(reports.length, 5);
  for (const r of reports) {
    assert.ok(r.outputs.includes('action'), `${r.label}: outputs ${r.outputs}`);
    assert.ok(r.discreteActionsEqual, `${r.label}: greedy discrete actions differ`);
    for (const [name, diff] of Object.entries(r.maxDiff as Record<string, number>))
      assert.ok(diff <= 1e-5, `${r.label}: ${name}: max |onnxruntime-web - predict| = ${diff}`);
    assert.ok(r.runSteps >= 1000);
    assert.ok(r.runActionsEqual, `${r.label}: the ONNX run took an action the library would not`);
    assert.ok(r.runMaxActionDiff <= 1e-5, `${r.label}: run actions differ by ${r.runMaxActionDiff}`);
  }
});

test("the training page's policy, saved from the page and exported, runs in onnxruntime-web as predict says", { skip, timeout: 240_000 }, async () => {
  const trainPage = await browser.newPage();
  const errors: string[] = [];
  trainPage.on('pageerror', (e) => errors.push(e.message));
  await trainPage.goto(`${dash.url}train/`);
  assert.equal(await trainPage.inputValue('#algo'), 'ppo');
  await trainPage.fill('#steps', '2000');
  await trainPage.fill('#threshold', '');
  await trainPage.click('#train');
  await trainPage.waitForFunction(() => document.body.dataset.reason !== undefined, undefined, { timeout: 180_000 });
  const [download] = await Promise.all([trainPage.waitForEvent('download'), trainPage.click('#save')]);
  const bytes = readFileSync((await download.path())!);
  assert.deepEqual(errors, []);
  const ck = decodeCheckpoint(new Uint8Array(bytes));
  assert.equal(ck.env, 'CartPole-v1');
  const algo = restoreAlgorithm(ck, 'the downloaded checkpoint');
  try {
    const n = 1000,
      d = describePolicy(algo);
    const obs = recordObservations(algo, ck.env, n);
    const p = new Predictor(algo).predict(obs, n);
    const onnx = exportPolicy(algo, { format: 'onnx' })[0].bytes;
    const ortPage = await browser.newPage();
    await ortPage.goto(url);
    await ortPage.waitForFunction(() => (globalThis as any).exportCheckReady === true, undefined, { timeout: 60_000 });
    const out: Record<string, number[]> = await ortPage.evaluate(([b, o, rows, dim]) => (globalThis as any).runOnnx(b, o, rows, dim), [
      Array.from(onnx),
      Array.from(obs),
      n,
      d.obsDim,
    ] as const);
    assert.deepEqual(Object.keys(out), ['action', 'logits', 'value']);
    assert.deepEqual(out.action, Array.from(p.action), 'greedy actions');
    assert.ok(maxAbsDiff(out.logits, p.logits!) <= 1e-5, `logits: ${maxAbsDiff(out.logits, p.logits!)}`);
    assert.ok(maxAbsDiff(out.value, p.value!) <= 1e-5, `value: ${maxAbsDiff(out.value, p.value!)}`);
  } finally {
    algo.close();
  }
});
