import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/rng/index.ts';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, flatdim, flatten, flattenSpace, unflatten } from '../../src/envs/index.ts';

test('Box: bounds rounded to float32, contains checks shape/bounds/NaN, samples stay inside', () => {
  const b = new Box(-1, [1, 2, 3], [3]);
  assert.equal(String(b), 'Box(-1, [1, 2, 3], (3,), float32)');
  assert.ok(b.contains(Float32Array.of(0, 2, -1)));
  assert.ok(!b.contains(Float32Array.of(0, 2.5, 3.5)));
  assert.ok(!b.contains(Float32Array.of(0, NaN, 0)));
  assert.ok(!b.contains(Float32Array.of(0, 0)));
  assert.ok(!b.contains(Float64Array.of(0, 0, 0)), 'a float32 Box does not contain a Float64Array');
  assert.equal(new Box(0.1, 0.2, [1]).low[0], Math.fround(0.1));
  const rng = new Rng(1);
  for (let i = 0; i < 200; i++) {
    const s = b.sample(rng);
    assert.ok(s instanceof Float32Array && b.contains(s));
  }
  assert.throws(() => new Box([0, 1], [1], [2]), /high has length 1/);
  assert.throws(() => new Box(1, 0, [1]), /low\[0\]=1 must be <= high\[0\]=0/);
});

test('Box sampling follows Gymnasium: uniform, exponential for half-bounded, normal for unbounded', () => {
  const b = new Box([0, 5, -Infinity], [1, Infinity, Infinity], [3], 'float64');
  const rng = new Rng(7);
  const n = 20000;
  const sum = [0, 0, 0],
    sq = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const s = b.sample(rng);
    assert.ok(s instanceof Float64Array);
    for (let j = 0; j < 3; j++) {
      sum[j] += s[j];
      sq[j] += s[j] * s[j];
    }
    assert.ok(s[1] >= 5);
  }
  assert.ok(Math.abs(sum[0] / n - 0.5) < 0.01);
  assert.ok(Math.abs(sum[1] / n - 6) < 0.03, 'lower-bounded: 5 + Exp(1), mean 6');
  assert.ok(Math.abs(sum[2] / n) < 0.03 && Math.abs(sq[2] / n - 1) < 0.04, 'unbounded: N(0, 1)');
});

test('Discrete with start, MultiDiscrete, MultiBinary: contains, sample, one-hot flatten round trip', () => {
  const d = new Discrete(3, -1);
  assert.ok(d.contains(-1) && d.contains(1) && !d.contains(2) && !d.contains(0.5) && !d.contains('1'));
  assert.deepEqual(Array.from(flatten(d, 0)), [0, 1, 0]);
  assert.equal(unflatten(d, [0, 0, 1]), 1);
  const rng = new Rng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) seen.add(d.sample(rng));
  assert.deepEqual([...seen].sort(), [-1, 0, 1]);
  const md = new MultiDiscrete([2, 3]);
  assert.ok(md.contains(Int32Array.of(1, 2)) && !md.contains(Int32Array.of(2, 0)));
  assert.deepEqual(Array.from(flatten(md, Int32Array.of(1, 2))), [0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(unflatten(md, [0, 1, 0, 0, 1])), [1, 2]);
  const mb = new MultiBinary(3);
  assert.ok(mb.contains(Uint8Array.of(1, 0, 1)) && !mb.contains(Uint8Array.of(2, 0, 1)));
  assert.equal(flatdim(mb), 3);
});

