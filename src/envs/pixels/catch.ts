/**
 * Catch (bsuite's catch, Osband et al., 2020, "Behaviour Suite for Reinforcement Learning"): a ball
 * falls one row per step from a random column of the top row of a rows x columns board; a paddle
 * on the bottom row moves left, stays or moves right (actions 0, 1, 2). When the ball reaches the
 * bottom row the episode terminates with reward +1 if the paddle is under it, else -1.
 *
 * Two observations of the same game, so that one policy class can be compared on both:
 *  - 'state':  [ball column, ball row, paddle column], each scaled to [0, 1];
 *  - 'pixels': the board as a grayscale image [1, rows, columns] in [0, 1] (ball and paddle 1),
 *    channels first as convolutional encoders take it. render() draws the same board in RGB with
 *    `cellPixels` pixels per cell (ball white, paddle grey), for AddRenderObservation pipelines.
 */
import { BaseEnv, type ResetArgs, type ResetResult, type RgbFrame, type RenderMode, type StepResult } from '../env.ts';
import { Box, Dict, Discrete, type Space } from '../spaces.ts';
import { checkInteger, stateObject, type Json } from '../snapshot.ts';

export interface CatchOptions {
  rows?: number;
  columns?: number;
  obsType?: 'state' | 'pixels';
  /** Pixels per board cell in render() (default 4). */
  cellPixels?: number;
  /** Start the paddle in a random column (drawn after the ball's) instead of the middle (bsuite). */
  randomPaddle?: boolean;
  renderMode?: RenderMode | null;
}

export class CatchEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace: Box<Float32Array>;
  readonly actionSpace = new Discrete(3);
  readonly rows: number;
  readonly columns: number;
  readonly obsType: 'state' | 'pixels';
  readonly cellPixels: number;
  readonly randomPaddle: boolean;
  private ballRow = 0;
  private ballCol = 0;
  private paddleCol = 0;
  private hasState = false;
  private readonly obs: Float32Array;

  constructor(opts: CatchOptions = {}) {
    super(opts.renderMode ?? null);
    this.rows = opts.rows ?? 10;
    this.columns = opts.columns ?? 5;
    this.cellPixels = opts.cellPixels ?? 4;
    this.obsType = opts.obsType ?? 'state';
    this.randomPaddle = opts.randomPaddle ?? false;
    for (const [k, v, min] of [
      ['rows', this.rows, 2],
      ['columns', this.columns, 2],
      ['cellPixels', this.cellPixels, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`CatchEnv: ${k} must be an integer >= ${min}, got ${v}`);
    }
    if (this.obsType !== 'state' && this.obsType !== 'pixels') {
      throw new RangeError(`CatchEnv: obsType must be 'state' or 'pixels', got ${JSON.stringify(this.obsType)}`);
    }
    this.observationSpace = this.obsType === 'state' ? new Box<Float32Array>(0, 1, [3]) : new Box<Float32Array>(0, 1, [1, this.rows, this.columns]);
    this.obs = new Float32Array(this.observationSpace.size);
  }

  private writeObs(): Float32Array {
    const o = this.obs;
    if (this.obsType === 'state') {
      o[0] = this.ballCol / (this.columns - 1);
      o[1] = this.ballRow / (this.rows - 1);
      o[2] = this.paddleCol / (this.columns - 1);
    } else {
      o.fill(0);
      o[this.ballRow * this.columns + this.ballCol] = 1;
      o[(this.rows - 1) * this.columns + this.paddleCol] = 1;
    }
    return o;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const rng = this.seedRng(args.seed);
    this.ballRow = 0;
    this.ballCol = rng.int(this.columns);
    this.paddleCol = this.randomPaddle ? rng.int(this.columns) : Math.floor(this.columns / 2); // bsuite: the middle
    this.hasState = true;
    return { obs: this.writeObs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.hasState) throw new Error('CatchEnv.step: call reset() before step()');
    if (!(action === 0 || action === 1 || action === 2)) throw new RangeError(`CatchEnv.step: action must be 0 (left), 1 (stay) or 2 (right), got ${action}`);
    this.paddleCol = Math.min(this.columns - 1, Math.max(0, this.paddleCol + action - 1));
    this.ballRow++;
    const done = this.ballRow === this.rows - 1;
    const reward = done ? (this.ballCol === this.paddleCol ? 1 : -1) : 0;
    if (done) this.hasState = false;
    return this.stepResult(this.writeObs(), reward, done);
  }

  override render(): RgbFrame {
    const k = this.cellPixels,
      width = this.columns * k,
      height = this.rows * k;
    const data = new Uint8Array(width * height * 3);
    const cell = (r: number, c: number, v: number) => {
      for (let y = r * k; y < (r + 1) * k; y++) data.fill(v, (y * width + c * k) * 3, (y * width + (c + 1) * k) * 3);
    };
    cell(this.ballRow, this.ballCol, 255);
    cell(this.rows - 1, this.paddleCol, 255);
    return { width, height, data };
  }

  protected override snapshotSelf(): Json {
    return { ballRow: this.ballRow, ballCol: this.ballCol, paddleCol: this.paddleCol, hasState: this.hasState };
  }

  protected override restoreSelf(state: Json): void {
    const who = 'CatchEnv.restore',
      o = stateObject(who, state);
    this.ballRow = checkInteger(o.ballRow, `${who}: state.ballRow`, 0);
    this.ballCol = checkInteger(o.ballCol, `${who}: state.ballCol`, 0);
    this.paddleCol = checkInteger(o.paddleCol, `${who}: state.paddleCol`, 0);
    this.hasState = o.hasState === true;
    this.writeObs();
  }
}

