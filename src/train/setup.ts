/**
 * From names and overrides to a ready algorithm: the checks the CLI and the dashboard both need
 * (known algorithm and env with the closest names, supported action space, config layers validated
 * by the algorithm's schema). Every failure is a ConfigError with a one-line message. Browser-safe.
 */
import { ALGORITHMS, type AlgorithmEntry } from '../algos/index.ts';
import type { Algorithm } from '../algos/types.ts';
import { make, registeredIds, pendingIds, spec, Discrete, Box, type Space } from '../envs/index.ts';
import { unknownId } from '../envs/registry.ts';
import { checkMemory, envDims, resolveConfig } from './config.ts';
import { closestNames } from '../util/names.ts';
import { deepMerge, isPlainObject, type ConfigObject } from './overrides.ts';

/** A user mistake (bad name, key, value or file): the CLI prints the message alone and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function algorithmEntry(name: string): AlgorithmEntry {
  const e = ALGORITHMS[name] ?? ALGORITHMS[name.toLowerCase()];
  if (!e) {
    const names = Object.keys(ALGORITHMS).sort();
    throw new ConfigError(`unknown algorithm '${name}'; closest: ${closestNames(name, names).join(', ')} (registered: ${names.join(', ')})`);
  }
  return e;
}

export function checkEnvId(id: string): void {
  // A MuJoCo id before its module is loaded: say how to load it.
  if (pendingIds().includes(id)) throw new ConfigError(unknownId(id).message.replace(/^make: /, ''));
  if (!registeredIds().includes(id)) {
    const known = [...registeredIds(), ...pendingIds()];
    throw new ConfigError(`unknown environment '${id}'; closest: ${closestNames(id, known).join(', ')} (see 'ascent list')`);
  }
}

export type ActionKind = 'discrete' | 'continuous' | 'other';

export function actionKind(space: Space<any>): ActionKind {
  return space instanceof Discrete ? 'discrete' : space instanceof Box ? 'continuous' : 'other';
}

/** A short description of a space for tables: Box shape with its bounds when they are uniform. */
export function spaceSummary(space: Space<any>): string {
  if (!(space instanceof Box)) return String(space);
  const shape = `(${space.shape.join(', ')}${space.shape.length === 1 ? ',' : ''})`;
  const same = (a: Float64Array) => a.length > 0 && a.every((v) => v === a[0]);
  const bounds =
    same(space.low) && same(space.high) && Number.isFinite(space.low[0]) ? ` [${+space.low[0].toPrecision(6)}, ${+space.high[0].toPrecision(6)}]` : '';
  return `Box${shape}${bounds} ${space.dtype}`;
}

export interface EnvSummary {
  id: string;
  observation: string;
  action: string;
  actionKind: ActionKind;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  description?: string;
}

export function describeEnv(id: string): EnvSummary {
  const s = spec(id);
  const env = make(id);
  try {
    return {
      id,
      observation: spaceSummary(env.observationSpace),
      action: spaceSummary(env.actionSpace),
      actionKind: actionKind(env.actionSpace),
      maxEpisodeSteps: s.maxEpisodeSteps ?? null,
      rewardThreshold: s.rewardThreshold ?? null,
      description: s.description,
    };
  } finally {
    env.close();
  }
}

export function checkActionSpace(entry: AlgorithmEntry, envId: string): void {
  const d = describeEnv(envId);
  if (d.actionKind === 'other' || !entry.actionSpaces.includes(d.actionKind)) {
    // Envs that fit, nearest by name first (CartPole-v1 -> ContinuousCartPole-v0); velocity-masked variants only by exact interest.
    const fitting = registeredIds().filter((id) => !/MaskedVelocity/.test(id) && (entry.actionSpaces as string[]).includes(describeEnv(id).actionKind));
    const tries = closestNames(envId, fitting, 2);
    throw new ConfigError(
      `${entry.name} does not support ${envId}'s ${d.actionKind} action space ${d.action}; it supports ${entry.actionSpaces.join(' and ')} actions` +
        `${tries.length ? `: try ${tries.join(' or ')}` : ''} (ascent list shows each env's action space)`,
    );
  }
}

/** The run-level flags that map onto every algorithm's config keys. */
export const FLAG_KEYS = { seed: 'seed', steps: 'totalSteps', envs: 'numEnvs' } as const;

export interface ConfigLayers {
  preset?: ConfigObject;
  file?: ConfigObject;
  sets?: ConfigObject;
  flags?: Partial<Record<keyof typeof FLAG_KEYS, number>>;
}

/** defaults < preset < --config file < --set < flags, then validated by resolveConfig with the algorithm's defaults. */
export function buildConfig(entry: AlgorithmEntry, envId: string, layers: ConfigLayers): ConfigObject {
  let merged: ConfigObject = {};
  for (const l of [layers.preset, layers.file, layers.sets]) if (l) merged = deepMerge(merged, l);
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const v = layers.flags?.[flag as keyof typeof FLAG_KEYS];
    if (v === undefined) continue;
    if (!(key in entry.defaults)) throw new ConfigError(`--${flag}: algorithm '${entry.name}' has no '${key}' setting`);
    merged[key] = v;
  }
  if ('env' in merged && merged.env !== envId)
    throw new ConfigError(`config sets env '${merged.env}' but the command names '${envId}'; give the env on the command line only`);
  if ('env' in entry.defaults) merged.env = envId;
  try {
    return resolveConfig(entry.name, entry.defaults, merged) as ConfigObject;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** Create the algorithm; its constructor's own range checks become ConfigErrors. */
export function createAlgorithm(entry: AlgorithmEntry, config: ConfigObject): Algorithm {
  try {
    // Refuse configs that cannot fit before allocating anything (one line instead of an out-of-memory crash).
    if (typeof config.env === 'string') {
      let dims: ReturnType<typeof envDims>;
      try {
        // A value that is not a mapping is left to the algorithm's schema, whose error says what it must be.
        dims = envDims(config.env, isPlainObject(config.envKwargs) ? config.envKwargs : null);
      } catch (e) {
        // The env refused its options (envKwargs): a config error, in the env's own words.
        throw new ConfigError(`${entry.name}: envKwargs: ${(e as Error).message}`);
      }
      checkMemory(entry.name, config, dims);
    }
    return entry.create(config);
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigError((e as Error).message);
    throw e;
  }
}
