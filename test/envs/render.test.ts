import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseEnv, Box, Canvas, Discrete, EMPTY_INFO, checkEnv, make, type ResetArgs, type StepResult } from '../../src/envs/index.ts';
import { rotatedBox } from '../../src/envs/raster.ts';

const pixel = (f: { width: number; data: Uint8Array }, x: number, row: number) =>
  Array.from(f.data.subarray((row * f.width + x) * 3, (row * f.width + x) * 3 + 3));

test('rasteriser: polygon fill covers pixel centres, circle, line; y-up coordinates', () => {
  const c = new Canvas(10, 10);
  c.fillPolygon(
    [
      [2, 2],
      [2, 5],
      [6, 5],
      [6, 2],
    ],
    [255, 0, 0],
  );
  let red = 0;
  for (let i = 0; i < c.data.length; i += 3) if (c.data[i] === 255 && c.data[i + 1] === 0) red++;
  assert.equal(red, 12, 'a 4 x 3 rectangle covers 12 pixel centres');
  assert.deepEqual(pixel(c, 2, 9 - 2), [255, 0, 0], 'y = 2 is row 7 from the top');
  assert.deepEqual(pixel(c, 2, 9 - 5), [255, 255, 255]);
  c.fillCircle(5, 5, 2, [0, 0, 255]);
  assert.deepEqual(pixel(c, 5, 4), [0, 0, 255]);
  c.line(0, 0, 9, 0, [0, 0, 0]);
  assert.deepEqual(pixel(c, 9, 9), [0, 0, 0]);
});

test("every classic env renders an RGB frame of Gymnasium's size that changes with the state", () => {
  const sizes: Record<string, [number, number]> = {
    'CartPole-v1': [600, 400],
    'Acrobot-v1': [500, 500],
    'MountainCar-v0': [600, 400],
    'MountainCarContinuous-v0': [600, 400],
    'Pendulum-v1': [500, 500],
  };
  for (const [id, [w, h]] of Object.entries(sizes)) {
    const env = make(id, { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const f1 = env.render();
    assert.equal(f1.width, w, id);
    assert.equal(f1.height, h, id);
    assert.equal(f1.data.length, w * h * 3);
    let nonWhite = 0;
    for (let i = 0; i < f1.data.length; i++) if (f1.data[i] !== 255) nonWhite++;
    assert.ok(nonWhite > 500, `${id} draws something (${nonWhite} non-white bytes)`);
    const a = env.actionSpace instanceof Discrete ? 1 : Float32Array.of(1);
    for (let t = 0; t < 5; t++) env.step(a);
    const f2 = env.render();
    assert.notDeepEqual(f1.data, f2.data, `${id} frame changes as the system moves`);
  }
  const cp = make('CartPole-v1');
  cp.reset({ seed: 0 });
  const f = cp.render();
  // The cart (black) straddles the centre column at 100 px above the bottom edge.
  assert.deepEqual(pixel(f, 300, 399 - 100), [0, 0, 0]);
  assert.deepEqual(pixel(f, 5, 5), [255, 255, 255]);
});

test('rotatedBox: the corners (l, b), (l, t), (r, t), (r, b) turned about the origin, then moved', () => {
  const box = rotatedBox(0, 2, 1, -1, Math.PI / 2, 10, 20);
  const want = [
    [11, 20],
    [9, 20],
    [9, 22],
    [11, 22],
  ];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(box[i][j] - want[i][j]) < 1e-12, `corner ${i}: ${box[i]}`);
});

test('classic frames are pinned: FNV-1a of each frame after reset(seed 0) and 3 steps', () => {
  // Recorded before the rectangles moved to rotatedBox; any change to the drawing changes them.
  const want: Record<string, string> = {
    'CartPole-v1': '144a397b',
    'Acrobot-v1': '725315ba',
    'MountainCar-v0': '63b8aa1d',
    'MountainCarContinuous-v0': '0b38b350',
    'Pendulum-v1': 'c0a5b32f',
  };
  const fnv1a = (d: Uint8Array) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  };
  for (const [id, hash] of Object.entries(want)) {
    const env = make(id, { renderMode: 'rgb_array' });
    env.reset({ seed: 0 });
    const a = env.actionSpace instanceof Discrete ? 1 : Float32Array.of(1);
    for (let t = 0; t < 3; t++) env.step(a);
    assert.equal(fnv1a(env.render().data), hash, id);
  }
});

test('checkEnv accepts the classic envs and reports a broken user env', () => {
  for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCarContinuous-v0', 'Pendulum-v1']) checkEnv(make(id, { renderMode: 'rgb_array' }));

  class Broken extends BaseEnv<Float32Array, number> {
    readonly observationSpace = new Box<Float32Array>(-1, 1, [2]);
    readonly actionSpace = new Discrete(2);
    private t = 0;
    reset(_args?: ResetArgs) {
      this.t = 0;
      return { obs: new Float64Array(2) as unknown as Float32Array, info: EMPTY_INFO };
    }
    step(): StepResult<Float32Array> {
      this.t++;
      return { obs: Float32Array.of(this.t, 0), reward: NaN, terminated: 0 as unknown as boolean, truncated: false, info: EMPTY_INFO };
    }
  }
  assert.throws(
    () => checkEnv(new Broken()),
    (e: Error) => {
      assert.match(e.message, /obs should be a Float32Array/);
      assert.match(e.message, /is not in the observation space/);
      assert.match(e.message, /reward must be a finite number/);
      assert.match(e.message, /terminated must be a boolean/);
      return true;
    },
  );

  class Nondeterministic extends BaseEnv<Float32Array, number> {
    readonly observationSpace = new Box<Float32Array>(0, 1, [1]);
    readonly actionSpace = new Discrete(2);
    private calls = 0;
    reset(_args?: ResetArgs) {
      this.calls++;
      return { obs: Float32Array.of((this.calls * 0.37) % 1), info: EMPTY_INFO };
    }
    step(): StepResult<Float32Array> {
      return { obs: Float32Array.of(0.5), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    }
  }
  assert.throws(() => checkEnv(new Nondeterministic()), /not deterministic under reset\(\{ seed: 123 \}\)/);
});
