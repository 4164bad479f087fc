// SAC's twin critics and targets on two threads (issue 12, src/tensor/wasm/pair.ts) vs one thread:
// one whole SAC update (bench/engine/sac.ts) at RLtools' Pendulum sizes (64x64, batch 100), at an
// intermediate size (128x128, batch 256) and at HalfCheetah's (256x256, batch 256), in alternating
// blocks so that machine load falls on both alike. "forced" runs every size on the worker
// (setTwinThreshold(0)) to show where it pays; "default" is what the library does. CPU time counts
// every thread of the process (process.cpuUsage), the worker's spinning included.
//   node --import tsx bench/engine-twin.ts     (writes bench/results/engine-twin.json)
//   BENCH_QUICK=1 ...                           (fewer blocks)
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { kernelInfo, setTwinThreads, setTwinThreshold, twinInfo } from '../src/tensor/index.ts';
import { ascentSacUpdate } from './engine/sac.ts';
import { makeSacWorkload, SAC_HALFCHEETAH, SAC_PENDULUM, type SacSize } from './engine/sac-workload.ts';
import { median } from './measure.ts';

const quick = process.env.BENCH_QUICK === '1';
const BLOCKS = quick ? 5 : 15;
const load0 = os.loadavg();

async function workerUp(): Promise<void> {
  setTwinThreads(true);
  const t0 = Date.now();
  while (!twinInfo().ready && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
  if (!twinInfo().ready) throw new Error(`engine-twin: the twin worker did not start (${JSON.stringify(twinInfo())})`);
}

const MID: SacSize = { name: 'mid', obs: 17, act: 6, hidden: [128, 128], batch: 256 };
console.log(`engine-twin on ${os.cpus()[0]?.model} (${os.cpus().length} cores), node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
const rows: Record<string, unknown>[] = [];
for (const size of [SAC_PENDULUM, MID, SAC_HALFCHEETAH]) {
  for (const mode of ['forced', 'default'] as const) {
    const w = makeSacWorkload(size, 11);
    const one = ascentSacUpdate(w, { twin: false }),
      two = ascentSacUpdate(w, { twin: true });
    if (mode === 'forced') setTwinThreshold(0);
    else setTwinThreshold();
    await workerUp();
    // ~40 ms per block and setting.
    for (let i = 0; i < 5; i++) one(), two();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) one();
    for (let i = 0; i < 5; i++) two(); // the same number of updates on both (their parameters are compared)
    const calls = Math.max(3, Math.round(40 / ((performance.now() - t0) / 5)));
    const t: Record<'one' | 'two', { cpu: number[]; wall: number[] }> = { one: { cpu: [], wall: [] }, two: { cpu: [], wall: [] } };
    for (let b = 0; b < BLOCKS; b++) {
      for (const [k, fn] of [
        ['one', one],
        ['two', two],
      ] as const) {
        const c0 = process.cpuUsage(),
          w0 = performance.now();
        for (let i = 0; i < calls; i++) fn();
        const c = process.cpuUsage(c0);
        t[k].wall.push((performance.now() - w0) / calls);
        t[k].cpu.push((c.user + c.system) / 1000 / calls);
      }
    }
    const p2 = two.params();
    const same = one.params().every((p, i) => p.every((v, j) => Object.is(v, p2[i][j])));
    const r = {
      size: size.name,
      hidden: size.hidden,
      batch: size.batch,
      mode,
      callsPerBlock: calls,
      // The fastest block too: under load, the blocks where the scheduler gave the process both cores.
      oneThread: { cpuMs: median(t.one.cpu), wallMs: median(t.one.wall), minWallMs: Math.min(...t.one.wall) },
      twin: { cpuMs: median(t.two.cpu), wallMs: median(t.two.wall), minWallMs: Math.min(...t.two.wall) },
      wallSpeedup: median(t.one.wall) / median(t.two.wall),
      cpuRatio: median(t.two.cpu) / median(t.one.cpu),
      sameParameters: same,
    };
    rows.push(r);
    console.log(
      `${size.name.padEnd(11)} ${size.hidden.join('x')} B=${size.batch} ${mode.padEnd(7)}: 1 thread ${r.oneThread.wallMs.toFixed(2)} ms wall, ${r.oneThread.cpuMs.toFixed(2)} cpu | twin ${r.twin.wallMs.toFixed(2)} wall, ${r.twin.cpuMs.toFixed(2)} cpu | wall x${r.wallSpeedup.toFixed(2)}, cpu x${r.cpuRatio.toFixed(2)}, fastest block ${r.oneThread.minWallMs.toFixed(2)} vs ${r.twin.minWallMs.toFixed(2)} ms, same parameters: ${same}`,
    );
    if (!same) throw new Error(`engine-twin: ${size.name} ${mode}: the twin update's parameters differ from the one-thread update's`);
  }
}
setTwinThreshold();
const result = {
  bench: 'engine-twin',
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavg: { before: load0, after: os.loadavg() } },
  note: 'medians over alternating blocks of one-thread and twin updates; CPU time counts all threads; the machine is shared with other jobs (see loadavg)',
  kernels: kernelInfo(),
  blocks: BLOCKS,
  rows,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/engine-twin.json', import.meta.url);
const tmp = new URL('./results/engine-twin.json.tmp', import.meta.url);
writeFileSync(tmp, `${JSON.stringify(result, null, 1)}\n`);
renameSync(tmp, out);
console.log('wrote bench/results/engine-twin.json');
