/**
 * Environment throughput (npm run bench:envs):
 *  1. raw steps/s of each classic env in this thread (base env; and through make(), i.e. with
 *     TimeLimit + order check), actions from a precomputed random table, resets included;
 *  2. vector throughput (env steps/s) of SyncVectorEnv and AsyncVectorEnv with 1 and 2 workers (and
 *     1 worker plus a main-thread share of the envs) at
 *     several env counts, on CartPole-v1, Pendulum-v1 and a deliberately expensive env
 *     (BenchHeavyCartPole-v1), where worker threads pay off.
 * Each figure is the best of 3 timed windows after a warm-up. Prints a table, writes bench/results/envs.json.
 */
import { measure } from './measure.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { AcrobotEnv, CartPoleEnv, Discrete, MountainCarContinuousEnv, MountainCarEnv, PendulumEnv, make, register, type Env } from '../src/envs/index.ts';
import { AsyncVectorEnv, SyncVectorEnv, type VectorEnv } from '../src/vector/index.ts';
import { Rng } from '../src/rng/index.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 300);

/**
 * A stand-in for an expensive env (MuJoCo runs ~24k steps/s per thread here, ~40 us a step):
 * CartPole plus a fixed amount of arithmetic per step. Registered at import, so workers that
 * import this file (setupModules) can make it too.
 */
const HEAVY_ITERS = 2000;
class HeavyCartPole extends CartPoleEnv {
  sink = 0;
  override step(a: number) {
    let x = this.sink;
    for (let i = 0; i < HEAVY_ITERS; i++) x = Math.sin(x + i);
    this.sink = x;
    return super.step(a);
  }
}
register({ id: 'BenchHeavyCartPole-v1', entryPoint: () => new HeavyCartPole(), maxEpisodeSteps: 500 });

function actionTable(env: Env<any, any>, n = 4096): (number | Float32Array)[] {
  const rng = new Rng(1);
  return Array.from({ length: n }, () => (env.actionSpace instanceof Discrete ? rng.int(env.actionSpace.n) : Float32Array.of(rng.uniform(-1, 1))));
}

function rawRate(env: Env<any, any>): number {
  const acts = actionTable(env);
  const mask = acts.length - 1;
  let i = 0;
  env.reset({ seed: 0 });
  return measure(
    (k) => {
      for (let s = 0; s < k; s++) {
        const r = env.step(acts[i++ & mask]);
        if (r.terminated || r.truncated) env.reset();
      }
    },
    10_000,
    WINDOW_MS,
  );
}

function vectorRate(v: VectorEnv, discrete: boolean, chunkSteps = 20_000): number {
  const rng = new Rng(2);
  const tables = Array.from({ length: 64 }, () => {
    const a = new Float64Array(v.numEnvs * v.actDim);
    for (let j = 0; j < a.length; j++) a[j] = discrete ? rng.int(2) : rng.uniform(-1, 1);
    return a;
  });
  let i = 0;
  v.reset({ seed: 0 });
  const chunk = Math.max(1, Math.round(chunkSteps / v.numEnvs));
  return (
    measure(
      (k) => {
        for (let s = 0; s < k; s++) v.step(tables[i++ & 63]);
      },
      chunk,
      WINDOW_MS,
    ) * v.numEnvs
  );
}

/**
 * How many cores this process can really use right now: CPU time / wall time of two busy worker
 * threads (about 2 on an idle 2-core machine; about 1 when other jobs hold a core). Worker scaling
 * in the vector table is only meaningful when this is near the worker count.
 */
async function usableCores(ms = 600): Promise<number> {
  const code = `const t = Date.now(); let x = 0; while (Date.now() - t < ${ms}) x += Math.sin(x); require('node:worker_threads').parentPort.postMessage(x);`;
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([0, 1].map(() => new Promise((resolve) => new Worker(code, { eval: true }).once('message', resolve))));
  const u = process.cpuUsage(u0);
  return +((u.user + u.system) / 1000 / (performance.now() - t0)).toFixed(2);
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);

