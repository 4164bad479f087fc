// render() as rgb_array for the MuJoCo tasks: our rasteriser's meshes, camera and a few pixel facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make } from '../../../src/envs/index.ts';
import { loadMujoco, type MujocoEnv } from '../../../src/envs/mujoco/index.ts';
import { freeCamera, geomMesh } from '../../../src/envs/mujoco/render.ts';

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol);

test('geom meshes: spheres on their radius, capsules and cylinders within their extents, boxes of 12 triangles', () => {
  const sphere = geomMesh(2, [0.3, 0, 0])!;
  for (let i = 0; i < sphere.length; i += 3) assert.ok(Math.abs(Math.hypot(sphere[i], sphere[i + 1], sphere[i + 2]) - 0.3) < 1e-12);
  const capsule = geomMesh(3, [0.1, 0.5, 0])!;
  const zs = Array.from(capsule).filter((_, i) => i % 3 === 2);
  assert.ok(near([Math.min(...zs), Math.max(...zs)], [-0.6, 0.6]));
  const cyl = geomMesh(5, [0.1, 0.5, 0])!;
  const cz = Array.from(cyl).filter((_, i) => i % 3 === 2);
  assert.ok(near([Math.min(...cz), Math.max(...cz)], [-0.5, 0.5]));
  assert.equal(geomMesh(6, [1, 2, 3])!.length, 12 * 9);
  assert.equal(geomMesh(0, [0, 0, 1]), null, 'planes are drawn as floor tiles');
});

test("MuJoCo's free camera: azimuth 90 looks along +y with +x to the right; elevation tilts it down", () => {
  const c = freeCamera([1, 2, 3], 4, 90, 0);
  assert.ok(near(c.forward, [0, 1, 0]) && near(c.right, [1, 0, 0]) && near(c.up, [0, 0, 1]) && near(c.pos, [1, -2, 3]));
  const d = freeCamera([0, 0, 0], 2, 90, -30);
  assert.ok(near(d.forward, [0, Math.cos(Math.PI / 6), -0.5]));
  assert.ok(d.pos[2] > 0, 'the camera is above what it looks at');
});

test('InvertedPendulum and Hopper frames: size, sky, the bodies where the camera puts them, tracking', async () => {
  await loadMujoco();
  const env = make('Hopper-v5', { renderMode: 'rgb_array' });
  env.reset({ seed: 0 });
  const f = env.render();
  assert.equal(f.width, 480);
  assert.equal(f.height, 480);
  assert.deepEqual(Array.from(f.data.subarray(0, 3)), [102, 127, 153], 'the sky at the top left');
  // Hopper's body colour (rgba 0.8 0.6 0.4): red > green > blue, in the middle column of the frame
  const px = (fr: typeof f, x: number, y: number) => Array.from(fr.data.subarray((y * fr.width + x) * 3, (y * fr.width + x) * 3 + 3));
  const body = (fr: typeof f) => {
    const cols: number[] = [];
    for (let y = 0; y < fr.height; y += 4)
      for (let x = 0; x < fr.width; x++) {
        const [r, g, b] = px(fr, x, y);
        if (r > g + 20 && g > b + 20) cols.push(x);
      }
    return cols;
  };
  const cols = body(f);
  assert.ok(cols.length > 100, 'the hopper is in the frame');
  const mid = (cols: number[]) => (Math.min(...cols) + Math.max(...cols)) / 2;
  assert.ok(Math.abs(mid(cols) - 240) < 30, `the tracked hopper is near the centre column, got ${mid(cols)}`);
  // Moved 3 m along x, the tracking camera keeps it in the same place; the floor moves under it.
  const raw = env.unwrapped as unknown as MujocoEnv;
  const s = raw.getState();
  s[0] += 3;
  raw.setState(s);
  const g = env.render();
  assert.ok(Math.abs(mid(body(g)) - mid(cols)) < 2);
  assert.notDeepEqual(Array.from(g.data), Array.from(f.data));
  env.close();

  const pend = make('InvertedPendulum-v5', { renderMode: 'rgb_array' });
  pend.reset({ seed: 0 });
  const p = pend.render();
  // The pole (rgba 0 0.7 0.7) stands above the centre; the cart (yellow) is at the centre.
  const [r, gg, b] = px(p, 240, 150);
  assert.ok(r < 40 && gg > 100 && Math.abs(gg - b) < 5, `pole pixel ${[r, gg, b]}`);
  const cart = px(p, 240, 245);
  assert.ok(cart[0] > 150 && cart[1] > 150 && cart[2] < 40, `cart pixel ${cart}`);
  pend.close();
});

test('render() needs renderMode rgb_array and a reset', async () => {
  await loadMujoco();
  const env = make('Reacher-v5');
  env.reset({ seed: 0 });
  assert.throws(() => env.render(), /Reacher-v5\.render: the env was made without renderMode 'rgb_array'/);
  const r = make('Reacher-v5', { renderMode: 'rgb_array', orderEnforce: false });
  assert.throws(() => r.render(), /Reacher-v5\.render: call reset\(\) before render\(\)/);
  r.close();
  env.close();
});
