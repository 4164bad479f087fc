/**
 * The env registry (gymnasium.register / gymnasium.make). Ids, versions, max_episode_steps and
 * reward_threshold are Gymnasium 1.x's (gymnasium/envs/__init__.py).
 *
 * make(id) = OrderEnforcing(TimeLimit(spec.wrap?(entryPoint(kwargs)))): the order check is the
 * outermost layer so it also sees TimeLimit's truncation (Gymnasium puts it inside TimeLimit and
 * does not reject stepping after the end; we do, because it is always a bug in a collector).
 */
import { closestNames } from '../util/names.ts';
import type { Env, EnvSpec, RenderMode } from './env.ts';
import { AcrobotEnv, CartPoleEnv, MountainCarContinuousEnv, MountainCarEnv, PendulumEnv } from './classic/index.ts';
import { ContinuousCartPoleEnv } from './classic/continuous-cartpole.ts';
import { TimeLimit } from '../wrappers/time-limit.ts';
import { OrderEnforcing } from '../wrappers/order-enforcing.ts';
import { MaskVelocity } from '../wrappers/mask-velocity.ts';
import { MUJOCO_IDS } from './mujoco/ids.ts';

const registry = new Map<string, EnvSpec>();

/** Add (or replace) a spec. */
export function register(spec: EnvSpec): void {
  if (!spec || typeof spec.id !== 'string' || !/^[\w:./-]+-v\d+$/.test(spec.id)) {
    throw new Error(`register: id must look like "Name-v0", got ${JSON.stringify(spec?.id)}`);
  }
  if (typeof spec.entryPoint !== 'function') throw new Error(`register(${spec.id}): entryPoint must be a function (kwargs) => Env`);
  if (spec.maxEpisodeSteps !== undefined && !(Number.isInteger(spec.maxEpisodeSteps) && spec.maxEpisodeSteps > 0)) {
    throw new Error(`register(${spec.id}): maxEpisodeSteps must be a positive integer, got ${spec.maxEpisodeSteps}`);
  }
  registry.set(spec.id, { ...spec });
}

export function spec(id: string): EnvSpec {
  const s = registry.get(id);
  if (!s) throw unknownId(id);
  return s;
}

export function registeredIds(): string[] {
  return [...registry.keys()].sort();
}

/**
 * A family of envs whose ids are known before they can be made: their code needs a module that
 * loads asynchronously (MuJoCo's WebAssembly), while make() is synchronous. `load` registers them.
 */
export interface DeferredFamily {
  /** Shown in errors, e.g. 'MuJoCo'. */
  name: string;
  ids: readonly string[];
  /** What a user calls before make(), e.g. 'await loadMujoco()'. */
  how: string;
  load: () => Promise<unknown>;
}

const deferred = new Map<string, DeferredFamily>();

/** Announce ids that `family.load()` will register (ids registered already are left alone). */
export function registerDeferred(family: DeferredFamily): void {
  for (const id of family.ids) deferred.set(id, family);
}

/** Ids that are known but not registered yet (their family's module is not loaded). */
export function pendingIds(): string[] {
  return [...deferred.keys()].filter((id) => !registry.has(id)).sort();
}

/**
 * Make `id` registered if it belongs to a deferred family: loads that family (once). Resolves at
 * once for registered ids; an unknown id rejects with make()'s error. Await it before make() where
 * the id comes from the user (the CLI, workers, a config).
 */
export async function ensureEnv(id: string): Promise<void> {
  if (registry.has(id)) return;
  const family = deferred.get(id);
  if (!family) throw unknownId(id);
  await family.load();
  if (!registry.has(id)) throw new Error(`ensureEnv: loading ${family.name} did not register ${JSON.stringify(id)}`);
}

/** Load every deferred family, so that registeredIds() lists all envs (e.g. for `ascent list`). */
export async function loadAllEnvs(): Promise<void> {
  const families = new Set(pendingIds().map((id) => deferred.get(id)!));
  for (const f of families) await f.load();
}

export interface MakeOptions {
  /** Overrides the spec's step limit; null disables TimeLimit. */
  maxEpisodeSteps?: number | null;
  renderMode?: RenderMode | null;
  /** false leaves out the order check (for tight loops that manage resets themselves). */
  orderEnforce?: boolean;
  /** Keyword arguments for the env's constructor (merged over the spec's kwargs). */
  kwargs?: Record<string, unknown>;
}

export function make<Obs = any, Act = any>(id: string, options: MakeOptions = {}): Env<Obs, Act> {
  const registered = spec(id);
  const limit = options.maxEpisodeSteps === undefined ? registered.maxEpisodeSteps : options.maxEpisodeSteps;
  // env.spec describes this env as made (Gymnasium also records an overridden step limit there).
  const s: EnvSpec = { ...registered, maxEpisodeSteps: limit ?? undefined, kwargs: { ...registered.kwargs, ...options.kwargs } };
  const kwargs = { ...s.kwargs, renderMode: options.renderMode ?? null };
  let env: Env<any, any> = s.entryPoint(kwargs);
  env.spec = s;
  if (s.wrap) env = s.wrap(env);
  if (limit !== null && limit !== undefined) env = new TimeLimit(env, limit);
  if (options.orderEnforce !== false) env = new OrderEnforcing(env);
  return env as Env<Obs, Act>;
}

