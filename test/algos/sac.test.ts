import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAC, SAC_DEFAULTS } from '../../src/algos/sac.ts';
import { findPreset } from '../../src/train/node/presets.ts';

/** The Zoo's Pendulum-v1 preset, read from presets/sac.yaml (the only copy). */
const PENDULUM = findPreset('sac', 'Pendulum-v1')!.config;
import type { SacCoreConfig } from '../../src/algos/sac-learner.ts';
import { make } from '../../src/envs/index.ts';
import { ReplayBuffer } from '../../src/rollout/index.ts';
import { Rng } from '../../src/rng/index.ts';

const SLOW = process.env.ASCENT_SLOW === '1';

test('replay buffer: flags kept apart, ring overwrite, copied rows, bad input', () => {
  const rb = new ReplayBuffer(2, 1, 3);
  rb.add([1, 2], [0.5], 1, [3, 4], false, true);
  rb.add([5, 6], [-0.5], 2, [7, 8], true, false);
  assert.deepEqual([rb.size, rb.truncated[0], rb.terminated[0], rb.truncated[1], rb.terminated[1]], [2, 1, 0, 0, 1]);
  rb.add([9, 9], [0], 3, [9, 9], false, false);
  rb.add([0, 1], [0.1], 4, [2, 3], false, false); // overwrites row 0
  assert.equal(rb.size, 3);
  assert.deepEqual(Array.from(rb.obs.subarray(0, 2)), [0, 1]);
  assert.equal(rb.truncated[0], 0);
  const b = rb.sample(64, new Rng(0));
  for (let i = 0; i < 64; i++) {
    // Each sampled row is one stored transition, flags included.
    const r = b.rewards[i];
    assert.ok([2, 3, 4].includes(r));
    assert.equal(b.terminated[i], r === 2 ? 1 : 0);
  }
  // Wide rows: every column of a sampled row comes from the same stored transition k.
  const wide = new ReplayBuffer(3, 2, 10);
  for (let k = 0; k < 10; k++) wide.add([k, k + 0.1, k + 0.2], [-k, -k - 0.5], k, [k + 100, k + 100.1, k + 100.2], k % 3 === 0, k % 4 === 1);
  const w = wide.sample(32, new Rng(5));
  for (let i = 0; i < 32; i++) {
    const k = w.rewards[i];
    const row = (a: Float32Array, d: number) => Array.from(a.subarray(i * d, (i + 1) * d)).map((x) => +x.toFixed(4));
    assert.deepEqual(
      [row(w.obs, 3), row(w.actions, 2), row(w.nextObs, 3), w.terminated[i], w.truncated[i]],
      [[k, k + 0.1, k + 0.2], [-k, -k - 0.5], [k + 100, k + 100.1, k + 100.2], +(k % 3 === 0), +(k % 4 === 1)].map((x) =>
        Array.isArray(x) ? x.map((v) => +Math.fround(v).toFixed(4)) : x,
      ),
    );
  }
  assert.throws(() => rb.add([1], [0], 0, [1, 2], false, false), /observations must have 2 values, got 1 and 2/);
  assert.throws(() => new ReplayBuffer(2, 1, 0), /capacity must be a positive integer, got 0/);
  assert.throws(() => new ReplayBuffer(2, 1, 4).sample(1, new Rng(0)), /empty/);
});

test('SAC stores truncation with the real final observation (Pendulum) and terminations (continuous cart-pole)', () => {
  const sac = new SAC({ env: 'Pendulum-v1', learningStarts: 1000, totalSteps: 450, logInterval: 450, hidden: [8], seed: 3 });
  sac.update();
  const rb = sac.replay;
  assert.equal(rb.size, 450);
  for (let i = 0; i < 450; i++) {
    assert.equal(rb.terminated[i], 0);
    assert.equal(rb.truncated[i], i === 199 || i === 399 ? 1 : 0, `row ${i}`);
  }
  // Replaying the stored actions on a fresh env gives the stored next observations, incl. the final one.
  const env = make('Pendulum-v1');
  env.reset({ seed: 3 });
  for (let i = 0; i < 200; i++) {
    const r = env.step([2 * rb.actions[i]]);
    assert.deepEqual(Array.from(r.obs), Array.from(rb.nextObs.subarray(3 * i, 3 * i + 3)), `row ${i}`);
  }
  // The row after a truncation starts a new episode: its obs is not the stored final obs.
  assert.notDeepEqual(Array.from(rb.obs.subarray(600, 603)), Array.from(rb.nextObs.subarray(597, 600)));

  const cp = new SAC({ env: 'ContinuousCartPole-v0', learningStarts: 1000, totalSteps: 300, logInterval: 300, hidden: [8], seed: 1 });
  cp.update();
  let ends = 0;
  for (let i = 0; i < cp.replay.size; i++) {
    const x = cp.replay.nextObs[4 * i],
      th = cp.replay.nextObs[4 * i + 2];
    const out = Math.abs(x) > 2.4 || Math.abs(th) > (12 * 2 * Math.PI) / 360;
    assert.equal(cp.replay.terminated[i], out ? 1 : 0);
    assert.equal(cp.replay.truncated[i], 0);
    ends += cp.replay.terminated[i];
  }
  assert.ok(ends >= 5, `random actions should end several episodes, got ${ends}`);
});

