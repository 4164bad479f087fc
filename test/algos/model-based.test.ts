import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelBasedPG } from '../../src/algos/model-based/mbpg.ts';

test('model-based PG (2.5): bad configs are refused', () => {
  assert.throws(
    () => new ModelBasedPG({ env: 'ContinuousCartPole-v0', horizon: 300 }),
    /rollout length 300 \('horizon'\) is longer than ContinuousCartPole-v0's episode limit of 200 steps/,
  );
  assert.throws(() => new ModelBasedPG({ env: 'CartPole-v1' }), /mbpg: needs a continuous \(Box\) action space/);
  assert.throws(
    () => new ModelBasedPG({ env: 'Pendulum-v1', model: { ensembleSize: 0 } as never }),
    /mbpg: 'model.ensembleSize' must be a positive integer \(at most 2\^53 - 1\), got 0/,
  );
});

// PPO epochs on 100-step model rollouts (32 branches, 5 rollouts per iteration) after every 200 real steps.
test(
  'model-based PG (2.5) balances the continuous cart-pole (greedy >= 195) within 2,000 real steps, learning from model rollouts only',
  { timeout: 300_000 },
  () => {
    const a = new ModelBasedPG({
      env: 'ContinuousCartPole-v0',
      seed: 0,
      realSteps: 200,
      horizon: 100,
      branches: 32,
      pgIterations: 5,
      totalSteps: 2000,
      modelMaxEpochs: 100,
    });
    let reached = -1,
      last = -Infinity,
      modelSteps = 0;
    a.learn({
      stop: (log) => {
        modelSteps += log.modelSteps;
        last = a.evaluate({ episodes: 5, seed: 100 }).mean;
        if (last >= 195) reached = log.steps;
        return reached > 0;
      },
    });
    console.log(`model-based PG ContinuousCartPole-v0: greedy ${last.toFixed(1)} at ${reached > 0 ? reached : 'never'} real steps (${modelSteps} model steps)`);
    assert.ok(reached > 0 && reached <= 2000, `greedy return ${last} after ${a.steps} real steps`);
    // The policy only ever trained on model data: many more model steps than real ones.
    assert.ok(modelSteps >= 10 * a.steps);
  },
);

test('ContinuousCartPole-v0: a = +-1 reproduces CartPole-v1 actions 1 / 0 exactly; limits, termination and clipping', async () => {
  const { make } = await import('../../src/envs/index.ts');
  const c = make('ContinuousCartPole-v0'),
    d = make('CartPole-v1');
  assert.equal(c.spec?.maxEpisodeSteps, 200);
  const oc = c.reset({ seed: 7 }).obs,
    od = d.reset({ seed: 7 }).obs;
  assert.deepEqual(Array.from(oc), Array.from(od));
  for (let t = 0; ; t++) {
    const a = t % 3 === 0 ? 0 : 1;
    const rc = c.step([a === 1 ? 1 : -1]),
      rd = d.step(a);
    assert.deepEqual(Array.from(rc.obs), Array.from(rd.obs), `step ${t}`);
    assert.equal(rc.reward, rd.reward);
    assert.equal(rc.terminated, rd.terminated);
    if (rc.terminated) break;
  }
  // Out-of-range forces are clipped to +-10 N: a = 5 behaves as a = 1.
  const e1 = make('ContinuousCartPole-v0'),
    e2 = make('ContinuousCartPole-v0');
  e1.reset({ seed: 1 });
  e2.reset({ seed: 1 });
  assert.deepEqual(Array.from(e1.step([5]).obs), Array.from(e2.step([1]).obs));
  assert.throws(() => e1.step([NaN]), /NaN/);
  assert.throws(() => e1.step([0, 0]), /expected an array of length 1/);
});

test('model-based PG checkpoint: policy, value, model, optimizer, real data and counters round-trip through BaseAlgorithm', () => {
  const cfg = {
    env: 'Pendulum-v1',
    seed: 3,
    realSteps: 60,
    horizon: 10,
    branches: 4,
    pgIterations: 1,
    epochs: 1,
    batchSize: 20,
    modelMaxEpochs: 3,
    totalSteps: 600,
  };
  const a = new ModelBasedPG(cfg);
  a.update();
  const s = a.getState();
  const b = new ModelBasedPG(cfg);
  b.setState({ tensors: s.tensors, meta: JSON.parse(JSON.stringify(s.meta)) });
  assert.equal(b.steps, 60);
  assert.equal(b.iteration, 1);
  const t = b.getState();
  const { seconds: _a, ...ma } = s.meta;
  const { seconds: _b, ...mb } = JSON.parse(JSON.stringify(t.meta));
  assert.deepEqual(mb, JSON.parse(JSON.stringify(ma)));
  assert.deepEqual(
    t.tensors.map(([n, x]) => [n, Array.from(x.data)]),
    s.tensors.map(([n, x]) => [n, Array.from(x.data)]),
  );
  assert.ok(s.tensors.some(([n]) => n.startsWith('real.')) && s.tensors.some(([n]) => n.startsWith('opt.')));
  // A checkpoint written before mbpg used BaseAlgorithm ('opt' instead of 'optimizers', no clock) still loads.
  const { optimizers, seconds: _c, ...old } = JSON.parse(JSON.stringify(s.meta));
  const c = new ModelBasedPG(cfg);
  c.setState({ tensors: s.tensors, meta: { ...old, opt: optimizers.opt } });
  assert.deepEqual(Array.from(c.policy.parameters()[0].data), Array.from(a.policy.parameters()[0].data));
  assert.throws(() => c.setState({ tensors: s.tensors, meta: { ...s.meta, algo: 'ppo' } }), /checkpoint is for 'ppo', not 'mbpg'/);
});
