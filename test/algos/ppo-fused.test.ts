// PPO's clipped objective as one op (ppoClipLoss, issue 12) trains like the op chain it replaced:
// the same logged losses and, after several updates, the same parameters to float32 rounding, for
// a categorical and a Gaussian policy (with value clipping, the entropy bonus and gradient clipping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PPO, setPpoFusedLoss } from '../../src/algos/ppo.ts';

function run(fused: boolean, cfg: ConstructorParameters<typeof PPO>[0], updates: number) {
  const prev = setPpoFusedLoss(fused);
  try {
    const agent = new PPO(cfg);
    const logs = Array.from({ length: updates }, () => agent.update() as Record<string, number>);
    const params = [...agent.policy.parameters(), ...agent.value.parameters()].map((p) => Float32Array.from(p.data));
    agent.close();
    return { logs, params };
  } finally {
    setPpoFusedLoss(prev);
  }
}

const settings = {
  'CartPole-v1 (categorical)': { env: 'CartPole-v1', entCoef: 0.01 },
  'Pendulum-v1 (Gaussian, value clipping)': { env: 'Pendulum-v1', entCoef: 0.01, clipRangeVf: 0.2 },
};

for (const [name, s] of Object.entries(settings)) {
  test(`PPO with the fused loss equals the op chain after 4 updates: ${name}`, () => {
    // A tight clip range and a large step size, so that the clipped branch is taken.
    const cfg = { ...s, seed: 3, numEnvs: 2, nSteps: 64, batchSize: 32, epochs: 3, maxGradNorm: 0.5, lr: 3e-3, clipRange: 0.05 };
    const f = run(true, cfg, 4),
      o = run(false, cfg, 4);
    for (const k of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction', 'gradNorm']) {
      f.logs.forEach((l, u) =>
        assert.ok(Math.abs(l[k] - o.logs[u][k]) <= 1e-4 * (1 + Math.abs(o.logs[u][k])), `update ${u} ${k}: fused ${l[k]}, chain ${o.logs[u][k]}`),
      );
    }
    // The steps clipped some ratios (the clipped branch was exercised).
    assert.ok(
      f.logs.some((l) => l.clipFraction > 0),
      'some ratios were clipped',
    );
    let worst = 0;
    f.params.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - o.params[i][j])))));
    assert.ok(worst < 2e-5, `parameters differ by up to ${worst}`);
  });
}
