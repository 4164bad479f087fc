import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Box, Discrete, make, Tuple, EMPTY_INFO, BaseEnv, type StepResult } from '../../src/envs/index.ts';
import {
  AddRenderObservation,
  ClipAction,
  FlattenObservation,
  FrameStackObservation,
  MaskVelocity,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  RescaleAction,
  RunningMeanStd,
  TimeLimit,
  TransformObservation,
  TransformReward,
} from '../../src/wrappers/index.ts';
import { ScriptedEnv } from './scripted.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('RunningMeanStd: Gymnasium start (mean 0, var 1, count 1e-4) and hand-computed first update', () => {
  const rms = new RunningMeanStd(1);
  rms.updateOne([2]);
  // delta = 2, tot = 1.0001: mean = 2 / 1.0001; M2 = 1 * 1e-4 + 2^2 * 1e-4 * 1 / 1.0001; var = M2 / 1.0001
  close(rms.mean[0], 2 / 1.0001);
  close(rms.var[0], (1e-4 + (4 * 1e-4) / 1.0001) / 1.0001);
  close(rms.count, 1.0001);
  // A batch update equals the same formula with the batch's mean and population variance.
  const b = new RunningMeanStd(2);
  b.update([1, 10, 3, 20], 2);
  close(b.mean[0], 0 + (2 * 2) / 2.0001);
  close(b.var[1], (1e-4 + 25 * 2 + (15 * 15 * 1e-4 * 2) / 2.0001) / 2.0001);
});

