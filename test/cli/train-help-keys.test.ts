import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../src/algos/index.ts';
import { fieldsOf, defineConfig, int, num, group, choice } from '../../src/config/schema.ts';
import { trainHelpKeys } from '../../src/cli/train-help.ts';

const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('ascent train <algo> --help: every key of every schema with its default, range and description', () => {
  const withSchema = Object.values(ALGORITHMS).filter((e) => e.schema);
  assert.ok(withSchema.length >= 3, 'the algorithms carry their schemas');
  for (const entry of withSchema) {
    const help = trainHelpKeys(entry.name);
    const fields = fieldsOf(entry.schema!.shape);
    assert.ok(fields.length > 5, entry.name);
    for (const [key, f] of fields) {
      const row = new RegExp(`^ {2}${quote(key)}\\s+${quote(JSON.stringify(f.default))}\\s+${quote(f.range)}\\s+${quote(f.doc)}`, 'm');
      assert.match(help, row, `${entry.name}: ${key}`);
    }
    for (const r of entry.schema!.rules) assert.ok(help.includes(r.says), `${entry.name}: rule '${r.says}' in the help`);
    // The registry's defaults are the schema's.
    assert.deepEqual(entry.defaults, entry.schema!.defaults, entry.name);
  }
});

test('the help table follows the schema: a changed default, range or description shows', () => {
  const S = defineConfig('toy', { n: int(3, 'how many'), g: group({ mode: choice(['a', 'b'], 'b', 'the mode') }, 'group'), x: num(0.5, 'a rate', 'unit') });
  ALGORITHMS.toy = { name: 'toy', description: 'test', defaults: S.defaults, schema: S, actionSpaces: ['discrete'], create: () => assert.fail() };
  try {
    const help = trainHelpKeys('toy');
    assert.match(help, /^ {2}n\s+3\s+integer >= 1\s+how many$/m);
    assert.match(help, /^ {2}g\.mode\s+"b"\s+a \| b\s+the mode$/m);
    assert.match(help, /^ {2}x\s+0\.5\s+\[0, 1\]\s+a rate$/m);
  } finally {
    delete ALGORITHMS.toy;
  }
});
