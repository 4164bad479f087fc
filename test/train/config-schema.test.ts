import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defineConfig,
  extendConfig,
  fieldsOf,
  group,
  int,
  num,
  choice,
  widths,
  seed,
  steps,
  custom,
  withDefault,
  type ConfigOf,
  type Overrides,
} from '../../src/config/schema.ts';

const T = defineConfig('toy', {
  seed: seed(),
  n: int(4, 'how many'),
  skip: int(0, 'how many to skip', { min: 0 }),
  gamma: num(0.9, 'discount', 'unit', { source: 'a paper' }),
  mode: choice(['a', 'b'], 'a', 'the mode'),
  net: group({ hidden: widths([8], 'widths'), cell: choice(['lstm', 'gru'], 'lstm', 'cell', { expected: 'must be "lstm" or "gru"' }) }, 'a net'),
  totalSteps: steps(100),
});

test('defaults, type and key order come from the schema', () => {
  assert.deepEqual(T.defaults, { seed: 0, n: 4, skip: 0, gamma: 0.9, mode: 'a', net: { hidden: [8], cell: 'lstm' }, totalSteps: 100 });
  const c: ConfigOf<typeof T> = T.resolve({ n: 2, net: { hidden: [3, 3] } as never });
  assert.deepEqual(c.net, { hidden: [3, 3], cell: 'lstm' });
  assert.equal(c.n, 2);
  assert.deepEqual(
    fieldsOf(T.shape).map(([k]) => k),
    ['seed', 'n', 'skip', 'gamma', 'mode', 'net.hidden', 'net.cell', 'totalSteps'],
  );
  // Each read of defaults is a fresh copy: mutating one config never changes the next.
  T.defaults.net.hidden.push(99);
  assert.deepEqual(T.defaults.net.hidden, [8]);
});

test('bad values: one line naming the algorithm, the key, the value and the rule', () => {
  assert.throws(() => T.resolve({ n: 0 }), /^RangeError: toy: 'n' must be a positive integer \(at most 2\^53 - 1\), got 0$/);
  assert.throws(() => T.resolve({ skip: 1.5 }), /toy: 'skip' must be a non-negative integer/);
  assert.throws(() => T.resolve({ gamma: 1.5 }), /toy: 'gamma' must be in \[0, 1\], got 1.5/);
  assert.throws(() => T.resolve({ gamma: 'high' as never }), /toy: 'gamma' must be a number, got "high"/);
  assert.throws(() => T.resolve({ mode: 'c' as never }), /toy: 'mode' must be one of "a", "b", got "c"/);
  assert.throws(() => T.resolve({ seed: 2 ** 32 }), /toy: 'seed' must be an integer in 0\.\.4294967295/);
  assert.throws(() => T.resolve({ totalSteps: 1e30 }), /'totalSteps' must be an integer in 1\.\.1000000000000, got 1e\+30/);
  assert.throws(() => T.resolve({ gama: 1 } as never), /toy: unknown config key 'gama' \(did you mean 'gamma'\?\)/);
  // Nested keys are checked by the group's rules, with the dotted path.
  assert.throws(() => T.resolve({ net: { cell: 'rnn' } } as never), /toy: 'net.cell' must be "lstm" or "gru", got "rnn"/);
  assert.throws(() => T.resolve({ net: { hidden: [0] } } as never), /toy: 'net.hidden' must be an array of positive integers, got \[0\]/);
  assert.throws(() => T.resolve({ net: { width: 3 } } as never), /unknown config key 'net.width'/);
});

