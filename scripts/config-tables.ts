// Regenerates the settings tables in docs/algorithms/*.md from the algorithms' config schemas
// (src/config/docs-table.ts): `npm run docs:config`. test/train/config-docs.test.ts checks them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHMS } from '../src/algos/index.ts';
import { updateConfigTables } from '../src/config/docs-table.ts';

const dir = join(import.meta.dirname, '..', 'docs', 'algorithms');
const schemas = Object.fromEntries(Object.values(ALGORITHMS).map((e) => [e.name, e.schema]));
for (const name of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
  const file = join(dir, name);
  const page = readFileSync(file, 'utf8');
  const next = updateConfigTables(page, schemas, `docs/algorithms/${name}`);
  if (next !== page) {
    writeFileSync(file, next);
    console.log(`docs/algorithms/${name}: tables regenerated`);
  }
}
