import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BaseEnv,
  CartPoleEnv,
  Discrete,
  EMPTY_INFO,
  Box,
  SnapshotUnsupportedError,
  checkEnv,
  decodeNumber,
  decodeNumbers,
  encodeNumber,
  encodeNumbers,
  make,
  registeredIds,
  type Env,
  type EnvSnapshot,
  type ResetResult,
  type StepResult,
} from '../../src/envs/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { snapshotsLikeParent } from '../../src/envs/env.ts';

/** A JSON round trip, as a checkpoint file does it. */
const viaJson = (s: EnvSnapshot): EnvSnapshot => JSON.parse(JSON.stringify(s));
const bits = (o: ArrayLike<number>) => Buffer.from(Float64Array.from(o).buffer).toString('hex');

interface Trace {
  obs: string[];
  rewards: number[];
  flags: string;
}

/**
 * n steps with actions from `rng`; when an episode ends the env is reset without a seed, so the
 * env's own generator draws the next start state.
 */
function run(env: Env<Float32Array, any>, rng: Rng, n: number): Trace {
  const t: Trace = { obs: [], rewards: [], flags: '' };
  const space = env.actionSpace;
  for (let i = 0; i < n; i++) {
    const a = space instanceof Box ? [rng.uniform(-2.5, 2.5)] : rng.int((space as unknown as { n: number }).n);
    const r = env.step(a);
    t.obs.push(bits(r.obs));
    t.rewards.push(r.reward);
    t.flags += `${+r.terminated}${+r.truncated}`;
    if (r.terminated || r.truncated) {
      const rr = env.reset();
      t.obs.push(`reset ${bits(rr.obs)}`);
    }
  }
  return t;
}

const CLASSIC = registeredIds().filter((id) => /CartPole|Acrobot|MountainCar|Pendulum/.test(id));

test('encodeNumber: Infinity, -Infinity, NaN and -0 survive JSON; finite numbers stay numbers', () => {
  const xs = [1.5, -Infinity, Infinity, NaN, -0, 0, 5e-324, -1.7976931348623157e308, 0.1 + 0.2];
  const back = decodeNumbers(JSON.parse(JSON.stringify(encodeNumbers(xs))), xs.length, 'xs');
  xs.forEach((x, i) => assert.ok(Object.is(back[i], x), `${x} came back as ${back[i]}`));
  assert.equal(encodeNumber(2.25), 2.25);
  assert.throws(() => decodeNumber(null, 'state.x'), /state\.x: expected a number.*got null/);
  assert.throws(() => decodeNumbers([1, 2], 3, 'state.s'), /state\.s: expected 3 numbers, got 2/);
});

for (const id of CLASSIC) {
  test(`${id}: snapshot, JSON round trip and restore into a fresh env continue bit for bit (through resets)`, () => {
    const opts = { maxEpisodeSteps: 17 }; // short episodes: several resets in the continuation
    const env = make(id, opts);
    env.reset({ seed: 3 });
    const rng = new Rng(11);
    run(env, rng, 40);
    const snap = viaJson(env.snapshot!());
    const rngAt = rng.getState();
    const fresh = make(id, opts);
    fresh.restore!(snap);
    const expected = run(env, rng, 60);
    const got = run(fresh, Rng.fromState(rngAt), 60);
    assert.ok(expected.flags.includes('1'), 'the continuation crosses an episode end');
    assert.deepEqual(got, expected);
    assert.deepEqual(fresh.snapshot!(), env.snapshot!(), 'and ends in the same state');
  });
}

test('a restored env carries its generator: the next unseeded reset draws the same start', () => {
  const a = make('CartPole-v1');
  a.reset({ seed: 8 });
  const b = make('CartPole-v1');
  b.restore!(viaJson(a.snapshot!()));
  assert.equal(bits(b.reset().obs), bits(a.reset().obs));
});

test('a snapshot before the first reset restores an un-reset env (rng null, step refused)', () => {
  const s = viaJson(make('Acrobot-v1').snapshot!());
  assert.equal(s.env!.env!.rng, null);
  const b = make('Acrobot-v1');
  b.restore!(s);
  assert.throws(() => b.step(0), /call reset\(\) first/);
});

test('Pendulum-v1: the restored env renders the same frame (the last torque is state)', () => {
  const a = make('Pendulum-v1', { renderMode: 'rgb_array' });
  a.reset({ seed: 1 });
  a.step([1.7]);
  const b = make('Pendulum-v1', { renderMode: 'rgb_array' });
  b.restore!(viaJson(a.snapshot!()));
  assert.deepEqual(b.render().data, a.render().data);
});

test('MountainCarContinuous-v0: the float32/float64 regime of the state is restored', () => {
  const a = make('MountainCarContinuous-v0');
  a.reset({ seed: 2 });
  const afterReset = viaJson(a.snapshot!());
  a.step([0.3]);
  const b = make('MountainCarContinuous-v0');
  b.restore!(afterReset);
  const c = make('MountainCarContinuous-v0');
  c.reset({ seed: 2 });
  assert.equal(bits(b.step([0.3]).obs), bits(c.step([0.3]).obs));
  assert.equal((afterReset.env!.env!.state as { f32: boolean }).f32, false);
  assert.equal((a.snapshot!().env!.env!.state as { f32: boolean }).f32, true);
});