test('Tuple and Dict (keys sorted as in Gymnasium) flatten and unflatten', () => {
  const t = new Tuple([new Discrete(2), new Box(-1, 1, [2])]);
  const x = [1, Float32Array.of(0.5, -0.5)];
  assert.ok(t.contains(x));
  assert.equal(t.flatdim, 4);
  assert.deepEqual(Array.from(flatten(t, x)), [0, 1, 0.5, -0.5]);
  const back = unflatten(t, [0, 1, 0.5, -0.5]);
  assert.equal(back[0], 1);
  assert.deepEqual(Array.from(back[1] as Float32Array), [0.5, -0.5]);
  const d = new Dict({ z: new Discrete(2), a: new Box(0, 1, [1]) });
  assert.deepEqual(d.keys, ['a', 'z']);
  assert.deepEqual(Array.from(flatten(d, { z: 1, a: Float32Array.of(0.25) })), [0.25, 0, 1]);
  assert.ok(!d.contains({ a: Float32Array.of(0.25) }));
  const fs = flattenSpace(d);
  assert.deepEqual(Array.from(fs.low), [0, 0, 0]);
  assert.deepEqual(fs.shape, [3]);
});

// Differential facts recorded from Gymnasium (test/fixtures/gymnasium/spaces.json, scripts/record-gymnasium-facts.py).
const spaceFacts = JSON.parse(readFileSync(new URL('../fixtures/gymnasium/spaces.json', import.meta.url), 'utf8'));
const typed: Record<string, new (a: number[]) => ArrayLike<number>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

test('Box.contains and MultiDiscrete.contains decide by dtype as Gymnasium does (np.can_cast)', () => {
  for (const [boxDtype, row] of Object.entries(spaceFacts.box_contains_array_1_2 as Record<string, Record<string, boolean>>)) {
    const b = new Box(0, 10, [2], boxDtype as 'float32' | 'float64' | 'uint8');
    for (const [arrayDtype, want] of Object.entries(row)) {
      assert.equal(b.contains(new typed[arrayDtype]([1, 2])), want, `Box(${boxDtype}).contains(${arrayDtype} [1, 2])`);
    }
  }
  const md = new MultiDiscrete([3, 4]);
  for (const [arrayDtype, want] of Object.entries(spaceFacts.multi_discrete_3_4_contains_array_1_2 as Record<string, boolean>)) {
    assert.equal(md.contains(new typed[arrayDtype]([1, 2])), want, `MultiDiscrete([3, 4]).contains(${arrayDtype} [1, 2])`);
  }
  // Plain arrays are cast to the space's dtype first, as np.asarray(x, dtype) does: a float32 Box
  // compares the float32-rounded value with its float32 bounds.
  assert.ok(new Box(0, 0.1, [1]).contains([0.1000000015]), '0.1000000015 rounds to float32 0.1');
  assert.ok(!new Box(0, 0.1, [1], 'float64').contains([0.1000000015]));
  assert.ok(md.contains([1, 2]));
});

test('flatten keeps float64 for float64 spaces (Box, Tuple, Dict), float32 otherwise', () => {
  const f = spaceFacts.flatten;
  const b64 = new Box(-1, 1, [3], 'float64');
  const flat = flatten(b64, Float64Array.from(f.box_float64.x));
  assert.ok(flat instanceof Float64Array, `dtype ${f.box_float64.dtype}`);
  assert.deepEqual(Array.from(flat), f.box_float64.flat);
  assert.deepEqual(Array.from(unflatten(b64, flat)), f.box_float64.unflat);
  assert.equal(flattenSpace(b64).dtype, f.box_float64.flatten_space_dtype);
  const t = new Tuple([new Box(-1, 1, [2], 'float64'), new Discrete(3)]);
  const tf = flatten(t, [Float64Array.from(f.tuple_box_float64_discrete_3.x[0]), f.tuple_box_float64_discrete_3.x[1]]);
  assert.ok(tf instanceof Float64Array);
  assert.deepEqual(Array.from(tf), f.tuple_box_float64_discrete_3.flat);
  const d = new Dict({ a: new Box(-1, 1, [1], 'float64'), b: new Box(-1, 1, [1]) });
  const df = flatten(d, { a: Float64Array.of(0.1), b: Float32Array.of(0.25) });
  assert.ok(df instanceof Float64Array);
  assert.deepEqual(Array.from(df), f.dict_a_float64_b_float32.flat);
  assert.ok(flatten(new Box(-1, 1, [2]), Float32Array.of(0.1, 0.2)) instanceof Float32Array, `dtype ${f.box_float32_dtype}`);
});
