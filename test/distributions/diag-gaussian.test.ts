import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, sum } from '../../src/tensor/index.ts';
import { DiagGaussian } from '../../src/distributions/index.ts';
import { rand, tile, assertWithinSe, assertClose, assertGradients, rows } from './helpers.ts';

const B = 3,
  D = 2;
const LOG_2PI = Math.log(2 * Math.PI);

/** Closed forms in plain float64 arithmetic; s holds log-std per [b][d]. */
const ref = {
  logProb: (a: number[][], m: number[][], s: number[][]) =>
    a.map((r, b) => r.reduce((acc, x, d) => acc - 0.5 * ((x - m[b][d]) / Math.exp(s[b][d])) ** 2 - s[b][d] - 0.5 * LOG_2PI, 0)),
  entropy: (s: number[][]) => s.map((r) => r.reduce((acc, l) => acc + l + 0.5 * (1 + LOG_2PI), 0)),
  kl: (mp: number[][], sp: number[][], mq: number[][], sq: number[][]) =>
    mp.map((r, b) =>
      r.reduce((acc, m, d) => {
        const vp = Math.exp(2 * sp[b][d]),
          vq = Math.exp(2 * sq[b][d]);
        return acc + sq[b][d] - sp[b][d] + (vp + (m - mq[b][d]) ** 2) / (2 * vq) - 0.5;
      }, 0),
    ),
};

/** Per-row log-std as plain arrays, for each way of giving it. */
function logStdRows(ls: number | number[] | Tensor): number[][] {
  if (typeof ls === 'number') return Array.from({ length: B }, () => new Array(D).fill(ls));
  if (Array.isArray(ls)) return Array.from({ length: B }, () => ls.slice());
  return ls.rank === 1 ? Array.from({ length: B }, () => Array.from(ls.data)) : rows(ls);
}

const rng0 = new Rng(11);
const forms: [string, number | number[] | Tensor][] = [
  ['fixed number', -0.4],
  ['fixed array', [0.2, -0.7]],
  ['state-independent Tensor [D]', rand(rng0, [D], -1, 0.5)],
  ['state-dependent Tensor [B, D]', rand(rng0, [B, D], -1, 0.5)],
];

for (const [name, ls] of forms) {
  test(`DiagGaussian (${name} log-std): logProb, entropy and kl match the closed forms`, () => {
    const rng = new Rng(12);
    const m = rand(rng, [B, D]),
      mq = rand(rng, [B, D]),
      a = rand(rng, [B, D], -3, 3);
    const lq = rand(rng, [B, D], -1, 0.5);
    const p = new DiagGaussian(m, ls),
      q = new DiagGaussian(mq, lq);
    const s = logStdRows(ls);
    assertClose(p.logProb(a).data, ref.logProb(rows(a), rows(m), s), 1e-12, 'logProb (Tensor actions)');
    assertClose(p.logProb(Float32Array.from(a.data)).data, ref.logProb(rows(a), rows(m), s), 1e-6, 'logProb (Float32Array actions)');
    assertClose(p.entropy().data, ref.entropy(s), 1e-12, 'entropy');
    assert.deepEqual(p.entropy().shape, [B]);
    assertClose(p.kl(q).data, ref.kl(rows(m), s, rows(mq), rows(lq)), 1e-12, 'kl(p, q)');
    assertClose(q.kl(p).data, ref.kl(rows(mq), rows(lq), rows(m), s), 1e-12, 'kl(q, p)');
    assertClose(p.kl(p).data, new Array(B).fill(0), 1e-15, 'kl(p, p)');
  });
}

test('with a fixed std the DiagGaussian log-likelihood is the squared error up to a constant', () => {
  const rng = new Rng(13);
  const m = rand(rng, [8, 3]),
    a = rand(rng, [8, 3]);
  const sigma = 0.5;
  const lp = DiagGaussian.withStd(m, sigma).logProb(a).data;
  const A = rows(a),
    M = rows(m);
  const c = -3 * (Math.log(sigma) + 0.5 * LOG_2PI);
  A.forEach((r, b) => {
    const se = r.reduce((acc, x, d) => acc + (x - M[b][d]) ** 2, 0);
    assert.ok(Math.abs(lp[b] - (c - se / (2 * sigma * sigma))) < 1e-12, `row ${b}`);
  });
});

