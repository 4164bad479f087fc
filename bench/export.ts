/**
 * The exported policies against the library's predict(): the zero-dependency runner's size (raw
 * and gzipped, module and weights) and batch-1 inference time side by side with Predictor.act and
 * onnxruntime-node on the ONNX export, for the networks of three presets.
 *
 *   npm run bench:export [-- --out bench/results/export.json]
 *
 * Timings interleave the contenders in rounds (each round runs every contender for the same number
 * of calls) and report the median round, so that load from other processes falls on all of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { ALGORITHMS } from '../src/algos/index.ts';
import { make } from '../src/envs/index.ts';
import { Rng } from '../src/rng/index.ts';
import { exportPolicy, Predictor } from '../src/export/index.ts';

const outArg = process.argv.indexOf('--out');
const outPath = outArg > 0 ? process.argv[outArg + 1] : 'bench/results/export.json';
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const CALLS = Number(process.env.CALLS ?? 2000);

const CASES = [
  { label: 'ppo CartPole-v1 (64x64 tanh, categorical)', algo: 'ppo', config: { env: 'CartPole-v1', numEnvs: 1, nSteps: 64, batchSize: 64 } },
  {
    label: 'ppo Pendulum-v1 (64x64 tanh, Gaussian, normalizeObs)',
    algo: 'ppo',
    config: { env: 'Pendulum-v1', numEnvs: 1, nSteps: 64, batchSize: 64, normalizeObs: true },
  },
  { label: 'sac Pendulum-v1 (256x256 relu, tanh-Gaussian)', algo: 'sac', config: { env: 'Pendulum-v1', learningStarts: 10, batchSize: 8, bufferSize: 100 } },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'ascent-bench-export-'));
const rows: Record<string, unknown>[] = [];
try {
  for (const c of CASES) {
    const algo = ALGORITHMS[c.algo].create({ seed: 0, ...c.config });
    algo.update();
    const env = make(c.config.env);
    const rng = new Rng(1);
    const obsList = Array.from({ length: 64 }, () => Float32Array.from(env.observationSpace.sample(rng) as ArrayLike<number>));
    env.close();

    const runnerFiles = exportPolicy(algo, { format: 'ascent-runner' });
    const sub = join(dir, c.algo + c.config.env);
    rmSync(sub, { recursive: true, force: true });
    for (const f of runnerFiles) writeFileSync(`${sub}-${f.name}`, f.bytes);
    const mod = runnerFiles.find((f) => f.name === 'policy.mjs')!.bytes;
    const bin = runnerFiles.find((f) => f.name === 'policy.bin')!.bytes;
    const runner = (await import(pathToFileURL(`${sub}-policy.mjs`).href)).loadPolicy(bin);
    const predictor = new Predictor(algo);
    const onnx = exportPolicy(algo, { format: 'onnx', outputs: 'action' })[0].bytes;
    const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });

    let sink = 0;
    const contenders: [string, (o: Float32Array) => Promise<void> | void][] = [
      ['predict', (o) => void (sink += predictor.act(o, 1)[0])],
      [
        'runner',
        (o) => {
          const a = runner.act(o);
          sink += typeof a === 'number' ? a : a[0];
        },
      ],
      [
        'onnxruntime-node',
        async (o) => {
          const r = await session.run({ obs: new ort.Tensor('float32', o, [1, o.length]) });
          sink += Number(r.action.data[0]);
        },
      ],
    ];
    const perCall: Record<string, number[]> = Object.fromEntries(contenders.map(([n]) => [n, []]));
    for (let round = -1; round < ROUNDS; round++) {
      for (const [name, f] of contenders) {
        const calls = name === 'onnxruntime-node' ? CALLS / 4 : CALLS;
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) await f(obsList[i & 63]);
        const us = ((performance.now() - t0) * 1000) / calls;
        if (round >= 0) perCall[name].push(us); // round -1 warms up
      }
    }
    const us = Object.fromEntries(Object.entries(perCall).map(([n, xs]) => [n, median(xs)]));
    rows.push({
      case: c.label,
      params: algo.policy.numParameters(),
      runnerModuleBytes: mod.length,
      runnerModuleGzip: gzipSync(mod, { level: 9 }).length,
      weightsBytes: bin.length,
      weightsGzip: gzipSync(bin, { level: 9 }).length,
      onnxBytes: onnx.length,
      usPerAct: us,
      runnerOverPredict: us.runner / us.predict,
      onnxOverPredict: us['onnxruntime-node'] / us.predict,
      sink: Number.isFinite(sink),
    });
    await session.release();
    algo.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadavg: loadavg(),
  rounds: ROUNDS,
  calls: CALLS,
};
console.log(`export bench: ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, load ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
console.log(
  '| policy | params | runner .mjs (gzip) | weights (gzip) | .onnx | predict µs/act | runner µs/act | ORT µs/act | runner / predict | ORT / predict |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows as any[]) {
  const u = r.usPerAct;
  console.log(
    `| ${r.case} | ${r.params} | ${r.runnerModuleBytes} B (${r.runnerModuleGzip} B) | ${r.weightsBytes} B (${r.weightsGzip} B) | ${r.onnxBytes} B | ${u.predict.toFixed(2)} | ${u.runner.toFixed(2)} | ${u['onnxruntime-node'].toFixed(2)} | ${r.runnerOverPredict.toFixed(2)} | ${r.onnxOverPredict.toFixed(2)} |`,
  );
}
writeFileSync(outPath, `${JSON.stringify({ meta, rows }, null, 1)}\n`);
console.log(`wrote ${outPath}`);
