import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, SnapshotUnsupportedError, Wrapper, type Env, type EnvSnapshot, type StepResult } from '../../src/envs/index.ts';
import {
  AddRenderObservation,
  ClipAction,
  FlattenObservation,
  FrameStackObservation,
  MaskVelocity,
  NormalizeObservation,
  NormalizeReward,
  OrderEnforcing,
  RecordEpisodeStatistics,
  RescaleAction,
  TimeLimit,
  TransformAction,
  TransformObservation,
  TransformReward,
} from '../../src/wrappers/index.ts';
import { Rng } from '../../src/rng/index.ts';

const viaJson = (s: EnvSnapshot): EnvSnapshot => JSON.parse(JSON.stringify(s));
const bits = (o: ArrayLike<number>) => Buffer.from(Float64Array.from(o).buffer).toString('hex');

/** A test clock both stacks read: integer milliseconds advanced by the test, so episode times are exact. */
const clock = { ms: 0 };
const now = () => clock.ms;

/** Every wrapper in one stack over Pendulum-v1 (Box actions, so the action wrappers apply). */
function fullStack(): Env<Float32Array, number[]> {
  let e: Env<any, any> = make('Pendulum-v1', { maxEpisodeSteps: 13 }); // OrderEnforcing(TimeLimit(PendulumEnv))
  e = new MaskVelocity(e, 'Pendulum-v1');
  e = new FrameStackObservation(e, 3);
  e = new FlattenObservation(e);
  e = new RecordEpisodeStatistics(e, { now, bufferLength: 4 });
  e = new NormalizeObservation(e);
  e = new TransformObservation(e, (o: Float32Array) => o.map((v) => Math.min(Math.max(v, -5), 5)), e.observationSpace);
  e = new NormalizeReward(e, 0.9);
  e = new TransformReward(e, (r) => Math.max(r, -3));
  e = new RescaleAction(e, -1, 1);
  e = new ClipAction(e);
  e = new TransformAction(e, (a: number[]) => a.map((v) => v * 1.5));
  return e;
}

function run(env: Env<Float32Array, number[]>, rng: Rng, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    clock.ms += 7;
    const r: StepResult<Float32Array> = env.step([rng.uniform(-1.2, 1.2)]);
    out.push([bits(r.obs), r.reward, r.terminated, r.truncated, r.info.episode ?? null]);
    if (r.terminated || r.truncated) out.push(['reset', bits(env.reset().obs)]);
  }
  return out;
}

/** Finds the wrapper of class C in a stack. */
function find<C>(env: Env<any, any>, cls: abstract new (...a: any[]) => C): C {
  for (let e: any = env; e; e = e.env) if (e instanceof cls) return e;
  throw new Error(`no ${cls.name} in the stack`);
}

test('a stack of every wrapper: snapshot, JSON round trip, restore into a fresh stack continue bit for bit', () => {
  const a = fullStack();
  a.reset({ seed: 4 });
  const rng = new Rng(9);
  run(a, rng, 30);
  const snap = viaJson(a.snapshot!());
  const kinds: string[] = [];
  for (let s: EnvSnapshot | undefined = snap; s; s = s.env) kinds.push(s.kind);
  assert.deepEqual(kinds, [
    'TransformAction',
    'ClipAction',
    'RescaleAction',
    'TransformReward',
    'NormalizeReward',
    'TransformObservation',
    'NormalizeObservation',
    'RecordEpisodeStatistics',
    'FlattenObservation',
    'FrameStackObservation',
    'MaskVelocity',
    'OrderEnforcing',
    'TimeLimit',
    'PendulumEnv',
  ]);
  const rngAt = rng.getState(),
    clockAt = clock.ms;
  const b = fullStack();
  b.restore!(snap);
  const expected = run(a, rng, 45);
  clock.ms = clockAt;
  const got = run(b, Rng.fromState(rngAt), 45);
  assert.ok(
    expected.some((x) => (x as unknown[])[0] === 'reset'),
    'the continuation crosses episode ends',
  );
  assert.ok(
    expected.some((x) => (x as unknown[])[4] !== null),
    'and reports episode statistics',
  );
  assert.deepEqual(got, expected);
  assert.deepEqual(b.snapshot!(), a.snapshot!());
  const ra = find(a, RecordEpisodeStatistics),
    rb = find(b, RecordEpisodeStatistics);
  assert.deepEqual([rb.returnQueue, rb.lengthQueue, rb.timeQueue, rb.episodeCount], [ra.returnQueue, ra.lengthQueue, ra.timeQueue, ra.episodeCount]);
  assert.deepEqual(find(b, NormalizeReward).getStats(), find(a, NormalizeReward).getStats());
});

