// NumPy's Generator(PCG64(SeedSequence(seed))) emulated, draw for draw against NumPy's own output
// (test/fixtures/mujoco/numpy-random.json, recorded by scripts/record-mujoco-facts.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NumpyGenerator, seedSequenceState } from '../../../src/envs/mujoco/numpy-random.ts';

interface Draws {
  seed: string;
  raw_uint64: string[];
  random: number[];
  'uniform_m0.1_0.25': number[];
  standard_normal: number[];
  random_after_normals: number;
}
const facts = JSON.parse(readFileSync(new URL('../../fixtures/mujoco/numpy-random.json', import.meta.url), 'utf8')) as { seeds: Draws[] };

for (const d of facts.seeds) {
  test(`NumPy default_rng(${d.seed}): raw outputs, random, uniform and standard_normal match NumPy exactly`, () => {
    const seed = BigInt(d.seed);
    let g = new NumpyGenerator(seed);
    assert.deepEqual(
      d.raw_uint64.map(() => g.nextUint64().toString()),
      d.raw_uint64,
    );
    g = new NumpyGenerator(seed);
    assert.deepEqual(
      d.random.map(() => g.random()),
      d.random,
    );
    g = new NumpyGenerator(seed);
    assert.deepEqual(
      d['uniform_m0.1_0.25'].map(() => g.uniform(-0.1, 0.25)),
      d['uniform_m0.1_0.25'],
    );
    g = new NumpyGenerator(seed);
    const normals = d.standard_normal.map(() => g.standardNormal());
    assert.deepEqual(normals, d.standard_normal);
    assert.equal(g.random(), d.random_after_normals, 'the number of raw draws the ziggurat consumed');
  });
}

test('the normal fixtures reach the ziggurat tail (|x| > r), so that branch is tested', () => {
  assert.ok(facts.seeds.some((d) => d.standard_normal.some((x) => Math.abs(x) > 3.6541528853610088)));
});

test('NumpyGenerator state round-trips and rejects bad input', () => {
  const g = new NumpyGenerator(7);
  g.random();
  const h = NumpyGenerator.fromState(JSON.parse(JSON.stringify(g.getState())));
  assert.equal(h.random(), g.random());
  assert.throws(() => NumpyGenerator.fromState({ state: 'xyz', inc: '1' }), /hex strings/);
  assert.throws(() => new NumpyGenerator(-1), /non-negative integer/);
  assert.throws(() => new NumpyGenerator(1.5), /non-negative integer/);
  assert.equal(seedSequenceState(0, 4).length, 4);
});

test('the 16-bit-limb PCG64 step and XSL-RR output agree with 128-bit BigInt arithmetic, every rotation', () => {
  // PCG64 (numpy/random/src/pcg64): state = state * mult + inc mod 2^128; output
  // rotr64(hi ^ lo, state >> 122). Reference in BigInt, from the generator's own state.
  const MULT = (2549297995355413924n << 64n) | 4865540595714422341n,
    M128 = (1n << 128n) - 1n,
    M64 = (1n << 64n) - 1n;
  const rots = new Set<number>();
  for (const seed of [0, 1, 12345, 2 ** 40 + 7]) {
    const g = new NumpyGenerator(seed);
    let state = BigInt('0x' + g.getState().state);
    const inc = BigInt('0x' + g.getState().inc);
    for (let i = 0; i < 3000; i++) {
      state = (state * MULT + inc) & M128;
      const hi = state >> 64n,
        x = hi ^ (state & M64),
        rot = hi >> 58n;
      rots.add(Number(rot));
      const want = ((x >> rot) | (x << ((64n - rot) & 63n))) & M64;
      if (i % 3 === 0) assert.equal(g.nextUint64(), want, `seed ${seed} draw ${i}`);
      else assert.equal(g.random(), Number(want >> 11n) / 2 ** 53, `seed ${seed} draw ${i}`);
    }
    assert.equal(g.getState().state, state.toString(16));
  }
  assert.equal(rots.size, 64, 'every rotation 0..63 was drawn');
});
