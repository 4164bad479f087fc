/**
 * Acrobot-v1 (Sutton 1996; Sutton & Barto 1998 "book" dynamics), Gymnasium 1.x: one RK4 step of
 * dt = 0.2 per action, angles wrapped to [-pi, pi], velocities bounded. The order of floating-point
 * operations follows gymnasium/envs/classic_control/acrobot.py (_dsdt, rk4) for bit-exact results.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, decodeNumbers, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box, Discrete } from '../spaces.ts';
import { badDiscreteAction, checkStateLength, notReset, numpyFromState, numpyRandom, numpyState, resetBounds } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawAcrobot } from './render.ts';

const ID = 'Acrobot-v1';
const DT = 0.2;
const M1 = 1.0,
  M2 = 1.0,
  L1 = 1.0,
  LC1 = 0.5,
  LC2 = 0.5,
  I1 = 1.0,
  I2 = 1.0,
  G = 9.8;
const PI = Math.PI;
export const ACROBOT_MAX_VEL_1 = 4 * PI;
export const ACROBOT_MAX_VEL_2 = 9 * PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0];

/** Writes d/dt of [theta1, theta2, dtheta1, dtheta2] (torque `a` held constant) into `out`. */
function dsdt(t1: number, t2: number, dt1: number, dt2: number, a: number, out: Float64Array): void {
  const cos2 = Math.cos(t2),
    sin2 = Math.sin(t2);
  const d1 = M1 * LC1 ** 2 + M2 * (L1 ** 2 + LC2 ** 2 + 2 * L1 * LC2 * cos2) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + L1 * LC2 * cos2) + I2;
  const phi2 = M2 * LC2 * G * Math.cos(t1 + t2 - PI / 2.0);
  const phi1 = -M2 * L1 * LC2 * (dt2 * dt2) * sin2 - 2 * M2 * L1 * LC2 * dt2 * dt1 * sin2 + (M1 * LC1 + M2 * L1) * G * Math.cos(t1 - PI / 2) + phi2;
  const ddt2 = (a + (d2 / d1) * phi1 - M2 * L1 * LC2 * (dt1 * dt1) * sin2 - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  const ddt1 = -(d2 * ddt2 + phi1) / d1;
  out[0] = dt1;
  out[1] = dt2;
  out[2] = ddt1;
  out[3] = ddt2;
}

function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

const bound = (x: number, m: number, M: number) => Math.min(Math.max(x, m), M);

export class AcrobotEnv extends BaseEnv<Float32Array, number> {
  static readonly STATE_NAMES = ['theta1', 'theta2', 'dtheta1', 'dtheta2'] as const;
  readonly observationSpace = new Box<Float32Array>(
    [-1, -1, -1, -1, -ACROBOT_MAX_VEL_1, -ACROBOT_MAX_VEL_2],
    [1, 1, 1, 1, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2],
  );
  readonly actionSpace = new Discrete(3);
  private readonly s = new Float64Array(4);
  private hasState = false;
  /** Gymnasium's np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;
  private readonly obs = new Float32Array(6);
  private readonly k1 = new Float64Array(4);
  private readonly k2 = new Float64Array(4);
  private readonly k3 = new Float64Array(4);
  private readonly k4 = new Float64Array(4);

  constructor(opts: { renderMode?: RenderMode | null } = {}) {
    super(opts.renderMode ?? null);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    const [lo, hi] = resetBounds(ID, args.options, -0.1, 0.1);
    // Gymnasium draws float64 and casts the state to float32 (.astype(np.float32)).
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(np.uniform(lo, hi));
    this.hasState = true;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) throw badDiscreteAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    const s = this.s,
      k1 = this.k1,
      k2 = this.k2,
      k3 = this.k3,
      k4 = this.k4;
    const a = AVAIL_TORQUE[action];
    const dt = DT - 0,
      dt2 = dt / 2.0; // rk4 over t = [0, dt]
    dsdt(s[0], s[1], s[2], s[3], a, k1);
    dsdt(s[0] + dt2 * k1[0], s[1] + dt2 * k1[1], s[2] + dt2 * k1[2], s[3] + dt2 * k1[3], a, k2);
    dsdt(s[0] + dt2 * k2[0], s[1] + dt2 * k2[1], s[2] + dt2 * k2[2], s[3] + dt2 * k2[3], a, k3);
    dsdt(s[0] + dt * k3[0], s[1] + dt * k3[1], s[2] + dt * k3[2], s[3] + dt * k3[3], a, k4);
    const c = dt / 6.0;
    for (let i = 0; i < 4; i++) s[i] = s[i] + c * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    s[0] = wrap(s[0], -PI, PI);
    s[1] = wrap(s[1], -PI, PI);
    s[2] = bound(s[2], -ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_1);
    s[3] = bound(s[3], -ACROBOT_MAX_VEL_2, ACROBOT_MAX_VEL_2);
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    this.writeObs();
    return this.stepResult(this.obs, terminated ? 0.0 : -1.0, terminated);
  }

  private writeObs(): void {
    const s = this.s,
      o = this.obs;
    o[0] = Math.cos(s[0]);
    o[1] = Math.sin(s[0]);
    o[2] = Math.cos(s[1]);
    o[3] = Math.sin(s[1]);
    o[4] = s[2];
    o[5] = s[3];
  }

  /** Gymnasium's internal state [theta1, theta2, dtheta1, dtheta2]. */
  getState(): Float64Array {
    return this.s.slice();
  }

  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, AcrobotEnv.STATE_NAMES);
    for (let i = 0; i < 4; i++) this.s[i] = state[i];
    this.hasState = true;
    this.writeObs();
  }

  protected override snapshotSelf(): Json {
    return { s: encodeNumbers(this.s), hasState: this.hasState, np: numpyState(this.np) };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    const s = decodeNumbers(o.s, 4, `${who}: state.s [${AcrobotEnv.STATE_NAMES.join(', ')}]`);
    this.np = numpyFromState(who, o.np);
    this.hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    this.s.set(s);
    this.writeObs();
  }

  currentObs(): Float32Array {
    return this.obs;
  }

  override render(): RgbFrame {
    return drawAcrobot(this.s);
  }
}
