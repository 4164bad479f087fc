/**
 * `--set key=value` overrides: dotted paths into a nested config, values parsed as YAML scalars
 * (so `lr=3e-4` is a number, `normalizeAdvantages=false` a boolean, `policy.hidden=[32,32]` an
 * array, `returns=full` a string). Browser-safe.
 */
import { parse as parseYaml } from 'yaml';

export type ConfigObject = Record<string, unknown>;

/**
 * Keys that would reach an object's prototype instead of a setting (`__proto__.stopAt=512` set
 * Object.prototype.stopAt for every object in the process). No config has settings by these names,
 * so they are refused wherever config is parsed or merged.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A config key from FORBIDDEN_KEYS: a user mistake (the CLI exits 2), wherever it was found. */
export class ForbiddenKeyError extends RangeError {
  override name = 'ForbiddenKeyError';
}

/** Throws a ForbiddenKeyError naming `path` when `key` is one of FORBIDDEN_KEYS. */
export function checkKey(key: string, path = key): void {
  if (FORBIDDEN_KEYS.has(key))
    throw new ForbiddenKeyError(`config key '${path}' is not allowed ('__proto__', 'constructor' and 'prototype' are never settings)`);
}

/** Parse one `key=value` into [dotted path, value]. */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new RangeError(`--set expects key=value (e.g. lr=3e-4 or policy.hidden=[32,32]), got ${JSON.stringify(text)}`);
  const key = text.slice(0, eq).trim();
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(key)) {
    throw new RangeError(`--set: ${JSON.stringify(key)} is not a dotted key path (e.g. policy.hidden)`);
  }
  for (const part of key.split('.')) checkKey(part, key);
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
  for (const part of parts) checkKey(part, path);
  let o: ConfigObject = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = Object.hasOwn(o, parts[i]) ? o[parts[i]] : undefined;
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) o[parts[i]] = {};
    o = o[parts[i]] as ConfigObject;
  }
  o[parts[parts.length - 1]] = value;
  return target;
}

/** Deep merge of plain objects (arrays and scalars from `b` replace those of `a`). */
export function deepMerge(a: ConfigObject, b: ConfigObject, path = ''): ConfigObject {
  const out: ConfigObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const key = path ? `${path}.${k}` : k;
    checkKey(k, key);
    const cur = Object.hasOwn(out, k) ? out[k] : undefined;
    if (isPlainObject(cur) && isPlainObject(v)) out[k] = deepMerge(cur, v, key);
    else {
      checkKeysDeep(v, key);
      out[k] = v;
    }
  }
  return out;
}

/** checkKey on every key of nested objects and arrays (a JSON or YAML value that replaces a setting whole). */
export function checkKeysDeep(v: unknown, path: string): void {
  if (Array.isArray(v)) v.forEach((x, i) => checkKeysDeep(x, `${path}[${i}]`));
  else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      checkKey(k, `${path}.${k}`);
      checkKeysDeep(x, `${path}.${k}`);
    }
  }
}

export function isPlainObject(v: unknown): v is ConfigObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
