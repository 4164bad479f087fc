/**
 * The browser's three.js view of MuJoCo tasks (src/web/mujoco/scene.ts), checked in Node without
 * WebGL: every drawn geom sits exactly where MuJoCo puts it (geom_xpos, geom_xmat) after the body
 * groups move to xpos/xquat, the camera is Gymnasium's tracking camera, and the Player's physics()
 * holds an episode's final state as frame() does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Box3, Matrix4, Quaternion, Vector3 } from 'three';
import { make } from '../../src/envs/index.ts';
import { loadMujoco, type MujocoEnv } from '../../src/envs/mujoco/index.ts';
import { DEFAULT_CAMERAS, freeCamera } from '../../src/envs/mujoco/render.ts';
import { GEOM, MujocoScene } from '../../src/web/mujoco/scene.ts';
import { Player } from '../../src/web/player.ts';
import { Rng } from '../../src/rng/index.ts';
import { mujocoCheckpoint } from './mujoco-fixtures.ts';

const TASKS = ['Hopper-v5', 'Ant-v5', 'Humanoid-v5', 'Reacher-v5', 'Pusher-v5', 'HalfCheetah-v5'];

test('every drawn geom is at geom_xpos with orientation geom_xmat, after random steps', async () => {
  await loadMujoco();
  for (const id of TASKS) {
    const env = make(id);
    env.reset({ seed: 3 });
    const sim = (env.unwrapped as MujocoEnv).sim;
    const view = new MujocoScene(sim, DEFAULT_CAMERAS[id]);
    const rng = new Rng(1);
    const n = sim.nu;
    for (let t = 0; t < 15; t++) {
      const r = env.step(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)));
      if (r.terminated || r.truncated) break;
    }
    sim.forward(); // derived fields of the current qpos, as the Player's view instance has them
    view.update();
    const type = sim.m('geom_type'),
      rgba = sim.m('geom_rgba'),
      group = sim.m('geom_group');
    const xpos = sim.d('geom_xpos'),
      xmat = sim.d('geom_xmat');
    let drawn = 0;
    for (let g = 0; g < type.length; g++) {
      const mesh = view.geoms[g];
      const visible = rgba[4 * g + 3] > 0 && group[g] <= 2;
      assert.equal(mesh !== null, visible, `${id} geom ${g}: drawn iff visible`);
      if (!mesh) continue;
      drawn++;
      const p = new Vector3(),
        q = new Quaternion(),
        s = new Vector3();
      mesh.matrixWorld.decompose(p, q, s);
      const R = new Matrix4().makeRotationFromQuaternion(q).elements; // column-major
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(p.getComponent(i) - xpos[3 * g + i]) < 1e-9, `${id} geom ${g} position ${i}: ${p.getComponent(i)} vs ${xpos[3 * g + i]}`);
        for (let j = 0; j < 3; j++) assert.ok(Math.abs(R[4 * j + i] - xmat[9 * g + 3 * i + j]) < 1e-9, `${id} geom ${g} rotation (${i},${j})`);
      }
      assert.ok(Math.abs(s.x - 1) + Math.abs(s.y - 1) + Math.abs(s.z - 1) < 1e-9, 'rigid transforms only: sizes live in the geometry');
    }
    assert.ok(drawn >= 3, `${id}: ${drawn} geoms drawn`);
    view.dispose();
    env.close();
  }
});

test("geometries have the geoms' sizes along MuJoCo's axes (capsules and cylinders along local z)", async () => {
  await loadMujoco();
  const env = make('Humanoid-v5');
  env.reset({ seed: 0 });
  const sim = (env.unwrapped as MujocoEnv).sim;
  const view = new MujocoScene(sim, {});
  const type = sim.m('geom_type'),
    size = sim.m('geom_size');
  const seen = new Set<number>();
  for (let g = 0; g < type.length; g++) {
    const mesh = view.geoms[g];
    if (!mesh || type[g] === GEOM.plane) continue;
    seen.add(type[g]);
    mesh.geometry.computeBoundingBox();
    const half = new Box3().copy(mesh.geometry.boundingBox!).getSize(new Vector3()).multiplyScalar(0.5);
    const [a, b, c] = [size[3 * g], size[3 * g + 1], size[3 * g + 2]];
    const want =
      type[g] === GEOM.sphere
        ? [a, a, a]
        : type[g] === GEOM.capsule
          ? [a, a, a + b]
          : type[g] === GEOM.cylinder
            ? [a, a, b]
            : type[g] === GEOM.box
              ? [a, b, c]
              : [a, b, c];
    for (let i = 0; i < 3; i++)
      assert.ok(Math.abs(half.getComponent(i) - want[i]) < 1e-6, `geom ${g} (type ${type[g]}) half-extent ${i}: ${half.getComponent(i)} vs ${want[i]}`);
  }
  assert.ok(seen.has(GEOM.capsule) && seen.has(GEOM.sphere), 'the humanoid has capsules and spheres');
  view.dispose();
  env.close();
});

test("the camera is Gymnasium's default for the task, tracking the torso", async () => {
  await loadMujoco();
  const env = make('Hopper-v5');
  env.reset({ seed: 0 });
  const sim = (env.unwrapped as MujocoEnv).sim;
  const view = new MujocoScene(sim, DEFAULT_CAMERAS['Hopper-v5']);
  for (let t = 0; t < 10; t++) env.step(new Float32Array([1, -1, 1]));
  sim.forward();
  view.update();
  // Hopper-v5: trackbodyid 2, distance 3, lookat z 1.15, elevation -20, MuJoCo's azimuth 90.
  const com = sim.d('subtree_com');
  const want = freeCamera([com[6], com[7], 1.15], 3, 90, -20);
  const dir = view.camera.getWorldDirection(new Vector3());
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(view.camera.position.getComponent(i) - want.pos[i]) < 1e-9, `position ${i}`);
    assert.ok(Math.abs(dir.getComponent(i) - want.forward[i]) < 1e-9, `direction ${i}`);
  }
  assert.ok(Math.abs(view.camera.fov - 45) < 1e-12, "the models' vis.global.fovy");
  view.dispose();
  env.close();
});

test("Player frames 'physics': the view simulation follows the env and holds an episode's final state", async () => {
  const bytes = await mujocoCheckpoint('InvertedPendulum-v5');
  const player = new Player(bytes, { frames: 'physics' });
  assert.equal(player.frame(), null, 'no rgb_array pictures in physics mode');
  const envSim = ((player as unknown as { env: { unwrapped: MujocoEnv } }).env.unwrapped as MujocoEnv).sim;
  let s;
  do {
    s = player.step();
    if (!s.done) assert.deepEqual(Array.from(player.physics()!.qpos), Array.from(envSim.qpos), 'the view shows the current state');
  } while (!s.done);
  // InvertedPendulum-v5 terminates when |hinge angle| > 0.2; the env has already reset (|angle| <= 0.01).
  assert.ok(Math.abs(player.physics()!.qpos[1]) > 0.2, `the final state is held: angle ${player.physics()!.qpos[1]}`);
  assert.ok(Math.abs(envSim.qpos[1]) <= 0.01);
  player.step();
  assert.deepEqual(Array.from(player.physics()!.qpos), Array.from(envSim.qpos), 'the next step shows the new episode');
  assert.throws(() => new Player(bytes, { frames: 'svg' as never }), /frames must be 'rgb_array' or 'physics', got "svg"/);
  player.close();
});
