/**
 * One schema per algorithm: each config key is written once, with its default, its range, a
 * one-line description and where the default comes from. The TypeScript type (ConfigOf), the
 * defaults, the validation (resolve), `ascent train <algo> --help` and the settings tables in
 * docs/algorithms/*.md are all derived from it.
 *
 * A small builder of our own rather than zod: validation must keep this library's one-line errors
 * ("ppo: 'gamma' must be in [0, 1], got 1.5", unknown keys with "did you mean"), nested groups
 * merge key by key over their defaults, and the help and the docs need each key's range as text;
 * with zod each of these is a translation layer over its issue objects and internal check lists,
 * and the browser bundle would carry a dependency for ~150 lines of code. Browser-safe.
 */
import { must, resolveConfig, SEED_MAX, STEPS_MAX, type Checks } from '../train/config.ts';

/** One setting: its default, the rule its values obey (as code and as text) and what it means. */
export interface Field<T> {
  readonly kind: 'field';
  readonly default: T;
  /** One line: what the setting does. */
  readonly doc: string;
  /** The accepted values, as a reader wants them: "integer >= 1", "[0, 1]", "clip | adaptiveKl". */
  readonly range: string;
  /** Where the default comes from (paper, library, this project's tuning); '' when it is this project's choice. */
  readonly source: string;
  /** An error fragment ("must be > 0") or null. The value already has the default's type. */
  readonly check: (v: any) => string | null;
}

/** A nested object of settings (`policy.hidden`), merged key by key over its defaults. */
export interface Group<S extends Shape> {
  readonly kind: 'group';
  readonly shape: S;
  readonly doc: string;
}

export type Shape = { readonly [key: string]: Field<any> | Group<any> };

/** The config type a shape describes. */
export type Infer<S extends Shape> = {
  -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : S[K] extends Group<infer G> ? Infer<G> : never;
};

export interface FieldOptions {
  source?: string;
}

const field = <T>(def: T, doc: string, range: string, check: (v: any) => string | null, o: FieldOptions = {}): Field<T> => ({
  kind: 'field',
  default: def,
  doc,
  range,
  source: o.source ?? '',
  check,
});

/** Integers from `min` (0 or 1) up to 2^53 - 1. */
export function int(def: number, doc: string, o: FieldOptions & { min?: 0 | 1 } = {}): Field<number> {
  const min = o.min ?? 1;
  return field(def, doc, `integer >= ${min}`, min === 1 ? must.positiveInt : must.nonNegativeInt, o);
}

/** Real-number ranges, each with the wording the errors have always used. */
const REAL_RANGES = {
  positive: ['> 0', must.positive],
  nonNegative: ['>= 0', must.nonNegative],
  unit: ['[0, 1]', must.unit],
  openUnit: ['(0, 1)', (v: number) => (v > 0 && v < 1 ? null : 'must be in (0, 1)')],
  any: ['any number', () => null],
} as const satisfies Record<string, readonly [string, (v: number) => string | null]>;

/** A finite number in one of REAL_RANGES. */
export function num(def: number, doc: string, range: keyof typeof REAL_RANGES, o: FieldOptions = {}): Field<number> {
  const [text, check] = REAL_RANGES[range];
  return field(def, doc, text, check, o);
}

/** A seed: an integer in 0..2^32 - 1 (see SEED_MAX). */
export function seed(doc = 'seeds the networks, the environments (env i: seed + i) and sampling', o: FieldOptions = {}): Field<number> {
  return field(0, doc, `integer in 0..${SEED_MAX}`, must.seed, o);
}

/** A step budget: an integer in 1..STEPS_MAX. */
export function steps(def: number, doc = 'environment steps to train for', o: FieldOptions = {}): Field<number> {
  return field(def, doc, `integer in 1..${STEPS_MAX}`, must.steps, o);
}

export function bool(def: boolean, doc: string, o: FieldOptions = {}): Field<boolean> {
  return field(def, doc, 'true | false', () => null, o);
}

/** One of a fixed list of strings; `expected` overrides the error's "must be one of ..." wording. */
export function choice<const T extends readonly string[]>(
  options: T,
  def: T[number],
  doc: string,
  o: FieldOptions & { expected?: string } = {},
): Field<T[number]> {
  const check = must.oneOf(...options);
  return field(def, doc, options.join(' | '), o.expected ? (v) => (check(v) === null ? null : o.expected!) : check, o);
}

/** Any string (the environment id, checked when the env is made). */
export function str(def: string, doc: string, range: string, o: FieldOptions = {}): Field<string> {
  return field(def, doc, range, () => null, o);
}

