/**
 * Config resolution: user overrides merged over an algorithm's documented defaults, with errors
 * that name the dotted key, the bad value and what is expected (unknown keys list the valid ones).
 */

import { closestNames } from '../util/names.ts';
import { checkKey, checkKeysDeep } from './overrides.ts';
import { Box, Discrete, make, spec } from '../envs/index.ts';

/**
 * Seeds are integers in 0..SEED_MAX. The generators (src/rng) mix up to 53 bits, but seeds are
 * also offset (env i resets with seed + i, evaluation with seed + 1000 + i) and must stay exact
 * integers; 2^32 - 1 is NumPy's and Gymnasium's common 32-bit range with room for the offsets.
 */
export const SEED_MAX = 2 ** 32 - 1;
/** The largest step count a config or flag accepts (10^12: years at this library's speed, and exact in a double). */
export const STEPS_MAX = 1e12;

/** Range rules by key: a function returning an error fragment or null, or the rules of a nested object. */
export type Checks<C> = Partial<{ [K in keyof C]: ((v: any) => string | null) | Checks<C[K]> }>;

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
      throw new RangeError(
        `${name}: unknown config key '${key}'${near.length ? ` (did you mean '${path ? path + '.' : ''}${near[0]}'?)` : ''}; valid keys: ${valid.map((x) => (path ? `${path}.${x}` : x)).join(', ')}`,
      );
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
        const inner = (checks as Record<string, unknown>)[k];
        out[k] = resolveConfig(name, d, v, inner && typeof inner === 'object' ? (inner as Checks<any>) : {}, key);
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
  for (const [k, check] of Object.entries(checks)) {
    if (typeof check !== 'function') continue; // a nested object's rules, applied above when it is set
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
  oneOf:
    (...opts: unknown[]) =>
    (v: unknown) =>
      opts.includes(v) ? null : `must be one of ${opts.map((o) => JSON.stringify(o)).join(', ')}`,
};

/** What the memory estimate needs to know about the environment. */
export interface EnvDims {
  obsDim: number;
  /** Numbers per stored action (1 for a discrete index). */
  actDim: number;
  /** Outputs of the policy's last layer (the number of actions, or the Box's size). */
  actOutputs: number;
  maxEpisodeSteps: number | null;
}

/** The sizes of a registered environment's spaces, made with `kwargs` (makes one env and closes it). */
export function envDims(id: string, kwargs?: Record<string, unknown> | null): EnvDims {
  const env = make(id, kwargs ? { kwargs } : {});
  try {
    const size = (s: unknown) => (s instanceof Discrete ? 1 : s instanceof Box ? s.shape.reduce((a, b) => a * b, 1) : 1);
    const a = env.actionSpace;
    return {
      obsDim: size(env.observationSpace),
      actDim: size(a),
      actOutputs: a instanceof Discrete ? a.n : size(a),
      maxEpisodeSteps: spec(id).maxEpisodeSteps ?? null,
    };
  } finally {
    env.close();
  }
}

export interface MemoryPart {
  what: string;
  bytes: number;
  /** Elements of the largest single array in this part. */
  largest: number;
}

/**
 * The most elements one tensor may hold: 2^29 float32 values are 2 GiB, the most the engine's
 * 32-bit byte offsets address (a [256, 4000000] activation failed with "offset is out of bounds"
 * after 113 s).
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 29;

/**
 * Bytes a run may use. The CLI sets it from the machine (80% of total or cgroup memory); library
 * and browser callers get 16 GiB unless they call setMemoryBudget. Configs above it are refused.
 */
const budget = { bytes: 16 * 2 ** 30 };
export function setMemoryBudget(bytes: number): void {
  if (Number.isFinite(bytes) && bytes > 0) budget.bytes = bytes;
}
export function memoryBudget(): number {
  return budget.bytes;
}

// Measured: a CartPole-v1 training env with its wrappers holds ~2.1 KB of JS heap (20,000 envs).
const ENV_BYTES = 2048;
// Each parameter: value, gradient, Adam's two moments, and a target or old-policy copy (float32 or float64).
const PARAM_BYTES = 8 * 5;
// Each activation of a forward pass on the tape: output, pre-activation and gradient (float32, with slack).
const ACTIVATION_BYTES = 4 * 4;

// Counts that are not safe integers are left to the algorithm's own checks (which name them).
const n = (v: unknown, d = 0): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : d);
const list = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => n(x)) : []);

/**
 * A rough upper estimate of the memory a config needs, by part: environments, the rollout batch,
 * each network's parameters (with optimizer copies) and its activations over the largest batch it
 * sees, and replay buffers. Keys are read by name (numEnvs, nSteps, batchSteps, batchEpisodes,
 * policy.hidden, valueHidden, hidden, model, bufferSize, ...), so every algorithm's config works.
 */
