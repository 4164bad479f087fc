// ppoClipLoss (issue 12: PPO's minibatch loss as one op) equals the op chain it replaces
// (ppoClipLossOps): the loss, its parts, the ratios and the gradients, for categorical and Gaussian
// policies, with and without value clipping; its gradients match finite differences in float64;
// a differentiated backward (createGraph) matches the chain's second derivatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import {
  Tensor,
  BufferArena,
  grad,
  hessianVectorProduct,
  checkGradients,
  ppoClipLoss,
  ppoClipLossOps,
  reshape,
  type PpoPolicyOutput,
  type PpoLossBatch,
} from '../../src/tensor/index.ts';

type DT = 'float32' | 'float64';
const rng = new Rng(11);
const uniform = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng.random());
const param = (shape: number[], lo: number, hi: number, dtype: DT) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float64' ? Float64Array.from(uniform(n, lo, hi)) : Float32Array.from(uniform(n, lo, hi));
  return new Tensor(d, shape, true);
};

/** A minibatch whose ratios spread across both clip bounds (old log-probs jittered around the current ones). */
function setup(kind: 'categorical' | 'gaussian' | 'gaussianPerRow', dtype: DT, B = 24, D = 3) {
  const head = param([B, D], -2, 2, dtype);
  const policy: PpoPolicyOutput = kind === 'categorical' ? { logits: head } : { mean: head, logStd: param([kind === 'gaussian' ? 1 : B, D], -1, 0.5, dtype) };
  const values = param([B], -1, 1, dtype);
  const actions = kind === 'categorical' ? Array.from({ length: B }, (_, i) => i % D) : uniform(B * D, -2, 2);
  const probe = ppoClipLossOps(
    policy,
    values,
    { actions, oldLogProbs: new Array(B).fill(0), advantages: new Array(B).fill(1), returns: new Array(B).fill(0) },
    { clipRange: 0.2, vfCoef: 0.5, entCoef: 0.01 },
  );
  const logp = Array.from(probe.ratios, Math.log);
  const batch: PpoLossBatch = {
    actions,
    oldLogProbs: logp.map((l, i) => l + ((i % 5) - 2) * 0.12), // ratios e^{0, +-0.12, +-0.24}
    advantages: uniform(B, -2, 2),
    returns: uniform(B, -1.5, 1.5),
    oldValues: Array.from(values.data, (v) => v + (rng.random() - 0.5) * 0.6),
  };
  const inputs = kind === 'categorical' ? [head, values] : [head, (policy as { logStd: Tensor }).logStd, values];
  return { policy, values, batch, inputs };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

const coefSets = [
  { clipRange: 0.2, vfCoef: 0.5, entCoef: 0.01 },
  { clipRange: 0.1, vfCoef: 1, entCoef: 0.3, clipRangeVf: 0.1 },
];

for (const dtype of ['float32', 'float64'] as const) {
  const tol = dtype === 'float64' ? 1e-12 : 3e-5; // float32: the chain rounds z^2 ~ 100 at every op
  for (const kind of ['categorical', 'gaussian', 'gaussianPerRow'] as const) {
    test(`ppoClipLoss equals the op chain (${kind}, ${dtype}): loss, parts, ratios, gradients`, () => {
      for (const c of coefSets) {
        const { policy, values, batch, inputs } = setup(kind, dtype);
        const f = ppoClipLoss(policy, values, batch, c),
          r = ppoClipLossOps(policy, values, batch, c);
        const clipped = Array.from(r.ratios).filter((x) => Math.abs(x - 1) > c.clipRange).length;
        assert.ok(clipped > 2 && clipped < batch.advantages.length - 2, `the batch exercises both sides of the clip (${clipped} clipped)`);
        close(f.loss.data, r.loss.data, tol, 'loss');
        close([f.policyLoss, f.valueLoss, f.entropy], [r.policyLoss, r.valueLoss, r.entropy], tol, 'parts');
        close(f.ratios, r.ratios, tol, 'ratios');
        const gf = grad(f.loss, inputs),
          gr = grad(r.loss, inputs);
        gf.forEach((g, i) => close(g.data, gr[i].data, tol, `gradient ${i}`));
      }
    });
  }
}

for (const kind of ['categorical', 'gaussian', 'gaussianPerRow'] as const) {
  test(`ppoClipLoss gradients match finite differences in float64 (${kind})`, () => {
    for (const c of coefSets) {
      const { batch, inputs } = setup(kind, 'float64', 10, 3);
      const f = (...xs: Tensor[]) => ppoClipLoss(kind === 'categorical' ? { logits: xs[0] } : { mean: xs[0], logStd: xs[1] }, xs[xs.length - 1], batch, c).loss;
      // No ratio sits at a kink: they are e^{0, +-0.12, +-0.24} against clip bounds 0.1 and 0.2.
      const res = checkGradients(f, inputs, { eps: 1e-7, atol: 1e-7, rtol: 1e-5 });
      assert.ok(res.ok, `${JSON.stringify(res.worst)} (max abs error ${res.maxAbsError})`);
    }
  });
}

test('ppoClipLoss under createGraph: Hessian-vector products equal the op chain', () => {
  for (const kind of ['categorical', 'gaussian'] as const) {
    const { policy, values, batch, inputs } = setup(kind, 'float64', 8, 3);
    const c = coefSets[1];
    const v = inputs.map((x) => new Tensor(Float64Array.from(uniform(x.size, -1, 1)), x.shape));
    const hf = hessianVectorProduct(ppoClipLoss(policy, values, batch, c).loss, inputs, v),
      hr = hessianVectorProduct(ppoClipLossOps(policy, values, batch, c).loss, inputs, v);
    hf.forEach((h, i) => close(h.data, hr[i].data, 1e-12, `${kind} Hv ${i}`));
  }
});

test('ppoClipLoss: masked (-Infinity) logits get probability 0, no entropy and zero gradient', () => {
  const logits = new Tensor(Float32Array.from([0.3, -Infinity, 1, 2, 0.5, -Infinity]), [2, 3], true);
  const values = new Tensor(Float32Array.from([0.1, -0.2]), [2], true);
  const batch = { actions: [0, 1], oldLogProbs: [-1, -1.2], advantages: [1, -0.5], returns: [0, 1] };
  const c = { clipRange: 0.2, vfCoef: 0.5, entCoef: 0.1 };
  const f = ppoClipLoss({ logits }, values, batch, c),
    r = ppoClipLossOps({ logits }, values, batch, c);
  close([f.loss.data[0], f.entropy], [r.loss.data[0], r.entropy], 3e-6, 'loss and entropy');
  const [gl] = grad(f.loss, [logits, values]);
  assert.equal(gl.data[1], 0);
  assert.equal(gl.data[5], 0);
  close(gl.data, grad(r.loss, [logits, values])[0].data, 3e-6, 'logits gradient');
});

test('ppoClipLoss: a reshaped learned log-std [D] receives the gradient summed over rows', () => {
  const { policy, values, batch } = setup('gaussian', 'float32', 6, 2);
  const raw = new Tensor(Float32Array.from([-0.3, 0.2]), [2], true);
  const p = { mean: (policy as { mean: Tensor }).mean, logStd: reshape(raw, [1, 2]) };
  const c = coefSets[0];
  const [g] = grad(ppoClipLoss(p, values, batch, c).loss, [raw]);
  close(g.data, grad(ppoClipLossOps(p, values, batch, c).loss, [raw])[0].data, 3e-6, 'log-std gradient');
});

test('ppoClipLoss: bad inputs are named in one-line errors', () => {
  const { policy, values, batch } = setup('categorical', 'float32', 4, 3);
  const c = coefSets[0];
  assert.throws(() => ppoClipLoss(policy, values, { ...batch, actions: [0, 1, 3, 0] }, c), /action 3 at row 2 is outside \{0, \.\.\., 2\}/);
  assert.throws(() => ppoClipLoss(policy, values, { ...batch, returns: [1] }, c), /returns must hold 4 values \(one per row\), got 1/);
  assert.throws(() => ppoClipLoss(policy, reshape(values, [4, 1]), batch, c), /values must be \[4\] \(one per row\), got \[4,1\]/);
  assert.throws(
    () => ppoClipLoss(policy, values, { ...batch, oldValues: undefined }, { ...c, clipRangeVf: 0.2 }),
    /clipRangeVf > 0 needs oldValues of 4 values, got none/,
  );
  assert.throws(() => ppoClipLoss(policy, values, batch, { ...c, clipRange: -1 }), /clipRange must be a number >= 0, got -1/);
});

test('a PPO update through ppoClipLoss inside a BufferArena constructs no typed array in steady state', () => {
  const { policy, values, batch, inputs } = setup('categorical', 'float32', 64, 2);
  const g = globalThis as Record<string, unknown>;
  const arena = new BufferArena();
  const update = () => grad(ppoClipLoss(policy, values, batch, coefSets[1]).loss, inputs);
  for (let i = 0; i < 2; i++) arena.run(update);
  const saved = [g.Float32Array, g.Float64Array];
  let count = 0;
  const wrap = (C: unknown) => new Proxy(C as new (...a: unknown[]) => unknown, { construct: (t, a, nt) => (count++, Reflect.construct(t, a, nt)) });
  [g.Float32Array, g.Float64Array] = [wrap(saved[0]), wrap(saved[1])];
  try {
    arena.run(update);
  } finally {
    [g.Float32Array, g.Float64Array] = saved;
  }
  assert.equal(count, 0, 'typed arrays constructed');
});