/** Layer widths: an array of positive integers (empty = no hidden layer, unless nonEmpty). */
export function widths(def: number[], doc: string, o: FieldOptions & { nonEmpty?: boolean } = {}): Field<number[]> {
  const ok = (v: unknown[]) => (!o.nonEmpty || v.length > 0) && v.every((h) => Number.isSafeInteger(h) && (h as number) > 0);
  const what = o.nonEmpty ? 'a non-empty array of positive integers' : 'an array of positive integers';
  return field(def, doc, o.nonEmpty ? 'non-empty list of integers >= 1' : 'list of integers >= 1', (v) => (ok(v) ? null : `must be ${what}`), o);
}

/** A setting with its own rule; `range` says in words what `check` accepts. */
export function custom<T>(def: T, doc: string, range: string, check: (v: any) => string | null, o: FieldOptions = {}): Field<T> {
  return field(def, doc, range, check, o);
}

export function group<S extends Shape>(shape: S, doc: string): Group<S> {
  return { kind: 'group', shape, doc };
}

/**
 * A rule between keys (batchSize <= nSteps * numEnvs): `says` is the rule in words for --help and
 * the docs; `check` returns the error (after "algo: ") or null.
 */
export interface Rule<C = any> {
  readonly says: string;
  check(c: C): string | null;
}

/** An algorithm's schema: its name (for messages), its shape, rules between keys and the defaults derived from it. */
export interface ConfigSchema<S extends Shape = Shape> {
  readonly name: string;
  readonly shape: S;
  readonly rules: readonly Rule<Infer<S>>[];
  readonly defaults: Infer<S>;
  /** Defaults ⊕ overrides, validated; errors name the algorithm, the key, the value and the rule. */
  resolve(overrides?: Overrides<Infer<S>> | Record<string, unknown>): Infer<S>;
}

export type ConfigOf<X> = X extends ConfigSchema<infer S> ? Infer<S> : never;

/** What a caller may pass: any subset of the keys, nested groups included (`{ policy: { hidden: [32] } }`). */
export type Overrides<C> = { [K in keyof C]?: C[K] extends readonly unknown[] ? C[K] : C[K] extends object ? Overrides<C[K]> : C[K] };

function defaultsOf(shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(shape)) {
    const d = f.kind === 'group' ? defaultsOf(f.shape) : f.default;
    // Copies, so that a caller mutating a config never changes the schema's defaults.
    out[k] = Array.isArray(d) ? [...d] : d;
  }
  return out;
}

function checksOf(shape: Shape): Checks<any> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(shape)) out[k] = f.kind === 'group' ? checksOf(f.shape) : f.check;
  return out as Checks<any>;
}

/** Every field with its dotted key (`policy.hidden`), in the schema's order. */
export function fieldsOf(shape: Shape, prefix = ''): [string, Field<unknown>][] {
  const out: [string, Field<unknown>][] = [];
  for (const [k, f] of Object.entries(shape)) {
    if (f.kind === 'group') out.push(...fieldsOf(f.shape, `${prefix}${k}.`));
    else out.push([prefix + k, f]);
  }
  return out;
}

/**
 * Builds an algorithm's schema. A default that breaks its own rule, or defaults that break a rule
 * between keys, are a bug in the schema, caught here when the module loads (a test imports every
 * algorithm) rather than by a user.
 */
export function defineConfig<const S extends Shape>(name: string, shape: S, rules: readonly Rule<Infer<S>>[] = []): ConfigSchema<S> {
  for (const [key, f] of fieldsOf(shape)) {
    const why = f.check(f.default);
    if (why) throw new Error(`${name}: the schema's default for '${key}' ${why}, got ${JSON.stringify(f.default)}`);
    if (!f.doc.trim() || f.doc.includes('\n')) throw new Error(`${name}: '${key}' needs a one-line description`);
  }
  const checks = checksOf(shape);
  const applyRules = (c: Infer<S>) => {
    for (const r of rules) {
      const why = r.check(c);
      if (why) throw new RangeError(`${name}: ${why}`);
    }
    return c;
  };
  applyRules(defaultsOf(shape) as Infer<S>);
  return {
    name,
    shape,
    rules,
    get defaults() {
      return defaultsOf(shape) as Infer<S>;
    },
    resolve: (overrides = {}) => applyRules(resolveConfig(name, defaultsOf(shape), overrides as Record<string, unknown>, checks) as Infer<S>),
  };
}

/** A schema with more keys, or some keys replaced (MBPO over SAC: other defaults, extra settings). */
export function extendConfig<S extends Shape, const E extends Shape>(
  name: string,
  base: ConfigSchema<S>,
  more: E,
  rules: readonly Rule<Infer<Omit<S, keyof E> & E>>[] = [],
): ConfigSchema<Omit<S, keyof E> & E> {
  return defineConfig(name, { ...base.shape, ...more } as Omit<S, keyof E> & E, [...(base.rules as Rule[]), ...rules]);
}

/** The same field with another default (and optionally its source): presets and derived algorithms. */
export function withDefault<T>(f: Field<T>, def: T, source?: string): Field<T> {
  return { ...f, default: def, source: source ?? f.source };
}
