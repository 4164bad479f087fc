/**
 * Divergence stops training at the update that diverged, for every algorithm: learnLoop and the
 * training driver check losses and parameters after each update (src/algos/base.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reinforce } from '../../src/algos/reinforce.ts';
import { DivergenceError, PARAM_BOUND, checkDivergence } from '../../src/algos/base.ts';
import { train } from '../../src/train/driver.ts';
import type { UpdateLog } from '../../src/algos/types.ts';

const tiny = {
  env: 'CartPole-v1',
  seed: 0,
  numEnvs: 2,
  batchSteps: 64,
  totalSteps: 512,
  valueIters: 1,
  policy: { kind: 'auto' as const, hidden: [8], activation: 'tanh' as const, logStd: 'learned' as const, logStdInit: 0 },
};

test('lr=1e9 stops learn() at update 1 with the step count and the exploded parameter named', () => {
  const agent = new Reinforce({ ...tiny, lr: 1e9 });
  try {
    assert.throws(
      () => agent.learn(),
      (e: unknown) => {
        assert.ok(e instanceof DivergenceError, String(e));
        assert.equal(e.iteration, 1);
        assert.equal(e.steps, 64);
        assert.match(e.quantity, /^parameter CategoricalPolicy\.pi\.\d+\.(weight|bias)\[\d+\]$/);
        assert.ok(Math.abs(e.value) > PARAM_BOUND);
        assert.match(e.message, /^training diverged at update 1 \(64 steps\): parameter .* is -?\d.* \(\|value\| above the bound 1000000\)/);
        return true;
      },
    );
    assert.equal(agent.steps, 64, 'no update ran after the one that diverged');
  } finally {
    agent.close();
  }
});

test('the driver stops on divergence too (the CLI and the browser page train through it)', async () => {
  const agent = new Reinforce({ ...tiny, lr: 1e9 });
  try {
    let updates = 0;
    await assert.rejects(
      train(agent, { totalSteps: 512, evalEvery: 0, finalEval: false, callbacks: [{ onUpdate: () => void updates++ }] }),
      /^DivergenceError: training diverged at update 1 \(64 steps\): parameter /,
    );
    assert.equal(updates, 0, 'callbacks never saw the diverged update');
  } finally {
    agent.close();
  }
});

test('checkDivergence: non-finite losses, NaN and oversized parameters, and healthy updates', () => {
  const agent = new Reinforce(tiny);
  try {
    const log = {
      iteration: 3,
      steps: 192,
      seconds: 0,
      episodes: 0,
      returnMean: NaN,
      returnStd: NaN,
      lengthMean: NaN,
      policyLoss: 0.1,
      valueLoss: 2,
    } as UpdateLog;
    checkDivergence(agent, log); // returns are NaN when no episode ended: not divergence
    assert.throws(() => checkDivergence(agent, { ...log, valueLoss: Infinity }), /diverged at update 3 \(192 steps\): valueLoss is Infinity/);
    // NaN in a log means "not measured" (REINFORCE without a value function logs valueLoss NaN); a
    // NaN from the arithmetic reaches the parameters, and that is what stops the run.
    checkDivergence(agent, { ...log, valueLoss: NaN });
    assert.throws(() => checkDivergence(agent, { ...log, policyLoss: -Infinity }), /policyLoss is -Infinity/);
    // The value function is checked as well as the policy (trainedModules).
    const w = agent.value!.parameters()[0];
    const keep = w.data[5];
    w.data[5] = NaN;
    assert.throws(() => checkDivergence(agent, log), /diverged at update 3 \(192 steps\): parameter ValueFunction\.\S+\[5\] is NaN/);
    w.data[5] = 2 * PARAM_BOUND;
    assert.throws(() => checkDivergence(agent, log), /\[5\] is 2000000 \(\|value\| above the bound 1000000\)/);
    w.data[5] = keep;
    checkDivergence(agent, log);
    assert.throws(() => checkDivergence(agent, log, Math.abs(keep) / 2 || 1e-12), DivergenceError, 'the bound is a parameter');
  } finally {
    agent.close();
  }
});

test('REINFORCE without a value function (valueLoss not measured) trains on', () => {
  const agent = new Reinforce({ ...tiny, baseline: 'mean', returns: 'rewardToGo' });
  try {
    const logs = agent.learn();
    assert.ok(logs.length >= 2 && Number.isNaN(logs[0].valueLoss), 'valueLoss is logged as not measured');
  } finally {
    agent.close();
  }
});

test('SAC and the model-based PG check every network they train, not only the policy', async () => {
  const { SAC } = await import('../../src/algos/sac.ts');
  const { ModelBasedPG } = await import('../../src/algos/model-based/mbpg.ts');
  const sac = new SAC({ env: 'Pendulum-v1', learningStarts: 1000, totalSteps: 450, logInterval: 450, hidden: [8], seed: 3 });
  const mbpg = new ModelBasedPG({ env: 'ContinuousCartPole-v0' });
  try {
    const log = { iteration: 1, steps: 100, seconds: 0, episodes: 0, returnMean: NaN, returnStd: NaN, lengthMean: NaN } as UpdateLog;
    for (const [algo, net, name] of [
      [sac, sac.learner.criticTarget, 'TwinQ'],
      [mbpg, mbpg.value, 'ValueFunction'],
    ] as const) {
      checkDivergence(algo, log);
      const w = net.parameters()[0];
      w.data[0] = NaN;
      assert.throws(() => checkDivergence(algo, log), new RegExp(`parameter ${name}\\.\\S+\\[0\\] is NaN`));
      w.data[0] = 0;
    }
  } finally {
    sac.close();
    mbpg.close();
  }
});
