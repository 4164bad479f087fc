// Shared checks for the MuJoCo golden and fixture tests: one step from a recorded state.
import assert from 'node:assert/strict';
import type { MujocoEnv } from '../../../src/envs/mujoco/index.ts';

export interface Tol {
  atol: number;
  rtol: number;
}
/** The one-step tolerances (all tasks except the Humanoids). */
export const ONE_STEP: Tol = { atol: 1e-5, rtol: 1e-6 };

export function close(what: string, got: ArrayLike<number> | number, want: ArrayLike<number> | number, tol: Tol): void {
  const g = typeof got === 'number' ? [got] : Array.from(got);
  const w = typeof want === 'number' ? [want] : Array.from(want);
  assert.equal(g.length, w.length, `${what}: length ${g.length}, want ${w.length}`);
  for (let i = 0; i < w.length; i++) {
    const ok = Math.abs(g[i] - w[i]) <= tol.atol + tol.rtol * Math.abs(w[i]) || (g[i] === w[i]);
    if (!ok) assert.fail(`${what}[${i}]: got ${g[i]}, want ${w[i]} (diff ${g[i] - w[i]}, atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

export interface Transition {
  before: { qpos: number[]; qvel: number[]; qacc_warmstart: number[] };
  action: number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  info: Record<string, number | number[]>;
  qpos: number[];
  qvel: number[];
}

/**
 * Sets the recorded state (qpos, qvel, qacc_warmstart), steps once and compares everything recorded.
 *
 * `lagged`: the env has just stepped from the previous recorded state, so its derived fields (xpos,
 * xipos, ...) are those Gymnasium's env held before this step: the state is then written without
 * mj_forward (mj_step runs the forward pass itself), keeping them. Ant's and Humanoid's velocities
 * come from these lagged positions. Otherwise the state is set as Gymnasium's set_state does
 * (mj_forward), as after reset or set_state, where the recordings start.
 * `skip`: info keys (and 'reward') not compared, when the lagged fields are unknown.
 */
export function checkOneStep(env: MujocoEnv, tr: Transition, what: string, tol: Tol = ONE_STEP, lagged = false, skip: string[] = []): void {
  if (lagged) {
    env.sim.qpos.set(tr.before.qpos);
    env.sim.qvel.set(tr.before.qvel);
    env.sim.qaccWarmstart.set(tr.before.qacc_warmstart);
  } else {
    env.setPhysicsState(tr.before.qpos, tr.before.qvel, tr.before.qacc_warmstart);
  }
  const r = env.step(tr.action);
  close(`${what} qpos`, env.sim.qpos.subarray(0, env.sim.nq), tr.qpos, tol);
  close(`${what} qvel`, env.sim.qvel.subarray(0, env.sim.nv), tr.qvel, tol);
  close(`${what} obs`, r.obs, tr.obs, tol);
  if (!skip.includes('reward')) close(`${what} reward`, r.reward, tr.reward, tol);
  assert.equal(r.terminated, tr.terminated, `${what} terminated`);
  assert.deepEqual(Object.keys(r.info).sort(), Object.keys(tr.info).sort(), `${what} info keys`);
  for (const [k, v] of Object.entries(tr.info)) if (!skip.includes(k)) close(`${what} info.${k}`, r.info[k] as number | number[], v, tol);
}