test('NormalizeObservation: hand-computed first value, convergence, freezing, export and restore', () => {
  const env = new NormalizeObservation(new ScriptedEnv(100, 1, 2));
  const o0 = env.reset().obs[0];
  const mean = 2 / 1.0001,
    v = (1e-4 + (4 * 1e-4) / 1.0001) / 1.0001;
  close(o0, (2 - mean) / Math.sqrt(v + 1e-8), 1e-5); // float32 statistics: agreement to float32 precision
  for (let t = 0; t < 99; t++) env.step([0]);
  // obs were 2, 3, ..., 101: mean 51.5, population variance (100^2 - 1) / 12
  close(env.obsRms.mean[0], 51.5, 1e-5);
  close(env.obsRms.var[0], (100 * 100 - 1) / 12, 1e-5);
  const saved = env.getStats();
  env.updateRunningMean = false;
  env.reset();
  assert.deepEqual(env.getStats(), saved, 'frozen statistics do not move');
  const other = new NormalizeObservation(new ScriptedEnv(100, 1, 2));
  other.setStats(saved);
  other.updateRunningMean = false;
  assert.equal(other.reset().obs[0], env.reset().obs[0]);
  close(env.reset().obs[0], (2 - saved.mean[0]) / Math.sqrt(saved.var[0] + 1e-8), 1e-6);
  assert.throws(() => other.setStats({ mean: [1, 2], var: [1], count: 1 }), /expected \{ mean: \[1\]/);
});

test('NormalizeObservation on float64 obs (the MuJoCo tasks): float64 statistics, hand-computed; float32 out', () => {
  // obs k = [2 + k, -3 (2 + k)]: the statistics are those of the data plus Gymnasium's start, a weight
  // of 1e-4 at mean 0 and variance 1.
  class F64Env extends BaseEnv<Float64Array, number> {
    readonly observationSpace = new Box<Float64Array>(-Infinity, Infinity, [2], 'float64');
    readonly actionSpace = new Discrete(1);
    private k = 0;
    private obs = () => Float64Array.of(2 + this.k, -3 * (2 + this.k));
    reset() {
      this.k = 0;
      return { obs: this.obs(), info: EMPTY_INFO };
    }
    step(): StepResult<Float64Array> {
      this.k++;
      return { obs: this.obs(), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    }
  }
  const expected = (xs: number[]) => {
    const n = 1e-4 + xs.length,
      mean = xs.reduce((a, b) => a + b, 0) / n;
    const v = (1e-4 * (1 + mean * mean) + xs.reduce((a, x) => a + (x - mean) ** 2, 0)) / n;
    return (xs[xs.length - 1] - mean) / Math.sqrt(v + 1e-8);
  };
  const env = new NormalizeObservation(new F64Env());
  const seen: number[][] = [[], []];
  let o = env.reset().obs;
  for (let t = 0; t < 6; t++) {
    seen[0].push(2 + t);
    seen[1].push(-3 * (2 + t));
    // The policy's input is float32: the float64 result, rounded once.
    close(o[0], expected(seen[0]), 1.2e-7);
    close(o[1], expected(seen[1]), 1.2e-7);
    o = env.step(0).obs;
  }
});

test('NormalizeObservation on float32 obs matches Gymnasium + NumPy 2 (float32 statistics) bit for bit', () => {
  const seq = [
    [0.1, -3.7],
    [0.25, 2.2],
    [-1.3, 0.4],
    [7.5, 1e-3],
  ];
  class ListEnv extends BaseEnv<Float32Array, number> {
    readonly observationSpace = new Box<Float32Array>(-10, 10, [2]);
    readonly actionSpace = new Discrete(1);
    private k = 0;
    reset() {
      this.k = 0;
      return { obs: Float32Array.from(seq[0]), info: EMPTY_INFO };
    }
    step(): StepResult<Float32Array> {
      return { obs: Float32Array.from(seq[++this.k]), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    }
  }
  // Computed with NumPy 2.4.6 running gymnasium.wrappers.utils.update_mean_var_count_from_moments on
  // float32 arrays and (obs - mean) / np.sqrt(var + 1e-8), as NormalizeObservation does.
  const want = [
    [0.000994906760752201, -0.009655202738940716],
    [0.9955908060073853, 1.0000077486038208],
    [-1.4087462425231934, 0.31052663922309875],
    [1.705098032951355, 0.1286088526248932],
  ];
  const env = new NormalizeObservation(new ListEnv());
  const got = [Array.from(env.reset().obs)];
  for (let t = 0; t < 3; t++) got.push(Array.from(env.step(0).obs));
  assert.deepEqual(got, want);
  assert.deepEqual(Array.from(env.obsRms.mean), [1.6374590396881104, -0.27474305033683777]);
  assert.deepEqual(Array.from(env.obsRms.var), [11.821514129638672, 4.596924781799316]);
});

test('NormalizeReward: discounted-return statistics, no mean subtraction, G reset by terminated only', () => {
  const env = new NormalizeReward(new ScriptedEnv(2), 0.5);
  env.reset();
  const r1 = env.step([0]).reward; // reward 1, G = 1
  const v1 = (1e-4 + (1 * 1e-4) / 1.0001) / 1.0001;
  close(r1, 1 / Math.sqrt(v1 + 1e-8));
  // reward 2 and terminated: Gymnasium's G = G * gamma * (1 - terminated) + r drops the old G: G = 2
  const r2 = env.step([0]);
  assert.equal(env.discountedReward, 2);
  const m1 = 1 / 1.0001,
    d = 2 - m1,
    tot = 2.0001;
  const v2 = (v1 * 1.0001 + (d * d * 1.0001) / tot) / tot;
  close(r2.reward, 2 / Math.sqrt(v2 + 1e-8));
  assert.equal(r2.terminated, true);
  env.reset();
  env.step([0]);
  assert.equal(env.discountedReward, 2 * 0.5 + 1, 'as in Gymnasium, G is not cleared by reset, only by a terminated step');
  const s = env.getStats();
  const frozen = new NormalizeReward(new ScriptedEnv(2), 0.5);
  frozen.setStats(s);
  frozen.updateRunningMean = false;
  frozen.reset();
  close(frozen.step([0]).reward, 1 / Math.sqrt(s.var[0] + 1e-8));
  assert.deepEqual(frozen.getStats().var, s.var);
});

test('FrameStackObservation: reset padding (default), zero padding, oldest first', () => {
  const fs = new FrameStackObservation(new ScriptedEnv(10, 1, 1), 3);
  assert.deepEqual(fs.observationSpace instanceof Box && fs.observationSpace.shape, [3, 1]);
  assert.deepEqual(Array.from(fs.reset().obs), [1, 1, 1]);
  assert.deepEqual(Array.from(fs.step([0]).obs), [1, 1, 2]);
  assert.deepEqual(Array.from(fs.step([0]).obs), [1, 2, 3]);
  assert.deepEqual(Array.from(fs.step([0]).obs), [2, 3, 4]);
  const z = new FrameStackObservation(new ScriptedEnv(10, 2, 1), 3, 'zero');
  const f = (a: Float32Array) => Array.from(a, (x) => Math.round(x * 10) / 10);
  assert.deepEqual(f(z.reset().obs), [0, 0, 0, 0, 1, 1.1]);
  assert.deepEqual(f(z.step([0]).obs), [0, 0, 1, 1.1, 2, 2.1]);
  z.step([0]);
  assert.deepEqual(f(z.reset().obs), [0, 0, 0, 0, 1, 1.1], 'reset clears the stack');
});

test('ClipAction and RescaleAction hand the inner env the expected actions', () => {
  const inner = new ScriptedEnv(100);
  const c = new ClipAction(inner);
  assert.equal(String(c.actionSpace), 'Box(-inf, inf, (1,), float32)');
  c.reset();
  c.step([5]);
  c.step([-0.5]);
  c.step(Float32Array.of(-7));
  assert.deepEqual(inner.actions, [2, -0.5, -2]);
  const inner2 = new ScriptedEnv(100);
  const r = new RescaleAction(inner2, -1, 1); // [-1, 1] -> [-2, 2]
  r.reset();
  r.step([0.5]);
  r.step([-1]);
  r.step([0]);
  assert.deepEqual(inner2.actions, [1, -2, 0]);
  const inner3 = new ScriptedEnv(100);
  const r01 = new RescaleAction(inner3, 0, 1); // [0, 1] -> [-2, 2]
  r01.reset();
  r01.step([0.25]);
  assert.deepEqual(inner3.actions, [-1]);
  assert.throws(() => new RescaleAction(new ScriptedEnv(), 1, 1), /minAction < maxAction/);
  assert.throws(() => c.step([1, 2]), /action of length 2 does not fit/);
});

test('RecordEpisodeStatistics: info.episode {r, l, t} at the end, queues of recent episodes', () => {
  let clock = 0;
  const env = new RecordEpisodeStatistics(new ScriptedEnv(3), { now: () => clock, bufferLength: 2 });
  for (let ep = 0; ep < 3; ep++) {
    env.reset();
    clock += 1000;
    assert.equal(env.step([0]).info.episode, undefined);
    env.step([0]);
    const r = env.step([0]);
    assert.deepEqual(r.info.episode, { r: 6, l: 3, t: 1 });
  }
  assert.deepEqual(env.returnQueue, [6, 6]);
  assert.equal(env.episodeCount, 3);
});

test('TimeLimit truncates; TransformObservation and TransformReward apply their functions', () => {
  const t = new TimeLimit(new ScriptedEnv(10), 2);
  t.reset();
  assert.equal(t.step([0]).truncated, false);
  const r = t.step([0]);
  assert.equal(r.truncated, true);
  assert.equal(r.terminated, false);
  // A limit of 1 truncates the first step; 0 and fractions are refused (Gymnasium asserts a positive int).
  const one = new TimeLimit(new ScriptedEnv(10), 1);
  one.reset();
  assert.equal(one.step([0]).truncated, true);
  for (const bad of [0, -1, 1.5])
    assert.throws(() => new TimeLimit(new ScriptedEnv(10), bad), new RegExp(`maxEpisodeSteps must be a positive integer, got ${bad}`));
  const to = new TransformObservation(new ScriptedEnv(10), (o: Float32Array) => Float32Array.of(o[0] * 10));
  to.reset();
  assert.equal(to.step([0]).obs[0], 10);
  const tr = new TransformReward(new ScriptedEnv(10), (x) => -x);
  tr.reset();
  tr.step([0]);
  assert.equal(tr.step([0]).reward, -2);
});

test('FlattenObservation turns a Tuple observation into one-hot + box entries', () => {
  class TupleEnv extends BaseEnv<unknown[], number> {
    readonly observationSpace = new Tuple([new Discrete(3), new Box(-1, 1, [2])]);
    readonly actionSpace = new Discrete(2);
    reset() {
      return { obs: [2, Float32Array.of(0.5, -0.5)], info: EMPTY_INFO };
    }
    step(a: number): StepResult<unknown[]> {
      return { obs: [a, Float32Array.of(0, 1)], reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    }
  }
  const f = new FlattenObservation(new TupleEnv());
  assert.deepEqual((f.observationSpace as Box).shape, [5]);
  assert.deepEqual(Array.from(f.reset().obs), [0, 0, 1, 0.5, -0.5]);
  assert.deepEqual(Array.from(f.step(1).obs), [0, 1, 0, 0, 1]);
});

test('MaskVelocity zeroes the given entries; AddRenderObservation returns pixels', () => {
  const m = new MaskVelocity(new ScriptedEnv(5, 3, 1), [1, 0, 1]);
  const o = Array.from(m.reset().obs);
  assert.equal(o[1], 0);
  assert.ok(Math.abs(o[2] - 1.2) < 1e-6);
  assert.throws(() => new MaskVelocity(new ScriptedEnv(5, 3)), /no velocity mask known/);
  const px = new AddRenderObservation(make('CartPole-v1', { renderMode: 'rgb_array' }));
  assert.deepEqual((px.observationSpace as Box).shape, [400, 600, 3]);
  const obs = px.reset({ seed: 0 }).obs as Uint8Array;
  assert.ok(obs instanceof Uint8Array && obs.length === 400 * 600 * 3);
  assert.ok(px.observationSpace.contains(obs));
  const both = new AddRenderObservation(make('CartPole-v1', { renderMode: 'rgb_array' }), { renderOnly: false });
  const d = both.reset({ seed: 0 }).obs as { state: Float32Array; pixels: Uint8Array };
  assert.equal(d.state.length, 4);
  assert.equal(d.pixels.length, 400 * 600 * 3);
  assert.throws(() => new AddRenderObservation(make('CartPole-v1')), /renderMode 'rgb_array'/);
});
