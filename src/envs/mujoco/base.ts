/**
 * MujocoEnv: what Gymnasium's MujocoEnv (gymnasium/envs/mujoco/mujoco_env.py, v5) does for every
 * task — reset through mj_resetData and the task's reset noise, step as do_simulation, set_state —
 * on an MjSim, with reset noise drawn from an emulated numpy.random.default_rng(seed).
 *
 * Observations are float64 (as Gymnasium's MuJoCo envs return them) and reused between steps (see
 * env.ts); actions are validated (length nu, finite numbers) and not clipped: MuJoCo clamps ctrl
 * to each actuator's ctrlrange, as in Gymnasium.
 */
import { BaseEnv, entropySeed, type Info, type RenderMode, type ResetArgs, type ResetResult, type RgbFrame, type StepResult } from '../env.ts';
import { decodeNumbers, encodeNumbers, stateObject, checkBoolean, type Json } from '../snapshot.ts';
import { Box } from '../spaces.ts';
import { NumpyGenerator, type NumpyGeneratorState } from './numpy-random.ts';
import { MjSim } from './sim.ts';
import { DEFAULT_CAMERAS, MujocoRenderer } from './render.ts';

export type MujocoAction = Float32Array | Float64Array | number[];

function show(v: unknown): string {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return `[${Array.from(v as ArrayLike<unknown>, (x) => String(x)).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** An option's expected form: a finite number, any number (±Infinity allowed), a boolean, or an interval [lo, hi]. */
export type OptionKind = 'number' | 'extended' | 'boolean' | 'interval' | 'positiveInteger';

/**
 * Constructor options: unknown names and values of the wrong form fail with an error naming the env,
 * the option and the accepted names (Gymnasium's v5 keyword arguments, in camelCase). An option's
 * kind is its default's type (boolean, [lo, hi] interval, finite number) unless `kinds` says
 * otherwise (e.g. frameSkip: 'positiveInteger').
 */
export function parseOptions<T extends Record<string, unknown>>(
  id: string,
  given: Record<string, unknown> | undefined,
  defaults: T,
  kinds: { [K in keyof T]?: OptionKind } = {},
): T {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (key === 'renderMode') continue;
    if (!(key in defaults)) {
      throw new Error(`${id}: unknown option ${JSON.stringify(key)}; the options are renderMode, ${Object.keys(defaults).join(', ')}`);
    }
    if (value === undefined) continue;
    const kind = kinds[key as keyof T] ?? kindOf(defaults[key]);
    const bad = (form: string) => new Error(`${id}: option ${key} must be ${form}, got ${show(value)}`);
    if (kind === 'boolean') {
      if (typeof value !== 'boolean') throw bad('true or false');
    } else if (kind === 'interval') {
      if (!Array.isArray(value) || value.length !== 2 || value.some((x) => typeof x !== 'number' || Number.isNaN(x)) || !(value[0] <= value[1])) {
        throw bad('an interval [low, high] of two numbers with low <= high (±Infinity allowed)');
      }
    } else if (kind === 'positiveInteger') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw bad('a positive integer');
    } else if (typeof value !== 'number' || Number.isNaN(value) || (kind === 'number' && !Number.isFinite(value))) {
      throw bad(kind === 'number' ? 'a finite number' : 'a number');
    }
    out[key] = value;
  }
  return out as T;
}

function kindOf(value: unknown): OptionKind {
  return typeof value === 'boolean' ? 'boolean' : Array.isArray(value) ? 'interval' : 'number';
}

/** np.sum of a float64 array: NumPy's pairwise summation (8 partial sums for 8 <= n <= 128). */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let s = -0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

/** np.sum(np.square(a)). */
export function sumOfSquares(a: ArrayLike<number>): number {
  const sq = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) sq[i] = a[i] * a[i];
  return numpySum(sq);
}

export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export interface MujocoEnvConfig {
  id: string;
  xml: string;
  frameSkip: number;
  obsDim: number;
  renderMode: RenderMode | null;
  /** Call mj_rnePostConstraint after stepping (the tasks that read cfrc_ext). */
  postConstraint?: boolean;
}

export abstract class MujocoEnv extends BaseEnv<Float64Array, MujocoAction> {
  readonly observationSpace: Box<Float64Array>;
  readonly actionSpace: Box<Float32Array>;
  readonly id: string;
  readonly sim: MjSim;
  readonly frameSkip: number;
  /** timestep * frameSkip, Gymnasium's env.dt. */
  readonly dt: number;
  /** The model's qpos0 and zero velocities (Gymnasium's init_qpos / init_qvel). */
  readonly initQpos: Float64Array;
  readonly initQvel: Float64Array;
  protected readonly obs: Float64Array;
  protected np: NumpyGenerator | null = null;
  protected hasState = false;
  private readonly postConstraint: boolean;
  private readonly action: Float64Array;
  /** beforeStep()'s values restored from a snapshot (they may come from lagged fields mj_forward would change). */
  private restoredBefore: Float64Array | null = null;

  constructor(cfg: MujocoEnvConfig) {
    super(cfg.renderMode);
    this.id = cfg.id;
    this.sim = new MjSim(cfg.id, cfg.xml);
    this.frameSkip = cfg.frameSkip;
    this.dt = this.sim.timestep * cfg.frameSkip;
    this.postConstraint = cfg.postConstraint ?? false;
    this.initQpos = this.sim.m('qpos0').slice();
    this.initQvel = new Float64Array(this.sim.nv);
    this.obs = new Float64Array(cfg.obsDim);
    this.action = new Float64Array(this.sim.nu);
    this.observationSpace = new Box<Float64Array>(-Infinity, Infinity, [cfg.obsDim], 'float64');
    const range = this.sim.m('actuator_ctrlrange');
    const low: number[] = [],
      high: number[] = [];
    for (let i = 0; i < this.sim.nu; i++) {
      low.push(range[2 * i]);
      high.push(range[2 * i + 1]);
    }
    this.actionSpace = new Box<Float32Array>(low, high, [this.sim.nu], 'float32');
  }

  /** Draws the task's reset noise and sets the state (Gymnasium's reset_model). */
  protected abstract resetModel(np: NumpyGenerator): void;
  /** Writes the observation into this.obs from the current MjData. */
  protected abstract writeObs(): void;
  /** The task's step after the simulation: reward, termination and info. */
  protected abstract afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info };
  /** What afterStep needs from before the simulation (e.g. the x position). */
  protected beforeStep(): Float64Array {
    return EMPTY;
  }
  /**
   * The reset_model most Gymnasium MuJoCo tasks share: init_qpos + U(-s, s) per coordinate, then
   * init_qvel + U(-s, s) ('uniform') or + s * N(0, 1) ('normal'). The draw order (all of qpos, then
   * all of qvel) is NumPy's and the golden tests depend on it.
   */
  protected resetWithNoise(np: NumpyGenerator, s: number, velocityNoise: 'uniform' | 'normal'): void {
    const qpos = Array.from(this.initQpos, (x) => x + np.uniform(-s, s));
    const qvel =
      velocityNoise === 'uniform' ? Array.from(this.initQvel, (x) => x + np.uniform(-s, s)) : Array.from(this.initQvel, (x) => x + s * np.standardNormal());
    this.sim.setState(qpos, qvel);
  }
  /**
   * obs = [qpos[skip:], qvel] (qvel clipped to +-velocityClip when given), the head of most tasks'
   * _get_obs; returns the next free index of this.obs.
   */
  protected writePositionsAndVelocities(skip: number, velocityClip?: number): number {
    const p = this.sim.qpos,
      v = this.sim.qvel,
      o = this.obs;
    let k = 0;
    for (let i = skip; i < this.sim.nq; i++) o[k++] = p[i];
    if (velocityClip === undefined) for (let i = 0; i < this.sim.nv; i++) o[k++] = v[i];
    else for (let i = 0; i < this.sim.nv; i++) o[k++] = clip(v[i], -velocityClip, velocityClip);
    return k;
  }
  /** Gymnasium's _get_reset_info (default {}). */
  protected resetInfo(): Info {
    return {};
  }

  reset(args: ResetArgs = {}): ResetResult<Float64Array> {
    if (args.seed !== undefined) {
      if (!Number.isSafeInteger(args.seed) || args.seed < 0) {
        throw new Error(`${this.id}.reset: seed must be a non-negative integer, got ${String(args.seed)}`);
      }
      this.np = new NumpyGenerator(args.seed);
    } else if (this.np === null) {
      this.np = new NumpyGenerator(entropySeed());
    }
    this.sim.resetData();
    this.restoredBefore = null;
    this.resetModel(this.np);
    this.hasState = true;
    this.writeObs();
    return { obs: this.obs, info: this.resetInfo() };
  }

  step(action: MujocoAction): StepResult<Float64Array> {
    const a = this.checkAction(action);
    if (!this.hasState) throw new Error(`${this.id}: call reset() before step()`);
    const before = this.restoredBefore ?? this.beforeStep();
    this.restoredBefore = null;
    this.sim.step(a, this.frameSkip, this.postConstraint);
    this.writeObs();
    const { reward, terminated, info } = this.afterStep(a, before);
    const r = this.stepResult(this.obs, reward, terminated);
    r.info = info;
    return r;
  }

  private checkAction(action: unknown): Float64Array {
    const nu = this.sim.nu;
    if (!(ArrayBuffer.isView(action) || Array.isArray(action)) || (action as ArrayLike<number>).length !== nu) {
      throw new Error(`${this.id}: action ${show(action)} does not fit the action space ${this.actionSpace} (expected an array of ${nu} numbers)`);
    }
    const src = action as ArrayLike<number>;
    for (let i = 0; i < nu; i++) {
      const v = src[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${this.id}: action[${i}] is ${String(v)}, expected a finite number (action ${show(action)}; the action space is ${this.actionSpace})`);
      }
      this.action[i] = v;
    }
    return this.action;
  }

  /** Gymnasium's set_state(qpos, qvel): writes them and calls mj_forward (the warm start is kept unless given). */
  setPhysicsState(qpos: ArrayLike<number>, qvel: ArrayLike<number>, qaccWarmstart?: ArrayLike<number>): void {
    const { nq, nv } = this.sim;
    const check = (name: string, a: ArrayLike<number> | undefined, n: number) => {
      if (!a || typeof a.length !== 'number' || a.length !== n) {
        throw new Error(`${this.id}.setState: ${name} must have ${n} numbers, got ${a && typeof a.length === 'number' ? `${a.length} values` : show(a)}`);
      }
      for (let i = 0; i < n; i++) {
        if (typeof a[i] !== 'number' || Number.isNaN(a[i])) throw new Error(`${this.id}.setState: ${name}[${i}] must be a number, got ${show(a[i])}`);
      }
    };
    check('qpos', qpos, nq);
    check('qvel', qvel, nv);
    if (qaccWarmstart !== undefined) check('qacc_warmstart', qaccWarmstart, nv);
    this.sim.setState(qpos, qvel, qaccWarmstart);
    this.restoredBefore = null;
    this.hasState = true;
    this.writeObs();
  }

  /** The integration state: qpos (nq), qvel (nv), qacc_warmstart (nv), concatenated. */
  getState(): Float64Array {
    const { nq, nv } = this.sim;
    const s = new Float64Array(nq + 2 * nv);
    s.set(this.sim.qpos.subarray(0, nq), 0);
    s.set(this.sim.qvel.subarray(0, nv), nq);
    s.set(this.sim.qaccWarmstart.subarray(0, nv), nq + nv);
    return s;
  }

  /** Restores getState()'s [qpos, qvel, qacc_warmstart] and recomputes the derived fields (mj_forward). */
  setState(state: ArrayLike<number>): void {
    const { nq, nv } = this.sim;
    const n = nq + 2 * nv;
    if (!state || typeof state.length !== 'number' || state.length !== n) {
      throw new Error(
        `${this.id}.setState: expected ${n} numbers [qpos (${nq}), qvel (${nv}), qacc_warmstart (${nv})], got ${state && typeof state.length === 'number' ? `${state.length} values` : show(state)}`,
      );
    }
    const a = Array.from(state);
    this.setPhysicsState(a.slice(0, nq), a.slice(nq, nq + nv), a.slice(nq + nv));
  }

  /** The observation of the current state (the array step/reset return). */
  currentObs(): Float64Array {
    return this.obs;
  }

  protected override snapshotSelf(): Json {
    return {
      state: encodeNumbers(this.getState()),
      np: this.np ? { ...this.np.getState() } : null,
      hasState: this.hasState,
      obs: encodeNumbers(this.obs),
      // what the next step takes from before the simulation (Ant, Humanoid: lagged positions)
      before: encodeNumbers(this.restoredBefore ?? this.beforeStep()),
    };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${this.id}.restore`,
      o = stateObject(who, state);
    const { nq, nv } = this.sim;
    const s = decodeNumbers(o.state, nq + 2 * nv, `${who}: state.state [qpos, qvel, qacc_warmstart]`);
    const obs = decodeNumbers(o.obs, this.obs.length, `${who}: state.obs`);
    const np = o.np === null ? null : NumpyGenerator.fromState(o.np as unknown as NumpyGeneratorState);
    const hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    const before = decodeNumbers(o.before, this.beforeStep().length, `${who}: state.before`);
    this.setState(s);
    this.restoredBefore = Float64Array.from(before);
    // The observation may hold lagged fields (see the step semantics), so it is restored as saved.
    this.obs.set(obs);
    this.np = np;
    this.hasState = hasState;
  }

  private renderer: MujocoRenderer | null = null;

  /**
   * An rgb_array frame (480 x 480) of the current state from Gymnasium's default camera for the
   * task, drawn by our rasteriser (render.ts). Only with renderMode 'rgb_array', as in Gymnasium.
   */
  override render(): RgbFrame {
    if (this.renderMode !== 'rgb_array') {
      throw new Error(`${this.id}.render: the env was made without renderMode 'rgb_array' (make('${this.id}', { renderMode: 'rgb_array' }))`);
    }
    if (!this.hasState) throw new Error(`${this.id}.render: call reset() before render()`);
    this.renderer ??= new MujocoRenderer(this.sim, DEFAULT_CAMERAS[this.id] ?? {});
    return this.renderer.render();
  }

  override close(): void {
    this.sim.close();
  }
}

const EMPTY = new Float64Array(0);
