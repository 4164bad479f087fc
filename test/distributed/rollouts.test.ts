/**
 * Distributed rollouts without Redis: V-trace against hand-computed values and against GAE, the
 * correction of stale chunks (weights min(1, pi_new / pi_old)), the chunk wire format and how
 * chunks are put side by side, and the collector that feeds an algorithm's update().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng/index.ts';
import { Collector, gae, type Rollout } from '../../src/rollout/index.ts';
import { vtrace } from '../../src/rollout/vtrace.ts';
import { CategoricalPolicy, ValueFunction } from '../../src/policies/index.ts';
import { makeTrainingEnvs } from '../../src/algos/common.ts';
import { Tensor, noGrad } from '../../src/tensor/index.ts';
import { concatChunks, decodeChunk, encodeChunk, flatParams, loadFlatParams, type Chunk } from '../../src/distributed/rollouts.ts';
import { FeedCollector, correctStale } from '../../src/distributed/learner.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('vtrace: hand-computed targets, weights min(1, pi/mu) (a stale step with pi/mu = 0.5 counts half)', () => {
  // T = 2, one env, gamma 0.9, lambda 1: pi/mu = 2 at t = 0 (truncated to 1), 0.5 at t = 1.
  const steps = { rewards: [1, 1], terminated: new Uint8Array(2), truncated: new Uint8Array(2), numEnvs: 1 };
  const r = vtrace(steps, [1, 2], [Math.log(2), Math.log(0.5)], { gamma: 0.9, lastValues: [3] });
  // t = 1: delta = 0.5 (1 + 0.9 * 3 - 2) = 0.85; t = 0: 1.8 + 0.9 * 1 * 0.85 = 2.565.
  close(r.rhos, [1, 0.5], 1e-12, 'rhos');
  close(r.returns, [1 + 2.565, 2 + 0.85], 1e-12, 'returns');
  close(r.advantages, [2.565, 0.85], 1e-12, 'advantages');
  // rhoBar caps the weight of the TD error; cBar separately caps the trace.
  const capped = vtrace(steps, [1, 2], [Math.log(2), Math.log(0.5)], { gamma: 0.9, lastValues: [3], rhoBar: 2, cBar: 0.25 });
  // t = 1: c = 0.25 (unused, the batch ends); delta = 0.85; t = 0: rho 2, delta 3.6, c 0.25: 3.6 + 0.9 * 0.25 * 0.85.
  close(capped.returns, [1 + 3.6 + 0.9 * 0.25 * 0.85, 2.85], 1e-12, 'capped returns');
  close(capped.advantages, [2 * (1.8 + 0.9 * 0.85), 0.85], 1e-12, 'capped advantages');
});

test('vtrace: on-policy (log rho = 0) gives GAE(lambda) exactly, across terminations, truncations and the batch end', () => {
  const rng = new Rng(3);
  const T = 40,
    n = 3;
  const rewards = Array.from({ length: T * n }, () => rng.uniform(-1, 1));
  const values = Array.from({ length: T * n }, () => rng.uniform(-2, 2));
  const finalValues = Array.from({ length: T * n }, () => rng.uniform(-2, 2));
  const terminated = new Uint8Array(T * n).map(() => (rng.uniform(0, 1) < 0.08 ? 1 : 0));
  const truncated = new Uint8Array(T * n).map((_, i) => (!terminated[i] && rng.uniform(0, 1) < 0.05 ? 1 : 0));
  const steps = { rewards, terminated, truncated, numEnvs: n };
  const boot = { finalValues, lastValues: [0.5, -1, 2] };
  for (const lambda of [0.8, 0.95, 1]) {
    const g = gae(steps, values, { gamma: 0.98, lambda, ...boot });
    const v = vtrace(steps, values, new Float64Array(T * n), { gamma: 0.98, lambda, ...boot });
    close(v.advantages, g.advantages, 1e-9, `advantages lambda ${lambda}`);
    close(v.returns, g.returns, 1e-9, `returns lambda ${lambda}`);
  }
  assert.throws(() => vtrace(steps, values, [0], { gamma: 0.9, ...boot }), /logRhos \(1\)/);
  assert.throws(() => vtrace(steps, values, new Float64Array(T * n), { gamma: 1.5, ...boot }), /gamma must be in \[0, 1\], got 1.5/);
});

/** A CartPole rollout of `policy` with V from `value`, as the learner prepares it. */
function cartpoleRollout(policy: CategoricalPolicy, value: ValueFunction, n: number, T: number, seed: number): Rollout {
  const env = makeTrainingEnvs('CartPole-v1', n);
  const ro = new Collector(env, policy, new Rng(seed), { value, seed }).collect(T);
  env.close();
  return ro;
}

