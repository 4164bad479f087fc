import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import {
  BatchView,
  compareEstimators,
  estimate,
  formatLabReport,
  randomMDP,
  randomPolicy,
  riverSwim,
  runEstimatorLab,
  sampleBatch,
  solveExact,
  type LabReport,
} from '../../src/lab/index.ts';

// Fixed seeds; batch counts chosen so that every assertion passes with a wide margin (see the
// printed table when one fails).
const stationary = runEstimatorLab({ mdp: randomMDP({ seed: 1 }), seed: 1, batchSize: 64, numBatches: 1500, pilotTrajectories: 20000 });
const markov = runEstimatorLab({
  mdp: randomMDP({ numStates: 4, numActions: 3, horizon: 8, gamma: 0.9, seed: 2 }),
  timeDependent: true,
  seed: 2,
  batchSize: 16,
  numBatches: 2000,
  pilotTrajectories: 20000,
});
// RiverSwim's reward is rare and far away: heavy-tailed returns, so it checks unbiasedness and the
// effect of causality; variance orderings between baselines are asserted on the two random MDPs.
const river = runEstimatorLab({ mdp: riverSwim(5, 15), seed: 3, batchSize: 32, numBatches: 4000 });

function row(r: LabReport, name: string) {
  const e = r.estimators.find((x) => x.name === name);
  assert.ok(e, `no estimator ${name}`);
  return e;
}

/** a has lower MSE than b on the same batches by more than `k` paired standard errors. */
function lower(r: LabReport, a: string, b: string, k = 4): void {
  const d = compareEstimators(r, a, b);
  assert.ok(d.mean + k * d.se < 0, `${a} vs ${b}: MSE difference ${d.mean} +- ${d.se}\n${formatLabReport(r)}`);
}

test('every estimator that theory calls unbiased has its mean within 4 standard errors of the exact gradient', () => {
  for (const r of [stationary, markov, river]) {
    for (const e of r.estimators.filter((x) => x.unbiasedInTheory)) {
      assert.ok(e.biasSE < 4, `${r.mdp.name} ${e.name}: bias ${e.biasSE} SE\n${formatLabReport(r)}`);
      assert.ok(e.maxZ < 5, `${r.mdp.name} ${e.name}: max |z| ${e.maxZ}\n${formatLabReport(r)}`);
    }
  }
});

test('reward-to-go has lower total variance than the full return', () => {
  for (const r of [stationary, markov]) {
    assert.ok(row(r, 'rewardToGo').totalVariance < row(r, 'full').totalVariance);
    lower(r, 'rewardToGo', 'full');
  }
  lower(river, 'rewardToGo', 'full', 3);
});

test('the mean baseline lowers variance, for the full return and for reward-to-go', () => {
  for (const r of [stationary, markov]) {
    lower(r, 'full+mean(LOO)', 'full');
    lower(r, 'rewardToGo+mean(LOO)', 'rewardToGo');
  }
});

test('the optimal baseline has no higher variance than the mean baseline', () => {
  // The theory's claim is about population baselines (fixed b): there the per-parameter optimum wins.
  for (const r of [stationary, markov]) lower(r, 'full+optimal(pop)', 'full+mean(pop)');
  // Estimated from the batch (leave-one-out, N = 64, 15 parameters) it must not be significantly worse;
  // with few visits per parameter the estimate's noise loses (the `markov` lab shows it; not asserted).
  const d = compareEstimators(stationary, 'full+optimal(LOO)', 'full+mean(LOO)');
  assert.ok(d.mean < 3 * d.se, `optimal - mean MSE = ${d.mean} +- ${d.se}\n${formatLabReport(stationary)}`);
});

/**
 * The optimal baseline as REINFORCE estimates it (from the previous batches, rollout/baselines.ts)
 * at the batch size people use, N = 16: lower MSE than the unbiased mean baselines (leave-one-out,
 * and the mean return of the same previous batches), paired on the same batches. The leave-one-out
 * optimal baseline, estimated from the 15 other trajectories of the batch, loses to them instead.
 * (The in-batch mean baseline is the leave-one-out one times (N-1)/N, biased; its MSE gains from that
 * shrinkage of the whole gradient, a smaller step rather than less noise: it is reported, not ordered.)
 */
