/**
 * Pendulum-v1, Gymnasium 1.x dynamics (theta = 0 is upright). The state is float64; the action is
 * a float32 array, and under NumPy 2 the terms that involve it stay float32 (`3.0 / (m * l**2) * u`
 * and `0.001 * u**2`): emulated here with Math.fround so rewards and observations match bit for bit.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, decodeNumber, decodeNumbers, encodeNumber, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box } from '../spaces.ts';
import { checkStateLength, floorMod, notReset, numpyFromState, numpyRandom, numpyState, scalarAction } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawPendulum } from './render.ts';

const ID = 'Pendulum-v1';
const MAX_SPEED = 8,
  MAX_TORQUE = 2.0,
  DT = 0.05,
  M = 1.0,
  L = 1.0;
const DEFAULT_X = Math.PI,
  DEFAULT_Y = 1.0;
const fr = Math.fround;

/** Gymnasium's angle_normalize: into [-pi, pi) with a floored modulo. */
export function angleNormalize(x: number): number {
  return floorMod(x + Math.PI, 2 * Math.PI) - Math.PI;
}

// Same shape as the other classic envs (reset, step, getState, setState, snapshot): each file stands alone like Gymnasium's, with its own state and float32 rules.
export class PendulumEnv extends BaseEnv<Float32Array, Float32Array | number[]> {
  static readonly STATE_NAMES = ['theta', 'theta_dot'] as const;
  readonly observationSpace = new Box<Float32Array>([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  readonly actionSpace = new Box<Float32Array | number[]>(-MAX_TORQUE, MAX_TORQUE, [1]);
  readonly g: number;
  private theta = 0;
  private thetaDot = 0;
  private lastU: number | null = null;
  private hasState = false;
  /** Gymnasium's np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;
  private readonly obs = new Float32Array(3);

  constructor(opts: { renderMode?: RenderMode | null; g?: number } = {}) {
    super(opts.renderMode ?? null);
    this.g = opts.g ?? 10.0;
  }

  /** options.x_init / options.y_init bound the initial |theta| and |theta_dot|, as in Gymnasium. */
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    const o = args.options ?? {};
    const x = 'x_init' in o ? o.x_init : DEFAULT_X;
    const y = 'y_init' in o ? o.y_init : DEFAULT_Y;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new Error(`${ID}.reset: options.x_init and options.y_init must be finite numbers, got ${String(x)}, ${String(y)}`);
    }
    this.theta = np.uniform(-x, x);
    this.thetaDot = np.uniform(-y, y);
    this.lastU = null;
    this.hasState = true;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: Float32Array | number[]): StepResult<Float32Array> {
    const a = scalarAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    const th = this.theta,
      thdot = this.thetaDot;
    const u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE); // float32 clip, stays float32
    this.lastU = u;
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thdot * thdot) + fr(fr(0.001) * fr(u * u));
    let newthdot = thdot + (((3 * this.g) / (2 * L)) * Math.sin(th) + fr(fr(3.0 / (M * L ** 2)) * u)) * DT;
    newthdot = Math.min(Math.max(newthdot, -MAX_SPEED), MAX_SPEED);
    this.theta = th + newthdot * DT;
    this.thetaDot = newthdot;
    this.writeObs();
    return this.stepResult(this.obs, -costs, false);
  }

  private writeObs(): void {
    this.obs[0] = Math.cos(this.theta);
    this.obs[1] = Math.sin(this.theta);
    this.obs[2] = this.thetaDot;
  }

  /** Gymnasium's internal state [theta, theta_dot] (float64). */
  getState(): Float64Array {
    return Float64Array.of(this.theta, this.thetaDot);
  }

  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, PendulumEnv.STATE_NAMES);
    this.theta = state[0];
    this.thetaDot = state[1];
    this.hasState = true;
    this.writeObs();
  }

  /** Snapshot: the state, and the last torque (the rendered frame shows it). */
  protected override snapshotSelf(): Json {
    return {
      s: encodeNumbers([this.theta, this.thetaDot]),
      lastU: this.lastU === null ? null : encodeNumber(this.lastU),
      hasState: this.hasState,
      np: numpyState(this.np),
    };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    const s = decodeNumbers(o.s, 2, `${who}: state.s [${PendulumEnv.STATE_NAMES.join(', ')}]`);
    const lastU = o.lastU === null ? null : decodeNumber(o.lastU, `${who}: state.lastU`);
    this.np = numpyFromState(who, o.np);
    this.hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    [this.theta, this.thetaDot] = s;
    this.lastU = lastU;
    this.writeObs();
  }

  currentObs(): Float32Array {
    return this.obs;
  }

  override render(): RgbFrame {
    return drawPendulum(this.theta, this.lastU);
  }
}
