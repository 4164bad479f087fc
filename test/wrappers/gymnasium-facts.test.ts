// Differential tests against facts recorded from Gymnasium (test/fixtures/gymnasium/*.json, written by
// scripts/record-gymnasium-facts.py): RescaleAction, FrameStackObservation's zero padding,
// RecordEpisodeStatistics after an episode end, parameter checks of the normalisation wrappers,
// String(env) of a wrapper chain and checkEnv's render-mode check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BaseEnv, Box, checkEnv, make, type Json, type ResetArgs, type ResetResult, type StepResult, EMPTY_INFO } from '../../src/envs/index.ts';
import { CartPoleEnv } from '../../src/envs/classic/cartpole.ts';
import {
  FrameStackObservation,
  NormalizeObservation,
  NormalizeReward,
  OrderEnforcing,
  RecordEpisodeStatistics,
  RescaleAction,
  TimeLimit,
} from '../../src/wrappers/index.ts';
import { ScriptedEnv } from './scripted.ts';

const facts = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/gymnasium/${name}`, import.meta.url), 'utf8'));

/** ScriptedEnv with MountainCarContinuous' action space Box(-1, 1, (1,), float32). */
class UnitActionEnv extends ScriptedEnv {
  override readonly actionSpace = new Box<Float32Array | number[]>(-1, 1, [1]);
}

test('RescaleAction follows Gymnasium 1.x: affine map, no clip, float32 in float32 out (rescale-action.json)', () => {
  const f = facts('rescale-action.json');
  const inner = new UnitActionEnv(1000);
  const w = new RescaleAction(inner, f.new.min, f.new.max);
  w.reset();
  for (const a of f.inputs) w.step([a]);
  assert.deepEqual(inner.actions, f.float64_outputs, 'a float64 action (number[]) is rescaled in float64, out of range values pass through');
  inner.actions.length = 0;
  for (const a of f.inputs) w.step(Float32Array.of(a));
  assert.deepEqual(inner.actions, f.float32_outputs, 'a Float32Array action is rescaled in float32, as NumPy does');
  // The clip of Gymnasium 0.x stays available as an explicit option.
  const inner2 = new UnitActionEnv(1000);
  const c = new RescaleAction(inner2, 0, 1, { clip: true });
  c.reset();
  for (const a of f.inputs) c.step([a]);
  assert.deepEqual(
    inner2.actions,
    f.float64_outputs.map((v: number) => Math.min(Math.max(v, -1), 1)),
  );
});

test('RescaleAction on MountainCarContinuous-v0 with out-of-range actions: Gymnasium rewards and observations', () => {
  const m = facts('rescale-action.json').mountain_car_continuous;
  const env = new RescaleAction(make('MountainCarContinuous-v0'), m.min_action, m.max_action);
  assert.deepEqual(Array.from(env.reset({ seed: m.seed, options: m.options }).obs as Float32Array), m.obs[0]);
  m.actions.forEach((a: number, t: number) => {
    const r = env.step(Float32Array.of(a)); // recorded with float32 actions
    assert.equal(r.reward, m.rewards[t], `reward at step ${t} (action ${a})`);
    assert.deepEqual(Array.from(r.obs as Float32Array), m.obs[t + 1], `obs at step ${t}`);
  });
});

/** obs [1.5 + k/10, -2 - k/10, 0.5] in Box([1, -3, -1], [2, -1, 1]): 0 is outside two of the bounds. */
class ShiftedEnv extends BaseEnv<Float32Array, number[]> {
  readonly observationSpace = new Box<Float32Array>([1, -3, -1], [2, -1, 1], [3]);
  readonly actionSpace = new Box<number[]>(-2, 2, [1]);
  private k = 0;
  private readonly o = new Float32Array(3);
  private obs(): Float32Array {
    this.o.set([1.5 + this.k / 10, -2 - this.k / 10, 0.5]);
    return this.o;
  }
  reset(_args?: ResetArgs): ResetResult<Float32Array> {
    this.k = 0;
    return { obs: this.obs(), info: {} };
  }
  step(): StepResult<Float32Array> {
    this.k++;
    return { obs: this.obs(), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
  }
  protected override snapshotSelf(): Json {
    return this.k;
  }
  protected override restoreSelf(state: Json): void {
    this.k = state as number;
  }
}

test("FrameStackObservation 'zero' padding is zero clipped into the Box, as Gymnasium pads (frame-stack.json)", () => {
  const f = facts('frame-stack.json');
  const w = new FrameStackObservation(new ShiftedEnv(), f.stack_size, 'zero');
  const obs = w.reset().obs;
  assert.deepEqual(Array.from(obs), f.reset_obs);
  assert.equal(w.observationSpace.contains(obs), f.reset_obs_in_space);
  assert.deepEqual(Array.from(w.step([0]).obs), f.step_obs);
  // The padding is also what a snapshot restores.
  const again = new FrameStackObservation(new ShiftedEnv(), f.stack_size, 'zero');
  w.reset();
  again.restore(JSON.parse(JSON.stringify(w.snapshot())));
  assert.deepEqual(Array.from(again.step([0]).obs), f.step_obs);
  assert.throws(() => new FrameStackObservation(new ShiftedEnv(), 3, 'zeros' as never), /padding must be 'reset', 'zero' or a number, got "zeros"/);
});

test('RecordEpisodeStatistics counts from reset: stepping on after an episode end continues (record-episode-statistics.json)', () => {
  const f = facts('record-episode-statistics.json');
  const env = new RecordEpisodeStatistics(new ScriptedEnv(3));
  env.reset({ seed: 0 });
  for (const s of f.steps) {
    const r = env.step([0]);
    assert.equal(r.reward, s.reward);
    assert.equal(r.terminated, s.terminated);
    const ep = r.info.episode as { r: number; l: number } | undefined;
    assert.deepEqual(ep ? { r: ep.r, l: ep.l } : null, s.episode);
    assert.deepEqual([env.episodeReturn, env.episodeLength, env.episodeCount], [s.episode_returns, s.episode_lengths, s.episode_count]);
  }
  env.reset();
  assert.deepEqual([env.episodeReturn, env.episodeLength], [f.after_reset.episode_returns, f.after_reset.episode_lengths]);
});

test('NormalizeObservation epsilon <= 0 and NormalizeReward gamma outside [0, 1] raise, naming the value (normalize.json)', () => {
  const f = facts('normalize.json');
  // Gymnasium 1.3.0 accepts them and yields NaN observations; issue 20 reports 1.4.0 raises. Never NaN here.
  assert.equal(f.observation_epsilon_minus_1.reset_obs[0], 'nan');
  assert.throws(() => new NormalizeObservation(make('CartPole-v1'), -1), /NormalizeObservation: epsilon must be a finite number > 0, got -1/);
  assert.throws(() => new NormalizeObservation(make('CartPole-v1'), 0), /epsilon must be a finite number > 0, got 0/);
  assert.throws(() => new NormalizeReward(make('CartPole-v1'), 1.5), /NormalizeReward: gamma must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => new NormalizeReward(make('CartPole-v1'), -0.1), /gamma must be a number in \[0, 1\], got -0.1/);
  assert.throws(() => new NormalizeReward(make('CartPole-v1'), 0.99, 0), /NormalizeReward: epsilon must be a finite number > 0, got 0/);
  assert.doesNotThrow(() => new NormalizeReward(make('CartPole-v1'), 1));
  assert.doesNotThrow(() => new NormalizeReward(make('CartPole-v1'), 0));
});

test('String(env) prints the wrapper chain as Gymnasium does (env-checker-and-str.json)', () => {
  const f = facts('env-checker-and-str.json');
  const base = new CartPoleEnv();
  base.spec = make('CartPole-v1').spec;
  // Gymnasium's make: TimeLimit(OrderEnforcing(env)) (with disable_env_checker=True: no PassiveEnvChecker).
  assert.equal(String(new TimeLimit(new OrderEnforcing(base), 500)), f.str_make_cartpole_v1_no_checker);
  // Ascent's make puts OrderEnforcing outermost (see registry.ts); same format.
  assert.equal(String(make('CartPole-v1')), '<OrderEnforcing<TimeLimit<CartPoleEnv<CartPole-v1>>>>');
  assert.equal(String(new RecordEpisodeStatistics(new ScriptedEnv())), f.str_wrapped_env_without_spec);
  assert.equal(String(new ScriptedEnv()), f.str_env_without_spec);
});

test('checkEnv rejects a render mode that is not among the declared modes (env-checker-and-str.json)', () => {
  const f = facts('env-checker-and-str.json');
  assert.equal(f.undeclared_render_mode.raised, true);
  const env = new ScriptedEnv(3) as ScriptedEnv & { renderMode: unknown; metadata?: unknown };
  Object.defineProperty(env, 'renderMode', { value: 'human' });
  assert.throws(() => checkEnv(env as never), /renderMode 'human' is not among the declared render modes \[rgb_array\]/);
  // Declared modes come from metadata.renderModes when the env has them.
  const none = new ScriptedEnv(3) as ScriptedEnv & { metadata: { renderModes: string[] } };
  none.metadata = { renderModes: [] };
  Object.defineProperty(none, 'renderMode', { value: 'rgb_array' });
  assert.throws(() => checkEnv(none as never), /renderMode 'rgb_array' is not among the declared render modes \[\]/);
  assert.doesNotThrow(() => checkEnv(new ScriptedEnv(3) as never));
});
