import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/tensor/index.ts';
import { RecurrentPPO, RECURRENT_PPO_DEFAULTS } from '../../src/algos/recurrent-ppo.ts';

/**
 * A checkpoint written by RecurrentPPO before it moved onto OnPolicyAlgorithm (commit 42271b5's
 * code): its getState() after one update, with the log of the next update and the parameters after
 * it. The fixture pins the checkpoint format (tensor names and order, meta keys) and the update.
 * The tolerance allows for engine changes in summation order; the refactor itself matched exactly.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/recurrent-ppo/checkpoint-before-base.json', import.meta.url), 'utf8'));
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 + 1e-4 * Math.abs(b);

test('a checkpoint from before the base class loads and the next update matches the one it recorded', () => {
  const algo = new RecurrentPPO({ ...fixture.config, seed: 7 });
  const tensors = fixture.state.tensors.map(([name, shape, data]: [string, number[], number[]]) => [name, new Tensor(Float32Array.from(data), shape)]);
  algo.setState({ tensors, meta: fixture.state.meta });
  const log = algo.update();
  for (const [k, v] of Object.entries(fixture.next as Record<string, number>)) {
    assert.ok(close(log[k], v) || (Number.isNaN(log[k]) && v === null), `${k}: ${log[k]} vs ${v}`);
  }
  const params = algo.policy.namedParameters();
  assert.deepEqual(
    params.map(([n]) => n),
    fixture.params.map(([n]: [string]) => n),
  );
  params.forEach(([n, p], i) => p.data.forEach((v, j) => assert.ok(close(v, fixture.params[i][1][j]), `${n}[${j}]: ${v} vs ${fixture.params[i][1][j]}`)));
  algo.close();
});

test("getState() writes the same tensor names, shapes and meta keys as the fixture's", () => {
  const algo = new RecurrentPPO(fixture.config);
  algo.update();
  const s = algo.getState();
  assert.deepEqual(
    s.tensors.map(([n, t]) => [n, t.shape]),
    fixture.state.tensors.map(([n, shape]: [string, number[]]) => [n, shape]),
  );
  assert.deepEqual(Object.keys(s.meta), Object.keys(fixture.state.meta));
  algo.close();
});

test("the defaults are SB3-contrib RecurrentPPO's (PPO's settings come from config/fields.ts's ppoFields)", () => {
  const { policy, env, envKwargs, seed, totalSteps, ...rest } = RECURRENT_PPO_DEFAULTS;
  assert.equal(envKwargs, null);
  assert.deepEqual(rest, {
    numEnvs: 1,
    nSteps: 128,
    seqLen: 128,
    batchSize: 128,
    epochs: 10,
    gamma: 0.99,
    gaeLambda: 0.95,
    clipRange: 0.2,
    clipSchedule: 'constant',
    clipRangeVf: 0,
    entCoef: 0,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    lr: 3e-4,
    lrSchedule: 'constant',
    targetKl: 0,
    normalizeAdvantages: true,
    normalizeObs: false,
    normalizeReward: false,
  });
  assert.deepEqual(Object.keys(RECURRENT_PPO_DEFAULTS).slice(0, 7), ['env', 'envKwargs', 'seed', 'numEnvs', 'nSteps', 'seqLen', 'batchSize']);
  assert.deepEqual([env, seed, totalSteps, policy.cell, policy.hiddenSize], ['CartPoleMaskedVelocity-v1', 0, 100_000, 'lstm', 64]);
});
