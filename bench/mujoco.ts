/**
 * MuJoCo env throughput (node --import tsx bench/mujoco.ts):
 *  1. bare mujoco-js: mj_step calls/s on the task's model (and that divided by frame_skip, the
 *     env-step rate the physics alone allows);
 *  2. raw: the task class's step (reward, observation, termination), resets included;
 *  3. wrapped: make(id) (TimeLimit + order check) under RecordEpisodeStatistics, as training uses it;
 *  4. vectorised: SyncVectorEnv against AsyncVectorEnv with 1 and 2 workers (one MuJoCo instance
 *     per worker) at several env counts.
 * Actions are uniform in the action box from a fixed table. Each figure is the best of 3 timed
 * windows after a warm-up. Prints a table, writes bench/results/mujoco.json.
 */
import { measure } from './measure.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { make, type Env } from '../src/envs/index.ts';
import { loadMujoco, type MujocoEnv } from '../src/envs/mujoco/index.ts';
import { AsyncVectorEnv, SyncVectorEnv, type VectorEnv } from '../src/vector/index.ts';
import { RecordEpisodeStatistics } from '../src/wrappers/index.ts';
import { Rng } from '../src/rng/index.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 400);
const REGISTER = new URL('../src/envs/mujoco/register.ts', import.meta.url).href;

function actionTable(env: Env<any, any>, n = 1024): Float32Array[] {
  const rng = new Rng(1);
  const box = env.actionSpace as unknown as { low: ArrayLike<number>; high: ArrayLike<number>; shape: number[] };
  return Array.from({ length: n }, () => Float32Array.from({ length: box.shape[0] }, (_, j) => rng.uniform(box.low[j], box.high[j])));
}

function envRate(env: Env<any, any>): number {
  const acts = actionTable(env);
  let i = 0;
  env.reset({ seed: 0 });
  return measure(
    (k) => {
      for (let s = 0; s < k; s++) {
        const r = env.step(acts[i++ & 1023]);
        if (r.terminated || r.truncated) env.reset();
      }
    },
    200,
    WINDOW_MS,
  );
}

/** mj_step calls/s on the env's model, ctrl from the action table, no task code around it. */
function bareRate(env: MujocoEnv): number {
  const { sim } = env;
  const acts = actionTable(env);
  env.reset({ seed: 0 });
  const mj = sim.mj as unknown as { mj_step(m: unknown, d: unknown): void };
  let i = 0;
  return measure(
    (k) => {
      const ctrl = sim.ctrl;
      for (let s = 0; s < k; s++) {
        if ((s & 7) === 0) ctrl.set(acts[i++ & 1023]);
        mj.mj_step(sim.model, sim.data);
      }
      // keep the state bounded: start over from the initial state now and then
      env.reset();
    },
    1000,
    WINDOW_MS,
  );
}

function vectorRate(v: VectorEnv, chunkSteps = 400): number {
  const rng = new Rng(2);
  const tables = Array.from({ length: 32 }, () => Float64Array.from({ length: v.numEnvs * v.actDim }, () => rng.uniform(-1, 1)));
  let i = 0;
  v.reset({ seed: 0 });
  const chunk = Math.max(1, Math.round(chunkSteps / v.numEnvs));
  return (
    measure(
      (k) => {
        for (let s = 0; s < k; s++) v.step(tables[i++ & 31]);
      },
      chunk,
      WINDOW_MS,
    ) * v.numEnvs
  );
}

const fmt = (x: number) => `${(x / 1e3).toFixed(1)} k`;

async function main(): Promise<void> {
  await loadMujoco();
  const ids = (process.env.BENCH_ENVS ?? 'InvertedPendulum-v5,Hopper-v5,HalfCheetah-v5,Ant-v5,Humanoid-v5').split(',');
  const single: Record<string, number | string>[] = [];
  console.log(`Single-thread steps/s (best of 3 x ${WINDOW_MS} ms; resets included)`);
  console.log('env                        mj_step/s   /frame_skip   raw env   wrapped   raw/bare   wrapped/raw');
  for (const id of ids) {
    const raw = make(id, { maxEpisodeSteps: null, orderEnforce: false }).unwrapped as unknown as MujocoEnv;
    const bare = bareRate(raw);
    const perEnvStep = bare / raw.frameSkip;
    const r = envRate(raw);
    raw.close();
    const wrapped = new RecordEpisodeStatistics(make(id));
    const w = envRate(wrapped);
    wrapped.close();
    single.push({
      env: id,
      frameSkip: raw.frameSkip,
      mjStepPerSec: Math.round(bare),
      bareEnvStepsPerSec: Math.round(perEnvStep),
      rawStepsPerSec: Math.round(r),
      wrappedStepsPerSec: Math.round(w),
    });
    console.log(
      `${id.padEnd(26)} ${fmt(bare).padStart(9)}   ${fmt(perEnvStep).padStart(11)}   ${fmt(r).padStart(7)}   ${fmt(w).padStart(7)}   ${(r / perEnvStep).toFixed(2).padStart(8)}   ${(w / r).toFixed(2).padStart(11)}`,
    );
  }

  const vec: Record<string, number | string>[] = [];
  console.log('\nVector env steps/s (async: worker threads, one MuJoCo instance each)');
  console.log('env                numEnvs   sync        async 1 worker        async 2 workers');
  for (const id of (process.env.BENCH_VEC_ENVS ?? 'Hopper-v5,HalfCheetah-v5').split(',')) {
    for (const n of [2, 4, 8]) {
      const sv = new SyncVectorEnv(Array.from({ length: n }, () => () => make(id)));
      const s = vectorRate(sv);
      sv.close();
      vec.push({ env: id, kind: 'sync', workers: 0, numEnvs: n, envStepsPerSec: Math.round(s), vsSync: 1 });
      const cells = [fmt(s).padStart(9)];
      for (const workers of [1, 2]) {
        const av = await AsyncVectorEnv.create({ envId: id, numEnvs: n, numWorkers: workers, setupModules: [REGISTER] });
        const a = vectorRate(av);
        await av.close();
        vec.push({ env: id, kind: 'async', workers, numEnvs: n, envStepsPerSec: Math.round(a), vsSync: +(a / s).toFixed(3) });
        cells.push(`${fmt(a).padStart(9)} (${(a / s).toFixed(2)}x)`);
      }
      console.log(`${id.padEnd(18)} ${String(n).padStart(7)}   ${cells.join('   ')}`);
    }
  }
  const out = {
    bench: 'mujoco',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverage: loadavg(),
    windowMs: WINDOW_MS,
    mujoco: 'mujoco-js 0.0.7 (MuJoCo 3.3.8 WebAssembly)',
    single,
    vector: vec,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/mujoco.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/results/mujoco.json');
}

await main();
