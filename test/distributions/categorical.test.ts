import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, noGrad, grad, hessianVectorProduct, sum, softmax } from '../../src/tensor/index.ts';
import { Categorical } from '../../src/distributions/index.ts';
import { rand, tile, assertWithinSe, assertClose, assertGradients, logSumExp, rows } from './helpers.ts';

const B = 4,
  K = 5;

/** Closed forms in plain float64 arithmetic, independent of the tensor engine. */
function ref(logits: number[][]) {
  const logp = logits.map((r) => r.map((x) => x - logSumExp(r)));
  const entropy = logp.map((r) => -r.reduce((s, l) => s + Math.exp(l) * l, 0));
  const kl = (lq: number[][]) => logp.map((r, b) => r.reduce((s, l, k) => s + Math.exp(l) * (l - lq[b][k]), 0));
  return { logp, entropy, kl };
}

test('Categorical logProb, entropy and kl match the closed forms (float64)', () => {
  const rng = new Rng(1);
  const lp = rand(rng, [B, K], -3, 3),
    lq = rand(rng, [B, K], -3, 3);
  const p = new Categorical(lp),
    q = new Categorical(lq);
  const rp = ref(rows(lp)),
    rq = ref(rows(lq));
  const actions = [0, 4, 2, 3];
  assert.deepEqual(p.logProb(actions).shape, [B]);
  assertClose(
    p.logProb(actions).data,
    actions.map((a, b) => rp.logp[b][a]),
    1e-12,
    'logProb',
  );
  assertClose(p.entropy().data, rp.entropy, 1e-12, 'entropy');
  assertClose(p.kl(q).data, rp.kl(rq.logp), 1e-12, 'kl');
  assertClose(p.probs().data, rp.logp.flat().map(Math.exp), 1e-12, 'probs');
  assertClose(p.kl(p).data, [0, 0, 0, 0], 1e-15, 'kl(p, p)');
});

test('Categorical.fromProbs gives the same distribution, and float32 agrees with float64', () => {
  const rng = new Rng(2);
  const logits = rand(rng, [B, K], -2, 2);
  const p = new Categorical(logits);
  const fromP = Categorical.fromProbs(noGrad(() => softmax(logits, 1)));
  assertClose(fromP.logProbs().data, p.logProbs().data, 1e-12, 'fromProbs log-probs');
  const f32 = new Categorical(Tensor.from(logits.data, [B, K], 'float32'));
  assertClose(f32.entropy().data, p.entropy().data, 1e-5, 'float32 entropy');
  // A zero probability stays finite: entropy ignores it, logProb of it is very negative.
  const z = Categorical.fromProbs(Tensor.from([0.5, 0.5, 0], [1, 3], 'float64'));
  assertClose(z.entropy().data, [Math.LN2], 1e-12, 'entropy with a zero probability');
  assert.ok(z.logProb([2]).data[0] < -700);
});

test('Categorical samples match the probabilities; E[-log p(a)] = entropy; E_p[log p - log q] = kl', () => {
  const rng = new Rng(3);
  const rowP = [1.0, -0.5, 0.3, 2.0, -2.0],
    rowQ = [0.2, 0.1, -1.0, 1.0, 0.5];
  const N = 20000;
  const p = new Categorical(tile(rowP, N)),
    q = new Categorical(tile(rowQ, N));
  const a = p.sample(rng);
  assert.ok(a instanceof Int32Array && a.length === N);
  const probs = rowP.map((x) => Math.exp(x - logSumExp(rowP)));
  for (let k = 0; k < K; k++) {
    const hits = Array.from(a, (x) => (x === k ? 1 : 0));
    assertWithinSe(hits, probs[k], `frequency of action ${k}`);
  }
  const lp = p.logProb(a).data,
    lq = q.logProb(a).data;
  assertWithinSe(
    Array.from(lp, (x) => -x),
    p.entropy().data[0],
    'E[-log p(a)] vs entropy',
  );
  assertWithinSe(
    Array.from(lp, (x, i) => x - lq[i]),
    p.kl(q).data[0],
    'E_p[log p - log q] vs kl',
  );
});

test('Categorical sampling is reproducible from the seed', () => {
  const p = new Categorical(rand(new Rng(4), [50, K]));
  assert.deepEqual(p.sample(new Rng(9)), p.sample(new Rng(9)));
  assert.notDeepEqual(p.sample(new Rng(9)), p.sample(new Rng(10)));
});

test('Categorical mode is the arg-max (first at ties)', () => {
  const p = new Categorical(Tensor.from([0, 3, 1, 3, 2, 2, -1, 0], [2, 4]));
  assert.deepEqual(Array.from(p.mode()), [1, 0]);
  // Each row's search stays in its row: the next row's larger first logit is not an action.
  assert.deepEqual(Array.from(new Categorical(Tensor.from([0, 1, 0.5, 5, 0, 0], [2, 3])).mode()), [1, 0]);
});

test('Categorical.fromProbs accepts the ends of [0, 1] (a one-hot row) and refuses what lies outside', () => {
  const p = Categorical.fromProbs(Tensor.from([0, 1, 0, 0.25, 0.75, 0], [2, 3]));
  assert.deepEqual(Array.from(p.mode()), [1, 1]);
  assert.throws(() => Categorical.fromProbs(Tensor.from([1.5, -0.5], [1, 2])), /probability 1.5 at flat index 0 is not in \[0, 1\]/);
});

