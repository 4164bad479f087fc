/**
 * The settings a resumed run may change (`ascent train --resume <dir> --set lr=1e-4`). A resume keeps
 * the run's networks, optimiser moments, observation and reward normalisers, replay buffers and env
 * streams, so only settings that steer the updates from here on can change: step sizes and their
 * schedules, the horizon, the loss's coefficients and clip ranges, the number and size of the
 * minibatches. This is what fine-tuning a saved run needs (SB3 overrides such settings on load with
 * `custom_objects`). Settings that shape what was saved (env, seed, numEnvs, nSteps, the networks,
 * normalisation, buffers, the estimator) cannot change: a new run is the honest way to change them.
 */
import type { AlgorithmEntry } from '../algos/index.ts';
import { ConfigError, buildConfig } from './setup.ts';
import { isPlainObject, type ConfigObject } from './overrides.ts';

/** Dotted keys, over every algorithm; a key an algorithm lacks is refused by its schema first. */
export const RESUMABLE_KEYS: ReadonlySet<string> = new Set([
  // step sizes and their schedules
  'lr',
  'lrSchedule',
  'valueLr',
  'model.lr',
  'model.weightDecay',
  // returns and advantages
  'gamma',
  'gaeLambda',
  'normalizeAdvantages',
  // the update: minibatches, epochs, the loss, its clipping and trust region
  'epochs',
  'batchSize',
  'clipRange',
  'clipSchedule',
  'clipRangeVf',
  'klTarget',
  'entCoef',
  'vfCoef',
  'maxGradNorm',
  'targetKl',
  'cgIters',
  'cgDamping',
  'lineSearch',
  'lineSearchShrink',
  'lineSearchSteps',
  'valueIters',
  'valueEpochs',
  'valueBatchSize',
  'pgIterations',
  // off-policy update rhythm and targets
  'learningStarts',
  'trainFreq',
  'gradientSteps',
  'tau',
  'targetUpdateInterval',
  'targetEntropy',
  'logInterval',
  // model fitting
  'modelBatchSize',
  'modelMaxEpochs',
  'patience',
]);

/** One setting changed by a resume, as recorded in config.json's `changes`. */
export interface ConfigChange {
  key: string;
  from: unknown;
  to: unknown;
}

/** Leaves of a nested config by dotted key (arrays are leaves). */
function leaves(o: ConfigObject, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) leaves(v, key, out);
    else out.set(key, v);
  }
  return out;
}

/**
 * The saved config with `file` and `sets` merged over it, validated by the algorithm's schema, and the
 * settings that changed; throws a ConfigError naming a setting a resume cannot change.
 */
export function resumeConfig(
  entry: AlgorithmEntry,
  envId: string,
  saved: ConfigObject,
  layers: { file?: ConfigObject; sets?: ConfigObject },
): { config: ConfigObject; changes: ConfigChange[] } {
  const config = buildConfig(entry, envId, { preset: saved, file: layers.file, sets: layers.sets });
  // A run saved before a setting existed resumes with its default: that is not a change.
  const before = leaves(buildConfig(entry, envId, { preset: saved }));
  const changes: ConfigChange[] = [];
  for (const [key, to] of leaves(config)) {
    const from = before.get(key);
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    if (!RESUMABLE_KEYS.has(key)) {
      const can = [...before.keys()].filter((k) => RESUMABLE_KEYS.has(k));
      throw new ConfigError(
        `--resume: '${key}' cannot change in a resumed run (${JSON.stringify(from)} -> ${JSON.stringify(to)}): it shapes what the run saved; ` +
          `start a new run to change it (a resume can change ${can.join(', ')})`,
      );
    }
    changes.push({ key, from, to });
  }
  return { config, changes };
}
