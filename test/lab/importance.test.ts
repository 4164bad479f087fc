import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import {
  BatchView,
  ImportanceView,
  IMPORTANCE_KINDS,
  estimate,
  exactSecondMoment,
  formatImportanceLabReport,
  meanAndSE,
  policyLogProbs,
  policyProbs,
  randomMDP,
  randomPolicy,
  runEssVsHorizon,
  runImportanceLab,
  sampleBatch,
  solveExact,
  twoStateMDP,
  weightDiagnostics,
  withTheta,
} from '../../src/lab/index.ts';

function assertClose(a: Float64Array, b: Float64Array, tol: number, what: string): void {
  let scale = 0;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  assert.ok(scale > 0, `${what}: reference is all zero`);
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) <= tol * scale, `${what}[${k}]: ${a[k]} vs ${b[k]}`);
}

test("at theta' = theta every importance-sampled estimator equals its on-policy counterpart", () => {
  const mdp = randomMDP({ seed: 6, gamma: 0.95 });
  const policy = randomPolicy(mdp, { seed: 6, timeDependent: true });
  const sol = solveExact(mdp, policy);
  const logp = policyLogProbs(policy);
  const batch = sampleBatch(mdp, policy, sol.probs, 12, new Rng(7));
  const iv = new ImportanceView(mdp, policy, sol.probs, logp, logp, batch);
  const on = new BatchView(mdp, policy, sol.probs, sol.V, batch);
  const full = estimate({ returns: 'full' }, on);
  const rtg = estimate({ returns: 'rewardToGo' }, on);
  assertClose(iv.estimate('trajectory'), full, 1e-12, 'trajectory');
  for (const kind of ['perDecision', 'perDecisionNoFuture', 'firstOrder'] as const) assertClose(iv.estimate(kind), rtg, 1e-12, kind);
  const d = weightDiagnostics(iv.logCumRatio.subarray((mdp.horizon - 1) * 12));
  assert.equal(d.ess, 12);
  assert.equal(d.maxOverMean, 1);
});

// Samples from theta, gradients at theta' = theta + alpha * u: the whole-trajectory and per-decision
// forms are unbiased at any alpha; the first-order form (no state-marginal ratio) is not.
const lab = runImportanceLab({
  mdp: randomMDP({ seed: 1, horizon: 5, numStates: 4, numActions: 3, rewardNoise: 0 }),
  seed: 1,
  batchSize: 16,
  numBatches: 4000,
  stepSizes: [0, 0.3, 1],
});

test("the unbiased importance-sampled estimators are unbiased for theta' != theta", () => {
  for (const s of lab.steps) {
    for (const e of s.estimators.filter((x) => x.unbiasedInTheory)) {
      assert.ok(e.biasSE < 4 && e.maxZ < 5, `alpha ${s.alpha} ${e.kind}: bias ${e.biasSE} SE, max z ${e.maxZ}\n${formatImportanceLabReport(lab)}`);
    }
  }
});

test("the first-order (per-step ratio) estimator is visibly biased once theta' is far from theta", () => {
  const far = lab.steps.find((s) => s.alpha === 1)!;
  const fo = far.estimators.find((e) => e.kind === 'firstOrder')!;
  assert.ok(fo.maxZ > 8, `first-order max z ${fo.maxZ}\n${formatImportanceLabReport(lab)}`);
  // ... while at alpha = 0 it is the on-policy reward-to-go estimator.
  const here = lab.steps.find((s) => s.alpha === 0)!.estimators.find((e) => e.kind === 'firstOrder')!;
  assert.ok(here.biasSE < 4 && here.maxZ < 5);
});

test("weights degenerate as theta' moves away: exact and sampled ESS fall, variance grows", () => {
  const [s0, s1, s2] = lab.steps;
  assert.equal(s0.exactEssFraction, 1);
  assert.ok(s1.exactEssFraction < 1 && s2.exactEssFraction < s1.exactEssFraction);
  assert.ok(s1.essFraction < 1 && s2.essFraction < s1.essFraction);
  const traj = (s: typeof s0) => s.estimators.find((e) => e.kind === 'trajectory')!.totalVariance;
  assert.ok(traj(s2) > traj(s1) && traj(s1) > traj(s0));
});

test('exact E[W^2] by dynamic programming matches the sampled mean of squared trajectory weights', () => {
  const mdp = randomMDP({ seed: 2, horizon: 6 });
  const policy = randomPolicy(mdp, { seed: 2 });
  const target = withTheta(
    policy,
    Float64Array.from(policy.theta, (x, k) => x + 0.8 * Math.sin(k + 1)),
  );
  const b = solveExact(mdp, policy),
    t = solveExact(mdp, target);
  const batch = sampleBatch(mdp, policy, b.probs, 40000, new Rng(3));
  const iv = new ImportanceView(mdp, target, t.probs, policyLogProbs(target), policyLogProbs(policy), batch);
  const w = iv.trajectoryWeights();
  const { mean, se } = meanAndSE(w.map((x) => x * x));
  const exact = exactSecondMoment(mdp, target, t.probs, b.probs);
  assert.ok(exact > 1.1, `E[W^2] = ${exact} should exceed 1 visibly (a real policy change)`);
  assert.ok(Math.abs(mean - exact) < 4 * se, `sampled ${mean} +- ${se} vs exact ${exact}`);
  assert.ok(Math.abs(meanAndSE(w).mean - 1) < 4 * meanAndSE(w).se, 'E[W] = 1');
});

