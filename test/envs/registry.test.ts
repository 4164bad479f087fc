import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseEnv, Box, Discrete, EMPTY_INFO, make, register, registeredIds, spec, type StepResult } from '../../src/envs/index.ts';
import { TimeLimit, OrderEnforcing } from '../../src/wrappers/index.ts';

test("Gymnasium's ids, step limits and reward thresholds", () => {
  const want: [string, number, number | undefined][] = [
    ['CartPole-v1', 500, 475],
    ['CartPole-v0', 200, 195],
    ['Acrobot-v1', 500, -100],
    ['MountainCar-v0', 200, -110],
    ['MountainCarContinuous-v0', 999, 90],
    ['Pendulum-v1', 200, undefined],
  ];
  for (const [id, steps, thr] of want) {
    assert.equal(spec(id).maxEpisodeSteps, steps, id);
    assert.equal(spec(id).rewardThreshold, thr, id);
  }
});

test('make wraps the env: OrderEnforcing(TimeLimit(env)), and the limit truncates at the registered step', () => {
  const env = make('MountainCar-v0');
  assert.ok(env instanceof OrderEnforcing);
  assert.ok((env as OrderEnforcing<unknown, unknown>).env instanceof TimeLimit);
  assert.equal(env.spec?.id, 'MountainCar-v0');
  env.reset({ seed: 0 });
  let t = 0;
  for (;;) {
    const r = env.step(1);
    t++;
    if (r.terminated || r.truncated) {
      assert.equal(r.truncated, true);
      break;
    }
  }
  assert.equal(t, 200);
  const short = make('CartPole-v1', { maxEpisodeSteps: 3 });
  assert.equal(short.spec?.maxEpisodeSteps, 3);
  assert.equal(spec('CartPole-v1').maxEpisodeSteps, 500, 'the registered spec is unchanged');
  short.reset({ seed: 0 });
  assert.deepEqual([short.step(0).truncated, short.step(1).truncated, short.step(0).truncated], [false, false, true]);
});

test('order check: step before reset, and after the episode ended, throw', () => {
  const env = make('CartPole-v1');
  assert.throws(() => env.step(0), /CartPole-v1: step\(\) called before reset\(\)/);
  env.reset({ seed: 0 });
  let r;
  do r = env.step(1);
  while (!r.terminated && !r.truncated);
  assert.throws(() => env.step(1), /after the episode ended/);
  env.reset();
  assert.doesNotThrow(() => env.step(0));
});

test('unknown ids list the closest registered ids', () => {
  assert.throws(() => make('CartPole-v2'), /no environment registered with id "CartPole-v2"; the closest registered ids are CartPole-v0, CartPole-v1/);
  assert.throws(() => make('pendulum'), /Pendulum-v1/);
});

test('register a user env and make it; masked-velocity variants zero the velocities', () => {
  class Counter extends BaseEnv<Float32Array, number> {
    readonly observationSpace = new Box<Float32Array>(0, 100, [1]);
    readonly actionSpace = new Discrete(2);
    private n = 0;
    private readonly o = new Float32Array(1);
    reset() {
      this.n = 0;
      this.o[0] = 0;
      return { obs: this.o, info: EMPTY_INFO };
    }
    step(a: number): StepResult<Float32Array> {
      this.n += a;
      this.o[0] = this.n;
      return { obs: this.o, reward: a, terminated: this.n >= 3, truncated: false, info: EMPTY_INFO };
    }
  }
  register({ id: 'TestCounter-v0', entryPoint: () => new Counter(), maxEpisodeSteps: 10 });
  assert.ok(registeredIds().includes('TestCounter-v0'));
  const e = make('TestCounter-v0');
  e.reset();
  assert.equal(e.step(1).obs[0], 1);
  assert.throws(() => register({ id: 'bad id', entryPoint: () => new Counter() }), /id must look like "Name-v0"/);

  const m = make('CartPoleMaskedVelocity-v1');
  const o = m.reset({ seed: 1 }).obs as Float32Array;
  assert.equal(o[1], 0);
  assert.equal(o[3], 0);
  assert.notEqual(o[0], 0);
  const full = make('CartPole-v1');
  assert.equal((full.reset({ seed: 1 }).obs as Float32Array)[0], o[0]);
  const p = make('PendulumMaskedVelocity-v1');
  p.reset({ seed: 2 });
  const po = p.step([1]).obs as Float32Array;
  assert.equal(po[2], 0);
  assert.equal(spec('PendulumMaskedVelocity-v1').maxEpisodeSteps, 200);
});

test('the envs entry registers every family the CLI offers: the pixel tasks too', async () => {
  const envs = await import('../../src/envs/index.ts');
  for (const id of ['CartPole-v1', 'Catch-v0', 'CatchPixels-v0']) assert.ok(envs.registeredIds().includes(id), id);
});

test("classic envs take Gymnasium's constructor options and refuse others, naming the env and its options", () => {
  const sb = make('CartPole-v1', { kwargs: { suttonBartoReward: true } });
  sb.reset({ seed: 0 });
  assert.equal(sb.step(0).reward, 0); // Sutton and Barto's reward: 0 while the pole is up
  assert.equal((make('Pendulum-v1', { kwargs: { g: 9.81 } }).unwrapped as unknown as { g: number }).g, 9.81);
  assert.equal((make('MountainCar-v0', { kwargs: { goalVelocity: 0.01 } }).unwrapped as unknown as { goalVelocity: number }).goalVelocity, 0.01);
  assert.throws(
    () => make('Acrobot-v1', { kwargs: { bookOrNips: 'nips' } }),
    /^TypeError: Acrobot-v1: unknown option "bookOrNips"; the options are renderMode$/,
  );
  assert.throws(() => make('Pendulum-v1', { kwargs: { g: Number.NaN } }), /^TypeError: Pendulum-v1: option g must be a finite number, got NaN$/);
  assert.throws(() => make('CartPole-v1', { kwargs: { renderWidth: 0 } }), /CartPole-v1: option renderWidth must be a positive integer, got 0/);
  assert.throws(() => make('CartPole-v1', { kwargs: { suttonBartoReward: 1 } }), /CartPole-v1: option suttonBartoReward must be true or false, got 1/);
  // The velocity-masked variants make their base env, whose options they take.
  assert.throws(() => make('PendulumMaskedVelocity-v1', { kwargs: { gravity: 1 } }), /Pendulum-v1: unknown option "gravity"; the options are renderMode, g$/);
});