/** The error for an id make() cannot build: how to load it if it is deferred, else the closest ids. */
export function unknownId(id: string): Error {
  const family = deferred.get(id);
  if (family && !registry.has(id)) {
    return new Error(
      `make: ${JSON.stringify(id)} is a ${family.name} task, registered once its module is loaded: ` +
        `call \`${family.how}\` (exported by ascent-rl) once before make() or an algorithm that makes it ` +
        `(await ensureEnv(id) does the same for any id)`,
    );
  }
  const close = closestNames(id, [...new Set([...registeredIds(), ...deferred.keys()])]);
  return new Error(`make: no environment registered with id ${JSON.stringify(id)}; the closest registered ids are ${close.join(', ')}`);
}

type OptionKind = 'number' | 'boolean' | 'positiveInteger';
const FORM: Record<OptionKind, string> = { number: 'a finite number', boolean: 'true or false', positiveInteger: 'a positive integer' };

/**
 * An env's constructor options, checked as Gymnasium's make checks keyword arguments (an option the
 * env does not take is a TypeError there too), with each value's type; errors name the env.
 */
export function checkEnvOptions(id: string, given: Record<string, unknown>, kinds: Record<string, OptionKind>): Record<string, unknown> {
  for (const [key, v] of Object.entries(given)) {
    if (key === 'renderMode' || v === undefined) continue;
    const kind = kinds[key];
    if (!kind) throw new TypeError(`${id}: unknown option ${JSON.stringify(key)}; the options are ${['renderMode', ...Object.keys(kinds)].join(', ')}`);
    const ok = kind === 'boolean' ? typeof v === 'boolean' : kind === 'number' ? Number.isFinite(v) : Number.isInteger(v) && (v as number) >= 1;
    if (!ok) throw new TypeError(`${id}: option ${key} must be ${FORM[kind]}, got ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  }
  return given;
}

// --- Gymnasium's classic control, with Gymnasium's limits and thresholds ---
const rm = (k: Record<string, unknown>) => (k.renderMode ?? null) as RenderMode | null;
/** The options each classic env takes (Gymnasium's keyword arguments; renderWidth/Height are ours). */
const CARTPOLE = { suttonBartoReward: 'boolean', renderWidth: 'positiveInteger', renderHeight: 'positiveInteger' } as const;
const GOAL = { goalVelocity: 'number' } as const;
const classic =
  <E>(id: string, kinds: Record<string, OptionKind>, ctor: (k: Record<string, unknown>) => E) =>
  (k: Record<string, unknown>) =>
    ctor({ ...checkEnvOptions(id, k, kinds), renderMode: rm(k) });
register({ id: 'CartPole-v0', entryPoint: classic('CartPole-v0', CARTPOLE, (k) => new CartPoleEnv(k)), maxEpisodeSteps: 200, rewardThreshold: 195.0 });
register({ id: 'CartPole-v1', entryPoint: classic('CartPole-v1', CARTPOLE, (k) => new CartPoleEnv(k)), maxEpisodeSteps: 500, rewardThreshold: 475.0 });
register({ id: 'Acrobot-v1', entryPoint: classic('Acrobot-v1', {}, (k) => new AcrobotEnv(k)), maxEpisodeSteps: 500, rewardThreshold: -100.0 });
register({ id: 'MountainCar-v0', entryPoint: classic('MountainCar-v0', GOAL, (k) => new MountainCarEnv(k)), maxEpisodeSteps: 200, rewardThreshold: -110.0 });
register({
  id: 'MountainCarContinuous-v0',
  entryPoint: classic('MountainCarContinuous-v0', GOAL, (k) => new MountainCarContinuousEnv(k)),
  maxEpisodeSteps: 999,
  rewardThreshold: 90.0,
});
register({ id: 'Pendulum-v1', entryPoint: classic('Pendulum-v1', { g: 'number' }, (k) => new PendulumEnv(k)), maxEpisodeSteps: 200 });
// Not in Gymnasium: mbrl-lib's continuous cart-pole (force = 10 a, a in [-1, 1]) with its MBPO trial length.
register({
  id: 'ContinuousCartPole-v0',
  entryPoint: classic('ContinuousCartPole-v0', {}, (k) => new ContinuousCartPoleEnv(k)),
  maxEpisodeSteps: 200,
  rewardThreshold: 195.0,
});

// --- Partially observed variants: the same env with its velocity entries zeroed (MaskVelocity) ---
const masked: [string, string][] = [
  ['CartPoleMaskedVelocity-v1', 'CartPole-v1'],
  ['AcrobotMaskedVelocity-v1', 'Acrobot-v1'],
  ['MountainCarMaskedVelocity-v0', 'MountainCar-v0'],
  ['MountainCarContinuousMaskedVelocity-v0', 'MountainCarContinuous-v0'],
  ['PendulumMaskedVelocity-v1', 'Pendulum-v1'],
];
for (const [id, base] of masked) {
  const b = registry.get(base)!;
  register({
    ...b,
    id,
    wrap: (env) => new MaskVelocity(env, base),
    description: `${base} with velocities zeroed in the observation (partially observed; needs memory)`,
  });
}

// --- Gymnasium's MuJoCo v5 tasks: registered by loadMujoco(), which loads the WebAssembly module ---
registerDeferred({
  name: 'MuJoCo',
  ids: MUJOCO_IDS,
  how: 'await loadMujoco()',
  // Dynamic: importing the registry must not pull in the tasks (nor, through them, the registry again).
  load: () => import('./mujoco/index.ts').then((m) => m.loadMujoco()),
});