test('ESS shrinks geometrically with the horizon for a fixed per-step policy change', () => {
  const rows = runEssVsHorizon({ horizons: [2, 8, 32], seed: 4, alpha: 0.3, batchSize: 16, numBatches: 100 });
  assert.ok(rows[0].exactEssFraction > rows[1].exactEssFraction && rows[1].exactEssFraction > rows[2].exactEssFraction);
  // Geometric: the log of 1/E[W^2] is close to linear in T (per-step factor within 2x between the two spans).
  const rate = (a: number, b: number) => Math.log(rows[a].exactEssFraction / rows[b].exactEssFraction) / (rows[b].horizon - rows[a].horizon);
  const r1 = rate(0, 1),
    r2 = rate(1, 2);
  assert.ok(r1 > 0 && r2 > 0 && r2 / r1 > 0.5 && r2 / r1 < 2, `per-step log decay ${r1} then ${r2}`);
});

test('weight diagnostics: hand example, and huge log-weights do not overflow', () => {
  const d = weightDiagnostics([0, 0, Math.log(2)]);
  assert.ok(Math.abs(d.ess - 16 / 6) < 1e-12);
  assert.ok(Math.abs(d.maxOverMean - 1.5) < 1e-12);
  const big = weightDiagnostics([1000, 1000]);
  assert.equal(big.ess, 2);
  assert.throws(() => weightDiagnostics([]), /no weights/);
  assert.throws(() => runImportanceLab({ numBatches: 2, batchSize: 2, direction: new Float64Array(3) }), /direction must have length 15, got 3/);
  assert.equal(IMPORTANCE_KINDS.length, 4);
});

test('per-decision weights on a hand-computed three-step trajectory (each reward weighted by W up to its own step)', () => {
  // Behaviour: uniform. Target: pi'(.|s0) = (0.8, 0.2), pi'(.|s1) = (0.25, 0.75). gamma = 0.5.
  const mdp = twoStateMDP(3, 0.5);
  const shape = { numStates: 2, numActions: 2, horizon: 3, timeDependent: false };
  const target = { ...shape, theta: Float64Array.of(Math.log(4), 0, 0, Math.log(3)) };
  const behaviour = { ...shape, theta: new Float64Array(4) };
  // s = (0, 0, 1), a = (0, 1, 1), r = (1, 0, 2): rho = (1.6, 0.4, 1.5), W = (1.6, 0.64, 0.96).
  const batch = { N: 1, H: 3, states: Int32Array.of(0, 0, 1), actions: Int32Array.of(0, 1, 1), rewards: Float64Array.of(1, 0, 2) };
  const iv = new ImportanceView(mdp, target, policyProbs(target), policyLogProbs(target), policyLogProbs(behaviour), batch);
  const cum = Array.from(iv.logCumRatio, Math.exp);
  [1.6, 0.64, 0.96].forEach((w, t) => assert.ok(Math.abs(cum[t] - w) < 1e-12, `W_${t}: ${cum[t]} vs ${w}`));
  // Estimate = sum_t c_t * score'_t, score'_t[s_t, b] = 1[b = a_t] - pi'(b|s_t); pi' rows (0.8, 0.2), (0.25, 0.75).
  const fromCoefficients = (c: number[]) =>
    Float64Array.of(c[0] * (1 - 0.8) + c[1] * (0 - 0.8), c[0] * (0 - 0.2) + c[1] * (1 - 0.2), c[2] * (0 - 0.25), c[2] * (1 - 0.75));
  // perDecision: c_t = sum_{t' >= t} gamma^t' r_t' W_t' = (1.6 + 0.25*2*0.96, 0.48, 0.48); with the
  // whole-trajectory weight W_2 in place of W_t' it would be 0.96 * (1.5, 0.5, 0.5).
  const cases: [string, number[]][] = [
    ['perDecision', [2.08, 0.48, 0.48]],
    ['perDecisionNoFuture', [1.6 * 1.5, 0.64 * 0.5, 0.96 * 0.5]],
    ['firstOrder', [1.6 * 1.5, 0.4 * 0.5, 1.5 * 0.5]],
    ['trajectory', [0.96 * 1.5, 0.96 * 1.5, 0.96 * 1.5]],
  ];
  for (const [kind, c] of cases) {
    const got = iv.estimate(kind as (typeof IMPORTANCE_KINDS)[number]);
    const want = fromCoefficients(c);
    want.forEach((v, k) => assert.ok(Math.abs(got[k] - v) < 1e-12, `${kind}[${k}]: ${got[k]} vs ${v}`));
  }
});
