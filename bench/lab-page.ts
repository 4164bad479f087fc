/**
 * The lab page in Chromium (npm run bench:lab-page): page load time (navigation to the load event)
 * and each section's default computation, as the worker measures it (data-ms) and as the reader
 * waits for it (navigation to the section drawn, queueing included). The issue asks for a load under
 * 2 s and each default computation under 5 s. REPEATS fresh browser profiles (cold caches); the
 * worst of them is the result. Writes bench/results/lab-page.json with the CPU model and load.
 * Needs /usr/bin/chromium (Debian's package).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/web/server.ts';
// @ts-expect-error: a plain .mjs script without types
import { buildWeb } from '../scripts/build-web.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECTIONS = ['scatter', 'compare', 'importance', 'natural', 'ppo', 'model', 'attention'];

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run this benchmark`);
    process.exit(1);
  }
  const outdir = mkdtempSync(join(tmpdir(), 'ascent-web-'));
  await buildWeb({ outdir, quiet: true });
  const dash = await startDashboard({ runsDir: mkdtempSync(join(tmpdir(), 'ascent-runs-')), port: 0, assetsDir: outdir });
  const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  const loadBefore = loadavg()[0];
  const runs: { loadMs: number; computeMs: Record<string, number>; drawnMs: Record<string, number> }[] = [];
  try {
    for (let r = 0; r < REPEATS; r++) {
      const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ascent-chromium-')), {
        executablePath: CHROMIUM,
        args: ARGS,
        viewport: { width: 1280, height: 900 },
      });
      const page = await ctx.newPage();
      const t0 = Date.now();
      await page.goto(`${dash.url}lab/`, { waitUntil: 'load' });
      const loadMs = Date.now() - t0;
      const drawnMs: Record<string, number> = {};
      await Promise.all(
        SECTIONS.map(async (s) => {
          await page.waitForFunction((s) => Number((document.querySelector(`section[data-section=${s}]`) as HTMLElement).dataset.runs ?? 0) > 0, s, {
            timeout: 60_000,
            polling: 20,
          });
          drawnMs[s] = Date.now() - t0;
        }),
      );
      const computeMs = Object.fromEntries(
        await Promise.all(SECTIONS.map(async (s) => [s, Number(await page.getAttribute(`section[data-section=${s}]`, 'data-ms'))])),
      );
      await ctx.close();
      runs.push({ loadMs, computeMs, drawnMs });
      console.log(`run ${r + 1}: load ${loadMs} ms; compute ${JSON.stringify(computeMs)}; drawn after ${JSON.stringify(drawnMs)}`);
    }
  } finally {
    await dash.close();
  }
  const worst = {
    loadMs: Math.max(...runs.map((x) => x.loadMs)),
    computeMs: Object.fromEntries(SECTIONS.map((s) => [s, Math.max(...runs.map((x) => x.computeMs[s]))])),
    drawnMs: Object.fromEntries(SECTIONS.map((s) => [s, Math.max(...runs.map((x) => x.drawnMs[s]))])),
  };
  const load = { before: loadBefore, after: loadavg()[0] };
  const ok = worst.loadMs < 2000 && Object.values(worst.computeMs).every((ms) => ms < 5000);
  console.log(
    `\nworst of ${REPEATS}: load ${worst.loadMs} ms (limit 2000); compute ${JSON.stringify(worst.computeMs)} (limit 5000 each): ${ok ? 'within' : 'OVER'} the issue's limits`,
  );
  console.log(`load average (1 min) ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, on ${cpus().length} CPUs (${cpus()[0]?.model})`);
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    chromium: chromiumVersion,
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
    load,
    repeats: REPEATS,
    limits: { loadMs: 2000, computeMs: 5000 },
    withinLimits: ok,
    worst,
    runs,
  };
  writeFileSync(new URL('./results/lab-page.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
}

await main();
