import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PPO, clippedSurrogateLoss, explainedVariance, valueLoss, ppoLoss } from '../../src/algos/ppo.ts';
import { Tensor, grad } from '../../src/tensor/index.ts';

const close = (a: number, b: number, tol = 1e-6, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('clipped surrogate loss on a hand-made batch: -mean(min(r A, clip(r, 0.8, 1.2) A))', () => {
  // rows: min(0.5, 0.8) = 0.5; min(1.5, 1.2) = 1.2; min(-1.1, -1.1) = -1.1; min(-1.4, -1.6) = -1.6 -> loss 0.25
  const ratio = Tensor.param(Float32Array.of(0.5, 1.5, 1.1, 0.7), [4]);
  const loss = clippedSurrogateLoss(ratio, new Tensor(Float32Array.of(1, 1, -1, -2), [4]), 0.2);
  close(loss.item(), 0.25);
  // d/dr: rows 2 and 4 take the clipped (constant) branch.
  const [g] = grad(loss, [ratio]) as Tensor[];
  [-0.25, 0, 0.25, 0].forEach((v, i) => close(g.data[i], v, 1e-6, `dL/dr[${i}]`));
});

test('value clipping takes the max of the clipped and unclipped squared errors (clipRangeVf 0.2, hand-computed)', () => {
  // V_old, V, R per row; V_clip = V_old + clip(V - V_old, -0.2, 0.2).
  //   row 1: V 1.5, V_old 1, R 2:     (V-R)^2 0.25, (V_clip-R)^2 = (1.2-2)^2 = 0.64  -> 0.64 (clipped branch)
  //   row 2: V 0.5, V_old 1, R 2:     2.25, (0.8-2)^2 = 1.44                        -> 2.25
  //   row 3: V -2.3, V_old -2, R -1.5: 0.64, (-2.2+1.5)^2 = 0.49                    -> 0.64
  //   row 4: V 2.5, V_old 0.5, R 0.5: 4, (0.7-0.5)^2 = 0.04                         -> 4
  // mean of the max: 7.53 / 4 = 1.8825 (with min instead: 0.555; unclipped: 1.785).
  const v = Tensor.param(Float32Array.of(1.5, 0.5, -2.3, 2.5), [4]);
  const ret = Float32Array.of(2, 2, -1.5, 0.5),
    vOld = Float32Array.of(1, 1, -2, 0.5);
  const loss = valueLoss(v, ret, vOld, 0.2);
  close(loss.item(), 1.8825, 1e-5, 'clipped value loss');
  // The gradient flows only where the unclipped error is the larger: 2 (V - R) / 4, and 0 on row 1.
  const [g] = grad(loss, [v]) as Tensor[];
  [0, -0.75, -0.4, 1].forEach((x, i) => close(g.data[i], x, 1e-5, `dL/dV[${i}]`));
  close(valueLoss(v, ret, vOld, 0).item(), 1.785, 1e-5, 'unclipped value loss');
});

test('total loss: pg + vfCoef * L_V - entCoef * H, so the entropy bonus rewards a more random policy', () => {
  const pg = Tensor.param(Float32Array.of(0.25), [1]),
    vl = Tensor.param(Float32Array.of(1.8825), [1]),
    ent = Tensor.param(Float32Array.of(0.6), [1]);
  const loss = ppoLoss(pg, vl, ent, 0.5, 0.01);
  close(loss.item(), 0.25 + 0.5 * 1.8825 - 0.01 * 0.6, 1e-6, 'loss');
  const [gp, gv, ge] = grad(loss, [pg, vl, ent]) as Tensor[];
  close(gp.data[0], 1);
  close(gv.data[0], 0.5);
  close(ge.data[0], -0.01);
});

/** The gradients of every optimizer step one update takes (clipping off, so they are the loss's own). */
function stepGrads(cfg: ConstructorParameters<typeof PPO>[0]): { grads: Float32Array[][]; log: Record<string, number>; agent: PPO } {
  const agent = new PPO({ maxGradNorm: 0, ...cfg });
  const opt = (agent as any).opt;
  const grads: Float32Array[][] = [];
  const step = opt.step.bind(opt);
  opt.step = (g: (Tensor | null)[]) => {
    grads.push(g.map((t) => Float32Array.from(t ? t.data : [])));
    step(g);
  };
  const log = agent.update() as Record<string, number>;
  agent.close();
  return { grads, log, agent };
}

test('entCoef > 0 enters the update exactly: the learned log-std gradient shifts by -entCoef, nothing else changes', () => {
  // For a diagonal Gaussian, H = sum_d (log sigma_d + (1 + log 2 pi) / 2): dH/d log sigma_d = 1.
  const cfg = { env: 'Pendulum-v1', seed: 3, nSteps: 64, batchSize: 64, epochs: 1 } as const;
  const a = stepGrads({ ...cfg, entCoef: 0 }),
    b = stepGrads({ ...cfg, entCoef: 0.25 });
  assert.equal(a.grads.length, 1);
  const names = a.agent.policy.namedParameters().map(([n]) => n);
  const iLogStd = names.indexOf('pi.logStd');
  assert.ok(iLogStd >= 0, 'the Gaussian policy has a learned log-std');
  a.grads[0].forEach((ga, k) => {
    const gb = b.grads[0][k];
    for (let i = 0; i < ga.length; i++) close(gb[i] - ga[i], k === iLogStd ? -0.25 : 0, 1e-6, `param ${k}[${i}]`);
  });
});

test('target-KL early stopping checks the KL before the step (SB3), so no step is applied past the limit', () => {
  // The first minibatch is at pi_old (KL ~ 1e-14 from float rounding); after its step the KL is far
  // above 1.5e-9, so the check before the second step stops: exactly one step is applied. (Checking
  // after each step instead applies the second step too.)
  const { grads, log } = stepGrads({ env: 'CartPole-v1', seed: 2, nSteps: 256, batchSize: 64, epochs: 30, lr: 3e-3, targetKl: 1e-9 });
  assert.equal(grads.length, 1, 'optimizer steps applied');
  assert.ok(log.approxKl > 1.5e-9, `the stopping KL ${log.approxKl}`);
  assert.equal(log.epochs, 0);
  // Without a target every minibatch of every epoch steps: 30 epochs x 4 minibatches.
  assert.equal(stepGrads({ env: 'CartPole-v1', seed: 2, nSteps: 256, batchSize: 64, epochs: 30, lr: 3e-3, targetKl: 0 }).grads.length, 120);
});

test('adaptive KL: beta doubles or halves on the KL of the policy the epochs produced, over the whole batch (PPO paper, section 4)', () => {
  const cfg = {
    env: 'CartPole-v1',
    seed: 4,
    objective: 'adaptiveKl',
    klTarget: 0.01,
    klBetaInit: 1,
    nSteps: 256,
    batchSize: 64,
    epochs: 10,
    lr: 1e-3,
  } as const;
  const before = new PPO(cfg); // the same seed: the same initial policy, i.e. pi_old of the first update
  const agent = new PPO(cfg);
  const collect = agent.collector.collect.bind(agent.collector);
  let obs: Float32Array | null = null;
  agent.collector.collect = (n: number) => {
    const ro = collect(n);
    obs = Float32Array.from(ro.obs);
    return ro;
  };
  const log = agent.update();
  const o = new Tensor(obs!, [obs!.length / 4, 4]);
  const kl = (before.policy.distribution(o) as any).kl(agent.policy.distribution(o)).data as Float32Array;
  const d = kl.reduce((a, b) => a + b, 0) / kl.length;
  before.close();
  agent.close();
  close(log.kl, d, 1e-6 * Math.max(1, d), 'logged KL vs KL(pi_old || pi_new) on the batch');
  assert.ok(d > 0.015 || d < 0.01 / 1.5, `this seed should move beta (d = ${d})`);
  assert.equal(log.klBeta, d > 0.015 ? 2 : 0.5);
});

test('logged losses are means over minibatches: with lr 0, 1 epoch of 1 minibatch logs what 3 epochs of 4 do', () => {
  const logOf = (epochs: number, batchSize: number) => {
    // Raw advantages: standardised ones have mean 0 per minibatch, and so a policy loss of 0 at ratio 1.
    const agent = new PPO({ env: 'CartPole-v1', seed: 4, numEnvs: 2, nSteps: 128, batchSize, epochs, lr: 0, normalizeAdvantages: false });
    const log = agent.update();
    agent.close();
    return log;
  };
  const one = logOf(1, 256),
    many = logOf(3, 64);
  for (const k of ['policyLoss', 'valueLoss', 'entropy', 'explainedVariance'] as const) close(many[k], one[k], 1e-5 * Math.max(1, Math.abs(one[k])), k);
  assert.ok(one.valueLoss > 0.1 && Math.abs(one.policyLoss) > 0.1, `an untrained critic's losses are large: ${one.valueLoss}, ${one.policyLoss}`);
});

test('explainedVariance = 1 - Var[R - V] / Var[R] (hand-computed), 1 for exact values, 0 for a constant', () => {
  // R = [1, 2, 4]: Var 14/9; R - V = [0, 0, 1]: Var 2/9.
  close(explainedVariance([1, 2, 3], [1, 2, 4]), 6 / 7, 1e-12);
  close(explainedVariance([1, 2, 4], [1, 2, 4]), 1, 1e-12);
  close(explainedVariance([5, 5, 5], [1, 2, 4]), 0, 1e-12);
  assert.ok(Number.isNaN(explainedVariance([1, 2], [3, 3])), 'undefined for constant returns');
});

test('diagnostics are logged per update and target-KL early stopping cuts epochs', () => {
  const agent = new PPO({ env: 'CartPole-v1', seed: 2, nSteps: 256, batchSize: 64, epochs: 30, lr: 3e-3, targetKl: 0.001 });
  const log = agent.update();
  agent.close();
  for (const k of ['approxKl', 'clipFraction', 'explainedVariance', 'entropy', 'policyLoss', 'valueLoss', 'lr', 'clipRange']) {
    assert.ok(k in log && (Number.isFinite(log[k]) || k === 'explainedVariance'), `${k}: ${log[k]}`);
  }
  assert.ok(log.epochs < 30, `stopped after ${log.epochs} epochs`);
  assert.ok(log.approxKl > 0.0015, `stopped on KL ${log.approxKl}`);
});

test('bad input: negative clip range, batch larger than the rollout, KL target of 0 name the key', () => {
  assert.throws(() => new PPO({ clipRange: -0.1 }), /ppo: 'clipRange' must be > 0, got -0.1/);
  assert.throws(() => new PPO({ nSteps: 16, numEnvs: 2, batchSize: 64 }), /'batchSize' \(64\) is larger than the rollout batch nSteps \* numEnvs = 32/);
  assert.throws(() => new PPO({ objective: 'adaptiveKl', klTarget: 0 }), /'klTarget' must be > 0, got 0/);
  assert.throws(() => new PPO({ objective: 'kl' as any }), /'objective' must be one of "clip", "adaptiveKl"/);
});

// Measured on seeds 0-2: the stop rule fires at 176k, 123k, 123k of the 250k steps; greedy -187, -174,
// -187 over the 10 evaluation episodes; 10-15 CPU s each.
for (const seed of [0, 1, 2]) {
  test(`PPO reaches -250 or better on Pendulum-v1 (greedy evaluation, seed ${seed})`, () => {
    const agent = new PPO({
      env: 'Pendulum-v1',
      seed,
      numEnvs: 4,
      nSteps: 1024,
      batchSize: 256,
      epochs: 10,
      gamma: 0.9,
      gaeLambda: 0.95,
      lr: 1e-3,
      totalSteps: 250_000,
    });
    agent.learn({ stop: (l) => l.returnMean >= -250 && agent.evaluate({ episodes: 5 }).mean >= -220 });
    const ev = agent.evaluate({ episodes: 10, seed: 100 });
    agent.close();
    assert.ok(ev.mean >= -250, `greedy mean ${ev.mean} after ${agent.steps} steps`);
  });
}

test('ratioStats: the k3 KL estimate and the clip fraction of a hand-made set of ratios', async () => {
  const { ratioStats } = await import('../../src/algos/ppo.ts');
  // r = 1, 2, 1/2: k3 = 0 + (1 - ln 2) + (-1/2 + ln 2) = 1/2, over 3 ratios; 2 of 3 outside [0.8, 1.2].
  const s = ratioStats(Float32Array.of(1, 2, 0.5), 0.2);
  assert.ok(Math.abs(s.approxKl - 1 / 6) < 1e-12, String(s.approxKl));
  assert.equal(s.clipFraction, 2 / 3);
  assert.equal(ratioStats([1.2, 0.8], 0.2).clipFraction, 0, 'the bounds themselves are not clipped');
});
