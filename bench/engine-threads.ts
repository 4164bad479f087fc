// The gemm on 1 vs 2 threads (issue 12): products of square sizes (where the threads start to pay in
// wall time), the products of one SAC update at HalfCheetah sizes (SB3's defaults: 256x256 ReLU,
// batch 256), and that whole update (bench/engine/sac.ts), 1 vs 2 threads side by side in one
// run: blocks of each setting alternate, so machine load hits both alike. CPU time counts every
// thread of the process (process.cpuUsage).
//   node --import tsx bench/engine-threads.ts     (writes bench/results/engine-threads.json)
//   BENCH_QUICK=1 ...                              (fewer blocks)
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { gemm, kernelInfo, setGemmThreads, setGemmThreadThreshold, gemmThreadsReady } from '../src/tensor/index.ts';
import { Rng } from '../src/rng/index.ts';
import { ascentSacUpdate } from './engine/sac.ts';
import { makeSacWorkload, SAC_HALFCHEETAH } from './engine/sac-workload.ts';
import { median } from './measure.ts';

const quick = process.env.BENCH_QUICK === '1';
const BLOCKS = quick ? 5 : 15;
const load0 = os.loadavg();

async function useThreads(n: number): Promise<void> {
  setGemmThreads(n);
  gemm(new Float32Array(64), 0, new Float32Array(64), 0, new Float32Array(64), 0, 8, 8, 8, false, false); // build the kernels
  const t0 = Date.now();
  while (gemmThreadsReady() < n && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
  if (gemmThreadsReady() < n) throw new Error(`engine-threads: ${n} threads asked for, ${gemmThreadsReady()} ready (${JSON.stringify(kernelInfo())})`);
}

/** CPU and wall microseconds per call of fn under 1 and 2 threads, medians over alternating blocks. */
async function sideBySide(fn: () => void, callsPerBlock: number) {
  const t: Record<1 | 2, { cpu: number[]; wall: number[] }> = { 1: { cpu: [], wall: [] }, 2: { cpu: [], wall: [] } };
  for (let b = 0; b < BLOCKS; b++) {
    for (const n of [1, 2] as const) {
      await useThreads(n);
      for (let i = 0; i < Math.max(2, callsPerBlock >> 3); i++) fn(); // warm up
      const c0 = process.cpuUsage(),
        w0 = performance.now();
      for (let i = 0; i < callsPerBlock; i++) fn();
      const c = process.cpuUsage(c0);
      t[n].wall.push(((performance.now() - w0) * 1000) / callsPerBlock);
      t[n].cpu.push((c.user + c.system) / callsPerBlock);
    }
  }
  const one = { cpuUs: median(t[1].cpu), wallUs: median(t[1].wall) },
    two = { cpuUs: median(t[2].cpu), wallUs: median(t[2].wall) };
  return { one, two, wallSpeedup: one.wallUs / two.wallUs, cpuRatio: two.cpuUs / one.cpuUs };
}

const rng = new Rng(3);
const rand = (n: number) => rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
function product(m: number, k: number, n: number, tA: boolean, tB: boolean) {
  const A = rand(m * k),
    B = rand(k * n),
    C = new Float32Array(m * n);
  return () => gemm(A, 0, B, 0, C, 0, m, k, n, tA, tB, false);
}

console.log(`engine-threads on ${os.cpus()[0]?.model} (${os.cpus().length} cores), node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}`);
setGemmThreadThreshold(0); // every product through the threads when there are two; the rows below find where they pay
const gemmRows: Record<string, unknown>[] = [];
const squares = [32, 64, 96, 128, 192, 256, 384, 512];
for (const s of squares) {
  const macs = s * s * s;
  const r = await sideBySide(product(s, s, s, false, false), Math.max(4, Math.round(2e8 / macs / BLOCKS)));
  gemmRows.push({ shape: `${s}x${s}x${s}`, macs, ...r });
  console.log(
    `gemm ${`${s}^3`.padEnd(6)} 1 thread ${r.one.wallUs.toFixed(1)} us wall, ${r.one.cpuUs.toFixed(1)} cpu | 2 threads ${r.two.wallUs.toFixed(1)} wall, ${r.two.cpuUs.toFixed(1)} cpu | wall x${r.wallSpeedup.toFixed(2)}, cpu x${r.cpuRatio.toFixed(2)}`,
  );
}
// The products of one SAC update at HalfCheetah sizes (critic input 17 + 6 = 23, batch 256).
const sacShapes: [string, number, number, number, boolean, boolean][] = [
  ['forward 256x23x256', 256, 23, 256, false, false],
  ['forward 256x256x256', 256, 256, 256, false, false],
  ['dx 256x256x256 (g W^T)', 256, 256, 256, false, true],
  ['dW 256x256x256 (x^T g)', 256, 256, 256, true, false],
  ['dW 23x256x256', 23, 256, 256, true, false],
  ['head 256x256x12', 256, 256, 12, false, false],
];
const sacGemmRows: Record<string, unknown>[] = [];
for (const [name, m, k, n, tA, tB] of sacShapes) {
  const r = await sideBySide(product(m, k, n, tA, tB), Math.max(4, Math.round(1e8 / (m * k * n) / BLOCKS)));
  sacGemmRows.push({ shape: name, macs: m * k * n, ...r });
  console.log(
    `sac gemm ${name.padEnd(24)} wall ${r.one.wallUs.toFixed(1)} -> ${r.two.wallUs.toFixed(1)} us (x${r.wallSpeedup.toFixed(2)}), cpu x${r.cpuRatio.toFixed(2)}`,
  );
}
setGemmThreadThreshold();
// The whole update: 1 thread (the default path: fused MLPs) vs 2 threads (per-layer ops, threaded gemms).
const w = makeSacWorkload(SAC_HALFCHEETAH, 7);
const update = ascentSacUpdate(w, { twin: false }); // the gemm threads alone (engine-twin.ts measures the twin critics)
const sac = await sideBySide(() => update(), quick ? 5 : 10);
console.log(
  `sac-update halfcheetah B=256 256x256: 1 thread ${(sac.one.wallUs / 1000).toFixed(2)} ms wall, ${(sac.one.cpuUs / 1000).toFixed(2)} cpu | 2 threads ${(sac.two.wallUs / 1000).toFixed(2)} wall, ${(sac.two.cpuUs / 1000).toFixed(2)} cpu | wall x${sac.wallSpeedup.toFixed(2)}, cpu x${sac.cpuRatio.toFixed(2)}`,
);
setGemmThreads(1);
const result = {
  bench: 'engine-threads',
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavg: { before: load0, after: os.loadavg() } },
  note: 'medians over alternating blocks of 1 and 2 threads; CPU time counts all threads; the machine is shared with other jobs (see loadavg)',
  kernels: kernelInfo(),
  blocks: BLOCKS,
  squares: gemmRows,
  sacGemms: sacGemmRows,
  sacUpdate: { size: SAC_HALFCHEETAH, ...sac },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/engine-threads.json', import.meta.url);
const tmp = new URL('./results/engine-threads.json.tmp', import.meta.url);
writeFileSync(tmp, `${JSON.stringify(result, null, 1)}\n`);
renameSync(tmp, out);
console.log('wrote bench/results/engine-threads.json');
