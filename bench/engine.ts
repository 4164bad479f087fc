// The engine bench (issue 2): a PPO minibatch update (MLP 4-64-64 tanh trunk, policy and value heads,
// clipped surrogate + value + entropy, Adam) at batch 64/512/4096 and policy inference at batch 1/64,
// for Ascent and its opponents side by side in one run, with identical weights and data.
// Reports medians (interleaved sampling, so machine load hits every engine alike) and the ratio
// opponent / Ascent (> 1: Ascent is faster). Then 10,000 consecutive Ascent updates with heap and RSS
// before and after, to show the tape leaves nothing behind.
//   npm run bench:engine            (writes bench/results/engine.json)
//   BENCH_QUICK=1 npm run bench:engine   (fewer samples, no memory run)
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { createOpponents, measureInterleaved, formatTiming, initParams, referenceLoss, makePpoBatch, PPO_BATCHES, INFERENCE_BATCHES, type Timing } from './opponents/index.ts';
import { ascentPpoUpdate, ascentInference } from './engine/ascent.ts';
import { kernelInfo } from '../src/tensor/index.ts';

const SEED = 7;
const quick = process.env.BENCH_QUICK === '1';
const timing = quick ? { samples: 8, maxTimeMs: 2000, warmupMs: 300 } : { samples: 30, maxTimeMs: 8000, warmupMs: 800 };
const opponents = createOpponents();
for (const o of opponents) await o.init();
const params = initParams(SEED);

type Row = { workload: string; batch: number; results: Record<string, Timing>; ratios: Record<string, number> };
const rows: Row[] = [];

async function compare(workload: string, batch: number, fns: Record<string, () => unknown>) {
  const results = await measureInterleaved(fns, timing);
  const ratios: Record<string, number> = {};
  for (const k of Object.keys(results)) ratios[k] = results[k].median / results.ascent.median;
  rows.push({ workload, batch, results, ratios });
  const cells = Object.entries(results).map(([k, t]) => `${k} ${formatTiming(t)}${k === 'ascent' ? '' : ` (x${ratios[k].toFixed(2)})`}`);
  console.log(`${workload.padEnd(10)} B=${String(batch).padEnd(5)} ${cells.join(' | ')}`);
}

console.log(`engine bench on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), node ${process.version}`);
console.log(`Ascent kernels: ${JSON.stringify(kernelInfo())}`);
console.log('ratio = opponent median / Ascent median (higher is better for Ascent)\n');

for (const batch of PPO_BATCHES) {
  const fns: Record<string, () => unknown> = {};
  const ascent = ascentPpoUpdate(batch, SEED, params);
  const ref = referenceLoss(params, makePpoBatch(batch, SEED)).loss;
  const first = ascent();
  if (Math.abs(first - ref) > 1e-4) throw new Error(`Ascent's initial PPO loss ${first} differs from the float64 reference ${ref}`);
  fns.ascent = ascent;
  const released: { release(): void }[] = [];
  for (const o of opponents) {
    const f = await o.ppoUpdate(batch, SEED, params);
    const l = await f();
    if (Math.abs(l - ref) > 1e-4) throw new Error(`${o.name}: initial loss ${l} differs from the reference ${ref}`);
    fns[o.name] = f;
    released.push(f);
  }
  await compare('ppo-update', batch, fns);
  released.forEach((f) => f.release());
}

for (const batch of INFERENCE_BATCHES) {
  const fns: Record<string, () => unknown> = { ascent: ascentInference(batch, SEED, params) };
  const released: { release(): void }[] = [];
  for (const o of opponents) {
    const f = await o.inference(batch, SEED, params);
    fns[o.name] = f;
    released.push(f);
  }
  await compare('inference', batch, fns);
  released.forEach((f) => f.release());
}
for (const o of opponents) await o.dispose();

// Memory: steady state over 10,000 consecutive updates at batch 64.
let memory: Record<string, number> | null = null;
if (!quick) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const snap = () => {
    gc?.();
    const m = process.memoryUsage();
    return { heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 };
  };
  const update = ascentPpoUpdate(64, SEED, params);
  for (let i = 0; i < 500; i++) update();
  const before = snap();
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) update();
  const seconds = (performance.now() - t0) / 1000;
  const after = snap();
  memory = { updates: 10_000, seconds, heapBeforeMB: before.heapMB, heapAfterMB: after.heapMB, rssBeforeMB: before.rssMB, rssAfterMB: after.rssMB, gcExposed: gc ? 1 : 0 };
  console.log(
    `\nmemory over 10,000 updates (B=64, ${seconds.toFixed(1)} s): heap ${before.heapMB.toFixed(1)} -> ${after.heapMB.toFixed(1)} MB, ` +
      `RSS ${before.rssMB.toFixed(1)} -> ${after.rssMB.toFixed(1)} MB${gc ? '' : ' (run with --expose-gc for exact heap figures)'}`,
  );
}

const out = {
  bench: 'engine',
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavg: os.loadavg() },
  kernels: kernelInfo(),
  opponents: Object.fromEntries(opponents.map((o) => [o.name, o.config])),
  rows,
  memory,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/engine.json.tmp', JSON.stringify(out, null, 2));
renameSync('bench/results/engine.json.tmp', 'bench/results/engine.json');
console.log('\nwrote bench/results/engine.json');