test('SAC checkpoint: a restored run continues bit for bit', () => {
  const cfg = { env: 'Pendulum-v1', learningStarts: 50, totalSteps: 200, logInterval: 100, hidden: [16], batchSize: 32, seed: 5 };
  const a = new SAC(cfg);
  a.update();
  const state = a.getState();
  const b = new SAC(cfg);
  b.setState({ tensors: state.tensors, meta: JSON.parse(JSON.stringify(state.meta)) });
  const la = a.update(),
    lb = b.update();
  assert.equal(la.criticLoss, lb.criticLoss);
  assert.deepEqual(Array.from(a.policy.parameters()[0].data), Array.from(b.policy.parameters()[0].data));
});

test('SAC config: SB3 defaults, Zoo Pendulum preset, bad values and non-Box spaces are refused', () => {
  assert.deepEqual(
    [SAC_DEFAULTS.lr, SAC_DEFAULTS.bufferSize, SAC_DEFAULTS.batchSize, SAC_DEFAULTS.tau, SAC_DEFAULTS.gamma, SAC_DEFAULTS.learningStarts],
    [3e-4, 1e6, 256, 0.005, 0.99, 100],
  );
  assert.deepEqual(SAC_DEFAULTS.hidden, [256, 256]);
  assert.equal(PENDULUM.lr, 1e-3);
  assert.throws(() => new SAC({ env: 'CartPole-v1' }), /sac: needs a continuous \(Box\) action space/);
  assert.throws(() => new SAC({ tau: 2 }), /'tau' must be in \[0, 1\], got 2/);
  assert.throws(() => new SAC({ hidden: [] }), /'hidden' must be a non-empty array/);
});

// Zoo preset (lr 1e-3) with smaller networks for CI: [64, 64] and batch 128 instead of [256, 256] / 256
// (the full-size preset runs under ASCENT_SLOW=1). Greedy evaluation every 1000 steps from 3000.
test('SAC learns Pendulum-v1 to -250 or better within 20,000 steps', { timeout: 600_000 }, () => {
  const cfg = SLOW ? { ...PENDULUM } : { ...PENDULUM, hidden: [64, 64], batchSize: 128 };
  const sac = new SAC({ ...cfg, seed: 0, logInterval: 1000, totalSteps: 20_000 });
  let reached = -1,
    last = -Infinity;
  sac.learn({
    stop: (log) => {
      if (log.steps < 3000) return false;
      last = sac.evaluate({ episodes: 5, seed: 100 }).mean;
      if (last >= -250) reached = log.steps;
      return reached > 0;
    },
  });
  console.log(`SAC Pendulum-v1: greedy return ${last.toFixed(1)} at ${reached > 0 ? reached : 'never'} steps`);
  assert.ok(reached > 0 && reached <= 20_000, `greedy return ${last} after ${sac.steps} steps`);
});

test('SAC actor: the tape-free sample log-probability equals SquashedGaussian.logProb; actions rescale to the Box', async () => {
  const { SquashedGaussianActor } = await import('../../src/policies/actor-critic.ts');
  const { Tensor } = await import('../../src/tensor/index.ts');
  const actor = new SquashedGaussianActor(3, 2, Float32Array.of(-2, 0), Float32Array.of(2, 10), new Rng(1), {
    hidden: [16],
    activation: 'relu',
    logStdMin: -20,
    logStdMax: 2,
  });
  const B = 50,
    rng = new Rng(2);
  const obs = rng.fillNormal(new Float32Array(B * 3)) as Float32Array;
  const a = new Float32Array(B * 2),
    lp = new Float32Array(B);
  actor.sampleUnit(obs, B, new Rng(3), false, a, lp);
  const ref = actor.distribution(new Tensor(obs, [B, 3])).logProb(a).data;
  for (let i = 0; i < B; i++) assert.ok(Math.abs(ref[i] - lp[i]) < 2e-3 * Math.max(1, Math.abs(lp[i])), `row ${i}: ${lp[i]} vs ${ref[i]}`);
  const env = actor.toEnv(Float32Array.of(-1, -1, 1, 1, 0, 0), 3, new Float32Array(6));
  assert.deepEqual(Array.from(env), [-2, 0, 2, 10, 0, 5]);
});