test('a snapshot taken mid-episode restores the time limit, frame stack and order state', () => {
  const a = fullStack();
  a.reset({ seed: 1 });
  run(a, new Rng(2), 5);
  const b = fullStack();
  b.restore!(viaJson(a.snapshot!()));
  assert.equal(find(b, TimeLimit).elapsedSteps, find(a, TimeLimit).elapsedSteps);
  assert.equal(find(b, OrderEnforcing).hasReset, true, 'a restored running episode can step without reset');
  // An ended episode stays ended: stepping it is refused as before the snapshot.
  const c = make('CartPole-v1', { maxEpisodeSteps: 1 });
  c.reset({ seed: 0 });
  c.step(0);
  const d = make('CartPole-v1', { maxEpisodeSteps: 1 });
  d.restore!(viaJson(c.snapshot!()));
  assert.throws(() => d.step(0), /after the episode ended/);
});

test('non-finite statistics (-Infinity episode return, NaN return) survive the JSON round trip', () => {
  const a = new NormalizeReward(new RecordEpisodeStatistics(make('CartPole-v1')));
  a.reset({ seed: 0 });
  const rec = a.env as RecordEpisodeStatistics<Float32Array, number>;
  rec.episodeReturn = -Infinity;
  rec.returnQueue.push(-0, Infinity);
  a.discountedReward = NaN;
  const text = JSON.stringify(a.snapshot());
  assert.match(text, /"-Infinity"/);
  const b = new NormalizeReward(new RecordEpisodeStatistics(make('CartPole-v1')));
  b.restore(JSON.parse(text));
  const rb = b.env as RecordEpisodeStatistics<Float32Array, number>;
  assert.equal(rb.episodeReturn, -Infinity);
  assert.ok(Object.is(rb.returnQueue[0], -0) && rb.returnQueue[1] === Infinity);
  assert.ok(Number.isNaN(b.discountedReward));
});

test('AddRenderObservation (stateless) over a restored env yields the same pixels', () => {
  const mk = () => new AddRenderObservation(make('CartPole-v1', { renderMode: 'rgb_array' }));
  const a = mk();
  a.reset({ seed: 5 });
  a.step(1);
  const b = mk();
  b.restore(viaJson(a.snapshot()));
  assert.deepEqual(b.step(0).obs, a.step(0).obs);
});

test('bad wrapper snapshots name the wrapper and what was expected', () => {
  const a = fullStack();
  a.reset({ seed: 0 });
  const s = viaJson(a.snapshot!());
  const fs = (() => {
    let n: EnvSnapshot = s;
    while (n.kind !== 'FrameStackObservation') n = n.env!;
    return n;
  })();
  (fs.state as { frames: number[] }).frames.push(1);
  assert.throws(() => fullStack().restore!(s), /FrameStackObservation\.restore: state\.frames \(3 frames of 3\): expected 9 numbers, got 10/);
  const other = new ClipAction(new NormalizeReward(make('Pendulum-v1')));
  assert.throws(() => other.restore(viaJson(a.snapshot!())), /ClipAction\(Pendulum-v1\)\.restore: the snapshot is of 'TransformAction', expected 'ClipAction'/);
  const noInner = viaJson(a.snapshot!());
  delete noInner.env;
  assert.throws(() => fullStack().restore!(noInner), /TransformAction\(Pendulum-v1\)\.restore: the snapshot has no inner 'env' snapshot/);
  const norm = new NormalizeObservation(make('CartPole-v1'));
  norm.reset({ seed: 0 });
  const ns = viaJson(norm.snapshot());
  (ns.state as { obsRms: { mean: number[] } }).obsRms.mean = [1, 2];
  assert.throws(
    () => new NormalizeObservation(make('CartPole-v1')).restore(ns),
    /NormalizeObservation\.restore: state\.obsRms: mean: expected 4 numbers, got 2/,
  );
});

/** A user wrapper with state that does not declare it: snapshots must refuse, not silently drop `count`. */
class CountSteps<O, A> extends Wrapper<O, A> {
  count = 0;
  override step(a: A) {
    this.count++;
    return super.step(a);
  }
}

test('a wrapper subclass without its own snapshotSelf, or an inner env without snapshot(), cannot snapshot', () => {
  assert.throws(
    () => new CountSteps(make('CartPole-v1')).snapshot(),
    (e: Error) => e instanceof SnapshotUnsupportedError && /CountSteps\(CartPole-v1\) cannot snapshot itself/.test(e.message),
  );
  const plain = { observationSpace: null, actionSpace: null, spec: null, renderMode: null } as unknown as Env<any, any>;
  assert.throws(() => new TimeLimit(plain, 5).snapshot(), /Object \(inside TimeLimit\) cannot snapshot itself: it has no snapshot\(\)\/restore\(\)/);
  // A plain Wrapper is a pass-through and snapshots as one.
  assert.equal(new Wrapper(make('CartPole-v1')).snapshot().kind, 'Wrapper');
});