test('gradients of Categorical logProb, entropy, kl and probs match finite differences', () => {
  const rng = new Rng(5);
  const lp = rand(rng, [B, K]),
    lq = rand(rng, [B, K]);
  const actions = [1, 0, 4, 2];
  assertGradients((l) => new Categorical(l).logProb(actions), [lp], 'logProb');
  assertGradients((l) => new Categorical(l).entropy(), [lp], 'entropy');
  assertGradients((a, b) => new Categorical(a).kl(new Categorical(b)), [lp, lq], 'kl');
  assertGradients((l) => new Categorical(l).probs(), [lp], 'probs');
  assertGradients((pr) => Categorical.fromProbs(pr).logProb(actions), [noGrad(() => softmax(lp, 1))], 'fromProbs logProb');
});

test('Hessian of the Categorical KL at p = q is the Fisher diag(p) - p p^T (per row)', () => {
  const rng = new Rng(6);
  const logits = rand(rng, [B, K]);
  const v = rand(rng, [B, K]);
  const theta = new Tensor(Float64Array.from(logits.data), [B, K], true);
  const old = new Categorical(logits); // constant: KL(p_old || p_theta), as in TRPO
  const f = sum(old.kl(new Categorical(theta)));
  const [hv] = hessianVectorProduct(f, [theta], [v]);
  // The reverse direction KL(p_theta || p_old) has the same Hessian at theta = theta_old.
  const [hv2] = hessianVectorProduct(sum(new Categorical(theta).kl(old)), [theta], [v]);
  const P = rows(noGrad(() => softmax(logits, 1))),
    V = rows(v);
  const expected = P.flatMap((p, b) => {
    const pv = p.reduce((s, pk, k) => s + pk * V[b][k], 0);
    return p.map((pk, k) => pk * V[b][k] - pk * pv);
  });
  assertClose(hv.data, expected, 1e-12, 'H v (KL(old || theta))');
  assertClose(hv2.data, expected, 1e-12, 'H v (KL(theta || old))');
  // The gradient of the KL vanishes at p = q.
  const [g] = grad(f, [theta]);
  assertClose(g.data, new Array(B * K).fill(0), 1e-14, 'grad KL at p = q');
});

test('Categorical with masked (-Infinity) logits never samples them and keeps entropy and gradients finite', () => {
  const logits = new Tensor(Float64Array.from([0.3, -Infinity, 1.0, -Infinity, 0, 0]), [2, 3], true);
  const p = new Categorical(logits);
  const a = p.sample(new Rng(7));
  const many = new Categorical(tile([0.3, -Infinity, 1.0], 2000)).sample(new Rng(8));
  assert.ok(!many.includes(1), 'a masked action was sampled');
  assert.notEqual(a[0], 1);
  const h = p.entropy();
  const r0 = [0.3, 1.0].map((x) => x - logSumExp([0.3, 1.0]));
  assertClose(h.data, [-r0.reduce((s, l) => s + Math.exp(l) * l, 0), Math.LN2], 1e-12, 'masked entropy');
  const [g] = grad(sum(h), [logits]);
  assert.ok(Array.from(g.data).every(Number.isFinite), `entropy gradient has non-finite entries: ${g.data}`);
  assert.equal(p.logProb([1, 2]).data[0], -Infinity);
  const q = new Categorical(Tensor.from([0, 0, 0, 0, 0, 0], [2, 3], 'float64'));
  assert.ok(Array.from(p.kl(q).data).every(Number.isFinite), 'kl from a masked distribution is finite');
});

test('a Categorical first used under noGrad still gives gradients afterwards', () => {
  const logits = new Tensor(Float64Array.from([0.1, 0.5, -0.3]), [1, 3], true);
  const p = new Categorical(logits);
  noGrad(() => p.entropy()); // e.g. logged before the loss is built
  const [g] = grad(sum(p.logProb([1])), [logits]);
  const probs = [0.1, 0.5, -0.3].map((x) => Math.exp(x - logSumExp([0.1, 0.5, -0.3])));
  assertClose(
    g.data,
    probs.map((q, k) => (k === 1 ? 1 : 0) - q),
    1e-12,
    'd log p(1) / d logits',
  );
});

test('Categorical with +Infinity logits: the +Infinity entries share the mass (the limit); NaN logits refuse to sample', () => {
  const d = new Categorical(Tensor.from([Infinity, 0, Infinity, 1, 2, 3], [2, 3], 'float64'));
  assert.deepEqual(Array.from(d.probs().data.subarray(0, 3)), [0.5, 0, 0.5]);
  const s = d.sample(new Rng(1));
  assert.ok(s[0] === 0 || s[0] === 2, `sampled ${s[0]}`);
  assert.ok(Math.abs(d.logProb([2, 1]).data[0] + Math.log(2)) < 1e-15);
  assert.throws(() => new Categorical(Tensor.from([NaN, 0], [1, 2])).sample(new Rng(1)), /row 0 has non-finite probabilities \(logits NaN or all -Infinity\)/);
});