async function main(): Promise<void> {
  const raw: { env: string; baseStepsPerSec: number; makeStepsPerSec: number; wrapperCostRatio: number }[] = [];
  const bases: [string, () => Env<any, any>][] = [
    ['CartPole-v1', () => new CartPoleEnv()],
    ['Acrobot-v1', () => new AcrobotEnv()],
    ['MountainCar-v0', () => new MountainCarEnv()],
    ['MountainCarContinuous-v0', () => new MountainCarContinuousEnv()],
    ['Pendulum-v1', () => new PendulumEnv()],
  ];
  console.log(`Raw single-thread steps/s (best of 3 x ${WINDOW_MS} ms; resets included)`);
  console.log('env                        base env      make() (TimeLimit+order)   base/make');
  for (const [id, mk] of bases) {
    const b = rawRate(mk());
    const m = rawRate(make(id));
    raw.push({ env: id, baseStepsPerSec: Math.round(b), makeStepsPerSec: Math.round(m), wrapperCostRatio: +(b / m).toFixed(2) });
    console.log(`${id.padEnd(26)} ${fmt(b).padStart(9)}     ${fmt(m).padStart(9)}                  ${(b / m).toFixed(2)}`);
  }

  const coresBefore = await usableCores();
  const vec: { env: string; kind: string; workers: number; numEnvs: number; envStepsPerSec: number; vsSync: number }[] = [];
  console.log('\nVector env throughput (env steps/s; async = worker threads over shared memory)');
  console.log('env                    numEnvs   sync        async 1 worker      async 2 workers     1 worker + main share  (ratio to sync)');
  const cases: [string, number[]][] = [
    ['CartPole-v1', [1, 8, 64, 256]],
    ['Pendulum-v1', [1, 8, 64, 256]],
    ['BenchHeavyCartPole-v1', [2, 8, 32]],
  ];
  for (const [id, counts] of cases) {
    const discrete = id !== 'Pendulum-v1';
    const heavy = id.startsWith('BenchHeavy');
    for (const n of counts) {
      const sv = new SyncVectorEnv(Array.from({ length: n }, () => () => make(id)));
      const s = vectorRate(sv, discrete, heavy ? 100 : 20_000);
      sv.close();
      vec.push({ env: id, kind: 'sync', workers: 0, numEnvs: n, envStepsPerSec: Math.round(s), vsSync: 1 });
      const cells = [`${fmt(s).padStart(9)}`];
      const variants: [string, number, boolean][] = [
        ['async', 1, false],
        ['async', 2, false],
        ['async+main', 1, true],
      ];
      for (const [kind, w, share] of variants) {
        if (w + (share ? 1 : 0) > n) {
          cells.push('        -         ');
          continue;
        }
        const av = await AsyncVectorEnv.create({ envId: id, numEnvs: n, numWorkers: w, mainThreadShare: share, setupModules: heavy ? [import.meta.url] : [] });
        const a = vectorRate(av, discrete, heavy ? 100 : 20_000);
        await av.close();
        vec.push({ env: id, kind, workers: w, numEnvs: n, envStepsPerSec: Math.round(a), vsSync: +(a / s).toFixed(3) });
        cells.push(`${fmt(a).padStart(9)} (${(a / s).toFixed(2)}x)`);
      }
      console.log(`${id.padEnd(22)} ${String(n).padStart(7)}   ${cells.join('   ')}`);
    }
  }
  const coresAfter = await usableCores();
  console.log(`\nusable cores (CPU/wall of 2 busy threads): ${coresBefore} before, ${coresAfter} after the vector runs`);
  const out = {
    bench: 'envs',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    windowMs: WINDOW_MS,
    loadAverage: loadavg(),
    usableCores: { before: coresBefore, after: coresAfter },
    heavyEnv: `BenchHeavyCartPole-v1 = CartPole-v1 + ${HEAVY_ITERS} Math.sin per step`,
    raw,
    vector: vec,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/envs.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/envs.json');
}

if (isMainThread) await main();