test('at N = 16 the optimal baseline from previous batches beats the unbiased mean baselines', () => {
  const estimators = [
    { returns: 'full', baseline: 'mean' },
    { returns: 'full', baseline: 'mean', leaveOneOut: true },
    { returns: 'full', baseline: 'mean', previous: true },
    { returns: 'full', baseline: 'optimal', leaveOneOut: true },
    { returns: 'full', baseline: 'optimal', previous: true },
  ] as const;
  const labs = [
    runEstimatorLab({ mdp: randomMDP({ seed: 1 }), seed: 1, batchSize: 16, numBatches: 3000, estimators: [...estimators] }),
    runEstimatorLab({
      mdp: randomMDP({ numStates: 4, numActions: 3, horizon: 8, gamma: 0.9, seed: 2 }),
      timeDependent: true,
      seed: 2,
      batchSize: 16,
      numBatches: 3000,
      estimators: [...estimators],
    }),
  ];
  for (const r of labs) {
    assert.ok(row(r, 'full+optimal(prev)').biasSE < 4, `optimal(prev) bias\n${formatLabReport(r)}`);
    lower(r, 'full+optimal(prev)', 'full+mean(LOO)');
    lower(r, 'full+optimal(prev)', 'full+mean(prev)');
    lower(r, 'full+mean(LOO)', 'full+optimal(LOO)'); // what the leave-one-out form got wrong
  }
});

test('the exact value baseline lowers variance further, and GAE(0) lowest', () => {
  for (const r of [stationary, markov]) {
    lower(r, 'rewardToGo+value', 'rewardToGo+mean(LOO)');
    lower(r, 'rewardToGo+value', 'full+optimal(LOO)');
    lower(r, 'gae(0)', 'rewardToGo+value');
  }
});

test('plain (in-batch) mean baseline is the leave-one-out one shrunk by (N-1)/N; GAE(1) is reward-to-go minus V', () => {
  const mdp = randomMDP({ seed: 4, gamma: 0.9 });
  const policy = randomPolicy(mdp, { seed: 4, timeDependent: true });
  const sol = solveExact(mdp, policy);
  const N = 8;
  const view = new BatchView(mdp, policy, sol.probs, sol.V, sampleBatch(mdp, policy, sol.probs, N, new Rng(5)));
  const plain = estimate({ returns: 'full', baseline: 'mean' }, view);
  const loo = estimate({ returns: 'full', baseline: 'mean', leaveOneOut: true }, view);
  const g1 = estimate({ returns: 'gae', lambda: 1 }, view);
  const rv = estimate({ returns: 'rewardToGo', baseline: 'value' }, view);
  let nonzero = 0;
  for (let k = 0; k < plain.length; k++) {
    assert.ok(Math.abs(plain[k] - ((N - 1) / N) * loo[k]) < 1e-12);
    assert.ok(Math.abs(g1[k] - rv[k]) < 1e-12);
    if (plain[k] !== 0) nonzero++;
  }
  assert.ok(nonzero > 0);
});

test('report: table lists every estimator, JSON round-trips without the per-batch arrays', () => {
  const text = formatLabReport(river);
  for (const e of river.estimators) assert.ok(text.includes(e.name));
  const json = JSON.parse(JSON.stringify(river));
  assert.equal(json.estimators.length, river.estimators.length);
  assert.equal(json.squaredErrors, undefined);
  assert.equal(row(river, 'full').varianceRatio, 1);
});

test('bad estimator options are refused with a message naming the problem', () => {
  const small = { numBatches: 2, batchSize: 2 };
  assert.throws(
    () => runEstimatorLab({ ...small, estimators: [{ returns: 'rewardToGo', baseline: 'optimal' }] }),
    /'optimal' is defined for returns 'full' only/,
  );
  assert.throws(() => runEstimatorLab({ ...small, estimators: [{ returns: 'gae' }] }), /lambda must be a number in \[0, 1\], got undefined/);
  assert.throws(
    () => runEstimatorLab({ ...small, estimators: [{ returns: 'full', baseline: 'median' as never }] }),
    /baseline must be 'none', 'mean', 'optimal' or 'value', got "median"/,
  );
  assert.throws(() => runEstimatorLab({ ...small, estimators: [{ returns: 'full' }, { returns: 'full' }] }), /full is listed twice/);
  assert.throws(() => runEstimatorLab({ numBatches: 1 }), /numBatches must be an integer >= 2, got 1/);
  assert.throws(
    () => runEstimatorLab({ ...small, estimators: [{ returns: 'rewardToGo', baseline: 'value', population: true }] }),
    /apply to baselines 'mean' and 'optimal' only/,
  );
  assert.throws(
    () => runEstimatorLab({ ...small, estimators: [{ returns: 'full', baseline: 'mean', population: true, leaveOneOut: true }] }),
    /choose one of leaveOneOut, population and previous/,
  );
  assert.throws(
    () => runEstimatorLab({ ...small, estimators: [{ returns: 'rewardToGo', baseline: 'mean', previous: true }] }),
    /previous applies to returns 'full' only, got returns 'rewardToGo'/,
  );
});
