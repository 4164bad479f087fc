/**
 * The bias of stale rollouts (issue 15): on CartPole-v1, the policy-gradient estimate at the
 * current policy pi_k from data that pi_{k-s} collected (s = 1, 2, 3 updates behind), against the
 * on-policy gradient at pi_k, with and without the correction the rollout learner applies.
 *
 *   node --import tsx bench/distributed-rollouts-bias.ts [--batch 8192] [--reps 6] [--out bench/results/distributed-rollouts-bias.json]
 *
 * The policies are snapshots of one single-process PPO run (the CartPole preset, seed 0); V is the
 * value function of pi_k throughout. Estimators, each the gradient of a surrogate at theta_k:
 *   on-policy   data from pi_k, GAE advantages: mean(A grad log pi)          (the reference's kind)
 *   naive       stale data as if on-policy: GAE, no weights
 *   ppo-mu      PPO's clipped surrogate with the behaviour as pi_old (what async PPO without a
 *               correction does): r = pi_k / mu, min(r A, clip(r, 0.8, 1.2) A), GAE
 *   vtrace      the learner's correction: V-trace advantages (rho = min(1, pi_k / mu), c = lambda
 *               min(1, pi_k / mu)), pi_old := pi_k
 * The reference is the mean of `reps` on-policy batches; each estimate is compared with it by
 * cosine and relative error ||g - g_ref|| / ||g_ref|| (averaged over `reps` batches). The on-policy
 * row (against the mean of the other batches) is the noise floor a batch of this size has anyway.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PPO, clippedSurrogateLoss } from '../src/algos/ppo.ts';
import { makeTrainingEnvs } from '../src/algos/common.ts';
import { Rng } from '../src/rng/index.ts';
import { Collector, gae, standardize, type Rollout } from '../src/rollout/index.ts';
import { vtrace } from '../src/rollout/vtrace.ts';
import { Tensor, grad, mean, mul, neg, exp, sub } from '../src/tensor/index.ts';
import { flatParams, loadFlatParams } from '../src/distributed/rollouts.ts';
import type { Policy } from '../src/policies/index.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const BATCH = Number(arg('--batch', '8192'));
const REPS = Number(arg('--reps', '6'));
const out = arg('--out', '');
const N_ENVS = 32;
const T = BATCH / N_ENVS;
const ATS = arg('--at', '12,40').split(',').map(Number);
const K = Math.max(...ATS);
const load0 = loadavg()[0];

// One PPO run with the CartPole preset; snapshots of the policy and value after each update.
const preset = {
  numEnvs: 8,
  nSteps: 32,
  batchSize: 256,
  gaeLambda: 0.8,
  gamma: 0.98,
  epochs: 20,
  entCoef: 0,
  lr: 1e-3,
  lrSchedule: 'linear',
  clipRange: 0.2,
  clipSchedule: 'linear',
  totalSteps: 100_000,
} as const;
const ppo = new PPO({ env: 'CartPole-v1', seed: 0, ...preset });
const pis: Float32Array[] = [flatParams(ppo.policy.parameters())];
const values = new Map<number, Float32Array>();
const returnsAt = new Map<number, number>();
for (let k = 1; k <= K; k++) {
  const log = ppo.update();
  pis.push(flatParams(ppo.policy.parameters()));
  if (ATS.includes(k)) {
    values.set(k, flatParams(ppo.value.parameters()));
    returnsAt.set(k, log.returnMean);
  }
}
const policyK = ppo.policy;
const value = ppo.value;
const behaviour = new PPO({ env: 'CartPole-v1', seed: 0, ...preset }).policy;

let seedCounter = 100;
/** A batch of BATCH steps from policy parameters `flat`, with V of pi_k. */
function batch(flat: Float32Array): Rollout {
  loadFlatParams(behaviour.parameters(), flat);
  const env = makeTrainingEnvs('CartPole-v1', N_ENVS);
  const seed = seedCounter++;
  const ro = new Collector(env, behaviour, new Rng(seed), { value, seed }).collect(T);
  env.close();
  return ro;
}

const params = policyK.parameters();
function flatGrad(loss: Tensor): Float64Array {
  const gs = grad(loss, params) as Tensor[];
  return Float64Array.from(flatParams(gs));
}

function logPi(policy: Policy, ro: Rollout): Tensor {
  return policy.distribution(new Tensor(ro.obs, [ro.T * ro.numEnvs, ro.obsDim])).logProb(ro.actions);
}

const gaeOf = (ro: Rollout) =>
  gae(ro, ro.values!, { gamma: preset.gamma, lambda: preset.gaeLambda, finalValues: ro.finalValues!, lastValues: ro.lastValues! }).advantages;

/** mean(A grad log pi_k): the gradient of PPO's surrogate at theta_k when pi_old = pi_k (ratio 1). */
function scoreGrad(ro: Rollout, A: ArrayLike<number>): Float64Array {
  const B = ro.T * ro.numEnvs;
  return flatGrad(neg(mean(mul(logPi(policyK, ro), new Tensor(adv(A), [B])))));
}

/** The advantages as PPO sees them: standardised over the batch when `standardizing` (PPO's normalizeAdvantages). */
let standardizing = false;
function adv(A: ArrayLike<number>): Float32Array {
  const a = Float32Array.from(A);
  if (standardizing) standardize(a);
  return a;
}