// ---------------------------------------------------------------------------------------------
// Unit tests of the SAC losses and targets against hand and float64 computations.

const CORE: SacCoreConfig = {
  gamma: 0.9,
  tau: 0.005,
  lr: 0,
  alphaInit: 0.5,
  autoAlpha: false,
  targetEntropy: null,
  targetUpdateInterval: 1,
  hidden: [8],
  activation: 'tanh',
  logStdMin: -20,
  logStdMax: 2,
};

/** A float64 forward pass of an MLP (tanh hidden layers, identity output), from its parameters. */
function mlp64(net: { layers: { weight: { data: Float32Array; shape: number[] }; bias: { data: Float32Array } | null }[] }, x: number[]): number[] {
  let h = x;
  net.layers.forEach((l, k) => {
    const [nIn, nOut] = l.weight.shape;
    const y = Array.from({ length: nOut }, (_, j) => {
      let s = l.bias ? l.bias.data[j] : 0;
      for (let i = 0; i < nIn; i++) s += h[i] * l.weight.data[i * nOut + j];
      return s;
    });
    h = k === net.layers.length - 1 ? y : y.map(Math.tanh);
  });
  return h;
}

function batchOf(rows: { obs: number[]; act: number[]; r: number; next: number[]; terminated: boolean; truncated: boolean }[]) {
  return {
    size: rows.length,
    obs: Float32Array.from(rows.flatMap((x) => x.obs)),
    actions: Float32Array.from(rows.flatMap((x) => x.act)),
    rewards: Float32Array.from(rows.map((x) => x.r)),
    nextObs: Float32Array.from(rows.flatMap((x) => x.next)),
    terminated: Uint8Array.from(rows.map((x) => +x.terminated)),
    truncated: Uint8Array.from(rows.map((x) => +x.truncated)),
  };
}

test('soft target: terminated transitions do not bootstrap, truncated ones do (hand-computed)', async () => {
  const { softTarget } = await import('../../src/algos/sac-learner.ts');
  // y = r + gamma (1 - terminated) (min Q' - alpha log pi) = 1 + 0.99 (5 - 0.2 * -2) = 6.346
  assert.equal(softTarget(1, true, 5, -2, 0.2, 0.99), 1);
  assert.ok(Math.abs(softTarget(1, false, 5, -2, 0.2, 0.99) - 6.346) < 1e-12);
});

test('SAC critic targets on a batch: terminated -> r; truncated bootstraps exactly like a mid-episode step', async () => {
  const { SacLearner } = await import('../../src/algos/sac-learner.ts');
  // A near-deterministic actor (sigma = e^-20) so that a' = tanh(mu(s')) for every row.
  const L = new SacLearner(3, 1, Float32Array.of(-2), Float32Array.of(2), new Rng(1), { ...CORE, logStdMin: -20, logStdMax: -20 });
  const next = [0.3, -0.2, 0.5];
  const b = batchOf([
    { obs: [0, 0, 0], act: [0.1], r: 1.5, next, terminated: true, truncated: false },
    { obs: [0, 0, 0], act: [0.1], r: 1.5, next, terminated: false, truncated: true },
    { obs: [0, 0, 0], act: [0.1], r: 1.5, next, terminated: false, truncated: false },
  ]);
  const y = Array.from(L.targets(b as any, new Rng(2), 0)); // alpha 0: y = r + gamma min Q'(s', a')
  const aNext = Math.tanh(mlp64(L.actor.net as any, next)[0]);
  const qNext = Math.min(mlp64(L.criticTarget.q1 as any, [...next, aNext])[0], mlp64(L.criticTarget.q2 as any, [...next, aNext])[0]);
  assert.equal(y[0], 1.5, 'terminated: no bootstrap');
  assert.ok(Math.abs(qNext) > 0.05, `the bootstrap term is visible (Q' = ${qNext})`);
  for (const i of [1, 2]) assert.ok(Math.abs(y[i] - (1.5 + 0.9 * qNext)) < 1e-4, `row ${i}: y ${y[i]}, want ${1.5 + 0.9 * qNext}`);
});

