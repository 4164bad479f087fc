import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatherRows, pick } from '../../src/algos/common.ts';
import { pickSteps } from '../../src/algos/ppo.ts';

test('gatherRows copies whole rows in index order, repeats included', () => {
  const src = Float32Array.from({ length: 12 }, (_, i) => i + 0.5); // 4 rows of width 3
  assert.deepEqual(Array.from(gatherRows(src, 3, Int32Array.from([2, 0, 2, 3]))), [6.5, 7.5, 8.5, 0.5, 1.5, 2.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5]);
  assert.deepEqual(Array.from(gatherRows(src, 1, Int32Array.from([11, 4]))), [11.5, 4.5]);
  assert.equal(gatherRows(src, 3, new Int32Array(0)).length, 0);
  assert.deepEqual(Array.from(pick(src, Int32Array.from([5, 1]))), [5.5, 1.5]);
});

test('gatherRows refuses a row outside the array, naming it', () => {
  const src = new Float32Array(6);
  assert.throws(() => gatherRows(src, 3, Int32Array.from([0, 2])), /gatherRows: row 2 is outside the 2 rows of width 3/);
  assert.throws(() => gatherRows(src, 3, Int32Array.from([-1])), /row -1 is outside/);
});

test('gatherRows gives the same rows by either copy: narrow rows element by element, wide ones by set', () => {
  const width = 100;
  const src = Float32Array.from({ length: 5 * width }, (_, i) => Math.sin(i));
  const idx = Int32Array.from([4, 1, 1]);
  const out = gatherRows(src, width, idx);
  for (let j = 0; j < idx.length; j++) assert.deepEqual(out.subarray(j * width, (j + 1) * width), src.subarray(idx[j] * width, (idx[j] + 1) * width));
  assert.throws(() => gatherRows(src, width, Int32Array.from([5])), /row 5 is outside the 5 rows of width 100/);
});

test("PPO's pickSteps takes each column's entries at the minibatch's indices, as float32", () => {
  const adv = Float64Array.from([0.1, 1.1, 2.1, 3.1]),
    ret = Float64Array.from([10, 11, 12, 13]),
    v = Float32Array.from([20, 21, 22, 23]),
    lp = Float32Array.from([-0, -1, -2, -3]);
  const mb = pickSteps(Int32Array.from([3, 0, 3]), adv, ret, v, lp);
  assert.deepEqual(Array.from(mb.adv), [Math.fround(3.1), Math.fround(0.1), Math.fround(3.1)]);
  assert.deepEqual(Array.from(mb.ret), [13, 10, 13]);
  assert.deepEqual(Array.from(mb.vOld), [23, 20, 23]);
  assert.deepEqual(Array.from(mb.lpOld), [-3, -0, -3]);
  assert.ok(mb.adv instanceof Float32Array && mb.lpOld instanceof Float32Array);
});
