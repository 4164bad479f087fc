import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHMS } from '../../src/algos/index.ts';
import { configTable, configTableNames, updateConfigTables } from '../../src/config/docs-table.ts';
import { defineConfig, int, num, choice, group } from '../../src/config/schema.ts';

const dir = join(import.meta.dirname, '..', '..', 'docs', 'algorithms');
const schemas = Object.fromEntries(Object.values(ALGORITHMS).map((e) => [e.name, e.schema]));

test('docs/algorithms/*.md: the settings tables equal what the schemas generate (npm run docs:config)', () => {
  const seen = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const page = readFileSync(join(dir, name), 'utf8');
    for (const algo of configTableNames(page)) seen.add(algo);
    assert.equal(page, updateConfigTables(page, schemas, name), `docs/algorithms/${name} is stale: run npm run docs:config`);
  }
  // Every algorithm with a schema has its table somewhere (npg shares trpo's keys and page).
  for (const e of Object.values(ALGORITHMS)) if (e.schema && e.schema !== ALGORITHMS.trpo.schema) assert.ok(seen.has(e.name), `no config table for ${e.name}`);
});

test('configTable: one row per key, default, range, meaning and source; a changed default changes the table', () => {
  const S = defineConfig('toy', {
    n: int(3, 'how many', { source: 'a paper' }),
    g: group({ mode: choice(['a', 'b'], 'b', 'the mode') }, 'group'),
    x: num(0.5, 'a rate', 'unit'),
  });
  assert.equal(
    configTable(S),
    [
      '| key | default | range | meaning | source of the default |',
      '|---|---|---|---|---|',
      '| `n` | 3 | integer >= 1 | how many | a paper |',
      '| `g.mode` | `b` | a \\| b | the mode | — |',
      '| `x` | 0.5 | [0, 1] | a rate | — |',
    ].join('\n'),
  );
  const page = 'intro\n<!-- config-table: toy -->\nold\n<!-- /config-table -->\nend\n';
  const fresh = updateConfigTables(page, { toy: S });
  assert.equal(updateConfigTables(fresh, { toy: S }), fresh);
  const changed = defineConfig('toy', { ...S.shape, n: int(4, 'how many', { source: 'a paper' }) });
  assert.notEqual(updateConfigTables(fresh, { toy: changed }), fresh);
  assert.throws(() => updateConfigTables(page, {}, 'x.md'), /x\.md: config-table 'toy' names no algorithm with a schema/);
  const ruled = defineConfig('toy', S.shape, [{ says: 'n >= 1 when x > 0', check: () => null }]);
  assert.match(configTable(ruled), /\| `x` \| 0\.5 \| \[0, 1\] \| a rate \| — \|\n\nBetween keys: n >= 1 when x > 0\.$/);
});
