/**
 * The lab page's computations (src/lab/figures.ts, src/lab/ppo-clip.ts) against the lab itself and
 * against hand-computed values: the scatter's statistics are runEstimatorLab's, the two-parameter
 * problem's gradient and Fisher are the exact ones, the KL-constrained step has the asked-for KL, and
 * the clipped objective is PPO's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  importanceWeightSample,
  naturalGradientPaths,
  randomMDP,
  runEstimatorLab,
  scoreFunctionScatter,
  solveExact,
  twoParamProblem,
  withTheta,
  policyProbs,
  sampleBatch,
  addScore,
  rowOffset,
  type SoftmaxPolicy,
} from '../../src/lab/index.ts';
import { clippedObjectiveCurve } from '../../src/lab/ppo-clip.ts';
import { Rng } from '../../src/rng/index.ts';

test("the scatter of section 1 has exactly the statistics of the lab's own run (same batches)", () => {
  for (const spec of [{ returns: 'full' as const }, { returns: 'rewardToGo' as const, baseline: 'value' as const }]) {
    const s = scoreFunctionScatter({ mdp: 'random', seed: 3, estimator: spec, batchSize: 8, draws: 200 });
    const lab = runEstimatorLab({ mdp: randomMDP({ seed: 3 }), seed: 3, batchSize: 8, numBatches: 200, estimators: [spec] });
    assert.equal(s.J, lab.exact.J);
    assert.equal(s.gradNorm, lab.exact.gradNorm);
    assert.equal(s.stats.totalVariance, lab.estimators[0].totalVariance);
    assert.equal(s.stats.biasSE, lab.estimators[0].biasSE);
    // The projection: the mean's coordinate along e1 is <mean, grad>/||grad||, and the plane holds part of the variance.
    assert.equal(s.points.length, 400);
    assert.ok(s.planeVarianceFraction > 0 && s.planeVarianceFraction <= 1 + 1e-9, String(s.planeVarianceFraction));
  }
});

test('the second principal direction beats a random one: the plane holds more variance than 2/d', () => {
  const s = scoreFunctionScatter({ mdp: 'random', seed: 0, estimator: { returns: 'full' }, batchSize: 16, draws: 300 });
  assert.ok(s.planeVarianceFraction > 2 / 15, String(s.planeVarianceFraction));
});

test('two-parameter problem: dJ/dphi matches central differences of the exact J', () => {
  const prob = twoParamProblem({ scales: [1, 10] });
  const p = prob.at([0.7, -0.13]);
  const h = 1e-6;
  for (let k = 0; k < 2; k++) {
    const up: [number, number] = [...p.phi],
      dn: [number, number] = [...p.phi];
    up[k] += h;
    dn[k] -= h;
    const fd = (prob.at(up).J - prob.at(dn).J) / (2 * h);
    assert.ok(Math.abs(fd - p.grad[k]) < 1e-6 * (1 + Math.abs(fd)), `k ${k}: fd ${fd} vs ${p.grad[k]}`);
  }
});

test('two-parameter problem: the Fisher diagonal is E[g g^T] of sampled trajectory scores (within 4 SE), off-diagonal 0', () => {
  const scales: [number, number] = [1, 10];
  const phi: [number, number] = [0.4, -0.05];
  const prob = twoParamProblem({ scales });
  const p = prob.at(phi);
  const pol: SoftmaxPolicy = {
    numStates: 2,
    numActions: 2,
    horizon: prob.mdp.horizon,
    timeDependent: false,
    theta: Float64Array.from([0, phi[0], 0, 10 * phi[1]]),
  };
  const probs = policyProbs(pol);
  const n = 20000;
  const b = sampleBatch(prob.mdp, pol, probs, n, new Rng(5));
  const sq = [
    [0, 0],
    [0, 0],
    [0, 0],
  ]; // sum and sum of squares of g0^2, g1^2, g0 g1
  for (let i = 0; i < n; i++) {
    const g = new Float64Array(4);
    for (let t = 0; t < b.H; t++) addScore(g, probs, rowOffset(pol, t, b.states[t * n + i]), b.actions[t * n + i], 1, 2);
    const g0 = scales[0] * g[1],
      g1 = scales[1] * g[3];
    [g0 * g0, g1 * g1, g0 * g1].forEach((v, k) => {
      sq[k][0] += v;
      sq[k][1] += v * v;
    });
  }
  const want = [p.fisher[0], p.fisher[1], 0];
  sq.forEach(([s1, s2], k) => {
    const mean = s1 / n,
      se = Math.sqrt((s2 / n - mean * mean) / n);
    assert.ok(Math.abs(mean - want[k]) < 4 * se, `entry ${k}: sampled ${mean} ± ${se}, exact ${want[k]}`);
  });
});

test('the natural step has trajectory KL close to delta (second order), the vanilla step is lr * grad', () => {
  const r = naturalGradientPaths({ scales: [1, 10], start: [2, -0.2], lr: 0.05, delta: 1e-3, steps: 1 });
  const prob = twoParamProblem({ scales: [1, 10] });
  const [a, b] = r.natural.map((q) => q.phi);
  const pol = (phi: [number, number]): SoftmaxPolicy =>
    withTheta({ numStates: 2, numActions: 2, horizon: 5, timeDependent: false, theta: new Float64Array(4) }, Float64Array.from([0, phi[0], 0, 10 * phi[1]]));
  const ex = solveExact(prob.mdp, pol(a));
  const q = policyProbs(pol(b));
  let kl = 0;
  for (let t = 0; t < 5; t++)
    for (let s = 0; s < 2; s++)
      for (let k = 0; k < 2; k++) {
        const pk = ex.probs[2 * s + k];
        kl += ex.occupancy[t * 2 + s] * pk * Math.log(pk / q[2 * s + k]);
      }
  assert.ok(Math.abs(kl - 1e-3) < 0.05e-3, `KL of the natural step ${kl}, wanted 1e-3`);
  const v = r.vanilla.map((x) => x.phi);
  assert.ok(Math.abs(v[1][0] - (v[0][0] + 0.05 * r.start.grad[0])) < 1e-12);
  assert.ok(Math.abs(v[1][1] - (v[0][1] + 0.05 * r.start.grad[1])) < 1e-12);
});

test("natural gradient beats vanilla on the badly scaled problem (the page's default settings)", () => {
  const r = naturalGradientPaths({ scales: [1, 10], start: [2, -0.2], lr: 0.05, delta: 0.02, steps: 25 });
  assert.ok(r.natural.at(-1)!.J > r.vanilla.at(-1)!.J + 0.5, `natural ${r.natural.at(-1)!.J}, vanilla ${r.vanilla.at(-1)!.J}`);
  assert.equal(r.grid.J.length, 48 * 48);
});

test('clipped objective: hand-computed values and slopes for A = +1 and A = -1 (eps 0.2)', () => {
  const rs = [0.5, 0.9, 1.1, 1.5];
  const pos = clippedObjectiveCurve(1, 0.2, rs),
    neg = clippedObjectiveCurve(-1, 0.2, rs);
  assert.deepEqual(
    [...pos.objective].map((x) => +x.toFixed(6)),
    [0.5, 0.9, 1.1, 1.2],
  );
  assert.deepEqual(
    [...pos.slope].map((x) => +x.toFixed(6)),
    [1, 1, 1, 0],
  );
  assert.deepEqual(
    [...neg.objective].map((x) => +x.toFixed(6)),
    [-0.8, -0.9, -1.1, -1.5],
  );
  assert.deepEqual(
    [...neg.slope].map((x) => +x.toFixed(6)),
    [0, -1, -1, -1],
  );
  assert.throws(() => clippedObjectiveCurve(1, 1.5, rs), /eps must be in \(0, 1\), got 1.5/);
});

test('importance weights: all 1 at alpha 0; whole-trajectory weights spread more than single-step ratios', () => {
  const w0 = importanceWeightSample({ seed: 0, horizon: 8, alpha: 0, trajectories: 50 });
  assert.ok([...w0.trajectory, ...w0.firstOrder].every((x) => x === 0));
  const w = importanceWeightSample({ seed: 0, horizon: 8, alpha: 0.5, trajectories: 2000 });
  const sd = (xs: Float64Array) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
  };
  assert.ok(sd(w.trajectory) > 2 * sd(w.firstOrder), `${sd(w.trajectory)} vs ${sd(w.firstOrder)}`);
  assert.throws(() => importanceWeightSample({ seed: 0, horizon: 8, alpha: 0.5, trajectories: 0 }), /trajectories must be a positive integer, got 0/);
});

test('model-based diagnostics: a tiny run has one gradient row per horizon and estimator; bad input is named', async () => {
  const { modelBasedDiagnostics } = await import('../../src/lab/model-based.ts');
  const r = modelBasedDiagnostics({ seed: 1, transitions: 300, epochs: 2, horizons: [1, 3], draws: 3, batch: 2 });
  assert.deepEqual(
    r.gradients.map((g) => `${g.horizon} ${g.estimator}`),
    ['1 pathwise', '1 likelihood-ratio', '3 pathwise', '3 likelihood-ratio'],
  );
  assert.ok(r.gradients.every((g) => g.totalVariance > 0 && Number.isFinite(g.relStd)));
  assert.deepEqual(
    r.compounding.map((c) => c.horizon),
    [1, 3],
  );
  assert.throws(() => modelBasedDiagnostics({ seed: 1, transitions: 300, epochs: 2, horizons: [0], draws: 3 }), /horizons must be positive integers, got 0/);
  assert.throws(() => modelBasedDiagnostics({ seed: 1, transitions: 50, epochs: 2, horizons: [1], draws: 3 }), /transitions must be an integer >= 200, got 50/);
});

test('hard attention: the score function teaches the choice of slot, the control does not (seed 0, 400 steps)', async () => {
  const { trainAttention } = await import('../../src/lab/hard-attention.ts');
  const o = { K: 6, steps: 400, batch: 64, seed: 0, every: 50 };
  const last = (v: 'leaveOneOut' | 'off') => trainAttention({ ...o, variant: v }).at(-1)!;
  assert.ok(last('leaveOneOut').attendsCue >= 0.9, 'leave-one-out score function');
  assert.ok(last('off').attendsCue < 0.5, 'no score function: the choice stays near 1/K');
  assert.throws(() => trainAttention({ ...o, variant: 'bogus' as never }), /variant must be one of leaveOneOut, noBaseline, off, got "bogus"/);
});