/** CatchDict's observation: the ball as an image and the paddle as a number. */
export interface CatchDictObs {
  image: Float32Array;
  vector: Float32Array;
}

/**
 * Catch seen through two inputs, for policies that combine an image and a vector: `image` is the
 * board [1, rows, columns] with the ball alone (at 1), `vector` is [paddle column scaled to [0, 1]].
 * The paddle starts in a random column (randomPaddle) and the board has 6 rows by default, so
 * neither input alone tells where to move: from a known start the ball's row would tell where a
 * fixed policy has put the paddle, and with 9 steps (bsuite's 10 rows) a policy could first push the
 * paddle against a wall, then find the ball; 5 steps leave no time for that.
 */
export class CatchDictEnv extends BaseEnv<CatchDictObs, number> {
  /** A Dict of the two Boxes (typed by its elements). */
  readonly observationSpace: Space<CatchDictObs>;
  readonly actionSpace = new Discrete(3);
  /** The game, observed as its state [ball column, ball row, paddle column] scaled to [0, 1]. */
  readonly game: CatchEnv;
  private readonly obs: CatchDictObs;

  constructor(opts: Omit<CatchOptions, 'obsType'> = {}) {
    super(opts.renderMode ?? null);
    this.game = new CatchEnv({ rows: 6, ...opts, obsType: 'state', randomPaddle: true });
    const { rows, columns } = this.game;
    const dict = new Dict({ image: new Box<Float32Array>(0, 1, [1, rows, columns]), vector: new Box<Float32Array>(0, 1, [1]) });
    this.observationSpace = dict as unknown as Space<CatchDictObs>;
    this.obs = { image: new Float32Array(rows * columns), vector: new Float32Array(1) };
  }

  private split(state: Float32Array): CatchDictObs {
    const { rows, columns } = this.game;
    const col = Math.round(state[0] * (columns - 1)),
      row = Math.round(state[1] * (rows - 1));
    this.obs.image.fill(0);
    this.obs.image[row * columns + col] = 1;
    this.obs.vector[0] = state[2];
    return this.obs;
  }

  reset(args: ResetArgs = {}): ResetResult<CatchDictObs> {
    const r = this.game.reset(args);
    return { obs: this.split(r.obs), info: r.info };
  }

  step(action: number): StepResult<CatchDictObs> {
    const r = this.game.step(action);
    return this.stepResult(this.split(r.obs), r.reward, r.terminated);
  }

  override render(): RgbFrame {
    return this.game.render();
  }

  protected override snapshotSelf(): Json {
    return this.game.snapshot() as unknown as Json;
  }

  protected override restoreSelf(state: Json): void {
    this.game.restore(state as never);
  }
}