test('a schema whose default breaks its own rule, or a key without a description, fails when it is defined', () => {
  assert.throws(() => defineConfig('bad', { gamma: num(1.5, 'discount', 'unit') }), /bad: the schema's default for 'gamma' must be in \[0, 1\], got 1.5/);
  assert.throws(() => defineConfig('bad', { n: int(0, 'count') }), /default for 'n' must be a positive integer/);
  assert.throws(() => defineConfig('bad', { net: group({ cell: choice(['lstm'], 'x' as 'lstm', 'cell') }, 'net') }), /default for 'net.cell'/);
  assert.throws(() => defineConfig('bad', { n: int(1, ' ') }), /'n' needs a one-line description/);
  assert.throws(() => defineConfig('bad', { n: int(1, 'two\nlines') }), /'n' needs a one-line description/);
});

test('extendConfig adds keys and replaces defaults; custom rules say their range', () => {
  const E = extendConfig('toy2', T, {
    n: withDefault(T.shape.n, 7, 'elsewhere'),
    pair: custom([1, 2], 'a pair', '[lo, hi], lo <= hi', (v: number[]) => (v.length === 2 && v[0] <= v[1] ? null : 'must be [lo, hi] with lo <= hi')),
  });
  assert.equal(E.defaults.n, 7);
  assert.equal(E.shape.n.source, 'elsewhere');
  assert.equal(E.shape.n.range, 'integer >= 1');
  assert.deepEqual(E.defaults.pair, [1, 2]);
  assert.throws(() => E.resolve({ pair: [3, 1] }), /toy2: 'pair' must be \[lo, hi\] with lo <= hi, got \[3,1\]/);
  assert.throws(() => E.resolve({ n: -1 }), /toy2: 'n' must be a positive integer/);
});

test("estimateMemory: a policy with hiddenSize but cell 'none' is an MLP, not a recurrent cell", async () => {
  const { estimateMemory } = await import('../../src/train/config.ts');
  const dims = { obsDim: 4, actDim: 1, actOutputs: 2, maxEpisodeSteps: 500 };
  const parts = estimateMemory({ numEnvs: 1, nSteps: 8, policy: { cell: 'none', hiddenSize: 64, hidden: [8] } }, dims).map((p) => p.what);
  assert.ok(parts.includes('policy [4, 8, 2] parameters'), parts.join('; '));
  assert.ok(!parts.some((w) => w.startsWith('recurrent cell')), parts.join('; '));
});

test('the types come from the schema: nested overrides type-check, wrong types do not (npx tsc)', async () => {
  const { PPO_CONFIG } = await import('../../src/algos/ppo.ts');
  type Ppo = ConfigOf<typeof PPO_CONFIG>;
  const ok: Overrides<Ppo> = { policy: { hidden: [8] }, objective: 'adaptiveKl' };
  // @ts-expect-error objective is 'clip' | 'adaptiveKl'
  const badChoice: Overrides<Ppo> = { objective: 'kl' };
  // @ts-expect-error gamma is a number
  const badType: Overrides<Ppo> = { gamma: 'high' };
  assert.deepEqual(PPO_CONFIG.resolve(ok).policy.hidden, [8]);
  assert.throws(() => PPO_CONFIG.resolve(badChoice), /ppo: 'objective' must be one of "clip", "adaptiveKl", got "kl"/);
  assert.throws(() => PPO_CONFIG.resolve(badType), /ppo: 'gamma' must be a number, got "high"/);
});

test('rules between keys: checked after the ranges, inherited by extendConfig, and a default that breaks one fails at definition', () => {
  const shape = { n: int(8, 'batch'), k: int(4, 'minibatch') };
  const rules = [{ says: 'k <= n', check: (c: { n: number; k: number }) => (c.k > c.n ? `'k' (${c.k}) is larger than 'n' (${c.n})` : null) }];
  const R = defineConfig('toy', shape, rules);
  assert.equal(R.resolve({ k: 8 }).k, 8);
  assert.throws(() => R.resolve({ k: 9 }), /^RangeError: toy: 'k' \(9\) is larger than 'n' \(8\)$/);
  // Ranges first: a bad value is named by its own rule, not by a rule between keys.
  assert.throws(() => R.resolve({ k: 0 }), /toy: 'k' must be a positive integer/);
  const E = extendConfig('toy2', R, { m: int(1, 'more') });
  assert.throws(() => E.resolve({ n: 2 }), /toy2: 'k' \(4\) is larger than 'n' \(2\)/);
  assert.throws(() => defineConfig('bad', { n: int(2, 'batch'), k: int(4, 'minibatch') }, rules), /bad: 'k' \(4\) is larger than 'n' \(2\)/);
});

test('mbpg and mbpo: no more elites than ensemble members, checked by the config', async () => {
  const { MBPG_CONFIG } = await import('../../src/algos/model-based/mbpg.ts');
  const { MBPO_CONFIG } = await import('../../src/algos/model-based/mbpo.ts');
  assert.throws(
    () => MBPG_CONFIG.resolve({ model: { numElites: 9 } }),
    /^RangeError: mbpg: 'model\.numElites' \(9\) must be at most 'model\.ensembleSize' \(5\)$/,
  );
  assert.throws(() => MBPO_CONFIG.resolve({ model: { ensembleSize: 3 } }), /mbpo: 'model\.numElites' \(5\) must be at most 'model\.ensembleSize' \(3\)/);
  assert.equal(MBPO_CONFIG.resolve({ model: { ensembleSize: 5 } }).model.numElites, 5);
});
