// The MuJoCo envs' API: loading, spaces, options, bad input, state round trips, snapshots, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnv, make, register, registeredIds, spec } from '../../../src/envs/index.ts';
import { MjSim } from '../../../src/envs/mujoco/sim.ts';
import { HOPPER_XML } from '../../../src/envs/mujoco/models/index.ts';
import { HopperEnv, loadMujoco, MUJOCO_SPECS, type MujocoEnv } from '../../../src/envs/mujoco/index.ts';

// Before the module is loaded (each test file runs in its own process).
test('before loadMujoco() the tasks are not registered, and constructing one says how to load', () => {
  assert.ok(!registeredIds().includes('Hopper-v5'));
  assert.throws(() => new HopperEnv(), /Hopper-v5 needs the MuJoCo WebAssembly module.*await loadMujoco\(\)/);
});

test('loadMujoco() registers every task once, leaving an id the user registered alone', async () => {
  const mine = { id: 'Swimmer-v5', entryPoint: () => make('CartPole-v1').unwrapped as never, maxEpisodeSteps: 7 };
  register(mine);
  await Promise.all([loadMujoco(), loadMujoco()]);
  for (const { id } of MUJOCO_SPECS) assert.ok(registeredIds().includes(id), id);
  assert.equal(spec('Swimmer-v5').maxEpisodeSteps, 7);
  register(MUJOCO_SPECS.find((s) => s.id === 'Swimmer-v5')!);
});

test('every MuJoCo task: Gymnasium v5 spaces, dt and registration', async () => {
  await loadMujoco();
  const want: Record<string, [number, number, number, number, number]> = {
    // obs dim, nu, action bound, dt, max steps (../shared/golden/mujoco/README.md)
    'InvertedPendulum-v5': [4, 1, 3, 0.04, 1000],
    'InvertedDoublePendulum-v5': [9, 1, 1, 0.05, 1000],
    'Hopper-v5': [11, 3, 1, 0.008, 1000],
    'Walker2d-v5': [17, 6, 1, 0.008, 1000],
    'HalfCheetah-v5': [17, 6, 1, 0.05, 1000],
    'Swimmer-v5': [8, 2, 1, 0.04, 1000],
    'Reacher-v5': [10, 2, 1, 0.02, 50],
    'Ant-v5': [105, 8, 1, 0.05, 1000],
    'Pusher-v5': [23, 7, 2, 0.05, 100],
    'Humanoid-v5': [348, 17, Math.fround(0.4), 0.015, 1000],
    'HumanoidStandup-v5': [348, 17, Math.fround(0.4), 0.015, 1000],
  };
  for (const { id } of MUJOCO_SPECS) {
    const env = make(id);
    const raw = env.unwrapped as unknown as MujocoEnv;
    const [obsDim, nu, bound, dt, steps] = want[id];
    assert.equal(String(env.observationSpace), `Box(-inf, inf, (${obsDim},), float64)`, id);
    assert.equal((env.actionSpace as unknown as { shape: number[] }).shape[0], nu, id);
    assert.deepEqual(Array.from((env.actionSpace as unknown as { high: ArrayLike<number> }).high), new Array(nu).fill(bound), id);
    assert.ok(Math.abs(raw.dt - dt) < 1e-15, `${id} dt ${raw.dt}`);
    assert.equal(env.spec?.maxEpisodeSteps, steps);
    const { obs } = env.reset({ seed: 3 });
    assert.ok(obs instanceof Float64Array && obs.length === obsDim);
    env.close();
  }
});

