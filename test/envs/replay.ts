// Replays one recorded Gymnasium episode through make(id): from its start state, with its actions,
// comparing each step's observation (bit for bit), reward, flags and internal state.
import assert from 'node:assert/strict';
import { make } from '../../src/envs/index.ts';
import type { StatefulEnv } from '../../src/envs/classic/index.ts';

export interface RecordedStep {
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  state: number[];
}

export interface RecordedEpisode {
  seed: number;
  start_state?: number[];
  initial_state?: number[];
  initial_obs?: number[];
  actions: number[];
  steps: RecordedStep[];
}

// Pendulum's cost squares the float32 torque with NumPy's `u ** 2`, which goes through libm's powf:
// not always the correctly rounded u * u (one float32 ulp of u^2, times 0.001, is up to ~5e-10).
// Those rewards are compared within 1e-9; every observation of every env is compared bit for bit.
export const REWARD_TOL: Record<string, number> = { 'Pendulum-v1': 1e-9 };

/** Replays `ep` on a fresh `make(envId)`; `where` prefixes every failure message. */
export function replay(envId: string, ep: RecordedEpisode, continuous: boolean, where: string): void {
  const env = make(envId);
  const tol = REWARD_TOL[envId] ?? 0;
  env.reset({ seed: ep.seed });
  const base = env.unwrapped as unknown as StatefulEnv;
  base.setState(ep.start_state ?? ep.initial_state!);
  if (ep.initial_obs) assert.deepEqual(Array.from(base.currentObs()), ep.initial_obs, `${where}: initial obs`);
  for (let t = 0; t < ep.steps.length; t++) {
    const g = ep.steps[t];
    const a = ep.actions[t];
    const r = env.step(continuous ? Float32Array.of(a) : a);
    const at = `${where} step ${t}`;
    for (let i = 0; i < g.obs.length; i++) {
      if (r.obs[i] !== g.obs[i]) assert.fail(`${at}: obs[${i}] = ${r.obs[i]}, Gymnasium ${g.obs[i]}`);
    }
    if (tol === 0) assert.equal(r.reward, g.reward, `${at}: reward`);
    else assert.ok(Math.abs(r.reward - g.reward) <= tol, `${at}: reward ${r.reward} vs ${g.reward}`);
    assert.equal(r.terminated, g.terminated, `${at}: terminated`);
    assert.equal(r.truncated, g.truncated, `${at}: truncated`);
    const s = base.getState();
    for (let i = 0; i < g.state.length; i++) {
      assert.ok(Math.abs(s[i] - g.state[i]) <= 1e-9, `${at}: state[${i}] = ${s[i]}, Gymnasium ${g.state[i]}`);
    }
  }
  const last = ep.steps.at(-1);
  if (last && (last.terminated || last.truncated)) {
    assert.throws(() => env.step(continuous ? Float32Array.of(0) : 0), /after the episode ended/);
  }
}

/** Numbers of a NumPy array or scalar as Gymnasium's repr prints them: '[-4.8 -inf 0.41887903]' or '-1.0'. */
const numbers = (text: string) =>
  text
    .replace(/[[\]]/g, ' ')
    .trim()
    .split(/\s+/)
    .map((x) => (x === 'inf' ? Infinity : x === '-inf' ? -Infinity : Number(x)));

/** Our space against Gymnasium's repr of it: 'Discrete(2)' or 'Box(low, high, (n,), float32)'. */
export function assertSpace(space: any, repr: string): void {
  const discrete = /^Discrete\((\d+)\)$/.exec(repr);
  if (discrete) {
    assert.equal(space.n, Number(discrete[1]), repr);
    return;
  }
  const box = /^Box\((\[[^\]]*\]|[-\d.e+]+), (\[[^\]]*\]|[-\d.e+]+), \((\d+),\), (\w+)\)$/.exec(repr);
  assert.ok(box, `unparsed space ${repr}`);
  const [, low, high, n, dtype] = box;
  assert.deepEqual(space.shape, [Number(n)], repr);
  assert.equal(space.dtype, dtype, repr);
  for (const [ours, theirs] of [
    [space.low, numbers(low)],
    [space.high, numbers(high)],
  ] as const) {
    for (let i = 0; i < Number(n); i++) {
      const t = theirs.length === 1 ? theirs[0] : theirs[i];
      // The repr prints float32 values to 8 significant digits.
      assert.ok(ours[i] === t || Math.abs(ours[i] - t) <= 1e-7 * Math.abs(t), `${repr}: entry ${i} is ${ours[i]}, Gymnasium's ${t}`);
    }
  }
}
