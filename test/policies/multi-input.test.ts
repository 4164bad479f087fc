/**
 * Policies on a Dict observation {image, vector}: the flattened space remembers the Dict, the
 * combined encoder is a CNN on the image and an MLP on the vector, concatenated, and PPO learns
 * CatchDict-v0 (the ball as an image, the paddle as a number) through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, sum, concat } from '../../src/tensor/index.ts';
import { Box, CatchEnv, Dict, Discrete, FlatDictBox, make } from '../../src/envs/index.ts';
import { FlattenObservation } from '../../src/wrappers/index.ts';
import { CnnEncoder, CombinedEncoder, MultiInputPolicy, MultiInputValueFunction, makePolicy, makeValueFunction } from '../../src/policies/index.ts';
import { MLP } from '../../src/nn/index.ts';
import { makeEnv } from '../../src/algos/common.ts';
import { PPO } from '../../src/algos/ppo.ts';

test('CatchDict-v0: the ball alone in the image, the paddle column in the vector, the game of Catch with a random paddle start', () => {
  const d = make('CatchDict-v0'),
    s = new CatchEnv({ rows: 6, randomPaddle: true });
  assert.ok(d.observationSpace instanceof Dict);
  let o = d.reset({ seed: 4 }).obs as { image: Float32Array; vector: Float32Array };
  let st = s.reset({ seed: 4 }).obs as Float32Array;
  for (let t = 0; t < 5; t++) {
    const col = Math.round(st[0] * 4),
      row = Math.round(st[1] * 5);
    assert.equal(
      o.image.reduce((a, b) => a + b, 0),
      1,
      'one lit cell: the ball',
    );
    assert.equal(o.image[row * 5 + col], 1, `ball at row ${row} column ${col}`);
    assert.equal(o.vector[0], st[2], 'paddle column');
    const a = [0, 2, 1][t % 3];
    const rd = d.step(a),
      rs = s.step(a);
    assert.equal(rd.reward, rs.reward);
    assert.equal(rd.terminated, rs.terminated);
    o = rd.obs as typeof o;
    st = rs.obs as Float32Array;
  }
  const starts = new Set(Array.from({ length: 40 }, (_, i) => (make('CatchDict-v0').reset({ seed: i }).obs as { vector: Float32Array }).vector[0]));
  assert.equal(starts.size, 5, 'the paddle starts in every column');
});

test('a flattened Dict keeps its layout: FlatDictBox offsets in sorted key order, and makeEnv flattens Dict envs', () => {
  const env = makeEnv('CatchDict-v0');
  const space = env.observationSpace;
  assert.ok(space instanceof FlatDictBox);
  assert.deepEqual(space.shape, [31]);
  assert.deepEqual(space.offsets, { image: 0, vector: 30 });
  const flat = env.reset({ seed: 4 }).obs;
  const raw = make('CatchDict-v0').reset({ seed: 4 }).obs as { image: Float32Array; vector: Float32Array };
  assert.deepEqual(Array.from(flat), [...raw.image, ...raw.vector]);
  // FlattenObservation of a non-Dict stays a plain Box.
  assert.ok(!(new FlattenObservation(make('CatchPixels-v0')).observationSpace instanceof FlatDictBox));
});

test('normalizeObs on a Dict env is refused in one line instead of silently training a flat MLP', () => {
  assert.throws(() => makeEnv('CatchDict-v0', { normalizeObs: true }), /NormalizeObservation: a Dict observation .*image.*vector.* turn normalizeObs off/);
  assert.throws(() => new PPO({ env: 'CatchDict-v0', normalizeObs: true }), /a Dict observation/);
});

test('the combined encoder is the CNN on the image rows and the MLP on the vector rows, concatenated; gradients reach both', () => {
  const space = new FlatDictBox(new Dict({ vector: new Box(-1, 1, [3]), image: new Box(0, 1, [2, 6, 6]) }));
  assert.deepEqual(space.offsets, { image: 0, vector: 72 }, 'keys sorted: image first');
  const enc = new CombinedEncoder(space, new Rng(2), { vectorHidden: [16, 8] });
  const [img, vec] = enc.parts;
  assert.ok(img.net instanceof CnnEncoder && img.net.kind === 'small', "6x6 images: 'auto' is the small encoder");
  assert.ok(vec.net instanceof MLP);
  assert.equal(enc.features, 128 + 8);
  const B = 3,
    rng = new Rng(9);
  const x = rng.fillNormal(new Float32Array(B * 75)) as Float32Array;
  const images = new Float32Array(B * 72),
    vectors = new Float32Array(B * 3);
  for (let b = 0; b < B; b++) {
    images.set(x.subarray(b * 75, b * 75 + 72), b * 72);
    vectors.set(x.subarray(b * 75 + 72, (b + 1) * 75), b * 3);
  }
  const want = concat([(img.net as CnnEncoder).forward(new Tensor(images, [B, 2, 6, 6])), (vec.net as MLP).forward(new Tensor(vectors, [B, 3]))], 1);
  const got = enc.forward(new Tensor(x, [B, 75]));
  assert.deepEqual(got.shape, [B, 136]);
  assert.deepEqual(Array.from(got.data), Array.from(want.data));
  const pi = new MultiInputPolicy(space, { discrete: 4 }, new Rng(3), { vectorHidden: [8] });
  const grads = grad(sum(pi.distribution(new Tensor(x, [B, 75])).logProb(new Float32Array([0, 1, 3]))), pi.parameters());
  const names = pi.namedParameters().map(([n]) => n);
  names.forEach((n, i) =>
    assert.ok(
      grads[i].data.some((v) => v !== 0),
      `${n} gets a gradient`,
    ),
  );
  assert.ok(names.includes('pi.encoder.image.conv0.weight') && names.includes('pi.encoder.vector.0.weight'), names.join(' '));
  assert.throws(() => enc.forward(Tensor.zeros([1, 74])), /expected observations \[B, 75\] \(a flattened Dict\), got \[1,74\]/);
  assert.throws(
    () => new CombinedEncoder(new FlatDictBox(new Dict({ grid: new Box(0, 1, [4, 4]) })), new Rng(0)),
    /key 'grid' must be an image Box \[C, H, W\] or a vector Box \[n\]/,
  );
});

test('makePolicy and makeValueFunction build multi-input networks for a flattened Dict', () => {
  const space = makeEnv('CatchDict-v0').observationSpace;
  const p = makePolicy(space, new Discrete(3), new Rng(0), { hidden: [32] });
  assert.ok(p instanceof MultiInputPolicy && p.kind === 'categorical' && p.obsDim === 31);
  assert.equal(p.encoder.features, 128 + 32);
  const g = makePolicy(space, new Box(-1, 1, [2]), new Rng(0));
  assert.ok(g instanceof MultiInputPolicy && g.kind === 'gaussian' && g.actDim === 2);
  const v = makeValueFunction(space, new Rng(0), { hidden: [32] });
  assert.ok(v instanceof MultiInputValueFunction);
  assert.equal(v.predict(new Float32Array(2 * 31), 2).length, 2);
  assert.throws(
    () => makePolicy(space, new Discrete(3), new Rng(0), { kind: 'gaussian' }),
    /a 'gaussian' policy on a Dict observation cannot act in Discrete\(3\)/,
  );
});

test('PPO learns CatchDict-v0 through the combined encoder: a greedy catch rate of at least 95% within 12k steps', () => {
  const algo = new PPO({ env: 'CatchDict-v0', numEnvs: 8, nSteps: 32, batchSize: 64, epochs: 4, lr: 2.5e-3, entCoef: 0.01, totalSteps: 12_288 });
  assert.ok(algo.policy instanceof MultiInputPolicy);
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
