// The MuJoCo tasks' physics against transitions kept in the repository (test/fixtures/mujoco/,
// picked from Gymnasium 1.4.0's recordings by scripts/record-mujoco-facts.py), so a clone without
// ../shared still checks every task: one step from each recorded state, and reset({ seed })
// reproducing the recorded initial state exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make } from '../../../src/envs/index.ts';
import { loadMujoco, MUJOCO_SPECS, type MujocoEnv } from '../../../src/envs/mujoco/index.ts';
import { checkOneStep, oneStepTols, type Transition } from './check.ts';

await loadMujoco();

/** What each task computes from derived fields left by the previous step (see checkOneStep). */
const LAGGED: Record<string, string[]> = {
  'Ant-v5': ['reward', 'x_velocity', 'y_velocity', 'reward_forward'],
  'Humanoid-v5': ['reward', 'x_velocity', 'y_velocity', 'reward_forward'],
};

for (const { id } of MUJOCO_SPECS) {
  const { transitions } = JSON.parse(readFileSync(new URL(`../../fixtures/mujoco/${id}.json`, import.meta.url), 'utf8')) as {
    transitions: (Transition & { kind: string; seed: number; t: number; follows_previous: boolean })[];
  };
  test(`${id}: ${transitions.length} recorded transitions reproduced from their start states`, () => {
    const env = make(id);
    try {
      const raw = env.unwrapped as unknown as MujocoEnv;
      for (const tr of transitions) {
        const what = `${id} ${tr.kind} seed ${tr.seed} step ${tr.t}`;
        if (tr.kind === 'reset' && tr.t === 0) {
          env.reset({ seed: tr.seed });
          assert.deepEqual(Array.from(raw.sim.qpos.subarray(0, raw.sim.nq)), tr.before.qpos, `${what}: reset({ seed }) qpos`);
          assert.deepEqual(Array.from(raw.sim.qvel.subarray(0, raw.sim.nv)), tr.before.qvel, `${what}: reset({ seed }) qvel`);
        } else if (tr.t === 0) {
          env.reset({ seed: tr.seed });
        }
        // After the previous transition of the same episode, the derived fields are the lagged ones
        // Gymnasium had (see checkOneStep); at the start of a later run they are unknown, and the
        // quantities computed from them (Ant's and Humanoid's velocities) are left out.
        const lagged = tr.t > 0 && tr.follows_previous;
        checkOneStep(raw, tr, what, oneStepTols(id), lagged, tr.t > 0 && !lagged ? (LAGGED[id] ?? []) : []);
      }
    } finally {
      env.close();
    }
  });
}
