// Runs each opponent alone: the correctness checks of verify.ts (initial loss and probabilities
// against the float64 reference, loss decreasing over 200 updates, no leak over SMOKE_LEAK_STEPS
// updates, default 1000; parameters after 5 Adam steps agreeing across engines), then rough medians.
//   node --import tsx bench/opponents/smoke.ts [name ...]      (names: tfjs-cpu tfjs-wasm jax-js-wasm)
// Exits 1 if a check fails. The real side-by-side comparison is bench/engine.ts.

import { createOpponents } from './index.ts';
import { formatTiming, measure } from './timing.ts';
import { compareParams, verifyOpponent, type Check } from './verify.ts';
import { INFERENCE_BATCHES, PPO_BATCHES } from './workload.ts';

const SEED = 7;
const LEAK_STEPS = Number(process.env.SMOKE_LEAK_STEPS ?? 1000);
const wanted = process.argv.slice(2);
const opponents = createOpponents().filter((o) => wanted.length === 0 || wanted.includes(o.name));
if (opponents.length === 0) throw new Error(`smoke: no opponent named ${wanted.join(', ')}; expected tfjs-cpu, tfjs-wasm or jax-js-wasm`);

let failures = 0;
const report = (c: Check) => {
  console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}`);
  if (!c.ok) failures++;
};
const after5: { name: string; params: Float32Array[] }[] = [];
const rows: string[] = [];

for (const opp of opponents) {
  console.log(`\n${opp.name}`);
  await opp.init();
  console.log(`  config ${JSON.stringify(opp.config)}`);
  const v = await verifyOpponent(opp, { seed: SEED, leakSteps: LEAK_STEPS });
  v.checks.forEach(report);
  after5.push({ name: opp.name, params: v.paramsAfter5 });
  if (opp.memory) console.log(`  memory after release: ${JSON.stringify(opp.memory())}`);

  const time = async (what: string, fn: () => unknown, callsPerSample?: number) => {
    const t = await measure(fn, { samples: 15, callsPerSample, maxTimeMs: 3000 });
    rows.push(`  ${opp.name.padEnd(12)} ${what.padEnd(20)} ${formatTiming(t)}`);
    console.log(`  ${what}: ${formatTiming(t)}`);
  };
  for (const b of PPO_BATCHES) {
    const u = await opp.ppoUpdate(b, SEED);
    await time(`ppo update B=${b}`, u, 1);
    u.release();
  }
  for (const b of INFERENCE_BATCHES) {
    const inf = await opp.inference(b, SEED);
    await time(`inference B=${b}`, inf);
    inf.release();
  }
  await opp.dispose();
}

console.log('');
for (let i = 1; i < after5.length; i++) report(compareParams(after5[0].name, after5[0].params, after5[i].name, after5[i].params));
console.log('\nmedian per call (± half IQR)');
rows.forEach((r) => console.log(r));
if (failures > 0) {
  console.log(`\n${failures} check(s) failed`);
  process.exitCode = 1;
}
