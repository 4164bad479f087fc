// The engine bench (issue 2): a PPO minibatch update (MLP 4-64-64 tanh trunk, policy and value heads,
// clipped surrogate + value + entropy, Adam) at batch 64/512/4096 and policy inference at batch 1/64,
// for Ascent and its opponents side by side in one run, with identical weights and data.
// Reports medians (interleaved sampling, so machine load hits every engine alike) and the ratio
// opponent / Ascent (> 1: Ascent is faster). Then (issue 12) one SAC update at HalfCheetah sizes
// (256x256 ReLU, batch 256) and at RLtools' Pendulum sizes (64x64, batch 100) against the same update
// jitted in JAX on the CPU (bench/opponents/jax-sac.ts; skipped with the reason when no Python has
// jax), CPU and wall time per update. Then 10,000 consecutive Ascent updates with heap and RSS
// before and after, to show the tape leaves nothing behind.
//   npm run bench:engine            (writes bench/results/engine.json)
//   BENCH_QUICK=1 npm run bench:engine   (fewer samples, no memory run)
//   BENCH_ONLY=sac npm run bench:engine  (only the SAC update rows; writes bench/results/engine-sac.json)
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import {
  createOpponents,
  measureInterleaved,
  formatTiming,
  initParams,
  referenceLoss,
  makePpoBatch,
  PPO_BATCHES,
  INFERENCE_BATCHES,
  type Timing,
} from './opponents/index.ts';
import { ascentPpoUpdate, ascentInference } from './engine/ascent.ts';
import { kernelInfo, twinInfo } from '../src/tensor/index.ts';
import { ascentSacUpdate } from './engine/sac.ts';
import { makeSacWorkload, updateMacs, SAC_HALFCHEETAH, SAC_PENDULUM } from './engine/sac-workload.ts';
import { findJaxPython, startJaxSac } from './opponents/jax-sac.ts';
import { quantile } from './opponents/timing.ts';

const SEED = 7;
const quick = process.env.BENCH_QUICK === '1';
const timing = quick ? { samples: 8, maxTimeMs: 2000, warmupMs: 300 } : { samples: 30, maxTimeMs: 8000, warmupMs: 800 };
// BENCH_ONLY=sac runs only the SAC update rows (issue 12), BENCH_ONLY=ppo only issue 2's rows.
const only = process.env.BENCH_ONLY;
const opponents = only === 'sac' ? [] : createOpponents();
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