test('bad snapshots: another env, a wrong state length, another step limit, not a snapshot', () => {
  const cart = make('CartPole-v1');
  cart.reset({ seed: 0 });
  const acro = make('Acrobot-v1');
  acro.reset({ seed: 0 });
  assert.throws(() => cart.restore!(acro.snapshot!()), /CartPoleEnv\(CartPole-v1\)\.restore: the snapshot is of 'AcrobotEnv', expected 'CartPoleEnv'/);
  const s = viaJson(cart.snapshot!());
  (s.env!.env!.state as { s: number[] }).s.pop();
  assert.throws(() => make('CartPole-v1').restore!(s), /CartPole-v1\.restore: state\.s \[x, x_dot, theta, theta_dot\]: expected 4 numbers, got 3/);
  assert.throws(
    () => make('CartPole-v1', { maxEpisodeSteps: 100 }).restore!(cart.snapshot!()),
    /TimeLimit\.restore: the snapshot is of a 500-step limit, expected 100/,
  );
  assert.throws(() => make('CartPole-v1').restore!({ state: 1 } as unknown as EnvSnapshot), /OrderEnforcing\(CartPole-v1\)\.restore: expected an env snapshot/);
  const noRng = viaJson(cart.snapshot!());
  delete noRng.env!.env!.rng;
  assert.throws(() => make('CartPole-v1').restore!(noRng), /has no 'rng' field/);
  const badRng = viaJson(cart.snapshot!());
  badRng.env!.env!.rng = { s: [1, 2], spare: null };
  assert.throws(() => make('CartPole-v1').restore!(badRng), /CartPoleEnv\(CartPole-v1\)\.restore: bad generator state/);
});

class NoSnapshotEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>(-1, 1, [1]);
  readonly actionSpace = new Discrete(2);
  k = 0;
  reset(): ResetResult<Float32Array> {
    this.k = 0;
    return { obs: new Float32Array(1), info: EMPTY_INFO };
  }
  step(): StepResult<Float32Array> {
    this.k++;
    return { obs: new Float32Array(1), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
  }
}

/** Adds state and does not say how to save it: its parent's snapshot would silently lose `extra`. */
class CountingCartPole extends CartPoleEnv {
  extra = 0;
}

test('an env class that does not define its own snapshotSelf cannot snapshot itself, and says so', () => {
  assert.throws(
    () => new NoSnapshotEnv().snapshot(),
    (e: Error) => e instanceof SnapshotUnsupportedError && /NoSnapshotEnv cannot snapshot itself/.test(e.message),
  );
  assert.throws(() => new CountingCartPole().snapshot(), /CountingCartPole cannot snapshot itself: CountingCartPole does not define its own snapshotSelf/);
  assert.throws(() => new CountingCartPole().restore(new CartPoleEnv().snapshot()), SnapshotUnsupportedError);
});

/** Adds no state and says so in one line: its snapshot is CartPole's. */
class RenamedCartPole extends CartPoleEnv {
  static {
    snapshotsLikeParent(RenamedCartPole);
  }
}

test('snapshotsLikeParent: the class snapshots and restores as its parent; a parent without snapshots is refused', () => {
  const a = new RenamedCartPole();
  a.reset({ seed: 3 });
  a.step(1);
  const snap = JSON.parse(JSON.stringify(a.snapshot()));
  assert.equal(snap.kind, 'RenamedCartPole');
  const b = new RenamedCartPole();
  b.restore(snap);
  assert.deepEqual(b.step(0), a.step(0));
  class Bare extends NoSnapshotEnv {}
  assert.throws(() => snapshotsLikeParent(Bare), /^Error: snapshotsLikeParent\(Bare\): the parent class defines no snapshotSelf\(\)$/);
});

/** Saves its physics but forgets a counter the reward depends on: a snapshot that does not resume exactly. */
class ForgetfulCartPole extends CartPoleEnv {
  private count = 0;
  override step(a: number) {
    const r = super.step(a);
    r.reward = ++this.count;
    return r;
  }
  override reset(args = {}) {
    this.count = 0;
    return super.reset(args);
  }
  protected override snapshotSelf() {
    return super.snapshotSelf();
  }
  protected override restoreSelf(s: Parameters<CartPoleEnv['restore']>[0]['state']) {
    super.restoreSelf(s);
  }
}

test('checkEnv replays from a JSON snapshot: exact envs pass, an env that forgets state in its snapshot is reported', () => {
  for (const id of CLASSIC) checkEnv(make(id));
  assert.throws(
    () => checkEnv(new ForgetfulCartPole()),
    /snapshot\(\)\/restore\(\) do not continue exactly: after restoring the snapshot \(through JSON\) the run differs at record/,
  );
  checkEnv(new NoSnapshotEnv()); // no snapshot support is not a problem
});
