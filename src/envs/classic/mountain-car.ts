/**
 * MountainCar-v0 (Moore 1990), Gymnasium 1.x dynamics: float64 state, float32 observation,
 * reward -1 per step, terminated at position >= 0.5. Order of operations as in
 * gymnasium/envs/classic_control/mountain_car.py.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, decodeNumbers, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box, Discrete } from '../spaces.ts';
import { badDiscreteAction, checkStateLength, notReset, numpyFromState, numpyRandom, numpyState, resetBounds } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawMountainCar } from './render.ts';

const ID = 'MountainCar-v0';
export const MOUNTAIN_CAR = { minPosition: -1.2, maxPosition: 0.6, maxSpeed: 0.07, goalPosition: 0.5, force: 0.001, gravity: 0.0025 };
const { minPosition: MIN_P, maxPosition: MAX_P, maxSpeed: MAX_V, force: FORCE, gravity: GRAVITY } = MOUNTAIN_CAR;

// Same shape as the other classic envs (reset, step, getState, setState, snapshot): each file stands alone like Gymnasium's, with its own state and float32 rules.
export class MountainCarEnv extends BaseEnv<Float32Array, number> {
  static readonly STATE_NAMES = ['position', 'velocity'] as const;
  readonly observationSpace = new Box<Float32Array>([MIN_P, -MAX_V], [MAX_P, MAX_V]);
  readonly actionSpace = new Discrete(3);
  private readonly goalPosition: number;
  private readonly goalVelocity: number;
  private position = 0;
  private velocity = 0;
  private hasState = false;
  /** Gymnasium's np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;
  private readonly obs = new Float32Array(2);

  constructor(opts: { renderMode?: RenderMode | null; goalVelocity?: number } = {}) {
    super(opts.renderMode ?? null);
    this.goalPosition = MOUNTAIN_CAR.goalPosition;
    this.goalVelocity = opts.goalVelocity ?? 0;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    const [lo, hi] = resetBounds(ID, args.options, -0.6, -0.4);
    this.position = np.uniform(lo, hi);
    this.velocity = 0;
    this.hasState = true;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) throw badDiscreteAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    let velocity = this.velocity + ((action - 1) * FORCE + Math.cos(3 * this.position) * -GRAVITY);
    velocity = Math.min(Math.max(velocity, -MAX_V), MAX_V);
    let position = this.position + velocity;
    position = Math.min(Math.max(position, MIN_P), MAX_P);
    if (position === MIN_P && velocity < 0) velocity = 0;
    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    this.position = position;
    this.velocity = velocity;
    this.writeObs();
    return this.stepResult(this.obs, -1.0, terminated);
  }

  private writeObs(): void {
    this.obs[0] = this.position;
    this.obs[1] = this.velocity;
  }

  /** Gymnasium's internal state [position, velocity] (float64). */
  getState(): Float64Array {
    return Float64Array.of(this.position, this.velocity);
  }

  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, MountainCarEnv.STATE_NAMES);
    this.position = state[0];
    this.velocity = state[1];
    this.hasState = true;
    this.writeObs();
  }

  protected override snapshotSelf(): Json {
    return { s: encodeNumbers([this.position, this.velocity]), hasState: this.hasState, np: numpyState(this.np) };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    const s = decodeNumbers(o.s, 2, `${who}: state.s [${MountainCarEnv.STATE_NAMES.join(', ')}]`);
    this.np = numpyFromState(who, o.np);
    this.hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    [this.position, this.velocity] = s;
    this.writeObs();
  }

  currentObs(): Float32Array {
    return this.obs;
  }

  override render(): RgbFrame {
    return drawMountainCar(this.position, this.goalPosition);
  }
}
