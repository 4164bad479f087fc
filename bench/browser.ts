/**
 * Training throughput in the browser next to Node (npm run bench:browser): the same algorithm,
 * config and step budget run by src/web/train/session.ts's throughput() (update() calls: collect
 * and learn, no evaluation) in a module Web Worker in Chromium, and in this Node process. Each
 * figure is the best of REPEATS runs after a warm-up, alternating Node and browser so that load
 * from other jobs on the machine hits both alike; the ratio browser/Node is the result.
 * Prints a table, writes bench/results/browser.json. Needs /usr/bin/chromium (Debian's package).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse } from 'yaml';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/web/server.ts';
import { throughput, type StartRequest } from '../src/web/train/session.ts';

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

function preset(algo: string, env: string): Record<string, unknown> {
  const doc = parse(readFileSync(new URL(`../presets/${algo}.yaml`, import.meta.url), 'utf8'));
  const config = { ...(doc.presets?.[env]?.config ?? {}) };
  delete config.totalSteps;
  return config;
}

// Both sides get the preset as explicit overrides, so the configs are identical with or without the bundle's presets.
const CASES: (StartRequest & { steps: number; label: string })[] = [
  { label: 'PPO, Zoo preset (8 envs)', algo: 'ppo', env: 'CartPole-v1', steps: 30_000, overrides: preset('ppo', 'CartPole-v1') },
  { label: 'REINFORCE, preset', algo: 'reinforce', env: 'CartPole-v1', steps: 30_000, overrides: preset('reinforce', 'CartPole-v1') },
  { label: 'PPO, Zoo preset (4 envs)', algo: 'ppo', env: 'Pendulum-v1', steps: 16_384, overrides: preset('ppo', 'Pendulum-v1') },
];

type Result = ReturnType<typeof throughput>;

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run this benchmark`);
    process.exit(1);
  }
  const assets = mkdtempSync(join(tmpdir(), 'ascent-bench-web-'));
  // @ts-expect-error: a plain .mjs script without types
  const { buildWeb } = await import('../scripts/build-web.mjs');
  await buildWeb({ outdir: assets, quiet: true });
  const dash = await startDashboard({ runsDir: mkdtempSync(join(tmpdir(), 'ascent-bench-runs-')), port: 0, assetsDir: assets });
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ascent-chromium-')), { executablePath: CHROMIUM, args: ARGS });
  const page = await ctx.newPage();
  await page.goto(`${dash.url}train/`);
  // One worker for every browser run (its JIT warms up as Node's does across runs).
  await page.evaluate(() => {
    const w = new Worker('/train/worker.js', { type: 'module' });
    (globalThis as any).benchRun = (req: unknown) =>
      new Promise((resolve, reject) => {
        w.onmessage = (e) => (e.data.type === 'bench' ? resolve(e.data.result) : e.data.type === 'error' ? reject(new Error(e.data.message)) : undefined);
        w.postMessage({ type: 'bench', req });
      });
  });
  const inBrowser = (req: StartRequest & { steps: number }) => page.evaluate((r) => (globalThis as any).benchRun(r), req) as Promise<Result>;
  const inNode = async (req: StartRequest & { steps: number }) => throughput(req);

  const loadBefore = loadavg()[0];
  const rows = [];
  for (const c of CASES) {
    const { label, ...req } = c;
    const warm = { ...req, steps: Math.min(4096, req.steps) };
    await inNode(warm);
    await inBrowser(warm);
    const node: Result[] = [],
      browser: Result[] = [];
    for (let i = 0; i < REPEATS; i++) {
      node.push(await inNode(req));
      browser.push(await inBrowser(req));
    }
    const best = (rs: Result[]) => rs.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
    const n = best(node),
      b = best(browser);
    rows.push({
      algo: c.algo,
      env: c.env,
      label,
      steps: n.steps,
      updates: n.updates,
      nodeStepsPerSecond: n.stepsPerSecond,
      browserStepsPerSecond: b.stepsPerSecond,
      ratio: b.stepsPerSecond / n.stepsPerSecond,
      nodeRuns: node.map((r) => r.stepsPerSecond),
      browserRuns: browser.map((r) => r.stepsPerSecond),
    });
  }
  await ctx.close();
  await dash.close();

  const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  console.log(`training throughput, env steps/s (best of ${REPEATS}; browser = module Web Worker in ${chromiumVersion}; Node ${process.version})\n`);
  const head = ['algorithm', 'env', 'steps', 'Node', 'browser', 'browser/Node'];
  const table = rows.map((r) => [
    `${r.algo} (${r.label})`,
    r.env,
    String(r.steps),
    r.nodeStepsPerSecond.toFixed(0),
    r.browserStepsPerSecond.toFixed(0),
    r.ratio.toFixed(2),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  for (const line of [head, w.map((n) => '-'.repeat(n)), ...table]) console.log(line.map((s, i) => (i < 2 ? s.padEnd(w[i]) : s.padStart(w[i]))).join('  '));
  // Other jobs share this machine: the 1-minute load average says how contended the timings were.
  const load = { before: loadBefore, after: loadavg()[0] };
  console.log(
    `\nload average (1 min) ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, on ${cpus().length} CPUs; every run: bench/results/browser.json`,
  );
  const out = { date: new Date().toISOString(), node: process.version, chromium: chromiumVersion, cpus: cpus().length, load, repeats: REPEATS, rows };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/browser.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/browser.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
