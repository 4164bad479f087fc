/**
 * Config resolution: user overrides merged over an algorithm's documented defaults, with errors
 * that name the dotted key, the bad value and what is expected (unknown keys list the valid ones).
 */

import { closestNames } from '../util/names.ts';
import { checkKey, checkKeysDeep } from './overrides.ts';

/**
 * Seeds are integers in 0..SEED_MAX. The generators (src/rng) mix up to 53 bits, but seeds are
 * also offset (env i resets with seed + i, evaluation with seed + 1000 + i) and must stay exact
 * integers; 2^32 - 1 is NumPy's and Gymnasium's common 32-bit range with room for the offsets.
 */
export const SEED_MAX = 2 ** 32 - 1;
/** The largest step count a config or flag accepts (10^12: years at this library's speed, and exact in a double). */
export const STEPS_MAX = 1e12;

export type Checks<C> = Partial<Record<keyof C, (v: any) => string | null>>;

/**
 * defaults ⊕ overrides, checked: every key must exist in defaults, every value must have the type of
 * its default (numbers, strings, booleans, arrays, nested objects; a null default accepts anything),
 * and `checks` can add range rules returning an error message or null.
 */
export function resolveConfig<C extends Record<string, any>>(name: string, defaults: C, overrides: Partial<C> = {}, checks: Checks<C> = {}, path = ''): C {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new TypeError(`${name}: config${path ? ` '${path}'` : ''} must be an object, got ${JSON.stringify(overrides)}`);
  }
  const out: Record<string, any> = { ...defaults };
  const valid = Object.keys(defaults);
  for (const [k, v] of Object.entries(overrides)) {
    const key = path ? `${path}.${k}` : k;
    checkKey(k, key);
    // Own keys only: `k in defaults` would accept 'toString' or 'constructor' from the prototype.
    if (!Object.hasOwn(defaults, k)) {
      const near = closestNames(k, valid, 1, Math.max(2, Math.floor(k.length / 2)));
      throw new RangeError(`${name}: unknown config key '${key}'${near.length ? ` (did you mean '${path ? path + '.' : ''}${near[0]}'?)` : ''}; valid keys: ${valid.map((x) => (path ? `${path}.${x}` : x)).join(', ')}`);
    }
    if (v === undefined) continue;
    const d = (defaults as any)[k];
    if (d !== null && d !== undefined) {
      const want = Array.isArray(d) ? 'array' : typeof d;
      const got = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
      if (want !== got) {
        throw new TypeError(`${name}: '${key}' must be a ${want}, got ${JSON.stringify(v)}`);
      }
      if (want === 'number' && !Number.isFinite(v)) throw new RangeError(`${name}: '${key}' must be a finite number, got ${v}`);
      if (want === 'object' && got === 'object') {
        out[k] = resolveConfig(name, d, v, {}, key);
        continue;
      }
    }
    checkKeysDeep(v, key);
    out[k] = v;
  }
  // Rules every algorithm shares, whatever its own checks say.
  if (path === '' && Object.hasOwn(overrides, 'seed') && typeof out.seed === 'number') {
    const why = must.seed(out.seed);
    if (why) throw new RangeError(`${name}: 'seed' ${why}, got ${JSON.stringify(out.seed)}`);
  }
  if (path === '' && Object.hasOwn(overrides, 'totalSteps') && typeof out.totalSteps === 'number') {
    const why = must.steps(out.totalSteps);
    if (why) throw new RangeError(`${name}: 'totalSteps' ${why}, got ${JSON.stringify(out.totalSteps)}`);
  }
  for (const [k, check] of Object.entries(checks) as [string, (v: any) => string | null][]) {
    const why = check(out[k]);
    if (why) throw new RangeError(`${name}: '${path ? path + '.' : ''}${k}' ${why}, got ${JSON.stringify(out[k])}`);
  }
  return out as C;
}

/** Common range rules. */
export const must = {
  // Safe integers only: above 2^53 a double no longer holds every integer (1e30 is "an integer").
  positiveInt: (v: number) => (Number.isSafeInteger(v) && v > 0 ? null : 'must be a positive integer (at most 2^53 - 1)'),
  nonNegativeInt: (v: number) => (Number.isSafeInteger(v) && v >= 0 ? null : 'must be a non-negative integer (at most 2^53 - 1)'),
  seed: (v: number) => (Number.isInteger(v) && v >= 0 && v <= SEED_MAX ? null : `must be an integer in 0..${SEED_MAX} (2^32 - 1)`),
  steps: (v: number) => (Number.isInteger(v) && v >= 1 && v <= STEPS_MAX ? null : `must be an integer in 1..${STEPS_MAX}`),
  positive: (v: number) => (v > 0 ? null : 'must be > 0'),
  nonNegative: (v: number) => (v >= 0 ? null : 'must be >= 0'),
  unit: (v: number) => (v >= 0 && v <= 1 ? null : 'must be in [0, 1]'),
  oneOf: (...opts: unknown[]) => (v: unknown) => (opts.includes(v) ? null : `must be one of ${opts.map((o) => JSON.stringify(o)).join(', ')}`),
};
