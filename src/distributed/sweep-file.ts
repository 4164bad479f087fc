/**
 * Sweep files: seeds x configurations of one algorithm on one environment, expanded into jobs.
 * Browser-safe (no Node imports): the submitter validates here before anything is enqueued.
 *
 * ```yaml
 * name: cartpole-lr          # optional (default: the file's name); with a hash of the jobs it names the sweep
 * algo: ppo
 * env: CartPole-v1
 * steps: 20000               # environment steps of each run
 * seeds: [0, 1, 2]           # or a count: 3 means 0, 1, 2
 * search: grid               # grid (default): every combination; random: `samples` draws
 * samples: 8                 # random only
 * samplerSeed: 0             # random only: the draws are reproducible
 * set: { numEnvs: 4 }        # settings of every job (like --set)
 * params:                    # swept settings (dotted keys, like --set)
 *   lr: [1.0e-3, 3.0e-4]     # grid: a list of values; random: a list (categorical) or a distribution:
 *   gamma: { uniform: [0.95, 0.999] }      # { categorical: [...] } | { uniform: [lo, hi] }
 *   entCoef: { loguniform: [1.0e-5, 0.01] } # | { loguniform: [lo, hi] } | { int: [lo, hi] }
 * run: { evalEvery: 5000, evalEpisodes: 10, threshold: none, checkpointEvery: 2000, preset: true }
 * ```
 * The distributions are those of Optuna's suggest_* calls that the RL Zoo's tuning (rl_zoo3,
 * hyperparams_opt.py) draws from; the sweep file keeps the Zoo's one-algorithm-one-env scope.
 */
import { parse as parseYaml } from 'yaml';
import { Rng } from '../rng/index.ts';
import { SEED_MAX, STEPS_MAX } from '../train/config.ts';
import { checkKey, isPlainObject, type ConfigObject } from '../train/overrides.ts';
import { ConfigError } from '../train/setup.ts';

export type Distribution = { categorical: unknown[] } | { uniform: [number, number] } | { loguniform: [number, number] } | { int: [number, number] };

export interface SweepRunSettings {
  evalEvery?: number;
  evalEpisodes?: number;
  /** A number, or 'none' (train to the step budget). */
  threshold?: number | 'none';
  /** Checkpoint interval (env steps): a killed job resumes from its last checkpoint. Default: steps / 20. */
  checkpointEvery: number;
  /** Start from the tuned preset of the pair when there is one (as `ascent train` does). Default true. */
  preset: boolean;
}

export interface SweepSpec {
  name: string;
  algo: string;
  env: string;
  steps: number;
  seeds: number[];
  search: 'grid' | 'random';
  samples: number;
  samplerSeed: number;
  set: ConfigObject;
  params: Record<string, unknown[] | Distribution>;
  run: SweepRunSettings;
}

/** One training run of a sweep: a configuration (the swept values) and a seed. */
export interface SweepJob {
  /** Position in the sweep (0-based); with the sweep id it names the job. */
  index: number;
  /** `c<config>-s<seed>`: stable across submissions of the same file. */
  key: string;
  config: number;
  seed: number;
  /** The swept values of this job's configuration, by dotted key. */
  params: Record<string, unknown>;
}

const TOP_KEYS = ['name', 'algo', 'env', 'steps', 'seeds', 'search', 'samples', 'samplerSeed', 'set', 'params', 'run'];
const RUN_KEYS = ['evalEvery', 'evalEpisodes', 'threshold', 'checkpointEvery', 'preset'];
const DIST_KINDS = ['categorical', 'uniform', 'loguniform', 'int'];
/** More jobs than this is a typo in a grid, not an experiment. */
export const MAX_JOBS = 10_000;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const KEY_RE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

