/**
 * onnxruntime-web in Chromium: agents trained in the page with the library, exported to ONNX in the
 * page (exportPolicy is browser-safe), equal predict() within 1e-5 on 1,000 recorded observations,
 * and a 1,000-step greedy run with the ONNX policy takes the library's action at every step.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { launch, skipBrowser } from '../web/fixtures.ts';

const skip = skipBrowser();
const ORT_DIST = join(import.meta.dirname, '..', '..', 'node_modules', 'onnxruntime-web', 'dist');
let server: Server;
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
});
after(async () => {
  await browser?.close();
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
