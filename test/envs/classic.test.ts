import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcrobotEnv, CartPoleEnv, MountainCarContinuousEnv, MountainCarEnv, PendulumEnv, angleNormalize, floorMod } from '../../src/envs/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { make } from '../../src/envs/index.ts';
import { assertSpace } from './replay.ts';

type AnyEnv = CartPoleEnv | AcrobotEnv | MountainCarEnv | MountainCarContinuousEnv | PendulumEnv;

// Gymnasium's initial-state distributions: [low, high] per state entry.
const RESET_RANGES: [string, () => AnyEnv, [number, number][]][] = [
  ['CartPole-v1', () => new CartPoleEnv(), Array(4).fill([-0.05, 0.05])],
  ['Acrobot-v1', () => new AcrobotEnv(), Array(4).fill([-0.1, 0.1])],
  [
    'MountainCar-v0',
    () => new MountainCarEnv(),
    [
      [-0.6, -0.4],
      [0, 0],
    ],
  ],
  [
    'MountainCarContinuous-v0',
    () => new MountainCarContinuousEnv(),
    [
      [-0.6, -0.4],
      [0, 0],
    ],
  ],
  [
    'Pendulum-v1',
    () => new PendulumEnv(),
    [
      [-Math.PI, Math.PI],
      [-1, 1],
    ],
  ],
];

for (const [id, mk, ranges] of RESET_RANGES) {
  test(`${id}: reset states are uniform over Gymnasium's ranges`, () => {
    const env = mk();
    const n = 2000;
    const mean = ranges.map(() => 0),
      min = ranges.map(() => Infinity),
      max = ranges.map(() => -Infinity);
    env.reset({ seed: 42 });
    for (let k = 0; k < n; k++) {
      env.reset();
      const s = env.getState();
      ranges.forEach(([lo, hi], i) => {
        assert.ok(s[i] >= Math.fround(lo) - 1e-7 && s[i] <= Math.fround(hi) + 1e-7, `${id} state[${i}]=${s[i]} outside [${lo}, ${hi}]`);
        mean[i] += s[i] / n;
        min[i] = Math.min(min[i], s[i]);
        max[i] = Math.max(max[i], s[i]);
      });
    }
    ranges.forEach(([lo, hi], i) => {
      const w = hi - lo;
      assert.ok(Math.abs(mean[i] - (lo + hi) / 2) <= 0.03 * w + 1e-12, `${id} mean of state[${i}] = ${mean[i]}`);
      if (w > 0) assert.ok(min[i] < lo + 0.01 * w && max[i] > hi - 0.01 * w, `${id} state[${i}] does not cover its range`);
    });
  });

  test(`${id}: the same seed gives the same episode, another seed a different one`, () => {
    const run = (seed: number) => {
      const env = mk();
      const out: number[] = Array.from(env.reset({ seed }).obs);
      const rng = new Rng(5);
      for (let t = 0; t < 100; t++) {
        const a = env.actionSpace.sample(rng);
        const r = env.step(a as never);
        out.push(...r.obs, r.reward, +r.terminated);
        if (r.terminated) out.push(...env.reset().obs);
      }
      return out;
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });
}

test('reset options low/high (CartPole) and x_init/y_init (Pendulum) narrow the initial state', () => {
  const c = new CartPoleEnv();
  c.reset({ seed: 1, options: { low: 0.2, high: 0.3 } });
  for (const v of c.getState()) assert.ok(v >= 0.2 && v <= 0.3);
  const p = new PendulumEnv();
  p.reset({ seed: 1, options: { x_init: 0.1, y_init: 0.01 } });
  const [th, thd] = p.getState();
  assert.ok(Math.abs(th) <= 0.1 && Math.abs(thd) <= 0.01);
  assert.throws(() => c.reset({ options: { low: 1, high: 0 } }), /low <= high/);
});

test('bad input: discrete out of range, wrong length or NaN continuous action, wrong setState', () => {
  const c = new CartPoleEnv();
  c.reset({ seed: 0 });
  assert.throws(() => c.step(2), /CartPole-v1: action 2 is not in the action space Discrete\(2\)/);
  assert.throws(() => c.step(0.5), /action 0.5/);
  assert.throws(() => c.step('1' as unknown as number), /action "1"/);
  const a = new AcrobotEnv();
  a.reset({ seed: 0 });
  assert.throws(() => a.step(-1), /Acrobot-v1: action -1 is not in the action space Discrete\(3\)/);
  const p = new PendulumEnv();
  p.reset({ seed: 0 });
  assert.throws(() => p.step([1, 2]), /Pendulum-v1: action \[1, 2\] does not fit the action space Box\(-2, 2, \(1,\), float32\)/);
  assert.throws(() => p.step(Float32Array.of(NaN)), /Pendulum-v1: action \[NaN\] is NaN/);
  const m = new MountainCarContinuousEnv();
  m.reset({ seed: 0 });
  assert.throws(() => m.step([]), /MountainCarContinuous-v0: action \[\] does not fit/);
  assert.throws(() => c.setState([0, 0, 0]), /CartPole-v1.setState: expected 4 values \[x, x_dot, theta, theta_dot\], got \[0, 0, 0\]/);
  assert.throws(() => p.setState([0, NaN]), /Pendulum-v1.setState: theta_dot must be a number/);
  assert.throws(() => new MountainCarEnv().step(1), /call reset\(\) before step\(\)/);
});

test('continuous actions outside the Box are clipped inside the env (reward uses the raw action, as Gymnasium)', () => {
  const p1 = new PendulumEnv(),
    p2 = new PendulumEnv();
  for (const p of [p1, p2]) {
    p.reset({ seed: 0 });
    p.setState([1, 0.5]);
  }
  const r1 = p1.step([5]);
  const o1 = Array.from(r1.obs),
    rew1 = r1.reward;
  const r2 = p2.step([2]);
  assert.deepEqual(o1, Array.from(r2.obs));
  assert.equal(rew1, r2.reward, 'Pendulum costs use the clipped torque');
  const m1 = new MountainCarContinuousEnv(),
    m2 = new MountainCarContinuousEnv();
  for (const m of [m1, m2]) {
    m.reset({ seed: 0 });
    m.setState([-0.5, 0]);
  }
  const a = m1.step([3]);
  const ao = Array.from(a.obs),
    ar = a.reward;
  const b = m2.step([1]);
  assert.deepEqual(ao, Array.from(b.obs));
  assert.ok(Math.abs(ar - -0.9) < 1e-12 && Math.abs(b.reward - -0.1) < 1e-12, 'reward is -0.1 * action^2 of the unclipped action');
});

test('CartPole: terminates past 12 degrees, reward 1 on the failing step and 0 after it', () => {
  const c = new CartPoleEnv();
  c.reset({ seed: 0 });
  c.setState([0, 0, 0.25, 0]);
  let r = c.step(1);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 1);
  r = c.step(1);
  assert.equal(r.reward, 0);
  const sb = new CartPoleEnv({ suttonBartoReward: true });
  sb.reset({ seed: 0 });
  assert.equal(sb.step(0).reward, 0);
});