test('SAC actor loss for fixed weights and noise equals a float64 computation (tanh log-det included)', async () => {
  const { SacLearner } = await import('../../src/algos/sac-learner.ts');
  // lr 0: the step changes nothing, so the logged actor loss is the loss at these weights.
  const L = new SacLearner(3, 2, Float32Array.of(-1, -1), Float32Array.of(1, 1), new Rng(1), { ...CORE });
  const last = L.actor.net.layers[L.actor.net.layers.length - 1];
  new Rng(8).fillNormal(last.weight.data, 0, 0.4); // mu and log sigma away from 0
  const B = 4,
    D = 2,
    rng = new Rng(3);
  const obs = Array.from(rng.fillNormal(new Float32Array(B * 3)));
  const b = batchOf(
    Array.from({ length: B }, (_, i) => ({
      obs: obs.slice(3 * i, 3 * i + 3),
      act: [0.2, -0.3],
      r: 0,
      next: obs.slice(3 * i, 3 * i + 3),
      terminated: false,
      truncated: false,
    })),
  );
  const log = L.train(b as any, new Rng(21));
  // The actor's reparameterisation noise is the first B * D normals drawn from the step's rng.
  const eps = new Rng(21).fillNormal(new Float32Array(B * D));
  const alpha = L.alpha;
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const s = obs.slice(3 * i, 3 * i + 3),
      out = mlp64(L.actor.net as any, s);
    const a: number[] = [];
    let logp = 0;
    for (let d = 0; d < D; d++) {
      const ls = Math.min(2, Math.max(-20, out[D + d])),
        u = out[d] + Math.exp(ls) * eps[i * D + d];
      a.push(Math.tanh(u));
      // log N(u; mu, sigma) - log(1 - tanh(u)^2): the change of variables through tanh.
      logp += -0.5 * eps[i * D + d] ** 2 - ls - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(u) ** 2);
    }
    const q = Math.min(mlp64(L.critic.q1 as any, [...s, ...a])[0], mlp64(L.critic.q2 as any, [...s, ...a])[0]);
    loss += (alpha * logp - q) / B;
  }
  assert.ok(Math.abs(log.actorLoss - loss) < 1e-4 * Math.max(1, Math.abs(loss)), `actor loss ${log.actorLoss}, float64 ${loss}`);
});

test("SAC temperature: alphaLoss = -log(alpha) (log pi + H_target), and Adam's first step moves log alpha by -lr sign(H - H_target)", async () => {
  const { SacLearner } = await import('../../src/algos/sac-learner.ts');
  const rng = new Rng(3);
  const obs = Array.from(rng.fillNormal(new Float32Array(4 * 3)));
  const rows = [0, 1, 2, 3].map((i) => ({
    obs: obs.slice(3 * i, 3 * i + 3),
    act: [0.2, -0.3],
    r: 1,
    next: obs.slice(3 * i, 3 * i + 3),
    terminated: false,
    truncated: false,
  }));
  const moves: number[] = [];
  for (const targetEntropy of [-5, 5]) {
    const L = new SacLearner(3, 2, Float32Array.of(-1, -1), Float32Array.of(1, 1), new Rng(1), { ...CORE, lr: 0.01, autoAlpha: true, targetEntropy });
    const logAlpha0 = Math.log(L.alpha);
    const log = L.train(batchOf(rows) as any, new Rng(21));
    assert.ok(Math.abs(log.alpha - Math.exp(logAlpha0)) < 1e-6, 'the step uses the alpha before its update');
    const want = -logAlpha0 * (-log.entropy + targetEntropy);
    assert.ok(Math.abs(log.alphaLoss - want) < 1e-5 * Math.max(1, Math.abs(want)), `alphaLoss ${log.alphaLoss}, hand ${want}`);
    const moved = Math.log(L.alpha) - logAlpha0;
    assert.ok(Math.abs(moved + 0.01 * Math.sign(log.entropy - targetEntropy)) < 1e-5, `log alpha moved ${moved}, entropy ${log.entropy}`);
    moves.push(moved);
  }
  assert.ok(moves[0] < 0 && moves[1] > 0, 'entropy above its target lowers the temperature; below raises it');
});

test('SAC steps allocate no typed arrays in steady state (BufferArena), and Polyak moves targets by tau exactly', async () => {
  const { SacLearner } = await import('../../src/algos/sac-learner.ts');
  const L = new SacLearner(3, 1, Float32Array.of(-2), Float32Array.of(2), new Rng(1), { ...CORE, hidden: [8, 8] });
  const rows = Array.from({ length: 16 }, (_, i) => ({
    obs: [i / 16, 0.5, -0.3],
    act: [0.2 - i / 32],
    r: i / 8,
    next: [0.1, i / 20, 0.3],
    terminated: i === 3,
    truncated: false,
  }));
  const b = batchOf(rows);
  const rng = new Rng(3);
  L.train(b as any, rng);
  const after1 = L.arena.allocations;
  assert.ok(after1 > 10, `the first step fills the arena (${after1} buffers)`);
  for (let i = 0; i < 5; i++) L.train(b as any, rng);
  assert.equal(L.arena.allocations, after1, 'steps 2-6 reuse every buffer');
  // tau 0.5 between hand-set values: exact in float32.
  const t = L.criticTarget.q1.parameters()[0],
    s = L.critic.q1.parameters()[0];
  t.data.fill(1);
  s.data.fill(3);
  L.polyak(0.5);
  assert.deepEqual(Array.from(t.data.slice(0, 4)), [2, 2, 2, 2]);
});