function intIn(where: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${where} must be an integer in ${lo}..${hi}, got ${show(v)}`);
  return v;
}

function checkDistribution(where: string, v: unknown): Distribution {
  if (!isPlainObject(v) || Object.keys(v).length !== 1 || !DIST_KINDS.includes(Object.keys(v)[0]))
    throw new ConfigError(
      `${where} must be a list of values or one of {categorical: [...]}, {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, hi]}; got ${show(v)}`,
    );
  const [kind, arg] = Object.entries(v)[0];
  if (kind === 'categorical') {
    if (!Array.isArray(arg) || arg.length === 0) throw new ConfigError(`${where}.categorical must be a non-empty list, got ${show(arg)}`);
    return { categorical: arg };
  }
  const pair = arg as unknown[];
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((x) => typeof x === 'number' && Number.isFinite(x)) ||
    !((pair[0] as number) <= (pair[1] as number))
  )
    throw new ConfigError(`${where}.${kind} must be [lo, hi] with finite numbers lo <= hi, got ${show(arg)}`);
  const [lo, hi] = pair as [number, number];
  if (kind === 'loguniform' && !(lo > 0)) throw new ConfigError(`${where}.loguniform needs 0 < lo <= hi, got ${show(arg)}`);
  if (kind === 'int' && !(Number.isInteger(lo) && Number.isInteger(hi))) throw new ConfigError(`${where}.int needs integer bounds, got ${show(arg)}`);
  return { [kind]: [lo, hi] } as Distribution;
}

/** Parse and check a sweep file's text; `file` names it in errors and gives the default name. */
export function parseSweep(text: string, file: string): SweepSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isPlainObject(doc)) throw new ConfigError(`${file}: expected a mapping with algo, env, steps, seeds and params, got ${show(doc)}`);
  const at = (k: string) => `${file}: '${k}'`;
  for (const k of Object.keys(doc)) if (!TOP_KEYS.includes(k)) throw new ConfigError(`${file}: unknown key '${k}' (expected one of ${TOP_KEYS.join(', ')})`);
  for (const k of ['algo', 'env']) if (typeof doc[k] !== 'string' || !doc[k]) throw new ConfigError(`${at(k)} must be a name, got ${show(doc[k])}`);
  const base = file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '');
  const name = doc.name ?? base.replace(/[^A-Za-z0-9_-]/g, '-');
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ConfigError(`${at('name')} must be 1-64 letters, digits, '-' or '_', got ${show(name)}`);
  if (doc.steps === undefined) throw new ConfigError(`${at('steps')} is missing: give the environment steps of each run`);
  const steps = intIn(at('steps'), doc.steps, 1, STEPS_MAX);
  let seeds: number[];
  if (typeof doc.seeds === 'number') seeds = Array.from({ length: intIn(at('seeds'), doc.seeds, 1, MAX_JOBS) }, (_, i) => i);
  else if (Array.isArray(doc.seeds) && doc.seeds.length > 0) seeds = doc.seeds.map((s, i) => intIn(`${file}: 'seeds[${i}]'`, s, 0, SEED_MAX));
  else throw new ConfigError(`${at('seeds')} must be a count or a non-empty list of seeds, got ${show(doc.seeds)}`);
  if (new Set(seeds).size !== seeds.length) throw new ConfigError(`${at('seeds')} lists a seed twice: ${show(seeds)}`);
  const search = doc.search ?? 'grid';
  if (search !== 'grid' && search !== 'random') throw new ConfigError(`${at('search')} must be 'grid' or 'random', got ${show(search)}`);
  if (search === 'grid' && doc.samples !== undefined) throw new ConfigError(`${at('samples')} is for search: random (a grid runs every combination)`);
  const samples = search === 'random' ? intIn(at('samples'), doc.samples, 1, MAX_JOBS) : 1;
  const samplerSeed = doc.samplerSeed === undefined ? 0 : intIn(at('samplerSeed'), doc.samplerSeed, 0, SEED_MAX);
  const set = doc.set ?? {};
  if (!isPlainObject(set)) throw new ConfigError(`${at('set')} must be a mapping of settings, got ${show(set)}`);
  const paramsIn = doc.params ?? {};
  if (!isPlainObject(paramsIn)) throw new ConfigError(`${at('params')} must be a mapping of dotted keys to value lists, got ${show(paramsIn)}`);
  const params: SweepSpec['params'] = {};
  for (const [k, v] of Object.entries(paramsIn)) {
    const where = `${file}: params '${k}'`;
    if (!KEY_RE.test(k)) throw new ConfigError(`${where} is not a dotted key path (e.g. policy.hidden)`);
    try {
      for (const part of k.split('.')) checkKey(part, k);
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`);
    }
    if (Array.isArray(v)) {
      if (v.length === 0) throw new ConfigError(`${where} is an empty list`);
      params[k] = v;
    } else if (search === 'grid')
      throw new ConfigError(`${where} must be a list of values in a grid search (distributions need search: random), got ${show(v)}`);
    else params[k] = checkDistribution(where, v);
  }
  const runIn = doc.run ?? {};
  if (!isPlainObject(runIn)) throw new ConfigError(`${at('run')} must be a mapping, got ${show(runIn)}`);
  for (const k of Object.keys(runIn))
    if (!RUN_KEYS.includes(k)) throw new ConfigError(`${file}: unknown run key '${k}' (expected one of ${RUN_KEYS.join(', ')})`);
  const run: SweepRunSettings = { checkpointEvery: Math.max(1, Math.ceil(steps / 20)), preset: true };
  if (runIn.evalEvery !== undefined) run.evalEvery = intIn(`${file}: 'run.evalEvery'`, runIn.evalEvery, 0, STEPS_MAX);
  if (runIn.evalEpisodes !== undefined) run.evalEpisodes = intIn(`${file}: 'run.evalEpisodes'`, runIn.evalEpisodes, 1, 1_000_000);
  if (runIn.checkpointEvery !== undefined) run.checkpointEvery = intIn(`${file}: 'run.checkpointEvery'`, runIn.checkpointEvery, 1, STEPS_MAX);
  if (runIn.threshold !== undefined) {
    const t = runIn.threshold;
    if (t === 'none' || t === null) run.threshold = 'none';
    else if (typeof t === 'number' && Number.isFinite(t)) run.threshold = t;
    else throw new ConfigError(`${file}: 'run.threshold' must be a number or none, got ${show(t)}`);
  }
  if (runIn.preset !== undefined) {
    if (typeof runIn.preset !== 'boolean') throw new ConfigError(`${file}: 'run.preset' must be true or false, got ${show(runIn.preset)}`);
    run.preset = runIn.preset;
  }
  const spec: SweepSpec = { name, algo: doc.algo as string, env: doc.env as string, steps, seeds, search, samples, samplerSeed, set, params, run };
  const n = configCount(spec) * seeds.length;
  if (n > MAX_JOBS) throw new ConfigError(`${file}: ${n} jobs (configurations x seeds) is more than ${MAX_JOBS}`);
  return spec;
}

