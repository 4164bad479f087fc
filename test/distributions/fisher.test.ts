// The natural gradient needs second derivatives of the KL: at p = q its Hessian is the Fisher
// information. These tests check hessianVectorProduct through each distribution's kl against the
// Fisher written in closed form.
import { test } from 'node:test';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, noGrad, sum, sigmoid, hessianVectorProduct } from '../../src/tensor/index.ts';
import { DiagGaussian, SquashedGaussian, Bernoulli } from '../../src/distributions/index.ts';
import { rand, assertClose } from './helpers.ts';

const B = 3,
  D = 2;
const leaf = (t: Tensor) => new Tensor(Float64Array.from(t.data), t.shape, true);

type Kl = (pm: Tensor, ps: Tensor, qm: Tensor, qs: Tensor) => Tensor;
const gaussians: [string, Kl][] = [
  ['DiagGaussian', (pm, ps, qm, qs) => new DiagGaussian(pm, ps).kl(new DiagGaussian(qm, qs))],
  ['SquashedGaussian', (pm, ps, qm, qs) => new SquashedGaussian(pm, ps).kl(new SquashedGaussian(qm, qs))],
];

for (const [name, kl] of gaussians) {
  test(`Hessian of the ${name} KL at p = q is the Fisher: 1/std^2 for the mean, 2 per row for the log-std`, () => {
    const rng = new Rng(61);
    const m0 = rand(rng, [B, D]),
      s0 = rand(rng, [D], -1, 0.5);
    const vm = rand(rng, [B, D]),
      vs = rand(rng, [D]);
    const m = leaf(m0),
      s = leaf(s0);
    for (const f of [sum(kl(m0, s0, m, s)), sum(kl(m, s, m0, s0))]) {
      const [hm, hs] = hessianVectorProduct(f, [m, s], [vm, vs]);
      assertClose(
        hm.data,
        Array.from(vm.data, (v, i) => v * Math.exp(-2 * s0.data[i % D])),
        1e-12,
        'H v, mean block',
      );
      // The log-std [D] is shared by the B rows, so its Fisher adds up over the batch: 2 B.
      assertClose(
        hs.data,
        Array.from(vs.data, (v) => 2 * B * v),
        1e-12,
        'H v, log-std block',
      );
    }
  });
}

test('Hessian of the Bernoulli KL at p = q is the Fisher p (1 - p) in the logits', () => {
  const rng = new Rng(62);
  const l0 = rand(rng, [B, 4], -2, 2),
    v = rand(rng, [B, 4]);
  const l = leaf(l0);
  const [hv] = hessianVectorProduct(sum(new Bernoulli(l0).kl(new Bernoulli(l))), [l], [v]);
  const p = noGrad(() => sigmoid(l0)).data;
  assertClose(
    hv.data,
    Array.from(v.data, (x, i) => p[i] * (1 - p[i]) * x),
    1e-12,
    'H v',
  );
});