const estimators: Record<string, (ro: Rollout) => Float64Array> = {
  naive: (ro) => scoreGrad(ro, gaeOf(ro)),
  'ppo-mu': (ro) => {
    const B = ro.T * ro.numEnvs;
    const ratio = exp(sub(logPi(policyK, ro), new Tensor(ro.logProbs, [B])));
    return flatGrad(clippedSurrogateLoss(ratio, new Tensor(adv(gaeOf(ro)), [B]), 0.2));
  },
  vtrace: (ro) => {
    const B = ro.T * ro.numEnvs;
    const lp = logPi(policyK, ro).data;
    const logRhos = Float64Array.from({ length: B }, (_, i) => lp[i] - ro.logProbs[i]);
    const { advantages } = vtrace(ro, ro.values!, logRhos, {
      gamma: preset.gamma,
      lambda: preset.gaeLambda,
      finalValues: ro.finalValues!,
      lastValues: ro.lastValues!,
    });
    return scoreGrad(ro, advantages);
  },
};

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a: Float64Array) => Math.sqrt(dot(a, a));
const cosine = (a: Float64Array, b: Float64Array) => dot(a, b) / (norm(a) * norm(b));
const relErr = (a: Float64Array, b: Float64Array) => norm(a.map((x, i) => x - b[i])) / norm(b);
const meanOf = (gs: Float64Array[]) => gs[0].map((_, i) => gs.reduce((s, g) => s + g[i], 0) / gs.length);

interface Row {
  /** Advantages standardised over the batch (PPO's normalizeAdvantages) before the gradient. */
  standardized: boolean;
  /** The PPO update whose policy is pi_k. */
  at: number;
  staleness: number;
  estimator: string;
  cosine: number;
  relError: number;
  /** Mean truncated weight of the steps (vtrace), or of r = pi_k / mu untruncated (others). */
  meanRatio: number;
}
const rows: Row[] = [];
const t0 = performance.now();
// Each batch is collected once and measured without and with advantage standardisation.
const cache = new Map<string, Rollout>();
const cached = (key: string, flat: Float32Array) => {
  let ro = cache.get(key);
  if (!ro) cache.set(key, (ro = batch(flat)));
  return ro;
};
for (const std of [false, true])
  for (const at of ATS) {
    standardizing = std;
    loadFlatParams(policyK.parameters(), pis[at]);
    loadFlatParams(value.parameters(), values.get(at)!);
    const onPolicy = Array.from({ length: REPS }, (_, rep) => {
      const ro = cached(`${at}/0/${rep}`, pis[at]);
      return scoreGrad(ro, gaeOf(ro));
    });
    const ref = meanOf(onPolicy);

    // Noise floor: each on-policy batch against the mean of the others.
    {
      const cs = onPolicy.map((g, j) => cosine(g, meanOf(onPolicy.filter((_, i) => i !== j))));
      const es = onPolicy.map((g, j) => relErr(g, meanOf(onPolicy.filter((_, i) => i !== j))));
      rows.push({ standardized: std, at, staleness: 0, estimator: 'on-policy', cosine: avg(cs), relError: avg(es), meanRatio: 1 });
    }
    for (const s of [1, 2, 3]) {
      const acc: Record<string, { c: number[]; e: number[]; r: number[] }> = {};
      for (let rep = 0; rep < REPS; rep++) {
        const ro = cached(`${at}/${s}/${rep}`, pis[at - s]);
        const B = ro.T * ro.numEnvs;
        const lp = logPi(policyK, ro).data;
        let ratio = 0,
          trunc = 0;
        for (let i = 0; i < B; i++) {
          const r = Math.exp(lp[i] - ro.logProbs[i]);
          ratio += r / B;
          trunc += Math.min(1, r) / B;
        }
        for (const [name, f] of Object.entries(estimators)) {
          const g = f(ro);
          const a = (acc[name] ??= { c: [], e: [], r: [] });
          a.c.push(cosine(g, ref));
          a.e.push(relErr(g, ref));
          a.r.push(name === 'vtrace' ? trunc : ratio);
        }
      }
      for (const [name, a] of Object.entries(acc))
        rows.push({ standardized: std, at, staleness: s, estimator: name, cosine: avg(a.c), relError: avg(a.e), meanRatio: avg(a.r) });
    }
  }

function avg(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

const secs = (performance.now() - t0) / 1000;
console.log(
  `stale-rollout bias on CartPole-v1 at PPO updates ${ATS.join(', ')} (training returns ${ATS.map((a) => returnsAt.get(a)!.toFixed(1)).join(', ')}): ${REPS} batches of ${BATCH} steps per row; ` +
    `${cpus().length} x ${cpus()[0]?.model}; load ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}; ${secs.toFixed(1)} s`,
);
console.log('std  update  staleness  estimator   cos(g, g_on)  ||g - g_on|| / ||g_on||  mean ratio');
for (const r of rows)
  console.log(
    `${r.standardized ? 'yes' : ' no'}  ${String(r.at).padStart(6)}  ${String(r.staleness).padStart(9)}  ${r.estimator.padEnd(10)}  ${r.cosine.toFixed(4).padStart(12)}  ${r.relError.toFixed(4).padStart(23)}  ${r.meanRatio.toFixed(4).padStart(10)}`,
  );
if (out)
  writeFileSync(
    out,
    `${JSON.stringify({ env: 'CartPole-v1', atUpdates: ATS, returnsAt: Object.fromEntries(returnsAt), batch: BATCH, reps: REPS, rows, cpu: cpus()[0]?.model, cores: cpus().length, loadavg: [load0, loadavg()[0]], seconds: secs, date: new Date().toISOString() }, null, 1)}\n`,
  );
