/**
 * Model-based diagnostics, as numbers (issue 8):
 *  (a) pathwise vs likelihood-ratio gradient of a model rollout's return against the horizon H, on the
 *      same fitted model and policy: norm of the mean gradient, mean per-draw norm, and the trace of
 *      the per-draw covariance (total variance) over repeated draws;
 *  (b) compounding model error: distance between model and real rollouts from the same start state
 *      with the same actions, against the horizon, for the behaviour policy that produced the model's
 *      data and for a changed policy (distribution shift).
 * Run: node --import tsx bench/model-based/diagnostics.ts   (writes bench/results/model-based-diagnostics.json)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/rng/index.ts';
import { make } from '../../src/envs/index.ts';
import { GaussianEnsemble, pathwiseGradient, likelihoodRatioGradient } from '../../src/models/index.ts';
import { SquashedGaussianActor } from '../../src/policies/actor-critic.ts';

const rng = new Rng(0);
const ENV = 'Pendulum-v1';
// Behaviour policy: a' = clip(0.8 a + 0.5 noise) (smooth random torques); data as unit actions in [-1, 1].
function collect(n: number, policy: (obs: Float32Array, prev: number) => number, seed: number) {
  const env = make(ENV);
  const obs = new Float32Array(n * 3),
    actions = new Float32Array(n),
    nextObs = new Float32Array(n * 3),
    rewards = new Float32Array(n);
  let o = Float32Array.from(env.reset({ seed }).obs),
    a = 0;
  for (let i = 0; i < n; i++) {
    a = policy(o, a);
    const r = env.step([2 * a]);
    obs.set(o, 3 * i);
    actions[i] = a;
    nextObs.set(r.obs, 3 * i);
    rewards[i] = r.reward;
    o = Float32Array.from(r.terminated || r.truncated ? env.reset().obs : r.obs);
  }
  return { n, obs, actions, nextObs, rewards };
}
const behaviour = (_o: Float32Array, prev: number) => Math.max(-1, Math.min(1, 0.8 * prev + 0.5 * rng.normal()));
// The changed policy pumps energy (full torque along the angular velocity): it swings the pendulum up
// and spins it fast, into states the smooth random torques of the behaviour data rarely reach.
const changed = (o: Float32Array) => (o[2] >= 0 ? 1 : -1);
const data = collect(4000, behaviour, 1);
const model = new GaussianEnsemble(3, 1, new Rng(2), {
  ensembleSize: 5,
  numElites: 3,
  hidden: [128, 128],
  activation: 'elu',
  lr: 1e-3,
  weightDecay: 5e-5,
  maxLogVarInit: 0.5,
  minLogVarInit: -10,
});
const t0 = performance.now();
const fit = model.fit(data, { maxEpochs: 150, patience: 5, batchSize: 128 });
console.log(
  `model fit: ${fit.epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s, elite held-out MSE ${fit.elites.map((e) => fit.holdoutMse[e].toFixed(4)).join(' ')}`,
);

// (a) gradients.
const actor = new SquashedGaussianActor(3, 1, Float32Array.of(-2), Float32Array.of(2), new Rng(3), {
  hidden: [32, 32],
  activation: 'tanh',
  logStdMin: -5,
  logStdMax: 2,
});
for (const p of actor.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, 0.1);
const B = 8,
  draws = 32,
  gamma = 0.99;
const start = new Float32Array(B * 3);
for (let b = 0; b < B; b++) start.set(data.obs.subarray(3 * 97 * b, 3 * 97 * b + 3), 3 * b);
const gradRows: Record<string, number | string>[] = [];
for (const H of [1, 2, 5, 10, 20, 50, 100]) {
  for (const [name, f] of [
    ['pathwise', pathwiseGradient],
    ['likelihood-ratio', likelihoodRatioGradient],
  ] as const) {
    const gs: Float32Array[] = [];
    const t = performance.now();
    for (let d = 0; d < draws; d++) gs.push(f(model, model.elites[0], actor, start, B, H, gamma, rng).grad);
    const P = gs[0].length,
      mean = new Float64Array(P);
    for (const g of gs) for (let i = 0; i < P; i++) mean[i] += g[i] / draws;
    let totalVar = 0,
      normMean = 0,
      meanNorm = 0;
    for (let i = 0; i < P; i++) normMean += mean[i] ** 2;
    for (const g of gs) {
      let n2 = 0;
      for (let i = 0; i < P; i++) {
        totalVar += (g[i] - mean[i]) ** 2 / (draws - 1);
        n2 += g[i] ** 2;
      }
      meanNorm += Math.sqrt(n2) / draws;
    }
    gradRows.push({
      horizon: H,
      estimator: name,
      normOfMean: Math.sqrt(normMean),
      meanNorm,
      totalVariance: totalVar,
      relStd: Math.sqrt(totalVar) / Math.sqrt(normMean),
      msPerDraw: (performance.now() - t) / draws,
    });
  }
}
console.log('\n(a) gradient of a model rollout return, B = 8 start states, 32 draws each');
console.table(
  gradRows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && k !== 'horizon' ? Number(v.toPrecision(4)) : v]))),
);

// (b) compounding error.
const horizons = [1, 2, 5, 10, 20, 50, 100];
const errRows: Record<string, number | string>[] = [];
for (const [pname, pol] of [
  ['behaviour', behaviour],
  ['changed', (o: Float32Array) => changed(o)],
] as const) {
  const starts = 20,
    sums = new Float64Array(horizons.length);
  for (let s = 0; s < starts; s++) {
    const env = make(ENV);
    let o = Float32Array.from(env.reset({ seed: 1000 + s }).obs),
      m: Float32Array = Float32Array.from(o),
      a = 0;
    for (let t = 1; t <= 100; t++) {
      a = pol(o, a);
      const act = Float32Array.of(a);
      o = Float32Array.from(env.step([2 * a]).obs);
      m = model.predict(model.elites[0], m, act, 1).nextObsMean;
      const k = horizons.indexOf(t);
      if (k >= 0) sums[k] += Math.hypot(o[0] - m[0], o[1] - m[1], (o[2] - m[2]) / 8) / starts;
    }
  }
  horizons.forEach((h, k) => errRows.push({ policy: pname, horizon: h, meanError: sums[k] }));
}
// Where each policy's real states lie compared with the model's training data: the fraction near
// upright (cos theta > 0.9), a region the smooth random torques of the behaviour data rarely reach.
const upright = (d: { n: number; obs: Float32Array }) => {
  let k = 0;
  for (let i = 0; i < d.n; i++) if (d.obs[3 * i] > 0.9) k++;
  return k / d.n;
};
const coverage: Record<string, number> = { trainingData: upright(data) };
for (const [pname, pol] of [
  ['behaviour', behaviour],
  ['changed', (o: Float32Array) => changed(o)],
] as const)
  coverage[pname] = upright(collect(2000, pol, 77));
console.log(
  `\nfraction of states near upright (cos theta > 0.9): training data ${coverage.trainingData.toFixed(3)}, behaviour policy ${coverage.behaviour.toFixed(3)}, changed policy ${coverage.changed.toFixed(3)}`,
);
console.log('\n(b) model vs real rollout distance (cos, sin, thetadot/8), 20 start states, same actions');
console.table(
  horizons.map((h, k) => ({
    horizon: h,
    behaviour: Number((errRows[k].meanError as number).toPrecision(4)),
    changed: Number((errRows[horizons.length + k].meanError as number).toPrecision(4)),
  })),
);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/model-based-diagnostics.json',
  JSON.stringify(
    {
      env: ENV,
      fit: { epochs: fit.epochs, holdoutMse: fit.holdoutMse, elites: fit.elites },
      gradients: gradRows,
      compoundingError: errRows,
      uprightFraction: coverage,
    },
    null,
    2,
  ),
);
console.log('wrote bench/results/model-based-diagnostics.json');

// The same series as run-like directories (config.json + progress.jsonl), so `ascent plot` draws them:
//   npx ascent plot bench/results/model-based-diagnostics/gradient --x horizon --y totalVariance --log-y --out gradients.png
//   npx ascent plot bench/results/model-based-diagnostics/model-error --x horizon --y meanError --out model-error.png
function writeSeries(group: string, name: string, env: string, rows: Record<string, number | string>[]) {
  const dir = join('bench/results/model-based-diagnostics', group, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ algo: name, env, source: 'bench/model-based/diagnostics.ts' }, null, 2));
  writeFileSync(join(dir, 'progress.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
for (const est of ['pathwise', 'likelihood-ratio'])
  writeSeries(
    'gradient',
    est,
    `${ENV} model`,
    gradRows.filter((r) => r.estimator === est),
  );
for (const pol of ['behaviour', 'changed'])
  writeSeries(
    'model-error',
    `${pol} policy`,
    ENV,
    errRows.filter((r) => r.policy === pol),
  );
console.log('wrote bench/results/model-based-diagnostics/{gradient,model-error}/*: plot them with ascent plot --x horizon');
