import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor } from '../../src/tensor/index.ts';
import { Bernoulli } from '../../src/distributions/index.ts';
import { rand, tile, assertWithinSe, assertClose, assertGradients, rows } from './helpers.ts';

const B = 3,
  D = 4;
const sig = (l: number) => 1 / (1 + Math.exp(-l));

/** Closed forms from p = sigmoid(l) in plain float64 arithmetic. */
const ref = {
  logProb: (x: number[][], l: number[][]) => x.map((r, b) => r.reduce((s, v, d) => s + Math.log(v ? sig(l[b][d]) : 1 - sig(l[b][d])), 0)),
  entropy: (l: number[][]) =>
    l.map((r) =>
      r.reduce((s, v) => {
        const p = sig(v);
        return s - p * Math.log(p) - (1 - p) * Math.log(1 - p);
      }, 0),
    ),
  kl: (lp: number[][], lq: number[][]) =>
    lp.map((r, b) =>
      r.reduce((s, v, d) => {
        const p = sig(v),
          q = sig(lq[b][d]);
        return s + p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
      }, 0),
    ),
};

test('Bernoulli logProb, entropy and kl match the closed forms (float64)', () => {
  const rng = new Rng(41);
  const l = rand(rng, [B, D], -3, 3),
    lq = rand(rng, [B, D], -3, 3);
  const x = [
    [1, 0, 0, 1],
    [0, 0, 1, 1],
    [1, 1, 1, 0],
  ];
  const p = new Bernoulli(l),
    q = new Bernoulli(lq);
  assertClose(p.logProb(x.flat()).data, ref.logProb(x, rows(l)), 1e-12, 'logProb');
  assertClose(p.logProb(Uint8Array.from(x.flat())).data, ref.logProb(x, rows(l)), 1e-12, 'logProb (Uint8Array)');
  assertClose(p.entropy().data, ref.entropy(rows(l)), 1e-12, 'entropy');
  assertClose(p.kl(q).data, ref.kl(rows(l), rows(lq)), 1e-12, 'kl');
  assertClose(p.kl(p).data, [0, 0, 0], 1e-15, 'kl(p, p)');
  assertClose(p.probs().data, Array.from(l.data, sig), 1e-15, 'probs');
});

test('Bernoulli stays finite and exact at extreme logits (float32 and float64)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const p = new Bernoulli(Tensor.from([-100, 100, 40, -40], [1, 4], dtype));
    const lp = p.logProb([0, 1, 1, 0]).data[0];
    assert.ok(Math.abs(lp) < 1e-15, `${dtype}: log-prob of the near-certain outcomes ${lp}`);
    assert.ok(Math.abs(p.logProb([1, 1, 1, 0]).data[0] + 100) < 1e-4, `${dtype}: log-prob of an outcome with logit -100`);
    const h = p.entropy().data[0];
    assert.ok(h >= 0 && h < 1e-15, `${dtype}: entropy ${h}`);
    assert.ok(Number.isFinite(p.kl(new Bernoulli(Tensor.from([100, -100, 0, 0], [1, 4], dtype))).data[0]));
  }
});

test('Bernoulli samples match the probabilities; E[-log p(x)] = entropy; E_p[log p - log q] = kl', () => {
  const N = 20000;
  const lrow = [-1.2, 0.3, 2.0, 0],
    lqrow = [0.5, 0.5, -0.5, 1];
  const p = new Bernoulli(tile(lrow, N)),
    q = new Bernoulli(tile(lqrow, N));
  const x = p.sample(new Rng(42));
  assert.ok(x instanceof Uint8Array && x.length === N * D);
  for (let d = 0; d < D; d++)
    assertWithinSe(
      Array.from({ length: N }, (_, i) => x[i * D + d]),
      sig(lrow[d]),
      `frequency of dim ${d}`,
    );
  const lp = p.logProb(x).data,
    lq = q.logProb(x).data;
  assertWithinSe(
    Array.from(lp, (v) => -v),
    p.entropy().data[0],
    'E[-log p(x)] vs entropy',
  );
  assertWithinSe(
    Array.from(lp, (v, i) => v - lq[i]),
    p.kl(q).data[0],
    'E_p[log p - log q] vs kl',
  );
});

test('gradients of Bernoulli logProb, entropy and kl match finite differences', () => {
  const rng = new Rng(43);
  const l = rand(rng, [B, D], -3, 3),
    lq = rand(rng, [B, D], -3, 3);
  const x = [1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0];
  assertGradients((t) => new Bernoulli(t).logProb(x), [l], 'logProb');
  assertGradients((t) => new Bernoulli(t).entropy(), [l], 'entropy');
  assertGradients((a, b) => new Bernoulli(a).kl(new Bernoulli(b)), [l, lq], 'kl');
});

test('Bernoulli mode is 1 exactly where p > 1/2, and sampling is reproducible', () => {
  const p = new Bernoulli(Tensor.from([-0.1, 0.1, 0, 5], [2, 2]));
  assert.deepEqual(Array.from(p.mode()), [0, 1, 0, 1]);
  const r = new Bernoulli(rand(new Rng(44), [10, D]));
  assert.deepEqual(r.sample(new Rng(5)), r.sample(new Rng(5)));
});