function configCount(s: SweepSpec): number {
  if (s.search === 'random') return s.samples;
  return Object.values(s.params).reduce((n, v) => n * (v as unknown[]).length, 1);
}

function draw(rng: Rng, d: unknown[] | Distribution): unknown {
  if (Array.isArray(d)) return d[rng.int(d.length)];
  if ('categorical' in d) return d.categorical[rng.int(d.categorical.length)];
  if ('uniform' in d) return rng.uniform(d.uniform[0], d.uniform[1]);
  if ('loguniform' in d) return Math.exp(rng.uniform(Math.log(d.loguniform[0]), Math.log(d.loguniform[1])));
  return d.int[0] + rng.int(d.int[1] - d.int[0] + 1);
}

/** The configurations of a sweep (swept values by key): a grid's every combination in file order, or seeded random draws. */
export function sweepConfigs(s: SweepSpec): Record<string, unknown>[] {
  const keys = Object.keys(s.params);
  if (s.search === 'random') {
    const rng = new Rng(s.samplerSeed);
    return Array.from({ length: s.samples }, () => Object.fromEntries(keys.map((k) => [k, draw(rng, s.params[k])])));
  }
  let out: Record<string, unknown>[] = [{}];
  for (const k of keys) out = out.flatMap((c) => (s.params[k] as unknown[]).map((v) => ({ ...c, [k]: v })));
  return out;
}

/** Every job: configurations x seeds, configuration-major. */
export function sweepJobs(s: SweepSpec): SweepJob[] {
  const jobs: SweepJob[] = [];
  sweepConfigs(s).forEach((params, c) => {
    for (const seed of s.seeds) jobs.push({ index: jobs.length, key: `c${c}-s${seed}`, config: c, seed, params });
  });
  return jobs;
}

/** `ascent train` arguments of a job (the worker runs exactly the train command). */
export function trainArgs(s: SweepSpec, job: SweepJob, out: string): string[] {
  const args = ['train', s.algo, s.env, '--seed', String(job.seed), '--steps', String(s.steps), '--out', out, '--plain'];
  // JSON is YAML: --set parses each value back exactly.
  for (const [k, v] of Object.entries(flatten(s.set))) args.push('--set', `${k}=${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(job.params)) args.push('--set', `${k}=${JSON.stringify(v)}`);
  const r = s.run;
  if (r.evalEvery !== undefined) args.push('--eval-every', String(r.evalEvery));
  if (r.evalEpisodes !== undefined) args.push('--eval-episodes', String(r.evalEpisodes));
  if (r.threshold !== undefined) args.push('--threshold', String(r.threshold));
  args.push('--checkpoint-every', String(r.checkpointEvery));
  if (!r.preset) args.push('--no-preset');
  return args;
}

/** Nested settings as dotted keys (arrays are values). */
export function flatten(o: ConfigObject, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (isPlainObject(v) && Object.keys(v).length) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else out[prefix + k] = v;
  }
  return out;
}
