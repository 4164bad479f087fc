import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, grad, mul, sum, neg } from '../../src/tensor/index.ts';
import { OffPolicyPG, importanceCoefficients, type Weighting } from '../../src/algos/offpolicy-pg.ts';
import { weightDiagnostics } from '../../src/rollout/importance.ts';
import { rewardToGo, episodeReturns } from '../../src/rollout/index.ts';

test('importance coefficients on a hand-computed two-step episode', () => {
  // rho = [2, 0.5], r = [1, 3], gamma = 0.5: W = [2, 1].
  const lr = Float64Array.from([Math.log(2), Math.log(0.5)]),
    r = [1, 3],
    eps = [Int32Array.from([0, 1])];
  const close = (a: Float64Array, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-12, `${a[i]} vs ${v}`));
  close(importanceCoefficients('trajectory', lr, r, eps, 0.5), [2.5, 2.5]); // W_T (1 + 0.5*3)
  close(importanceCoefficients('perDecision', lr, r, eps, 0.5), [1 * 2 + 0.5 * 3 * 1, 3 * 1]);
  close(importanceCoefficients('perDecisionNoFuture', lr, r, eps, 0.5), [2 * 2.5, 1 * 3]);
  close(importanceCoefficients('firstOrder', lr, r, eps, 0.5), [2 * 2.5, 0.5 * 3]);
});

test("at theta' = theta every weighting equals the on-policy REINFORCE estimator on the same batch", () => {
  const algo = new OffPolicyPG({ env: 'CartPole-v1', seed: 3, numEnvs: 2, batchEpisodes: 4, baseline: 'none', gamma: 0.97 });
  const ro = algo.collector.collectEpisodes(2);
  const batch = algo.prepare(ro);
  const steps = { rewards: ro.rewards, terminated: ro.terminated, truncated: ro.truncated, numEnvs: ro.numEnvs };
  const full = episodeReturns(steps, 0.97, { unfinished: 'exclude' }).returns;
  const rtg = rewardToGo(steps, 0.97);
  const used = [...ro.mask.keys()].filter((i) => ro.mask[i]);
  const reference = (w: Float64Array) => {
    const logp = algo.policy.distribution(batch.obs).logProb(batch.actions);
    const weights = new Tensor(
      Float32Array.from(used, (i) => w[i]),
      [used.length],
    );
    return grad(mul(neg(sum(mul(logp, weights))), 1 / batch.episodes.length), algo.policy.parameters());
  };
  const refFull = reference(full),
    refRtg = reference(rtg);
  for (const kind of ['trajectory', 'perDecision', 'perDecisionNoFuture', 'firstOrder'] as Weighting[]) {
    (algo.config as { weighting: Weighting }).weighting = kind;
    const est = algo.estimate(batch);
    assert.ok(Math.abs(est.ess - batch.episodes.length) < 1e-6, `${kind}: ESS ${est.ess}`);
    const ref = kind === 'trajectory' ? refFull : refRtg;
    est.grads!.forEach((g, k) =>
      g.data.forEach((v, j) =>
        assert.ok(Math.abs(v - ref[k].data[j]) < 1e-4 * Math.max(1, Math.abs(ref[k].data[j])), `${kind} param ${k}[${j}]: ${v} vs ${ref[k].data[j]}`),
      ),
    );
  }
  algo.close();
});

test('weight diagnostics: equal weights give ESS = N; one dominant weight gives ESS near 1', () => {
  assert.ok(Math.abs(weightDiagnostics([0, 0, 0, 0]).ess - 4) < 1e-12);
  const d = weightDiagnostics([0, 0, 0, 20]);
  assert.ok(d.ess < 1.001 && d.maxOverMean > 3.99);
});

test('sample reuse: per-decision off-policy PG with 4 gradient steps per batch learns CartPole-v1', () => {
  const algo = new OffPolicyPG({ env: 'CartPole-v1', seed: 0, reuseSteps: 4, weighting: 'perDecision', totalSteps: 120_000 });
  const logs = algo.learn({ stop: (l) => l.returnMean >= 200 });
  algo.close();
  const last = logs[logs.length - 1];
  assert.ok(last.returnMean >= 200, `mean return ${last.returnMean} after ${last.steps} steps`);
  assert.ok(logs.every((l) => l.essFraction > 0 && l.essFraction <= 1 + 1e-9));
});

test('bad input: unknown weighting names the key and the choices', () => {
  assert.throws(
    () => new OffPolicyPG({ weighting: 'pdis' as Weighting }),
    /'weighting' must be one of "trajectory", "perDecision", "perDecisionNoFuture", "firstOrder", got "pdis"/,
  );
});
