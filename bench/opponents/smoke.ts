// Runs each opponent alone: checks it computes the workload correctly (initial loss and
// probabilities against the float64 reference, same parameters after Adam steps across opponents,
// loss decreasing over 200 updates), that it does not leak per update, and prints rough medians.
//   node --import tsx bench/opponents/smoke.ts [name ...]      (names: tfjs-cpu tfjs-wasm jax-js-wasm)
// SMOKE_LEAK_STEPS (default 1000) sets the length of the leak check.

import { createOpponents } from './index.ts';
import { referenceLoss, referenceProbs } from './reference.ts';
import { formatTiming, measure } from './timing.ts';
import { INFERENCE_BATCHES, PPO_BATCHES, initParams, makeObs, makePpoBatch } from './workload.ts';

const SEED = 7;
const LEAK_STEPS = Number(process.env.SMOKE_LEAK_STEPS ?? 1000);
const wanted = process.argv.slice(2);
const opponents = createOpponents().filter((o) => wanted.length === 0 || wanted.includes(o.name));
if (opponents.length === 0) throw new Error(`smoke: no opponent named ${wanted.join(', ')}`);

let failures = 0;
function check(ok: boolean, what: string): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};
const call = async <T>(fn: () => T | Promise<T>): Promise<T> => await fn();

const params = initParams(SEED);
const fixed = makePpoBatch(64, SEED);
const ref = referenceLoss(params, fixed);
console.log(`reference (float64) initial loss at B=64: ${ref.loss.toFixed(6)} ` +
  `(policy ${ref.policy.toFixed(4)}, value ${ref.value.toFixed(4)}, entropy ${ref.entropy.toFixed(4)})`);

const afterSteps: { name: string; params: Float32Array[] }[] = [];
const rows: string[][] = [];

for (const opp of opponents) {
  console.log(`\n${opp.name}`);
  await opp.init();
  console.log(`  config ${JSON.stringify(opp.config)}`);

  // Correctness on a fixed minibatch, from the shared initial parameters.
  const update = await opp.ppoUpdate(64, SEED, params);
  const first = await call(update);
  check(Math.abs(first - ref.loss) < 1e-4, `initial loss ${first.toFixed(6)} vs reference (|diff| ${Math.abs(first - ref.loss).toExponential(1)} < 1e-4)`);
  for (let i = 1; i < 5; i++) await call(update);
  afterSteps.push({ name: opp.name, params: await update.readParams() });
  let last = first;
  for (let i = 5; i < 200; i++) last = await call(update);
  check(last < first - 0.05, `loss decreases over 200 updates: ${first.toFixed(4)} -> ${last.toFixed(4)}`);
  update.release();

  for (const b of INFERENCE_BATCHES) {
    const infer = await opp.inference(b, SEED, params);
    const probs = await call(infer);
    const err = maxAbsDiff(probs, referenceProbs(params, makeObs(b, SEED), b));
    check(err < 1e-5, `inference B=${b} probabilities match the reference (max |diff| ${err.toExponential(1)})`);
    infer.release();
  }

  // Leak check: live tensors/buffers after warm-up must not change over many updates and inferences.
  if (opp.memory) {
    const u = await opp.ppoUpdate(64, SEED);
    const inf = await opp.inference(1, SEED);
    for (let i = 0; i < 10; i++) (await call(u), await call(inf));
    const before = JSON.stringify(opp.memory());
    const heap0 = process.memoryUsage();
    for (let i = 0; i < LEAK_STEPS; i++) (await call(u), await call(inf));
    const after = JSON.stringify(opp.memory());
    const heap1 = process.memoryUsage();
    check(before === after, `no leak over ${LEAK_STEPS} updates + inferences: ${before} -> ${after}` +
      ` (arrayBuffers ${(heap0.arrayBuffers / 2 ** 20).toFixed(1)} -> ${(heap1.arrayBuffers / 2 ** 20).toFixed(1)} MiB)`);
    u.release();
    inf.release();
    console.log(`  after release: ${JSON.stringify(opp.memory())}`);
  }

  // Rough timings (the real comparison is bench/engine.ts).
  for (const b of PPO_BATCHES) {
    const u = await opp.ppoUpdate(b, SEED);
    const t = await measure(u, { samples: 15, callsPerSample: 1, maxTimeMs: 3000 });
    rows.push([opp.name, `ppo update B=${b}`, formatTiming(t)]);
    console.log(`  ppo update B=${b}: ${formatTiming(t)}`);
    u.release();
  }
  for (const b of INFERENCE_BATCHES) {
    const inf = await opp.inference(b, SEED);
    const t = await measure(inf, { samples: 15, maxTimeMs: 2000 });
    rows.push([opp.name, `inference B=${b}`, formatTiming(t)]);
    console.log(`  inference B=${b}: ${formatTiming(t)}`);
    inf.release();
  }
  await opp.dispose();
}

// The same Adam trajectory in every engine: parameters after 5 updates agree.
for (let i = 1; i < afterSteps.length; i++) {
  const a = afterSteps[0];
  const b = afterSteps[i];
  const err = Math.max(...a.params.map((p, k) => maxAbsDiff(p, b.params[k])));
  check(err < 1e-5, `parameters after 5 updates: ${a.name} vs ${b.name} max |diff| ${err.toExponential(1)} < 1e-5`);
}

console.log('\nmedian per call (± half IQR)');
for (const r of rows) console.log(`  ${r[0].padEnd(12)} ${r[1].padEnd(20)} ${r[2]}`);
if (failures > 0) {
  console.log(`\n${failures} check(s) failed`);
  process.exitCode = 1;
}