test('bad actions fail with the env, the value and the expected form', async () => {
  await loadMujoco();
  const env = make('Hopper-v5');
  env.reset({ seed: 0 });
  assert.throws(() => env.step([0, 0]), /Hopper-v5: action \[0, 0\] does not fit the action space .*expected an array of 3 numbers/);
  assert.throws(() => env.step([0, NaN, 0]), /Hopper-v5: action\[1\] is NaN, expected a finite number/);
  assert.throws(() => env.step([0, Infinity, 0]), /action\[1\] is Infinity/);
  assert.throws(() => env.step(0.5), /does not fit the action space/);
  assert.throws(() => env.step(['a', 0, 0]), /action\[0\] is a, expected a finite number/);
  env.close();
  const fresh = new HopperEnv();
  assert.throws(() => fresh.step([0, 0, 0]), /Hopper-v5: call reset\(\) before step\(\)/);
  fresh.close();
});

test('unknown or malformed constructor options fail naming the env and the accepted options', async () => {
  await loadMujoco();
  assert.throws(
    () => make('Hopper-v5', { kwargs: { ctrl_cost_weight: 1 } }),
    /Hopper-v5: unknown option "ctrl_cost_weight"; the options are renderMode, frameSkip, forwardRewardWeight, ctrlCostWeight/,
  );
  assert.throws(() => make('Walker2d-v5', { kwargs: { healthyZRange: [1] } }), /Walker2d-v5: option healthyZRange must be an interval \[low, high\]/);
  assert.throws(() => make('Walker2d-v5', { kwargs: { healthyZRange: [2, 1] } }), /low <= high/);
  assert.throws(
    () => make('HalfCheetah-v5', { kwargs: { ctrlCostWeight: 'big' } }),
    /HalfCheetah-v5: option ctrlCostWeight must be a finite number, got "big"/,
  );
  assert.throws(() => make('Swimmer-v5', { kwargs: { frameSkip: 0 } }), /option frameSkip must be a positive integer/);
  assert.throws(() => make('InvertedPendulum-v5', { kwargs: { excludeCurrentPositionsFromObservation: false } }), /unknown option/);
  assert.throws(() => make('Hopper-v5', { kwargs: { terminateWhenUnhealthy: 1 } }), /must be true or false/);
});

test('options change what they name: positions in the observation, termination, weights, frame skip', async () => {
  await loadMujoco();
  const env = make('Hopper-v5', { kwargs: { excludeCurrentPositionsFromObservation: false, terminateWhenUnhealthy: false, ctrlCostWeight: 0, frameSkip: 2 } });
  const raw = env.unwrapped as unknown as MujocoEnv;
  const { obs } = env.reset({ seed: 1 });
  assert.equal(obs.length, 12);
  assert.equal(obs[0], raw.sim.qpos[0]);
  assert.ok(Math.abs(raw.dt - 0.004) < 1e-15);
  // fall over: never terminated, survive reward 0 once unhealthy, no control cost
  let r;
  for (let t = 0; t < 300; t++) r = env.step([1, 1, 1]);
  assert.equal(r!.terminated, false);
  assert.equal(r!.info.reward_survive, 0);
  assert.equal(r!.info.reward_ctrl, -0);
  env.close();
});

test('getState/setState hold qpos, qvel and qacc_warmstart: a restored state steps bit for bit alike', async () => {
  await loadMujoco();
  for (const { id } of MUJOCO_SPECS) {
    // the bare env: InvertedPendulum may terminate within these steps, and stepping on is allowed there
    const env = make(id).unwrapped as unknown as MujocoEnv;
    const raw = env;
    const nu = raw.sim.nu;
    const act = (t: number) => Array.from({ length: nu }, (_, i) => Math.sin(t + i));
    env.reset({ seed: 5 });
    for (let t = 0; t < 5; t++) env.step(act(t));
    const s = raw.getState();
    assert.equal(s.length, raw.sim.nq + 2 * raw.sim.nv);
    const a = [];
    for (let t = 5; t < 10; t++) a.push(Array.from(env.step(act(t)).obs));
    raw.setState(s);
    const b = [];
    for (let t = 5; t < 10; t++) b.push(Array.from(env.step(act(t)).obs));
    assert.deepEqual(b, a, id);
    assert.throws(
      () => raw.setState(s.subarray(1)),
      new RegExp(
        `${id}.setState: expected ${s.length} numbers \\[qpos \\(${raw.sim.nq}\\), qvel \\(${raw.sim.nv}\\), qacc_warmstart \\(${raw.sim.nv}\\)\\], got ${s.length - 1} values`,
      ),
    );
    assert.throws(() => raw.setPhysicsState([NaN, ...Array(raw.sim.nq - 1).fill(0)], new Array(raw.sim.nv).fill(0)), /qpos\[0\] must be a number, got NaN/);
    assert.throws(() => raw.setPhysicsState([0], new Array(raw.sim.nv).fill(0)), new RegExp(`qpos must have ${raw.sim.nq} numbers, got 1 values`));
    env.close();
  }
});

