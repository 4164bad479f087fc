/**
 * The preset zoo: tuned settings per (algorithm, environment), one YAML file per algorithm
 * (presets/<algo>.yaml), each entry citing where its numbers come from:
 *
 *   algo: reinforce
 *   presets:
 *     CartPole-v1:
 *       source: "..."            # required: paper, zoo file or this project's tuning
 *       config: { ... }          # algorithm config keys (validated against the algorithm's defaults)
 *       run: { evalEvery: 10000, evalEpisodes: 10, threshold: 475 }   # optional driver settings
 *
 * Parsing and validation are browser-safe; reading the files is in node/presets.ts.
 */
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from './config.ts';
import type { ConfigSchema } from '../config/schema.ts';
import { isPlainObject, type ConfigObject } from './overrides.ts';

export interface PresetRunSettings {
  evalEvery?: number;
  evalEpisodes?: number;
  threshold?: number | null;
}

export interface Preset {
  algo: string;
  env: string;
  source: string;
  config: ConfigObject;
  run: PresetRunSettings;
  /** File the preset came from (for messages). */
  file: string;
}

/** What the loader needs to know about algorithms and envs (passed in, to stay decoupled). */
export interface PresetContext {
  algorithms: Record<string, { defaults: Record<string, unknown>; schema?: ConfigSchema }>;
  envIds: string[];
}

const RUN_KEYS: Record<keyof PresetRunSettings, (v: unknown) => boolean> = {
  evalEvery: (v) => Number.isInteger(v) && (v as number) >= 0,
  evalEpisodes: (v) => Number.isInteger(v) && (v as number) > 0,
  threshold: (v) => v === null || (typeof v === 'number' && Number.isFinite(v)),
};

/** Parse and validate one preset file's text; every error names the file and the key. */
export function parsePresetFile(text: string, file: string, ctx: PresetContext): Preset[] {
  const fail = (where: string, why: string): never => {
    throw new Error(`${file}: ${where ? `'${where}': ` : ''}${why}`);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return fail('', `not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isPlainObject(doc)) return fail('', 'expected a mapping with keys algo and presets');
  for (const k of Object.keys(doc)) if (k !== 'algo' && k !== 'presets') fail(k, 'unknown top-level key; valid keys: algo, presets');
  const algo = doc.algo;
  if (typeof algo !== 'string') return fail('algo', `must name an algorithm, got ${JSON.stringify(algo)}`);
  const entry = ctx.algorithms[algo];
  if (!entry) return fail('algo', `no registered algorithm '${algo}'; registered: ${Object.keys(ctx.algorithms).join(', ')}`);
  const presets = doc.presets ?? {};
  if (!isPlainObject(presets)) return fail('presets', 'must be a mapping from environment id to a preset');
  const out: Preset[] = [];
  for (const [env, raw] of Object.entries(presets)) {
    if (!ctx.envIds.includes(env)) fail(`presets.${env}`, `no registered environment '${env}'`);
    if (!isPlainObject(raw)) return fail(`presets.${env}`, 'must be a mapping with source, config and optionally run');
    for (const k of Object.keys(raw)) if (!['source', 'config', 'run'].includes(k)) fail(`presets.${env}.${k}`, 'unknown key; valid keys: source, config, run');
    if (typeof raw.source !== 'string' || raw.source.trim() === '') fail(`presets.${env}.source`, 'every preset must cite its source (a non-empty string)');
    const config = raw.config ?? {};
    if (!isPlainObject(config)) return fail(`presets.${env}.config`, 'must be a mapping of algorithm config keys');
    if ('env' in config) fail(`presets.${env}.config.env`, 'the environment is the preset key; do not set it in config');
    try {
      // The schema checks ranges too (gamma 1.5 is refused here, not when a run starts).
      if (entry.schema) entry.schema.resolve(config);
      else resolveConfig(algo, entry.defaults, config as any);
    } catch (e) {
      fail(`presets.${env}.config`, (e as Error).message);
    }
    const run = raw.run ?? {};
    if (!isPlainObject(run)) return fail(`presets.${env}.run`, 'must be a mapping');
    for (const [k, v] of Object.entries(run)) {
      const ok = RUN_KEYS[k as keyof PresetRunSettings];
      if (!ok) fail(`presets.${env}.run.${k}`, `unknown key; valid keys: ${Object.keys(RUN_KEYS).join(', ')}`);
      if (!ok(v)) fail(`presets.${env}.run.${k}`, `invalid value ${JSON.stringify(v)}`);
    }
    out.push({ algo, env, source: raw.source as string, config: config as ConfigObject, run: run as PresetRunSettings, file });
  }
  return out;
}

/** Where a run's stopping threshold came from: `--threshold`, the preset's run settings, or the env's registered reward threshold. */
export type ThresholdSource = 'flag' | 'preset' | 'env';

/** Words for messages: "threshold -200 from the preset". */
export const THRESHOLD_FROM: Record<ThresholdSource, string> = {
  flag: 'from --threshold',
  preset: 'from the preset',
  env: 'from the env registry',
};

/**
 * The threshold a run of this pair stops at without `--threshold`: the preset's when it sets one
 * (null included: the preset turns it off), else the env's registered reward threshold.
 */
export function presetThreshold(
  preset: Pick<Preset, 'run'> | null,
  envThreshold: number | null | undefined,
): { threshold: number | null; from: ThresholdSource | null } {
  if (preset && preset.run.threshold !== undefined) return { threshold: preset.run.threshold, from: preset.run.threshold === null ? null : 'preset' };
  return envThreshold !== undefined && envThreshold !== null ? { threshold: envThreshold, from: 'env' } : { threshold: null, from: null };
}