test('angle normalisation uses a floored modulo like NumPy', () => {
  assert.equal(floorMod(-1, 3), 2);
  assert.equal(floorMod(1, -3), -2);
  assert.equal(-7 % 3, -1);
  assert.ok(Math.abs(angleNormalize(-4) - (2 * Math.PI - 4)) < 1e-15);
  assert.ok(Math.abs(angleNormalize(Math.PI + 0.5) - (-Math.PI + 0.5)) < 1e-15);
});

test('step reuses its result and obs buffer (documented ownership rule)', () => {
  const c = new CartPoleEnv();
  c.reset({ seed: 0 });
  const r1 = c.step(0);
  const o1 = r1.obs;
  const copy = o1.slice();
  const r2 = c.step(1);
  assert.equal(r1, r2);
  assert.equal(r2.obs, o1);
  assert.notDeepEqual(Array.from(o1), Array.from(copy));
});

// Gymnasium 1.4's repr of each classic env's spaces (facts recorded with ../shared/golden/, kept here
// so that a clone without it still checks bounds, shapes and dtypes).
const GYMNASIUM_SPACES: Record<string, [string, string]> = {
  'CartPole-v1': ['Box([-4.8 -inf -0.41887903 -inf], [4.8 inf 0.41887903 inf], (4,), float32)', 'Discrete(2)'],
  'Acrobot-v1': ['Box([-1. -1. -1. -1. -12.566371 -28.274334], [1. 1. 1. 1. 12.566371 28.274334], (6,), float32)', 'Discrete(3)'],
  'MountainCar-v0': ['Box([-1.2 -0.07], [0.6 0.07], (2,), float32)', 'Discrete(3)'],
  'MountainCarContinuous-v0': ['Box([-1.2 -0.07], [0.6 0.07], (2,), float32)', 'Box(-1.0, 1.0, (1,), float32)'],
  'Pendulum-v1': ['Box([-1. -1. -8.], [1. 1. 8.], (3,), float32)', 'Box(-2.0, 2.0, (1,), float32)'],
};

test("observation and action spaces are Gymnasium's", () => {
  for (const [id, [obs, act]] of Object.entries(GYMNASIUM_SPACES)) {
    const env = make(id);
    assertSpace(env.observationSpace, obs);
    assertSpace(env.actionSpace, act);
  }
});