test('snapshot/restore of a made MuJoCo env continues exactly: rewards, info and reset draws', async () => {
  await loadMujoco();
  // Ant's velocity comes from positions MuJoCo leaves from the previous step (lagged), which
  // mj_forward on restore would replace: the snapshot keeps them.
  for (const id of ['HalfCheetah-v5', 'Ant-v5']) {
    const env = make(id);
    const nu = (env.unwrapped as unknown as MujocoEnv).sim.nu;
    const act = (t: number) => Array.from({ length: nu }, (_, i) => 0.5 * Math.sin(3 * t + i));
    env.reset({ seed: 2 });
    for (let t = 0; t < 3; t++) env.step(act(t));
    const snap = JSON.parse(JSON.stringify(env.snapshot!()));
    const run = () => {
      const out: unknown[] = [];
      for (let t = 3; t < 6; t++) {
        const r = env.step(act(t));
        out.push(Array.from(r.obs), r.reward, { ...r.info });
      }
      out.push(Array.from(env.reset().obs));
      return out;
    };
    const a = run();
    env.restore!(snap);
    assert.deepEqual(run(), a, id);
    env.close();
  }
});

test('close() frees the simulation; using it afterwards fails clearly; closing twice is fine', async () => {
  await loadMujoco();
  const env = make('Swimmer-v5');
  env.reset({ seed: 0 });
  env.close();
  env.close();
  assert.throws(() => env.step([0, 0]), /Swimmer-v5: the MuJoCo simulation was closed/);
});

test('every MuJoCo task passes checkEnv (spaces, types, seeding, snapshots)', async () => {
  await loadMujoco();
  for (const { id } of MUJOCO_SPECS) {
    const env = make(id);
    checkEnv(env, { steps: 20 });
    env.close();
  }
});

test('MjSim applies the version corrections after loading: doubled geom margins, multiccd on', async () => {
  await loadMujoco();
  const plain = new MjSim('Hopper-v5', HOPPER_XML, { versionCorrections: false });
  const fixed = new MjSim('Hopper-v5', HOPPER_XML);
  try {
    assert.deepEqual(Array.from(plain.m('geom_margin')), [0.001, 0.001, 0.001, 0.001, 0.001]);
    assert.deepEqual(Array.from(fixed.m('geom_margin')), [0.002, 0.002, 0.002, 0.002, 0.002]);
    const flags = (s: MjSim) => {
      const opt = s.model.opt;
      const f = opt.enableflags;
      opt.delete();
      return f;
    };
    assert.equal(flags(plain) & 16, 0);
    assert.equal(flags(fixed) & 16, 16, 'mjENBL_MULTICCD');
  } finally {
    plain.close();
    fixed.close();
  }
});

test('MjSim names a missing body and a model MuJoCo cannot compile', async () => {
  await loadMujoco();
  const sim = new MjSim('Hopper-v5', HOPPER_XML);
  assert.throws(() => sim.id('body', 'nose'), /Hopper-v5: the model has no body named "nose"/);
  sim.close();
  assert.throws(
    () => new MjSim('Broken-v0', '<mujoco><worldbody><geom type="nonsense"/></worldbody></mujoco>'),
    /Broken-v0: MuJoCo could not compile the MJCF model/,
  );
});
