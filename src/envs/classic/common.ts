/** Shared checks for the classic-control envs: clear errors naming the env, the value and the space. */
import type { Box, Discrete } from '../spaces.ts';
import { entropySeed } from '../env.ts';
import { NumpyGenerator, type NumpyGeneratorState } from '../mujoco/numpy-random.ts';
import { short, type Json } from '../snapshot.ts';

function show(v: unknown): string {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return `[${Array.from(v as ArrayLike<number>).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function badDiscreteAction(envId: string, action: unknown, space: Discrete): Error {
  return new Error(
    `${envId}: action ${show(action)} is not in the action space ${space} (expected an integer in [${space.start}, ${space.start + space.n - 1}])`,
  );
}

/**
 * The scalar of a 1-element continuous action as float32 (the Box dtype, as Gymnasium receives a
 * float32 array). Throws on a wrong length or NaN; out-of-bounds values are left to the env's own clip.
 */
export function scalarAction(envId: string, action: unknown, space: Box<any>): number {
  let v: number;
  if (typeof action === 'number') v = action;
  else if ((ArrayBuffer.isView(action) || Array.isArray(action)) && (action as ArrayLike<number>).length === 1) {
    v = (action as ArrayLike<number>)[0];
  } else {
    throw new Error(`${envId}: action ${show(action)} does not fit the action space ${space} (expected an array of length 1)`);
  }
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new Error(`${envId}: action ${show(action)} is NaN or not a number; the action space is ${space}`);
  }
  return Math.fround(v);
}

export function checkStateLength(envId: string, state: ArrayLike<number>, names: readonly string[]): void {
  if (!state || state.length !== names.length) {
    throw new Error(`${envId}.setState: expected ${names.length} values [${names.join(', ')}], got ${show(state)}`);
  }
  for (let i = 0; i < names.length; i++) {
    if (typeof state[i] !== 'number' || Number.isNaN(state[i])) {
      throw new Error(`${envId}.setState: ${names[i]} must be a number, got ${show(state[i])}`);
    }
  }
}

export function notReset(envId: string): Error {
  return new Error(`${envId}: call reset() before step()`);
}

/** gymnasium.envs.classic_control.utils.maybe_parse_reset_bounds: options.low / options.high. */
export function resetBounds(envId: string, options: Record<string, unknown> | undefined, low: number, high: number): [number, number] {
  if (!options) return [low, high];
  const lo = 'low' in options ? options.low : low;
  const hi = 'high' in options ? options.high : high;
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi)) {
    throw new Error(`${envId}.reset: options.low and options.high must be numbers with low <= high, got low=${show(lo)} high=${show(hi)}`);
  }
  return [lo, hi];
}

/** Python/NumPy floored modulo (the sign of the divisor), unlike JavaScript's truncating %. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * Gymnasium's `np_random` for reset({ seed }): NumPy's default_rng(seed) (SeedSequence, PCG64),
 * so a seed starts the same episode as in Gymnasium. A new seed makes a new generator; no seed
 * continues `current`, or seeds from entropy on first use, as Gymnasium does.
 */
export function numpyRandom(envId: string, current: NumpyGenerator | null, seed: number | undefined): NumpyGenerator {
  if (seed !== undefined) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${envId}.reset: seed must be a non-negative integer, got ${String(seed)}`);
    return new NumpyGenerator(seed);
  }
  return current ?? new NumpyGenerator(entropySeed());
}

/** The generator in an env snapshot (null before the first reset). */
export function numpyState(np: NumpyGenerator | null): Json {
  return np ? { ...np.getState() } : null;
}

/**
 * The generator from an env snapshot. Snapshots from before the NumPy generator (no `np` field)
 * restore without one: the next unseeded reset then draws from entropy.
 */
export function numpyFromState(who: string, v: Json | undefined): NumpyGenerator | null {
  if (v === null || v === undefined) return null;
  try {
    return NumpyGenerator.fromState(v as unknown as NumpyGeneratorState);
  } catch (e) {
    throw new Error(`${who}: bad state.np ${short(v)}: ${(e as Error).message}`);
  }
}
