/**
 * Shared by the web tests: run directories written by hand after docs/run-directory.md (so the
 * dashboard is tested against the documented format, not against the CLI's writer), a real PPO
 * checkpoint, the browser build in a temporary directory, and Chromium (or a skip reason).
 */
import { mkdirSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmEntry, buildConfig, createAlgorithm } from '../../src/train/setup.ts';
import { encodeCheckpoint, type RunSettings } from '../../src/train/checkpoint.ts';
import { initialDriverState } from '../../src/train/driver.ts';
import { startDashboard, type Dashboard } from '../../src/web/server.ts';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

export function skipBrowser(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium): browser tests skipped`;
}

export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ascent-chromium-'));
  // A fresh profile per launch; launchPersistentContext takes it as --user-data-dir.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
}

export interface BrowserSession {
  dash: Dashboard;
  browser: BrowserContext;
  page: Page;
}

/**
 * A dashboard over `runsDir` (a fresh empty one by default) with the browser build, Chromium and one
 * page whose uncaught errors are pushed to `errors` (and console errors too, with `console`).
 */
export async function openPage(opts: { runsDir?: string; pollMs?: number; errors?: string[]; console?: boolean } = {}): Promise<BrowserSession> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dash = await startDashboard({ runsDir: opts.runsDir ?? tempRunsDir(), port: 0, assetsDir: await buildAssets(), pollMs: opts.pollMs });
  const browser = await launch();
  const page = await browser.newPage();
  const errors = opts.errors;
  if (errors) {
    page.on('pageerror', (e) => errors.push(e.message));
    if (opts.console) page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }
  return { dash, browser, page };
}

/** Closes what openPage opened (either may be missing when setup failed or was skipped). */
export async function closePage(s: { browser?: BrowserContext; dash?: Dashboard }): Promise<void> {
  await s.browser?.close();
  await s.dash?.close();
}

let built: Promise<string> | null = null;
/** The browser build in a temporary directory, once per test process. */
export function buildAssets(): Promise<string> {
  built ??= (async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ascent-web-'));
    // @ts-expect-error: a plain .mjs script without types
    const { buildWeb } = await import('../../scripts/build-web.mjs');
    await buildWeb({ outdir, quiet: true });
    return outdir;
  })();
  return built;
}

export const RUN: RunSettings = { totalSteps: 4096, evalEvery: 2048, evalEpisodes: 3, evalSeed: 1000, threshold: 475, checkpointEvery: 0 };

/** A small PPO on CartPole-v1 after `updates` updates, as checkpoint bytes. */
export function ppoCheckpoint(updates = 1, seed = 0): Uint8Array {
  const entry = algorithmEntry('ppo');
  const config = buildConfig(entry, 'CartPole-v1', { sets: { numEnvs: 2, nSteps: 64, batchSize: 64, epochs: 2 }, flags: { seed, steps: RUN.totalSteps } });
  const algo = createAlgorithm(entry, config);
  for (let i = 0; i < updates; i++) algo.update();
  const bytes = encodeCheckpoint(
    { kind: 'last', state: algo.getState(), driver: initialDriverState(RUN), steps: algo.steps },
    { algo: 'ppo', env: 'CartPole-v1', config, run: RUN },
  );
  algo.close();
  return bytes;
}

export function tempRunsDir(): string {
  return mkdtempSync(join(tmpdir(), 'ascent-runs-'));
}

export function row(i: number, ret: number): Record<string, number | null> {
  return {
    iteration: i,
    steps: 128 * i,
    seconds: 0.1 * i,
    episodes: 3,
    returnMean: ret,
    returnStd: 1,
    lengthMean: ret,
    policyLoss: -0.01,
    evalMean: i % 4 === 0 ? ret + 5 : null,
    evalStd: null,
    evalLengthMean: null,
    evalEpisodes: null,
  };
}

/** A run directory as the CLI writes it; `rows` progress rows; checkpoint bytes for last.ascent (and best). */
export function writeRun(runsDir: string, name: string, opts: { rows?: number; state?: string; checkpoint?: Uint8Array | null } = {}): string {
  const dir = join(runsDir, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      algo: 'ppo',
      env: 'CartPole-v1',
      config: { seed: 0, env: 'CartPole-v1' },
      run: RUN,
      preset: null,
      ascentVersion: '0.1.0',
      startTime: new Date().toISOString(),
    }),
  );
  const n = opts.rows ?? 10;
  writeFileSync(join(dir, 'progress.jsonl'), Array.from({ length: n }, (_, i) => JSON.stringify(row(i + 1, 20 + 10 * i)) + '\n').join(''));
  writeFileSync(
    join(dir, 'status.json'),
    JSON.stringify({ state: opts.state ?? 'finished', steps: 128 * n, totalSteps: RUN.totalSteps, updatedAt: new Date().toISOString() }),
  );
  if (opts.checkpoint !== null) {
    const ck = opts.checkpoint ?? ppoCheckpoint();
    writeFileSync(join(dir, 'checkpoints', 'last.ascent'), ck);
    writeFileSync(join(dir, 'checkpoints', 'best.ascent'), ck);
  }
  return dir;
}

export function appendRows(dir: string, from: number, count: number): void {
  appendFileSync(join(dir, 'progress.jsonl'), Array.from({ length: count }, (_, i) => JSON.stringify(row(from + i, 30 + 5 * (from + i))) + '\n').join(''));
}

/** Pixels of the cart-pole frame's colours in a canvas: black (cart, track) and the pole's (202, 152, 101). */
export const CANVAS_COLOURS = `(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let black = 0, pole = 0, other = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 40 && d[i + 1] < 40 && d[i + 2] < 40) black++;
    else if (Math.abs(d[i] - 202) < 25 && Math.abs(d[i + 1] - 152) < 25 && Math.abs(d[i + 2] - 101) < 25) pole++;
    else other++;
  }
  return { black, pole, other, width: c.width, height: c.height };
}`;
