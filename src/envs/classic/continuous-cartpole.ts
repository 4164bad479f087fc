/**
 * Continuous cart-pole: Gymnasium's CartPole dynamics with a continuous force. The action a in [-1, 1]
 * scales the force: F = 10 a newtons (mbrl-lib, mbrl/env/cartpole_continuous.py: "valid actions are any
 * numbers in the range [-1, 1], and they are applied as a multiplicative factor to the total force").
 * Everything else is CartPole's: Euler integration with tau = 0.02, reward 1 per step including the
 * failing one, termination at |x| > 2.4 or |theta| > 12 degrees, reset state uniform in [-0.05, 0.05]^4.
 * mbrl-lib's MBPO cart-pole runs use trial_length 200 (examples/conf/overrides/mbpo_cartpole.yaml),
 * so the registered id ContinuousCartPole-v0 has a 200-step limit and CartPole-v0's threshold 195.
 * Actions outside [-1, 1] are clipped (as Pendulum clips its torque); NaN is an error.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, checkInteger, decodeNumbers, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box } from '../spaces.ts';
import { checkStateLength, notReset, numpyFromState, numpyRandom, numpyState, resetBounds, scalarAction } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawCartPole } from './render.ts';

const ID = 'ContinuousCartPole-v0';
// Gymnasium cartpole.py / mbrl-lib cartpole_continuous.py constants.
const GRAVITY = 9.8,
  MASSCART = 1.0,
  MASSPOLE = 0.1,
  TOTAL_MASS = MASSPOLE + MASSCART;
const LENGTH = 0.5; // half the pole's length
const POLEMASS_LENGTH = MASSPOLE * LENGTH,
  FORCE_MAG = 10.0,
  TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360,
  X_THRESHOLD = 2.4;

export class ContinuousCartPoleEnv extends BaseEnv<Float32Array, Float32Array | number[]> {
  static readonly STATE_NAMES = ['x', 'x_dot', 'theta', 'theta_dot'] as const;
  readonly observationSpace = new Box<Float32Array>(
    [-X_THRESHOLD * 2, -Infinity, -THETA_THRESHOLD * 2, -Infinity],
    [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity],
  );
  readonly actionSpace = new Box<Float32Array | number[]>(-1, 1, [1]);
  private s = [0, 0, 0, 0];
  private hasState = false;
  /** np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;
  private stepsBeyondTerminated = -1;
  private readonly obs = new Float32Array(4);

  constructor(opts: { renderMode?: RenderMode | null } = {}) {
    super(opts.renderMode ?? null);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const [lo, hi] = resetBounds(ID, args.options, -0.05, 0.05);
    // np_random.uniform(low, high, size=(4,)), as CartPole (and mbrl-lib's gym env) draws it
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    this.s = [np.uniform(lo, hi), np.uniform(lo, hi), np.uniform(lo, hi), np.uniform(lo, hi)];
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: Float32Array | number[]): StepResult<Float32Array> {
    const a = scalarAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    const force = FORCE_MAG * Math.min(1, Math.max(-1, a));
    const [x0, xDot, th0, thDot] = this.s;
    const cos = Math.cos(th0),
      sin = Math.sin(th0);
    const temp = (force + POLEMASS_LENGTH * thDot * thDot * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASSPOLE * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLEMASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    const x = x0 + TAU * xDot,
      theta = th0 + TAU * thDot;
    this.s = [x, xDot + TAU * xAcc, theta, thDot + TAU * thetaAcc];
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    let reward = 1.0;
    if (terminated) {
      if (this.stepsBeyondTerminated < 0) this.stepsBeyondTerminated = 0;
      else {
        this.stepsBeyondTerminated++; // stepping past the end: 0, as CartPole
        reward = 0.0;
      }
    }
    this.writeObs();
    return this.stepResult(this.obs, reward, terminated);
  }

  private writeObs(): void {
    for (let i = 0; i < 4; i++) this.obs[i] = this.s[i];
  }

  getState(): Float64Array {
    return Float64Array.from(this.s);
  }

  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, ContinuousCartPoleEnv.STATE_NAMES);
    this.s = Array.from(state);
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
    this.writeObs();
  }

  protected override snapshotSelf(): Json {
    return { s: encodeNumbers(this.s), hasState: this.hasState, stepsBeyondTerminated: this.stepsBeyondTerminated, np: numpyState(this.np) };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    this.s = decodeNumbers(o.s, 4, `${who}: state.s [${ContinuousCartPoleEnv.STATE_NAMES.join(', ')}]`);
    this.np = numpyFromState(who, o.np);
    this.hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    this.stepsBeyondTerminated = checkInteger(o.stepsBeyondTerminated, `${who}: state.stepsBeyondTerminated`, -1);
    this.writeObs();
  }

  currentObs(): Float32Array {
    return this.obs;
  }

  override render(): RgbFrame {
    return drawCartPole(this.s[0], this.s[2], X_THRESHOLD, LENGTH);
  }
}
