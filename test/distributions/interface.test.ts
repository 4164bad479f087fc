import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor } from '../../src/tensor/index.ts';
import { Categorical, DiagGaussian, SquashedGaussian, Bernoulli, type Distribution } from '../../src/distributions/index.ts';
import { rand } from './helpers.ts';

const rng = new Rng(51);
const B = 3;

test('every distribution works through the common interface', () => {
  const all: Distribution[] = [
    new Categorical(rand(rng, [B, 4])),
    new DiagGaussian(rand(rng, [B, 2]), rand(rng, [2])),
    new SquashedGaussian(rand(rng, [B, 2]), -0.5),
    new Bernoulli(rand(rng, [B, 5])),
  ];
  for (const d of all) {
    const name = d.constructor.name;
    const a = d.sample(new Rng(1));
    assert.equal(a.length, B * d.eventSize, `${name}: sample length`);
    assert.equal(d.mode().length, B * d.eventSize, `${name}: mode length`);
    const lp = d.logProb(a);
    assert.deepEqual(lp.shape, [B], `${name}: logProb shape`);
    assert.ok(Array.from(lp.data).every(Number.isFinite), `${name}: logProb finite`);
    assert.deepEqual(d.kl(d).shape, [B], `${name}: kl shape`);
    if (!(d instanceof SquashedGaussian)) assert.deepEqual(d.entropy().shape, [B], `${name}: entropy shape`);
  }
});

test('bad parameters give errors naming the value and the expected form', () => {
  assert.throws(() => new Categorical(Tensor.from([1, 2, 3])), /logits must have shape \[B, D\].*got \[3\].*reshape\(\[1, 3\]\)/);
  assert.throws(() => new Bernoulli([1, 2] as unknown as Tensor), /logits must be a Tensor of shape \[B, D\], got an array of length 2/);
  assert.throws(() => Categorical.fromProbs(Tensor.from([0.5, 1.5], [1, 2])), /probability 1.5 at flat index 1 is not in \[0, 1\]/);
  const m = Tensor.zeros([B, 2]);
  assert.throws(() => new DiagGaussian(m, [0, 0, 0]), /log-std array has 3 values; expected a number, an array of 2 numbers/);
  assert.throws(() => new DiagGaussian(m, Tensor.zeros([2, 2])), /log-std has shape \[2,2\]; expected .*\[3, 2\]/);
  assert.throws(() => new DiagGaussian(m, NaN), /log-std NaN must be finite/);
  assert.throws(() => DiagGaussian.withStd(m, -1), /std -1 must be positive/);
});

test('bad actions give errors naming the value and the expected form', () => {
  const c = new Categorical(rand(rng, [B, 4]));
  assert.throws(() => c.logProb([0, 4, 1]), /action 4 at position 1 is outside the support \{0, \.\.\., 3\} \(K = 4 logits\)/);
  assert.throws(() => c.logProb([0, 1.5, 1]), /action 1.5 at position 1 is outside the support/);
  assert.throws(() => c.logProb([0, -1, 1]), /action -1 at position 1/);
  assert.throws(() => c.logProb([0, 1]), /got 2 action values; expected one action index per row, B = 3/);
  const g = new DiagGaussian(rand(rng, [B, 2]), 0);
  assert.throws(() => g.logProb(new Float32Array(5)), /got 5 action values; expected B \* D = 3 \* 2 = 6/);
  assert.throws(() => g.logProb(Tensor.zeros([2, 3])), /actions have shape \[2,3\]; expected \[3, 2\]/);
  assert.throws(() => g.logProb([0, 0, 0, 'x', 0, 0] as unknown as number[]), /action value x at position 3 is not a number/);
  assert.throws(() => g.logProb(3 as unknown as number[]), /actions must be a Tensor or an array of 6 numbers, got number/);
  const b = new Bernoulli(rand(rng, [B, 2]));
  assert.throws(() => b.logProb([0, 1, 2, 0, 1, 1]), /action 2 at flat index 2 is outside the support \{0, 1\}/);
});

test('kl between different kinds or shapes is refused with a clear error', () => {
  const c = new Categorical(rand(rng, [B, 4]));
  const g = new DiagGaussian(rand(rng, [B, 2]), 0);
  assert.throws(() => c.kl(g as unknown as Categorical), /other distribution must also be a Categorical, got DiagGaussian/);
  assert.throws(() => c.kl(new Categorical(rand(rng, [B, 5]))), /parameter shapes differ: this \[3,4\], other \[3,5\]/);
  assert.throws(() => g.kl(new DiagGaussian(rand(rng, [2, 2]), 0)), /parameter shapes differ/);
});

test('Categorical.sample names the row with non-finite logits', () => {
  const c = new Categorical(Tensor.from([0, 0, NaN, 1], [2, 2]));
  assert.throws(() => c.sample(new Rng(1)), /row 1 has non-finite probabilities/);
});
