// Replays every recorded Gymnasium 1.4.0 episode in ../shared/golden/ (relative to the repo root)
// through make(id): from the recorded initial/start state, with the recorded actions, comparing
// each step's obs, reward, terminated and truncated (including TimeLimit truncation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { make } from '../../src/envs/index.ts';
import type { StatefulEnv } from '../../src/envs/classic/index.ts';

const dir = fileURLToPath(new URL('../../../shared/golden/', import.meta.url));
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

// Pendulum's reward goes through NumPy's `x ** 2`, i.e. libm pow(), which is not always the correctly
// rounded x * x (and theta drifts by ~1e-11 as libm and V8 sin/cos differ by an ulp now and then),
// so its rewards are compared within 1e-9; every observation of every env is compared bit for bit.
const REWARD_TOL: Record<string, number> = { 'Pendulum-v1': 1e-9 };

interface Episode {
  seed: number;
  initial_obs: number[];
  initial_state: number[];
  start_state?: number[];
  actions: number[];
  length: number;
  ended_by: 'terminated' | 'truncated' | 'cap';
  steps: { obs: number[]; reward: number; terminated: boolean; truncated: boolean; state: number[] }[];
}

if (files.length === 0) {
  test('golden rollouts', { skip: `../shared/golden/ not found at ${dir}: golden tests skipped` }, () => {});
}

for (const file of files) {
  const data = JSON.parse(readFileSync(dir + file, 'utf8')) as { env_id: string; max_episode_steps: number; action_space: string; episodes: Episode[] };
  const continuous = data.action_space.startsWith('Box');
  const tol = REWARD_TOL[data.env_id] ?? 0;
  for (const ep of data.episodes) {
    test(`golden ${file} seed ${ep.seed} (${ep.length} steps, ${ep.ended_by})`, () => {
      const env = make(data.env_id);
      assert.equal(env.spec?.maxEpisodeSteps, data.max_episode_steps);
      env.reset({ seed: ep.seed });
      const base = env.unwrapped as unknown as StatefulEnv;
      base.setState(ep.start_state ?? ep.initial_state);
      assert.deepEqual(Array.from(base.currentObs()), ep.initial_obs, 'initial obs');
      assert.equal(ep.steps.length, ep.length);
      for (let t = 0; t < ep.steps.length; t++) {
        const g = ep.steps[t];
        const a = ep.actions[t];
        const r = env.step(continuous ? Float32Array.of(a) : a);
        const where = `${file} seed ${ep.seed} step ${t}`;
        for (let i = 0; i < g.obs.length; i++) {
          if (r.obs[i] !== g.obs[i]) assert.fail(`${where}: obs[${i}] = ${r.obs[i]}, Gymnasium ${g.obs[i]}`);
        }
        if (tol === 0) assert.equal(r.reward, g.reward, `${where}: reward`);
        else assert.ok(Math.abs(r.reward - g.reward) <= tol, `${where}: reward ${r.reward} vs ${g.reward}`);
        assert.equal(r.terminated, g.terminated, `${where}: terminated`);
        assert.equal(r.truncated, g.truncated, `${where}: truncated`);
        const s = base.getState();
        for (let i = 0; i < g.state.length; i++) {
          assert.ok(Math.abs(s[i] - g.state[i]) <= 1e-9, `${where}: state[${i}] = ${s[i]}, Gymnasium ${g.state[i]}`);
        }
      }
      if (ep.ended_by !== 'cap') {
        assert.throws(() => env.step(continuous ? Float32Array.of(0) : 0), /after the episode ended/);
      }
    });
  }
}
