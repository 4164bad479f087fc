import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor } from '../../src/tensor/index.ts';
import { Box, Discrete } from '../../src/envs/spaces.ts';
import { CnnEncoder, CnnPolicy, CnnValueFunction, Conv2d, makePolicy, makeValueFunction, ValueFunction } from '../../src/policies/index.ts';
import { CatchEnv } from '../../src/envs/pixels/index.ts';
import { register, registeredIds } from '../../src/envs/index.ts';
import { PPO } from '../../src/algos/ppo.ts';

test('NatureCNN on 4x84x84 frames: 64x7x7 = 3136 conv features into 512 (Mnih et al., 2015)', () => {
  const enc = new CnnEncoder([4, 84, 84], 'nature', new Rng(0));
  assert.equal(enc.fc.inFeatures, 3136);
  assert.equal(enc.features, 512);
  const y = enc.forward(Tensor.zeros([2, 4, 84, 84]));
  assert.deepEqual(y.shape, [2, 512]);
  assert.throws(() => new CnnEncoder([1, 10, 5], 'nature', new Rng(0)), /images of 10x5 are too small for the 'nature' encoder/);
  assert.throws(() => new CnnEncoder([1, 10, 5], 'big' as 'small', new Rng(0)), /encoder must be 'nature', 'small' or 'auto', got "big"/);
});

test('Conv2d filters start orthogonal with gain sqrt(2) over the [fanIn, out] view', () => {
  const c = new Conv2d(2, 4, 3, new Rng(1));
  const fanIn = 18;
  for (let a = 0; a < 4; a++)
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let i = 0; i < fanIn; i++) dot += c.weight.data[a * fanIn + i] * c.weight.data[b * fanIn + i];
      assert.ok(Math.abs(dot - (a === b ? 2 : 0)) < 1e-5, `(${a},${b}) ${dot}`);
    }
});

test('makePolicy and makeValueFunction pick CNNs for images [C, H, W] and MLPs for flat Boxes', () => {
  const img = new Box(0, 1, [1, 10, 5]);
  const p = makePolicy(img, new Discrete(3), new Rng(0));
  assert.ok(p instanceof CnnPolicy && p.kind === 'categorical' && p.obsDim === 50);
  const g = makePolicy(img, new Box(-1, 1, [2]), new Rng(0));
  assert.ok(g instanceof CnnPolicy && g.kind === 'gaussian' && g.actDim === 2);
  assert.ok(makeValueFunction(img, new Rng(0)) instanceof CnnValueFunction);
  assert.ok(makeValueFunction(new Box(0, 1, [3]), new Rng(0)) instanceof ValueFunction);
  const { actions, logProbs } = p.act(new Float32Array(2 * 50), 2, new Rng(1));
  assert.equal(actions.length, 2);
  assert.ok(
    logProbs.every((l) => Math.abs(l - Math.log(1 / 3)) < 0.05),
    'near-uniform at init (head gain 0.01)',
  );
  assert.throws(() => p.distribution(Tensor.zeros([2, 49])), /expected observations \[B, 50\] \(images 1x10x5 flattened\), got \[2,49\]/);
});

test('PPO learns Catch from pixels: a greedy catch rate of at least 95% (return >= 0.9) within 8k steps', () => {
  const algo = new PPO({ env: 'CatchPixels-v0', numEnvs: 8, nSteps: 32, batchSize: 64, epochs: 4, lr: 1e-3, entCoef: 0.01, totalSteps: 8192 });
  let best = -1;
  algo.learn({
    stop: (l) => {
      if (l.steps % 1024 !== 0) return false;
      best = Math.max(best, algo.evaluate({ episodes: 20 }).mean);
      return best >= 0.9;
    },
  });
  assert.ok(best >= 0.9, `best greedy return ${best} after ${algo.steps} steps`);
  algo.close();
});

test("PPO's policy.encoder: 'nature', 'small' and 'auto' build the layers they name, in the policy and the value network", () => {
  if (!registeredIds().includes('CatchPixels36-v0'))
    register({ id: 'CatchPixels36-v0', entryPoint: () => new CatchEnv({ rows: 36, columns: 36, obsType: 'pixels' }) });
  // [out, in, kernel, stride, padding] per convolution, then [in, out] of the linear layer.
  const layers = (enc: CnnEncoder) => [
    ...enc.convs.map((c) => [c.outChannels, c.inChannels, c.kernel, c.stride, c.padding]),
    [enc.fc.inFeatures, enc.fc.outFeatures],
  ];
  // 36x36: (36 - 8) / 4 + 1 = 8, (8 - 4) / 2 + 1 = 3, 3 - 3 + 1 = 1, so 64 features reach the 512-unit layer.
  const nature36 = [
    [32, 1, 8, 4, 0],
    [64, 32, 4, 2, 0],
    [64, 64, 3, 1, 0],
    [64, 512],
  ];
  // 10x5 with padding 1 keeps 10x5: 32 * 50 features into 128.
  const small10x5 = [
    [16, 1, 3, 1, 1],
    [32, 16, 3, 1, 1],
    [1600, 128],
  ];
  // 36x36 with padding 1: 32 * 36 * 36 features into 128 (the case where 'auto' would choose otherwise).
  const small36 = [
    [16, 1, 3, 1, 1],
    [32, 16, 3, 1, 1],
    [41472, 128],
  ];
  const cases = [
    ['CatchPixels36-v0', 'small', small36],
    ['CatchPixels36-v0', 'nature', nature36],
    ['CatchPixels36-v0', 'auto', nature36],
    ['CatchPixels-v0', 'small', small10x5],
    ['CatchPixels-v0', 'auto', small10x5],
  ] as const;
  for (const [env, encoder, want] of cases) {
    const algo = new PPO({ env, nSteps: 64, batchSize: 64, policy: { encoder } as any });
    assert.ok(algo.policy instanceof CnnPolicy && algo.value instanceof CnnValueFunction);
    assert.deepEqual(layers(algo.policy.encoder), want, `${env} ${encoder}: policy`);
    assert.deepEqual(layers(algo.value.encoder), want, `${env} ${encoder}: value`);
    algo.close();
  }
  assert.equal(new PPO({ env: 'CatchPixels-v0', nSteps: 64, batchSize: 64 }).config.policy.encoder, 'auto');
  assert.throws(() => new PPO({ env: 'CatchPixels-v0', policy: { encoder: 'nature' } as any }), /images of 10x5 are too small for the 'nature' encoder/);
  assert.throws(() => new PPO({ policy: { encoder: 'resnet' } as any }), /ppo: 'policy\.encoder' must be one of "auto", "nature", "small", got "resnet"/);
});
