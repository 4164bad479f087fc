/**
 * The settings tables of docs/algorithms/*.md, generated from the schemas: between the markers
 *
 *   <!-- config-table: ppo -->
 *   ...
 *   <!-- /config-table -->
 *
 * `npm run docs:config` rewrites the table for the named algorithm, and test/train/config-docs.test.ts
 * checks that the committed pages equal what the schemas generate. Browser-safe (no fs).
 */
import { fieldsOf, type ConfigSchema } from './schema.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');
const show = (v: unknown) => (typeof v === 'string' ? `\`${v}\`` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** One markdown table: key, default, range, meaning and the default's source, in the schema's order; then the rules between keys. */
export function configTable(schema: ConfigSchema): string {
  const rows = fieldsOf(schema.shape).map(
    ([key, f]) => `| \`${key}\` | ${cell(show(f.default))} | ${cell(f.range)} | ${cell(f.doc)} | ${cell(f.source || '—')} |`,
  );
  const table = ['| key | default | range | meaning | source of the default |', '|---|---|---|---|---|', ...rows].join('\n');
  return schema.rules.length ? `${table}\n\nBetween keys: ${schema.rules.map((r) => r.says).join('; ')}.` : table;
}

const MARKERS = /<!-- config-table: ([\w-]+) -->\n[\s\S]*?<!-- \/config-table -->/g;

/** The page with each marked table regenerated; unknown algorithm names are errors naming the file. */
export function updateConfigTables(page: string, schemas: Record<string, ConfigSchema | undefined>, file = 'page'): string {
  return page.replace(MARKERS, (_, name: string) => {
    const schema = schemas[name];
    if (!schema) throw new RangeError(`${file}: config-table '${name}' names no algorithm with a schema; known: ${Object.keys(schemas).join(', ')}`);
    return `<!-- config-table: ${name} -->\n${configTable(schema)}\n<!-- /config-table -->`;
  });
}

/** The algorithms whose tables a page holds. */
export function configTableNames(page: string): string[] {
  return [...page.matchAll(MARKERS)].map((m) => m[1]);
}
