/**
 * The config keys in `ascent train <algo> --help`: what `--set key=value` and `--config` accept,
 * each with its default, its range or choices and a one-line description, from the algorithm's
 * schema (nested settings as dotted paths, as --set writes them).
 */
import { ALGORITHMS } from '../algos/index.ts';
import { fieldsOf } from '../config/schema.ts';
import { FLAG_KEYS } from '../train/setup.ts';
import { closestNames } from '../util/names.ts';

function flatten(obj: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) out.push(...flatten(v as Record<string, unknown>, key + '.'));
    else out.push([key, v]);
  }
  return out;
}

export function trainHelpKeys(algo: string | null): string {
  const names = Object.keys(ALGORITHMS).sort();
  const entry = algo ? (ALGORITHMS[algo] ?? ALGORITHMS[algo.toLowerCase()]) : undefined;
  if (!entry) {
    const unknown = algo ? `\nUnknown algorithm '${algo}'; closest: ${closestNames(algo, names).join(', ')}.` : '';
    return (
      `${unknown}\nConfig keys (--set key=value, --config file.yaml): ascent train <algo> --help lists them with defaults, ranges and descriptions\n` +
      `(algorithms: ${names.join(', ')}; e.g. ascent train ppo --help).`
    );
  }
  const flagOf = Object.fromEntries(Object.entries(FLAG_KEYS).map(([flag, key]) => [key, flag]));
  const note = (k: string) => (flagOf[k] ? ` (also --${flagOf[k]})` : k === 'env' ? ' (the <env> argument)' : '');
  const show = (v: unknown) => (v === undefined ? '-' : JSON.stringify(v));
  // Algorithms registered without a schema (registerAlgorithm) still list their keys and defaults.
  const rows = entry.schema
    ? fieldsOf(entry.schema.shape).map(([k, f]) => [k, show(f.default), f.range, f.doc + note(k)])
    : flatten(entry.defaults).map(([k, v]) => [k, show(v), '', note(k).trim()]);
  const head = ['key', 'default', 'range', 'description'];
  const w = head.map((_, i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((x, i) => (i < r.length - 1 ? x.padEnd(w[i]) : x)).join('  ')}`.trimEnd();
  return (
    `\nConfig keys of ${entry.name} (--set key=value, or a --config YAML file; a preset for the env changes some defaults, see ascent list):\n` +
    [head, ...rows].map(line).join('\n') +
    (entry.schema?.rules.length ? `\n  between keys: ${entry.schema.rules.map((r) => r.says).join('; ')}` : '')
  );
}
