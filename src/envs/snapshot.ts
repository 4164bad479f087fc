/**
 * Env snapshots: a JSON-serialisable picture of everything an env stack's step/reset read (physics
 * state, counters, generator, wrapper statistics), so that a restored stack continues exactly: same
 * observations, rewards, flags and reset draws, bit for bit.
 *
 * A snapshot is one node per layer, outermost first: { kind, state, rng?, env? }. `kind` is the
 * class that wrote it (checked on restore); wrappers nest the snapshot of the env they wrap.
 *
 * JSON has no Infinity, NaN or -0, and JSON.stringify silently turns them into null and 0. Every
 * float in `state` is therefore written with `encodeNumber`: finite numbers (other than -0) stay
 * numbers, which JSON round-trips exactly (shortest round-trip decimal), the rest become the
 * strings 'Infinity', '-Infinity', 'NaN' and '-0'.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A number as JSON can carry it: a finite number, or 'Infinity' | '-Infinity' | 'NaN' | '-0'. */
export type JsonNumber = number | string;

export interface EnvSnapshot {
  /** The class that wrote this node (e.g. 'CartPoleEnv', 'TimeLimit'). */
  kind: string;
  /** This layer's own state (null for a stateless wrapper). */
  state: Json;
  /** Base envs: the generator (Rng.getState() with an encoded spare), null before the first reset. */
  rng?: { s: number[]; spare: JsonNumber | null } | null;
  /** Wrappers: the snapshot of the wrapped env. */
  env?: EnvSnapshot;
}

/** Thrown by snapshot() when a layer of the stack cannot snapshot itself; the message names it. */
export class SnapshotUnsupportedError extends Error {
  override name = 'SnapshotUnsupportedError';
}

/** The snapshot `take()` makes, or null when something cannot snapshot itself (other errors propagate). */
export function snapshotOrNull<T>(take: () => T): T | null {
  try {
    return take();
  } catch (e) {
    if (e instanceof SnapshotUnsupportedError) return null;
    throw e;
  }
}

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

const SPECIAL: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN, '-0': -0 };

/** Inverse of encodeNumber; `what` names the field in the error. */
export function decodeNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v in SPECIAL) return SPECIAL[v];
  throw new Error(`${what}: expected a number (or 'Infinity', '-Infinity', 'NaN', '-0'), got ${JSON.stringify(v)}`);
}

export function encodeNumbers(a: ArrayLike<number>): JsonNumber[] {
  return Array.from(a, encodeNumber);
}

/** Decodes an array of encoded numbers; `length` (if given) is checked. */
export function decodeNumbers(v: unknown, length: number | null, what: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array of ${length ?? 'some'} numbers, got ${short(v)}`);
  if (length !== null && v.length !== length) throw new Error(`${what}: expected ${length} numbers, got ${v.length}`);
  return v.map((x, i) => decodeNumber(x, `${what}[${i}]`));
}

/** The state object of a snapshot node, or an error naming `who`. */
export function stateObject(who: string, state: unknown): Record<string, Json> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new Error(`${who}: expected the snapshot's state to be an object, got ${short(state)}`);
  }
  return state as Record<string, Json>;
}

export function checkInteger(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${what}: expected an integer >= ${min}, got ${short(v)}`);
  return v;
}

export function checkBoolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${what}: expected true or false, got ${short(v)}`);
  return v;
}

/** Checks that `s` is a snapshot node written by `kind`. */
export function checkNode(who: string, s: unknown, kind: string): EnvSnapshot {
  if (s === null || typeof s !== 'object' || typeof (s as EnvSnapshot).kind !== 'string') {
    throw new Error(`${who}: expected an env snapshot { kind: '${kind}', state, ... }, got ${short(s)}`);
  }
  const k = (s as EnvSnapshot).kind;
  if (k !== kind) throw new Error(`${who}: the snapshot is of '${k}', expected '${kind}' (was it taken from a different env stack?)`);
  return s as EnvSnapshot;
}

/** JSON.stringify, shortened for error messages. */
export function short(v: unknown): string {
  const s = v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
