/**
 * `--set key=value` overrides: dotted paths into a nested config, values parsed as YAML scalars
 * (so `lr=3e-4` is a number, `normalizeAdvantages=false` a boolean, `policy.hidden=[32,32]` an
 * array, `returns=full` a string). Browser-safe.
 */
import { parse as parseYaml } from 'yaml';

export type ConfigObject = Record<string, unknown>;

/** Parse one `key=value` into [dotted path, value]. */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new RangeError(`--set expects key=value (e.g. lr=3e-4 or policy.hidden=[32,32]), got ${JSON.stringify(text)}`);
  const key = text.slice(0, eq).trim();
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) {
    throw new RangeError(`--set: ${JSON.stringify(key)} is not a dotted key path (e.g. policy.hidden)`);
  }
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw.trim() === '' ? '' : parseYaml(raw);
  } catch (e) {
    throw new RangeError(`--set ${key}: cannot parse ${JSON.stringify(raw)} as a YAML value (${(e as Error).message.split('\n')[0]})`);
  }
  return [key, value];
}

/** Set `path` (dotted) in a nested object, creating intermediate objects. Returns the object. */
export function setDotted(target: ConfigObject, path: string, value: unknown): ConfigObject {
  const parts = path.split('.');
  let o: ConfigObject = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = o[parts[i]];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) o[parts[i]] = {};
    o = o[parts[i]] as ConfigObject;
  }
  o[parts[parts.length - 1]] = value;
  return target;
}

/** Deep merge of plain objects (arrays and scalars from `b` replace those of `a`). */
export function deepMerge(a: ConfigObject, b: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

export function isPlainObject(v: unknown): v is ConfigObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