test('DiagGaussian samples and rsamples have the right mean and variance; E[-log p] = entropy; E_p[log p - log q] = kl', () => {
  const N = 20000;
  const mu = [0.7, -1.2],
    logStd = [-0.3, 0.4];
  const p = new DiagGaussian(tile(mu, N), logStd),
    q = new DiagGaussian(tile([0, -1], N), [0.1, 0.1]);
  for (const [kind, x] of [
    ['sample', p.sample(new Rng(14))],
    ['rsample', p.rsample(new Rng(15)).data],
  ] as const) {
    assert.equal(x.length, N * D);
    for (let d = 0; d < D; d++) {
      const col = Array.from({ length: N }, (_, i) => x[i * D + d]);
      assertWithinSe(col, mu[d], `${kind} mean of dim ${d}`);
      // Var of (x - mu)^2 for a normal is 2 sigma^4.
      assertWithinSe(
        col.map((v) => (v - mu[d]) ** 2),
        Math.exp(2 * logStd[d]),
        `${kind} variance of dim ${d}`,
      );
    }
  }
  const a = p.sample(new Rng(16));
  const lp = p.logProb(a).data,
    lq = q.logProb(a).data;
  assertWithinSe(
    Array.from(lp, (v) => -v),
    p.entropy().data[0],
    'E[-log p(a)] vs entropy',
  );
  assertWithinSe(
    Array.from(lp, (v, i) => v - lq[i]),
    p.kl(q).data[0],
    'E_p[log p - log q] vs kl',
  );
});

test('DiagGaussian.rsample is mean + std * eps: its gradients are 1 for the mean and (x - mean) for the log-std', () => {
  const mean = new Tensor(Float64Array.from([0.5, -0.5, 1, 2]), [2, 2], true);
  const logStd = new Tensor(Float64Array.from([0.3, -0.2]), [2], true);
  const x = new DiagGaussian(mean, logStd).rsample(new Rng(17));
  const [gm, gs] = grad(sum(x), [mean, logStd]);
  assertClose(gm.data, [1, 1, 1, 1], 0, 'd sum(x) / d mean');
  const dev = Array.from(x.data, (v, i) => v - mean.data[i]);
  assertClose(gs.data, [dev[0] + dev[2], dev[1] + dev[3]], 1e-12, 'd sum(x) / d logStd (summed over the batch)');
});

test('gradients of DiagGaussian logProb, entropy, kl and rsample match finite differences', () => {
  const rng = new Rng(18);
  const m = rand(rng, [B, D]),
    mq = rand(rng, [B, D]),
    a = rand(rng, [B, D], -2, 2);
  const lsD = rand(rng, [D], -1, 0.5),
    lsBD = rand(rng, [B, D], -1, 0.5),
    lq = rand(rng, [B, D], -1, 0.5);
  assertGradients((mm, s, aa) => new DiagGaussian(mm, s).logProb(aa), [m, lsD, a], 'logProb wrt mean, log-std [D], actions');
  assertGradients((mm, s) => new DiagGaussian(mm, s).logProb(a), [m, lsBD], 'logProb wrt mean, log-std [B, D]');
  assertGradients((mm) => new DiagGaussian(mm, 0.3).logProb(a), [m], 'logProb with fixed std');
  assertGradients((s) => new DiagGaussian(m, s).entropy(), [lsD], 'entropy wrt log-std [D]');
  assertGradients((s) => new DiagGaussian(m, s).entropy(), [lsBD], 'entropy wrt log-std [B, D]');
  assertGradients((m1, s1, m2, s2) => new DiagGaussian(m1, s1).kl(new DiagGaussian(m2, s2)), [m, lsD, mq, lq], 'kl wrt all parameters');
  assertGradients((mm, s) => new DiagGaussian(mm, s).rsample(new Rng(19)), [m, lsD], 'rsample');
  // The pathwise log-prob of an rsample: gradients flow through the sample as well.
  assertGradients(
    (mm, s) => {
      const p = new DiagGaussian(mm, s);
      return p.logProb(p.rsample(new Rng(20)));
    },
    [m, lsBD],
    'logProb(rsample)',
  );
});

test('DiagGaussian sampling is reproducible from the seed and mode is the mean', () => {
  const m = rand(new Rng(21), [5, D]);
  const p = new DiagGaussian(m, [0, -1]);
  assert.deepEqual(p.sample(new Rng(3)), p.sample(new Rng(3)));
  assertClose(p.mode(), m.data, 1e-6, 'mode');
  assert.ok(p.mode() instanceof Float32Array);
});
