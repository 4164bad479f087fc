/**
 * CartPole-v1 (Barto, Sutton & Anderson 1983), Gymnasium 1.x dynamics: Euler integration, float64
 * state, float32 observation. Constants and the order of operations follow
 * gymnasium/envs/classic_control/cartpole.py so that every observation matches bit for bit.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, checkInteger, decodeNumbers, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box, Discrete } from '../spaces.ts';
import { badDiscreteAction, checkStateLength, notReset, numpyFromState, numpyRandom, numpyState, resetBounds } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawCartPole } from './render.ts';

const ID = 'CartPole-v1';
const GRAVITY = 9.8;
const MASSCART = 1.0;
const MASSPOLE = 0.1;
const TOTAL_MASS = MASSPOLE + MASSCART;
const LENGTH = 0.5; // half the pole's length
const POLEMASS_LENGTH = MASSPOLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_X_THRESHOLD = 2.4;

export interface CartPoleOptions {
  renderMode?: RenderMode | null;
  /** Gymnasium's sutton_barto_reward: 0 per step, -1 on failure. */
  suttonBartoReward?: boolean;
  /**
   * rgb_array frame size, Gymnasium's screen_width x screen_height (600 x 400). A smaller size draws
   * the same scene scaled down, far cheaper than rendering 600 x 400 and resizing (pixel CartPole).
   */
  renderWidth?: number;
  renderHeight?: number;
}

export class CartPoleEnv extends BaseEnv<Float32Array, number> {
  static readonly STATE_NAMES = ['x', 'x_dot', 'theta', 'theta_dot'] as const;
  readonly observationSpace = new Box<Float32Array>(
    [-CARTPOLE_X_THRESHOLD * 2, -Infinity, -CARTPOLE_THETA_THRESHOLD * 2, -Infinity],
    [CARTPOLE_X_THRESHOLD * 2, Infinity, CARTPOLE_THETA_THRESHOLD * 2, Infinity],
  );
  readonly actionSpace = new Discrete(2);
  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  private hasState = false;
  private stepsBeyondTerminated = -1; // Gymnasium's None
  private readonly suttonBarto: boolean;
  private readonly renderWidth: number;
  private readonly renderHeight: number;
  private readonly obs = new Float32Array(4);
  /** Gymnasium's np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;

  constructor(opts: CartPoleOptions = {}) {
    super(opts.renderMode ?? null);
    this.suttonBarto = opts.suttonBartoReward ?? false;
    this.renderWidth = opts.renderWidth ?? 600;
    this.renderHeight = opts.renderHeight ?? 400;
    for (const [k, v] of [
      ['renderWidth', this.renderWidth],
      ['renderHeight', this.renderHeight],
    ] as const)
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${ID}: ${k} must be a positive integer (pixels), got ${v}`);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const [lo, hi] = resetBounds(ID, args.options, -0.05, 0.05);
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    // np_random.uniform(low, high, size=(4,))
    this.x = np.uniform(lo, hi);
    this.xDot = np.uniform(lo, hi);
    this.theta = np.uniform(lo, hi);
    this.thetaDot = np.uniform(lo, hi);
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) throw badDiscreteAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const costheta = Math.cos(this.theta);
    const sintheta = Math.sin(this.theta);
    const td = this.thetaDot;
    const temp = (force + POLEMASS_LENGTH * (td * td) * sintheta) / TOTAL_MASS;
    const thetaacc = (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - (MASSPOLE * (costheta * costheta)) / TOTAL_MASS));
    const xacc = temp - (POLEMASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;
    const x = this.x + TAU * this.xDot;
    this.xDot = this.xDot + TAU * xacc;
    const theta = this.theta + TAU * td;
    this.thetaDot = td + TAU * thetaacc;
    this.x = x;
    this.theta = theta;
    const terminated = x < -CARTPOLE_X_THRESHOLD || x > CARTPOLE_X_THRESHOLD || theta < -CARTPOLE_THETA_THRESHOLD || theta > CARTPOLE_THETA_THRESHOLD;
    let reward: number;
    if (!terminated) reward = this.suttonBarto ? 0.0 : 1.0;
    else if (this.stepsBeyondTerminated < 0) {
      this.stepsBeyondTerminated = 0; // the pole just fell
      reward = this.suttonBarto ? -1.0 : 1.0;
    } else {
      this.stepsBeyondTerminated++; // stepping past the end is undefined behaviour in Gymnasium; it pays 0
      reward = this.suttonBarto ? -1.0 : 0.0;
    }
    this.writeObs();
    return this.stepResult(this.obs, reward, terminated);
  }

  private writeObs(): void {
    const o = this.obs;
    o[0] = this.x;
    o[1] = this.xDot;
    o[2] = this.theta;
    o[3] = this.thetaDot;
  }

  /** Gymnasium's internal state [x, x_dot, theta, theta_dot] (float64). */
  getState(): Float64Array {
    return Float64Array.of(this.x, this.xDot, this.theta, this.thetaDot);
  }

  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, CartPoleEnv.STATE_NAMES);
    [this.x, this.xDot, this.theta, this.thetaDot] = Array.from(state);
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
    this.writeObs();
  }

  /** Snapshot: the float64 state, whether reset was called, and the steps past termination. */
  protected override snapshotSelf(): Json {
    return {
      s: encodeNumbers([this.x, this.xDot, this.theta, this.thetaDot]),
      hasState: this.hasState,
      stepsBeyondTerminated: this.stepsBeyondTerminated,
      np: numpyState(this.np),
    };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    const s = decodeNumbers(o.s, 4, `${who}: state.s [${CartPoleEnv.STATE_NAMES.join(', ')}]`);
    const hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    const beyond = checkInteger(o.stepsBeyondTerminated, `${who}: state.stepsBeyondTerminated`, -1);
    this.np = numpyFromState(who, o.np);
    [this.x, this.xDot, this.theta, this.thetaDot] = s;
    this.hasState = hasState;
    this.stepsBeyondTerminated = beyond;
    this.writeObs();
  }

  /** The observation the env would return for its current state. */
  currentObs(): Float32Array {
    return this.obs;
  }

  override render(): RgbFrame {
    return drawCartPole(this.x, this.theta, CARTPOLE_X_THRESHOLD, LENGTH, this.renderWidth, this.renderHeight);
  }
}