export function estimateMemory(config: Record<string, any>, dims: EnvDims): MemoryPart[] {
  const parts: MemoryPart[] = [];
  const envs = n(config.numEnvs, 1);
  const obs = dims.obsDim * n(config.frameStack, 1);
  const act = dims.actDim;
  const episode = dims.maxEpisodeSteps ?? 1000;
  parts.push({ what: `${envs} environments`, bytes: envs * ENV_BYTES, largest: envs * obs });
  // Rows of the largest on-policy batch (collected, then pushed through the networks at once).
  let rows = 0,
    rowsWhy = '';
  const more = (r: number, why: string) => {
    if (r > rows) {
      rows = r;
      rowsWhy = why;
    }
  };
  if ('nSteps' in config) more(envs * n(config.nSteps), `numEnvs * nSteps = ${envs} * ${n(config.nSteps)} steps`);
  if ('batchSteps' in config && n(config.batchSteps) > 0)
    more(n(config.batchSteps) + envs * episode, `batchSteps ${n(config.batchSteps)} (+ unfinished episodes)`);
  if ('batchEpisodes' in config && n(config.batchEpisodes) > 0)
    more(n(config.batchEpisodes) * n(config.reuseSteps, 1) * episode, `batchEpisodes ${n(config.batchEpisodes)} of up to ${episode} steps`);
  if ('branches' in config) more(n(config.branches) * n(config.horizon), `branches * horizon = ${n(config.branches)} * ${n(config.horizon)}`);
  if ('batchSize' in config) more(n(config.batchSize), `batchSize ${n(config.batchSize)}`);
  if (rows > 0 && !('bufferSize' in config))
    parts.push({ what: `the rollout batch (${rowsWhy})`, bytes: rows * (2 * (obs + act) * 4 + 64), largest: rows * obs });
  const net = (label: string, sizes: number[], batch: number, copies = 1) => {
    let params = 0,
      matrix = 0;
    for (let i = 1; i < sizes.length; i++) {
      params += (sizes[i - 1] + 1) * sizes[i];
      matrix = Math.max(matrix, sizes[i - 1] * sizes[i]);
    }
    const width = sizes.slice(1).reduce((a, b) => a + b, 0);
    parts.push({ what: `${label} [${sizes.join(', ')}] parameters`, bytes: copies * params * PARAM_BYTES, largest: matrix });
    parts.push({
      what: `${label} activations over ${batch} rows`,
      bytes: copies * batch * width * ACTIVATION_BYTES,
      largest: batch * Math.max(0, ...sizes.slice(1)),
    });
  };
  const policyHidden = list(config.policy?.hidden);
  // REINFORCE's policy has hiddenSize with cell 'none' (an MLP): only a cell makes it recurrent.
  const cell = config.policy?.cell === 'none' ? 0 : n(config.policy?.hiddenSize);
  if (cell > 0) {
    // A recurrent policy: an LSTM/GRU cell (4 gates of [input + state] -> state, as one matrix), then heads.
    net('recurrent cell', [obs + cell, 4 * cell], rows);
    net('policy head', [cell, ...list(config.policy.headHidden), dims.actOutputs], rows);
    net('value head', [cell, ...list(config.policy.headHidden), 1], rows);
  } else if (config.policy && typeof config.policy === 'object') {
    net('policy', [obs, ...policyHidden, dims.actOutputs], rows);
    // REINFORCE's value baseline uses the policy's hidden sizes.
    if (!('valueHidden' in config) && config.baseline === 'value') net('value function', [obs, ...policyHidden, 1], rows);
  }
  if ('valueHidden' in config) net('value function', [obs, ...list(config.valueHidden), 1], rows);
  if ('hidden' in config && 'bufferSize' in config) {
    // SAC: actor, twin Q and its target.
    const b = n(config.batchSize, 256);
    net('actor', [obs, ...list(config.hidden), 2 * act], b);
    net('Q networks', [obs + act, ...list(config.hidden), 1], b, 4);
  } else if ('hidden' in config) {
    net('policy', [obs, ...list(config.hidden), dims.actOutputs], rows);
    net('value function', [obs, ...list(config.hidden), 1], rows);
  }
  if (config.model && typeof config.model === 'object') {
    const k = n(config.model.ensembleSize, 1);
    net(`model ensemble (${k})`, [obs + act, ...list(config.model.hidden), 2 * (obs + 1)], n(config.modelBatchSize, 256), k);
  }
  const row = (2 * obs + act + 1) * 4 + 2;
  if ('bufferSize' in config)
    parts.push({ what: `replay buffer of bufferSize ${n(config.bufferSize)}`, bytes: n(config.bufferSize) * row, largest: n(config.bufferSize) * obs });
  if ('rolloutsPerStep' in config) {
    const cap = list(config.rolloutSchedule)[3] * n(config.rolloutsPerStep) * n(config.epochLength) * n(config.retainEpochs, 1);
    parts.push({ what: `model replay buffer of ${cap} transitions`, bytes: cap * row, largest: cap * obs });
  }
  return parts;
}

const gb = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toPrecision(3)} GiB` : `${(b / 2 ** 20).toPrecision(3)} MiB`);

/**
 * Refuses (RangeError, one line) a config whose estimated memory exceeds the budget, naming the
 * largest parts, before anything is allocated: `--envs 1e9` or `policy.hidden=[4000000]` used to
 * crash Node after tens of seconds.
 */
export function checkMemory(name: string, config: Record<string, any>, dims: EnvDims, limit = budget.bytes): void {
  const parts = estimateMemory(config, dims);
  const total = parts.reduce((a, p) => a + p.bytes, 0);
  if (!(total <= limit)) {
    const top = [...parts]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 2)
      .filter((p) => p.bytes > 0.1 * total);
    throw new RangeError(
      `${name}: this config needs about ${gb(total)} of memory, more than the ${gb(limit)} available ` +
        `(${top.map((p) => `${p.what}: ${gb(p.bytes)}`).join('; ')}); make it smaller`,
    );
  }
  const big = parts.reduce((a, p) => (p.largest > a.largest ? p : a), parts[0]);
  if (big && big.largest > MAX_TENSOR_ELEMENTS) {
    throw new RangeError(
      `${name}: ${big.what} would need one array of ${big.largest} numbers, more than the ${MAX_TENSOR_ELEMENTS} (2^29) one tensor can hold; make it smaller`,
    );
  }
}
