// Twin networks on two threads (issue 12: SAC's critics, the second core): nn's forwardTwin and
// predictTwin run the second network's kernels on a worker over a shared WebAssembly memory; values
// and gradients must be bit for bit those of two forwards on one thread, with the worker up or
// not, and this file must exit (the worker never keeps the process alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Tensor, grad, sum, mul, add, kernelInfo, setTwinThreads, setTwinThreshold, twinInfo, mlpPair, FusedMlpKernels } from '../../src/tensor/index.ts';
import { twinRunner } from '../../src/tensor/wasm/index.ts';
import { MLP, forwardTwin, predictTwin, forwardAndPredict, type Activation } from '../../src/nn/index.ts';

const wasm = kernelInfo().path === 'wasm-simd';

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: [${i}] ${a[i]} vs ${b[i]}`);
}

async function workerUp(): Promise<void> {
  twinInfo(); // starts the worker
  const t0 = Date.now();
  while (!twinInfo().ready && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
  assert.ok(twinInfo().ready, `the twin worker did not start: ${JSON.stringify(twinInfo())}`);
}

const nets = (sizes: number[], act: Activation, seed: number) => [
  new MLP(sizes, new Rng(seed), { activation: act }),
  new MLP(sizes, new Rng(seed + 1), { activation: act }),
];

/** A loss of both outputs with every element weighted differently, so that no gradient can hide. */
const lossOf = (q1: Tensor, q2: Tensor) => {
  const w1 = new Tensor(
    Float32Array.from({ length: q1.size }, (_, i) => 1 + Math.sin(i)),
    q1.shape,
  );
  const w2 = new Tensor(
    Float32Array.from({ length: q2.size }, (_, i) => 0.5 - Math.cos(3 * i)),
    q2.shape,
  );
  return add(sum(mul(q1, w1)), sum(mul(q2, w2)));
};

/** Outputs and gradients (of the input when it requires them, and of each parameter that does). */
function run(a: MLP, b: MLP, x: Tensor, twin: boolean): Float32Array[] {
  const [q1, q2] = twin ? forwardTwin(a, b, x) : [a.forward(x), b.forward(x)];
  const wrt = [...(x.requiresGrad ? [x] : []), ...a.parameters(), ...b.parameters()].filter((p) => p.requiresGrad);
  const gs = grad(lossOf(q1, q2), wrt);
  return [q1.data as Float32Array, q2.data as Float32Array, ...gs.map((g) => g.data as Float32Array)];
}

test('forwardTwin and predictTwin on the worker equal two forwards on one thread, bit for bit', { skip: !wasm && 'no wasm kernels' }, async () => {
  setTwinThreshold(0); // every size on the worker
  try {
    await workerUp();
    for (const [sizes, n, act] of [
      [[23, 64, 64, 1], 50, 'relu'], // a critic's shape
      [[5, 37, 48, 3], 30, 'tanh'], // widths not multiples of 4 (padded rows)
      [[17, 32, 300, 8], 300, 'relu'], // several k-blocks
    ] as [number[], number, Activation][]) {
      const [a, b] = nets(sizes, act, sizes[1]);
      const xr = new Rng(n).fillUniform(new Float32Array(n * sizes[0]), -2, 2) as Float32Array;
      // The critic loss (x a constant), then the actor's pass (x differentiated, the critics frozen).
      for (const [xGrad, frozen] of [
        [false, false],
        [true, true],
        [true, false],
      ]) {
        for (const p of [...a.parameters(), ...b.parameters()]) p.requiresGrad = !frozen;
        const x = new Tensor(xr, [n, sizes[0]], xGrad);
        const one = run(a, b, x, false),
          two = run(a, b, x, true);
        assert.equal(one.length, two.length);
        one.forEach((v, i) => same(two[i], v, `${sizes.join('-')} ${act} xGrad=${xGrad} frozen=${frozen}: output/gradient ${i}`));
      }
      for (const p of [...a.parameters(), ...b.parameters()]) p.requiresGrad = true;
      const [p1, p2] = predictTwin(a, b, xr, n);
      same(p1, a.predict(xr, n), `${sizes.join('-')} predictTwin first`);
      same(p2, b.predict(xr, n), `${sizes.join('-')} predictTwin second`);
    }
  } finally {
    setTwinThreshold();
  }
});

test(
  'two twin forwards on the tape before their backwards (activations saved and restored) still equal the serial ones',
  { skip: !wasm && 'no wasm kernels' },
  async () => {
    setTwinThreshold(0);
    try {
      await workerUp();
      const [a, b] = nets([9, 40, 40, 1], 'relu', 3);
      const r = new Rng(4);
      const x1 = new Tensor(r.fillUniform(new Float32Array(64 * 9), -1, 1) as Float32Array, [64, 9]);
      const x2 = new Tensor(r.fillUniform(new Float32Array(64 * 9), -1, 1) as Float32Array, [64, 9]);
      const ps = [...a.parameters(), ...b.parameters()];
      const serial = grad(add(lossOf(a.forward(x1), b.forward(x1)), lossOf(a.forward(x2), b.forward(x2))), ps);
      const [p, q] = forwardTwin(a, b, x1),
        [u, v] = forwardTwin(a, b, x2);
      const twin = grad(add(lossOf(p, q), lossOf(u, v)), ps);
      serial.forEach((g, i) => same(twin[i].data, g.data, `parameter ${i}`));
    } finally {
      setTwinThreshold();
    }
  },
);

test("mlpPair's gradients match central finite differences (float32, tanh)", { skip: !wasm && 'no wasm kernels' }, async () => {
  setTwinThreshold(0);
  try {
    await workerUp();
    const runner = twinRunner()!;
    const sizes = [6, 16, 12, 3],
      n = 8;
    const r = new Rng(21);
    const mk = () => ({
      ws: sizes.slice(1).map((s, i) => new Tensor(r.fillUniform(new Float32Array(sizes[i] * s), -0.8, 0.8) as Float32Array, [sizes[i], s], true)),
      bs: sizes.slice(1).map((s) => new Tensor(r.fillUniform(new Float32Array(s), -0.3, 0.3) as Float32Array, [s], true)),
      kernels: new FusedMlpKernels(sizes, runner),
    });
    const A = mk(),
      B = mk();
    const x = new Tensor(r.fillUniform(new Float32Array(n * sizes[0]), -1, 1) as Float32Array, [n, sizes[0]], true);
    const acts = ['tanh', 'tanh', 'identity'] as const;
    const wOut = new Tensor(
      Float32Array.from({ length: n * 6 }, (_, i) => Math.cos(0.7 * i)),
      [n, 6],
    );
    const f = () => sum(mul(mlpPair(x, A, B, [...acts], runner), wOut));
    const wrt = [x, A.ws[0], A.bs[2], B.ws[1], B.bs[0]];
    const gs = grad(f(), wrt);
    const eps = 1e-2;
    wrt.forEach((t, k) => {
      for (let j = 0; j < t.size; j += Math.max(1, Math.floor(t.size / 7))) {
        const d = t.data as Float32Array,
          v = d[j];
        d[j] = v + eps;
        const up = f().item();
        d[j] = v - eps;
        const down = f().item();
        d[j] = v;
        const numeric = (up - down) / (2 * eps);
        assert.ok(
          Math.abs(gs[k].data[j] - numeric) <= 2e-3 * Math.max(1, Math.abs(numeric)),
          `input ${k}[${j}]: analytic ${gs[k].data[j]} vs numeric ${numeric}`,
        );
      }
    });
  } finally {
    setTwinThreshold();
  }
});

test(
  'with twin threads off (setTwinThreads(false)) the results are the same, and on again the worker restarts',
  { skip: !wasm && 'no wasm kernels' },
  async () => {
    setTwinThreshold(0);
    try {
      await workerUp();
      const [a, b] = nets([11, 32, 32, 2], 'relu', 8);
      const x = new Tensor(new Rng(1).fillUniform(new Float32Array(40 * 11), -1, 1) as Float32Array, [40, 11]);
      const on = run(a, b, x, true);
      assert.equal(setTwinThreads(false), true);
      assert.deepEqual(twinInfo().ready, false);
      const off = run(a, b, x, true);
      on.forEach((v, i) => same(off[i], v, `off vs on ${i}`));
      setTwinThreads(true);
      await workerUp();
      const again = run(a, b, x, true);
      on.forEach((v, i) => same(again[i], v, `on again ${i}`));
    } finally {
      setTwinThreshold();
      setTwinThreads(true);
    }
  },
);

test(
  'forwardAndPredict (the forward here, the predict on the worker) equals net.forward and net.predict, bit for bit',
  { skip: !wasm && 'no wasm kernels' },
  async () => {
    setTwinThreshold(0);
    try {
      await workerUp();
      for (const [sizes, n, act] of [
        [[17, 64, 64, 12], 80, 'relu'], // an actor's shape: mean and log-std heads
        [[5, 37, 48, 3], 30, 'tanh'],
      ] as [number[], number, Activation][]) {
        const [net] = nets(sizes, act, 5);
        const r = new Rng(6);
        const x = new Tensor(r.fillUniform(new Float32Array(n * sizes[0]), -2, 2) as Float32Array, [n, sizes[0]]);
        const xOff = r.fillUniform(new Float32Array(n * sizes[0]), -2, 2) as Float32Array;
        const [y, p] = forwardAndPredict(net, x, xOff, n);
        const pCopy = Float32Array.from(p);
        const g = grad(lossOf(y, y), net.parameters());
        const y0 = net.forward(x);
        same(y.data, y0.data, `${sizes.join('-')} forward`);
        same(pCopy, net.predict(xOff, n), `${sizes.join('-')} predict`);
        grad(lossOf(y0, y0), net.parameters()).forEach((h, i) => same(g[i].data, h.data, `${sizes.join('-')} gradient ${i}`));
      }
    } finally {
      setTwinThreshold();
    }
  },
);

test('setTwinThreshold names a bad value', () => {
  assert.throws(() => setTwinThreshold(-1), /setTwinThreshold: expected a number of multiply-adds >= 0, got -1/);
});