test('correctStale: stale columns get rho = min(1, pi_new / pi_old) and pi_old := pi_new; fresh columns keep GAE', () => {
  const behaviour = new CategoricalPolicy(4, 2, new Rng(1));
  const current = new CategoricalPolicy(4, 2, new Rng(1));
  // The current policy moved away from the one that acted (a few versions later).
  const rng = new Rng(9);
  for (const p of current.parameters()) for (let i = 0; i < p.data.length; i++) p.data[i] += rng.normal() * 0.5;
  const value = new ValueFunction(4, new Rng(2));
  const n = 4,
    T = 64;
  const ro = cartpoleRollout(behaviour, value, n, T, 5);
  const mu = ro.logProbs.slice();
  const piNew = noGrad(() =>
    current
      .distribution(new Tensor(ro.obs, [T * n, 4]))
      .logProb(ro.actions)
      .data.slice(),
  );
  const stale = Uint8Array.from([1, 0, 1, 0]);
  const plain = gae(ro, ro.values!, { gamma: 0.99, lambda: 0.95, finalValues: ro.finalValues!, lastValues: ro.lastValues! });
  const out = correctStale(ro, current, stale, { gamma: 0.99, lambda: 0.95 });
  let below = 0;
  for (let i = 0; i < T * n; i++) {
    if (stale[i % n]) {
      const w = Math.min(1, Math.exp(piNew[i] - mu[i]));
      assert.ok(Math.abs(out.rhos[i] - w) < 1e-5, `step ${i}: rho ${out.rhos[i]}, expected min(1, pi_new/pi_old) = ${w}`);
      assert.ok(Math.abs(ro.logProbs[i] - piNew[i]) < 1e-6, `step ${i}: pi_old is the current policy`);
      if (w < 0.999) below++;
    } else {
      assert.equal(out.rhos[i], 1);
      assert.equal(ro.logProbs[i], mu[i], `step ${i}: a fresh step keeps its behaviour log-prob`);
    }
  }
  // The policies differ enough that the weights are informative (an inverted ratio would give other values).
  assert.ok(below > 20, `only ${below} stale steps have pi_new < pi_old`);
  // A fresh column's targets are GAE's: V-trace with rho = c/lambda = 1 along it.
  for (let t = 0; t < T; t++)
    for (const e of [1, 3]) {
      const i = t * n + e;
      assert.ok(Math.abs(ro.targets!.advantages[i] - plain.advantages[i]) < 1e-9, `fresh advantage ${i}`);
    }
  assert.ok(out.rhoMean > 0 && out.rhoMean < 1);
});

function chunk(n: number, T: number, version: number, seed: number): Chunk {
  const policy = new CategoricalPolicy(4, 2, new Rng(seed));
  const env = makeTrainingEnvs('CartPole-v1', n);
  const c = new Collector(env, policy, new Rng(seed), { seed });
  const ro = c.collect(T);
  const finalObs = new Float32Array(T * n * 4).map((_, i) => i + seed * 1000);
  return { version, worker: `w${seed}`, ro, finalObs, lastObs: c.currentObs.slice(), ms: 1.5 };
}

test('chunks: the wire format round-trips, and chunks side by side form a [T, sum of envs] batch', () => {
  const a = chunk(2, 5, 3, 1),
    b = chunk(1, 5, 2, 2);
  const back = decodeChunk(encodeChunk(a));
  assert.equal(back.version, 3);
  assert.equal(back.worker, 'w1');
  for (const k of ['obs', 'actions', 'rewards', 'terminated', 'truncated', 'logProbs', 'mask', 'continuing'] as const)
    assert.deepEqual(Array.from(back.ro[k] as ArrayLike<number>), Array.from(a.ro[k] as ArrayLike<number>), k);
  assert.deepEqual(Array.from(back.finalObs), Array.from(a.finalObs));
  assert.deepEqual(back.ro.episodes, a.ro.episodes);
  const { ro, finalObs, lastObs } = concatChunks([a, b]);
  assert.equal(ro.numEnvs, 3);
  for (let t = 0; t < 5; t++) {
    // Row t: env 0 and 1 from a, env 2 from b.
    assert.deepEqual(Array.from(ro.obs.subarray(t * 12, t * 12 + 8)), Array.from(a.ro.obs.subarray(t * 8, t * 8 + 8)), `obs row ${t}`);
    assert.deepEqual(Array.from(ro.obs.subarray(t * 12 + 8, t * 12 + 12)), Array.from(b.ro.obs.subarray(t * 4, t * 4 + 4)), `obs row ${t}`);
    assert.equal(ro.logProbs[t * 3 + 2], b.ro.logProbs[t]);
    assert.equal(finalObs[t * 12 + 8], b.finalObs[t * 4]);
  }
  assert.deepEqual(Array.from(lastObs), [...a.lastObs, ...b.lastObs]);
  assert.throws(() => concatChunks([a, chunk(1, 4, 0, 3)]), /chunk of w3 is \[T 4/);
});

test('parameters travel as one float32 vector; a wrong length is refused', () => {
  const p = new CategoricalPolicy(4, 2, new Rng(1));
  const q = new CategoricalPolicy(4, 2, new Rng(2));
  loadFlatParams(q.parameters(), flatParams(p.parameters()));
  assert.deepEqual(flatParams(q.parameters()), flatParams(p.parameters()));
  assert.throws(() => loadFlatParams(q.parameters(), new Float32Array(3)), /got 3 numbers, the policy has \d+/);
});

test('FeedCollector: hands over the batch once, counts its steps, keeps the last 100 episodes', () => {
  const env = makeTrainingEnvs('CartPole-v1', 2);
  const local = new Collector(env, new CategoricalPolicy(4, 2, new Rng(1)), new Rng(1));
  const feed = new FeedCollector(local);
  const a = chunk(2, 300, 0, 4).ro;
  feed.push(a);
  // Counted when update() collects, not on arrival: PPO reads steps before collect() for its lr and clip schedules.
  assert.equal(feed.steps, 0);
  assert.ok(feed.recent.length > 0);
  assert.throws(() => feed.collect(299), /T = 300 steps per env, the update asks for 299/);
  assert.equal(feed.collect(300), a);
  assert.equal(feed.steps, 600);
  assert.throws(() => feed.collect(300), /no batch was received/);
  assert.equal(feed.getState().steps, 600);
  env.close();
});
