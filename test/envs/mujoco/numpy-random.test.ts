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