for (const batch of only === 'sac' ? [] : PPO_BATCHES) {
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

for (const batch of only === 'sac' ? [] : INFERENCE_BATCHES) {
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

// SAC update (issue 12) at HalfCheetah and RLtools-Pendulum sizes: Ascent vs JAX on the CPU (a jitted
// update in a Python server process), CPU and wall time per update. Each round takes one sample of
// each engine (enough updates to last ~50 ms), so load from other processes falls on both alike.
type SacRow = {
  workload: string;
  size: string;
  batch: number;
  hidden: number[];
  samples: number;
  updatesPerSample: number;
  /** Multiply-adds of the update's gemms (sac-workload.ts's updateMacs), and per CPU second of each engine. */
  macs: number;
  gmacPerCpuSecond: { ascent: number; jax?: number };
  ascent: { cpuMs: number; wallMs: number; cpuMinMs: number };
  jax?: { cpuMs: number; wallMs: number; cpuMinMs: number };
  ratios?: { cpu: number; wall: number };
  losses: { ascent: [number, number]; jax?: [number, number] };
};
const sacRows: SacRow[] = [];
let jaxInfo: Record<string, unknown> = {};
if (only !== 'ppo') {
  const py = findJaxPython();
  if ('reason' in py) console.log(`\nSAC update: JAX opponent skipped: ${py.reason}`);
  for (const size of [SAC_HALFCHEETAH, SAC_PENDULUM]) {
    const w = makeSacWorkload(size, SEED);
    const ascent = ascentSacUpdate(w);
    ascent();
    const losses: SacRow['losses'] = { ascent: ascent.losses() };
    const jax = 'python' in py ? await startJaxSac(py.python, w) : null;
    if (jax) {
      const j = jax.first;
      jaxInfo = { version: j.jax, devices: j.devices, python: 'python' in py ? py.python : '' };
      losses.jax = [j.criticLoss, j.actorLoss];
      for (let i = 0; i < 2; i++) {
        const [a, b] = [losses.ascent[i], losses.jax[i]];
        if (!(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)))) {
          throw new Error(`SAC ${size.name}: Ascent's first-update ${i ? 'actor' : 'critic'} loss ${a} differs from JAX's ${b}`);
        }
      }
    }
    // Warm-up (JIT of both sides), then calls per sample so that a sample lasts ~50 ms.
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < (quick ? 500 : 1500)) ascent(), n++;
    const per = Math.max(1, Math.round(50 / ((performance.now() - t0) / n)));
    if (jax) await jax.run(per * 3);
    const rounds = quick ? 8 : 25;
    const a = { cpu: [] as number[], wall: [] as number[] },
      jx = { cpu: [] as number[], wall: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const c0 = process.cpuUsage(),
        w0 = performance.now();
      for (let i = 0; i < per; i++) ascent();
      const c = process.cpuUsage(c0);
      a.wall.push((performance.now() - w0) / per);
      a.cpu.push((c.user + c.system) / 1000 / per);
      if (jax) {
        const t = await jax.run(per);
        jx.wall.push((t.wall * 1000) / per);
        jx.cpu.push((t.cpu * 1000) / per);
      }
    }
    jax?.close();
    const med = (x: number[]) =>
      quantile(
        [...x].sort((p, q) => p - q),
        0.5,
      );
    const stats = (x: { cpu: number[]; wall: number[] }) => ({ cpuMs: med(x.cpu), wallMs: med(x.wall), cpuMinMs: Math.min(...x.cpu) });
    const row: SacRow = {
      workload: 'sac-update',
      size: size.name,
      batch: size.batch,
      hidden: size.hidden,
      samples: rounds,
      updatesPerSample: per,
      macs: updateMacs(size),
      gmacPerCpuSecond: { ascent: updateMacs(size) / stats(a).cpuMs / 1e6 },
      ascent: stats(a),
      losses,
    };
    if (jax) {
      row.jax = stats(jx);
      row.ratios = { cpu: row.jax.cpuMs / row.ascent.cpuMs, wall: row.jax.wallMs / row.ascent.wallMs };
      row.gmacPerCpuSecond.jax = row.macs / row.jax.cpuMs / 1e6;
    }
    sacRows.push(row);
    const f = (s: { cpuMs: number; wallMs: number }) => `${s.cpuMs.toFixed(2)} ms CPU, ${s.wallMs.toFixed(2)} ms wall`;
    console.log(
      `sac-update ${size.name.padEnd(11)} B=${size.batch} ${size.hidden.join('x')}: ascent ${f(row.ascent)}` +
        (row.jax ? ` | jax-cpu ${f(row.jax)} (x${row.ratios!.cpu.toFixed(2)} CPU, x${row.ratios!.wall.toFixed(2)} wall)` : '') +
        ` | ${(row.macs / 1e6).toFixed(1)} M multiply-adds: ${row.gmacPerCpuSecond.ascent.toFixed(1)} GMAC per CPU second` +
        (row.gmacPerCpuSecond.jax ? ` (jax ${row.gmacPerCpuSecond.jax.toFixed(1)})` : ''),
    );
  }
}

// Memory: steady state over 10,000 consecutive updates at batch 64.
let memory: Record<string, number> | null = null;
if (!quick && only !== 'sac') {
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
  memory = {
    updates: 10_000,
    seconds,
    heapBeforeMB: before.heapMB,
    heapAfterMB: after.heapMB,
    rssBeforeMB: before.rssMB,
    rssAfterMB: after.rssMB,
    gcExposed: gc ? 1 : 0,
  };
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
  // SAC's twin critics on a worker thread (src/tensor/wasm/pair.ts; ASCENT_TWIN=0 turns it off).
  twin: twinInfo(),
  opponents: Object.fromEntries(opponents.map((o) => [o.name, o.config])),
  rows,
  sac: { jax: jaxInfo, rows: sacRows },
  memory,
};
// A partial run (BENCH_ONLY) writes its own file, so it never overwrites the full results.
const stem = only ? `engine-${only}` : 'engine';
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/${stem}.json.tmp`, JSON.stringify(out, null, 2));
renameSync(`bench/results/${stem}.json.tmp`, `bench/results/${stem}.json`);
console.log(`\nwrote bench/results/${stem}.json`);
