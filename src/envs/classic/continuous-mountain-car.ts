/**
 * MountainCarContinuous-v0, Gymnasium 1.x dynamics including NumPy 2's float32 arithmetic.
 *
 * In Gymnasium the state is a float32 array after every step (float64 after reset), the action is
 * a float32 array, and under NumPy 2 (NEP 50) a float32 scalar combined with a Python float stays
 * float32: the Python float is first rounded to float32, the operation is done in float32. Each
 * such operation is emulated here with Math.fround, so observations match Gymnasium bit for bit.
 * `f32` tracks whether the current state is float32 (true after a step) or float64 (after reset or
 * setState). The reward uses the unclipped action in float64 (math.pow), as Gymnasium does.
 */
import { BaseEnv, EMPTY_INFO, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { checkBoolean, decodeNumbers, encodeNumbers, stateObject, type Json } from '../snapshot.ts';
import { Box } from '../spaces.ts';
import { checkStateLength, notReset, numpyFromState, numpyRandom, numpyState, resetBounds, scalarAction } from './common.ts';
import type { NumpyGenerator } from '../mujoco/numpy-random.ts';
import { drawMountainCar } from './render.ts';

const ID = 'MountainCarContinuous-v0';
const MIN_A = -1.0,
  MAX_A = 1.0,
  MIN_P = -1.2,
  MAX_P = 0.6,
  MAX_V = 0.07,
  POWER = 0.0015;
const fr = Math.fround;

// Same shape as the other classic envs (reset, step, getState, setState, snapshot): each file stands alone like Gymnasium's, with its own state and float32 rules.
export class MountainCarContinuousEnv extends BaseEnv<Float32Array, Float32Array | number[]> {
  static readonly STATE_NAMES = ['position', 'velocity'] as const;
  readonly observationSpace = new Box<Float32Array>([MIN_P, -MAX_V], [MAX_P, MAX_V]);
  readonly actionSpace = new Box<Float32Array | number[]>(MIN_A, MAX_A, [1]);
  private readonly goalPosition = 0.45;
  private readonly goalVelocity: number;
  private position = 0;
  private velocity = 0;
  private f32 = false;
  private hasState = false;
  /** Gymnasium's np_random (NumPy's PCG64), null until the first reset. */
  private np: NumpyGenerator | null = null;
  private readonly obs = new Float32Array(2);

  constructor(opts: { renderMode?: RenderMode | null; goalVelocity?: number } = {}) {
    super(opts.renderMode ?? null);
    this.goalVelocity = opts.goalVelocity ?? 0;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const np = (this.np = numpyRandom(ID, this.np, args.seed));
    const [lo, hi] = resetBounds(ID, args.options, -0.6, -0.4);
    this.position = np.uniform(lo, hi);
    this.velocity = 0;
    this.f32 = false;
    this.hasState = true;
    this.writeObs();
    return { obs: this.obs, info: EMPTY_INFO };
  }

  step(action: Float32Array | number[]): StepResult<Float32Array> {
    const a = scalarAction(ID, action, this.actionSpace);
    if (!this.hasState) throw notReset(ID);
    const f32 = this.f32;
    let position = this.position,
      velocity = this.velocity;
    // force = min(max(action[0], -1.0), 1.0): stays the float32 action unless a Python bound is chosen.
    const clipped = a < MIN_A || a > MAX_A;
    const force = a < MIN_A ? MIN_A : a > MAX_A ? MAX_A : a;
    const cosTerm = 0.0025 * Math.cos(f32 ? fr(3 * position) : 3 * position); // a Python float
    // velocity += force * power - 0.0025 * cos(3 * position)
    const dv = clipped ? force * POWER - cosTerm : fr(fr(force * fr(POWER)) - fr(cosTerm));
    velocity = f32 ? fr(velocity + fr(dv)) : velocity + dv;
    let vClipped = false;
    if (f32 ? velocity > fr(MAX_V) : velocity > MAX_V) {
      velocity = MAX_V;
      vClipped = true;
    }
    if (f32 ? velocity < fr(-MAX_V) : velocity < -MAX_V) {
      velocity = -MAX_V;
      vClipped = true;
    }
    // position += velocity; a clipped velocity is a Python float, rounded to float32 against a float32 position.
    position = f32 ? fr(position + (vClipped ? fr(velocity) : velocity)) : position + velocity;
    let pClipped = false;
    if (f32 ? position > fr(MAX_P) : position > MAX_P) {
      position = MAX_P;
      pClipped = true;
    }
    if (f32 ? position < fr(MIN_P) : position < MIN_P) {
      position = MIN_P;
      pClipped = true;
    }
    // Comparisons of a float32 scalar with a Python float happen in float32 under NumPy 2.
    const posF32 = f32 && !pClipped;
    if ((posF32 ? position === fr(MIN_P) : position === MIN_P) && velocity < 0) velocity = 0;
    const terminated = (posF32 ? position >= fr(this.goalPosition) : position >= this.goalPosition) && velocity >= this.goalVelocity;
    let reward = terminated ? 100.0 : 0;
    reward -= a ** 2 * 0.1;
    this.position = fr(position);
    this.velocity = fr(velocity);
    this.f32 = true;
    this.writeObs();
    return this.stepResult(this.obs, reward, terminated);
  }

  private writeObs(): void {
    this.obs[0] = this.position;
    this.obs[1] = this.velocity;
  }

  /** Gymnasium's internal state [position, velocity] (float32 values after a step). */
  getState(): Float64Array {
    return Float64Array.of(this.position, this.velocity);
  }

  /** Sets a float64 state, as `env.unwrapped.state = np.array(state)` does in Gymnasium. */
  setState(state: ArrayLike<number>): void {
    checkStateLength(ID, state, MountainCarContinuousEnv.STATE_NAMES);
    this.position = state[0];
    this.velocity = state[1];
    this.f32 = false;
    this.hasState = true;
    this.writeObs();
  }

  /** Snapshot: the state and whether it is float32 (after a step) or float64 (after reset). */
  protected override snapshotSelf(): Json {
    return { s: encodeNumbers([this.position, this.velocity]), f32: this.f32, hasState: this.hasState, np: numpyState(this.np) };
  }

  protected override restoreSelf(state: Json): void {
    const who = `${ID}.restore`,
      o = stateObject(who, state);
    const s = decodeNumbers(o.s, 2, `${who}: state.s [${MountainCarContinuousEnv.STATE_NAMES.join(', ')}]`);
    const f32 = checkBoolean(o.f32, `${who}: state.f32`);
    this.np = numpyFromState(who, o.np);
    this.hasState = checkBoolean(o.hasState, `${who}: state.hasState`);
    this.f32 = f32;
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
