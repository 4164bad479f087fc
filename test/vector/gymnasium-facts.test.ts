// Differential tests against facts recorded from Gymnasium (test/fixtures/gymnasium/vector.json, written by
// scripts/record-gymnasium-facts.py): a list of seeds, reset options and reset_mask, for both vector envs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make } from '../../src/envs/index.ts';
import { AsyncVectorEnv, SyncVectorEnv, type VectorEnv } from '../../src/vector/index.ts';

// NumPy's seeding is not Ascent's generator, so the facts are relations between a vector env's
// reset and single-env resets, which must hold in both libraries.
interface Facts {
  seed_list_7_8_9_10_equals_seed_int_7: boolean;
  seed_list_row_i_equals_single_reset_seed_i: boolean[];
  seed_list_wrong_length_error: string;
  mask: { seeds: number[]; mask: boolean[]; options: Record<string, number> };
  mask_row_equals_single_reset_with_seed_and_options: boolean[];
  mask_row_equals_obs_before: boolean[];
  mask_info_keys: string[];
  mask_next_step_changes_every_row: boolean[];
  options_row_equals_single_reset_seed_3_plus_i_with_options: boolean[];
  options_all_in_low_high: boolean;
  options_some_outside_default_0_05: boolean;
}
const recorded = JSON.parse(readFileSync(new URL('../fixtures/gymnasium/vector.json', import.meta.url), 'utf8')) as { sync: Facts; async: Facts };
const arr = (a: ArrayLike<number>) => Array.from(a);
const rows = (obs: Float32Array) => [0, 1, 2, 3].map((i) => arr(obs.subarray(i * 4, i * 4 + 4)));
const single = (seed: number, options?: Record<string, unknown>) => arr(make('CartPole-v1').reset({ seed, options }).obs as Float32Array);
const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Runs Gymnasium's recorded sequence on `v` (4 CartPole-v1, next-step autoreset) and checks every recorded relation. */
function checkFacts(v: VectorEnv, f: Facts, who: string): void {
  const byList = arr(v.reset({ seed: [7, 8, 9, 10] }).obs);
  const byInt = arr(v.reset({ seed: 7 }).obs);
  assert.equal(same(byList, byInt), f.seed_list_7_8_9_10_equals_seed_int_7, `${who}: seed 7 means [7, 8, 9, 10]`);
  assert.deepEqual(
    rows(Float32Array.from(byList)).map((r, i) => same(r, single(7 + i))),
    f.seed_list_row_i_equals_single_reset_seed_i,
    `${who}: one seed per sub-env`,
  );
  // Gymnasium: "If seeds are passed as a list the length must match num_envs=4 but got length=3."
  assert.match(f.seed_list_wrong_length_error, /num_envs=4 but got length=3/);
  assert.throws(() => v.reset({ seed: [7, 8, 9] }), /a list of seeds must have one seed per sub-env \(numEnvs=4\), got 3 seeds: \[7,8,9\]/);
  v.reset({ seed: [7, 8, 9, 10] });
  let before: number[][] = [];
  for (let t = 0; t < 3; t++) before = rows(v.step([1, 0, 1, 0]).obs);
  const { seeds, mask, options } = f.mask;
  const r = v.reset({ seed: seeds, options: { reset_mask: mask, ...options } });
  const after = rows(r.obs);
  assert.deepEqual(
    after.map((row, i) => same(row, single(seeds[i], { ...options }))),
    f.mask_row_equals_single_reset_with_seed_and_options,
    `${who}: the masked sub-envs are reset with their seed and the options`,
  );
  assert.deepEqual(
    after.map((row, i) => same(row, before[i])),
    f.mask_row_equals_obs_before,
    `${who}: the others keep their observation`,
  );
  assert.deepEqual(
    r.infos.flatMap((info) => Object.keys(info)),
    f.mask_info_keys,
  );
  const stepped = rows(v.step([0, 0, 0, 0]).obs);
  assert.deepEqual(
    stepped.map((row, i) => !same(row, after[i])),
    f.mask_next_step_changes_every_row,
    `${who}: every sub-env steps on`,
  );
  const o = v.reset({ seed: 3, options: { low: -0.3, high: 0.3 } }).obs;
  assert.deepEqual(
    rows(o).map((row, i) => same(row, single(3 + i, { low: -0.3, high: 0.3 }))),
    f.options_row_equals_single_reset_seed_3_plus_i_with_options,
    `${who}: options reach every sub-env`,
  );
  assert.equal(
    arr(o).every((x) => Math.abs(x) <= 0.3),
    f.options_all_in_low_high,
  );
  assert.equal(
    arr(o).some((x) => Math.abs(x) > 0.05),
    f.options_some_outside_default_0_05,
  );
}

test('SyncVectorEnv: seed lists, reset options and reset_mask as in Gymnasium', () => {
  const v = new SyncVectorEnv([0, 1, 2, 3].map(() => () => make('CartPole-v1')));
  checkFacts(v, recorded.sync, 'SyncVectorEnv');
});

test('AsyncVectorEnv (workers and a main-thread share): seed lists, options and reset_mask as in Gymnasium', async () => {
  for (const opts of [{ numWorkers: 2 }, { numWorkers: 1, mainThreadShare: true }]) {
    const v = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 4, ...opts });
    try {
      checkFacts(v, recorded.async, `AsyncVectorEnv ${JSON.stringify(opts)}`);
    } finally {
      await v.close();
    }
  }
});

test('reset_mask and seed lists: bad input is named', async () => {
  const sv = new SyncVectorEnv([0, 1].map(() => () => make('CartPole-v1')));
  const av = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: 2, numWorkers: 1 });
  try {
    for (const [v, who] of [
      [sv, 'SyncVectorEnv'],
      [av, 'AsyncVectorEnv'],
    ] as const) {
      v.reset({ seed: 0 });
      assert.throws(
        () => v.reset({ options: { reset_mask: [true] } }),
        new RegExp(`${who}.reset: options.reset_mask must be numEnvs=2 booleans \\(an array of booleans or a Uint8Array of 0/1\\), got \\[true\\]`),
      );
      assert.throws(() => v.reset({ options: { reset_mask: [1, 0] } }), /options.reset_mask must be numEnvs=2 booleans .*, got \[1,0\]/);
      assert.throws(() => v.reset({ options: { reset_mask: [false, false] } }), /options.reset_mask must select at least one sub-env/);
      assert.throws(() => v.reset({ seed: [0, -1] }), /seed\[1\] must be a non-negative integer or null, got -1/);
      assert.throws(() => v.reset({ seed: 1.5 }), /seed must be a non-negative integer or a list of numEnvs=2 seeds, got 1.5/);
      assert.doesNotThrow(() => v.reset({ options: { reset_mask: Uint8Array.of(0, 1) } }), 'a batch of 0/1 flags (terminated, truncated) is a mask too');
      const opts = { reset_mask: [false, true], low: -0.1, high: 0.1 };
      v.reset({ options: opts });
      assert.deepEqual(opts, { reset_mask: [false, true], low: -0.1, high: 0.1 }, "the caller's options are not modified");
    }
  } finally {
    await av.close();
  }
});
