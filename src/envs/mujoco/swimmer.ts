/**
 * Swimmer-v5 (gymnasium/envs/mujoco/swimmer_v5.py): swim forward in a viscous fluid.
 * reward = w_f·x_velocity - w_c·Σa²; obs = qpos[2:], qvel; never terminates. Reset noise U(-s, s)
 * on qpos then qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions, sumOfSquares } from './base.ts';
import { SWIMMER_XML } from './models/swimmer.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'Swimmer-v5';

export interface SwimmerOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
}

const DEFAULTS = { frameSkip: 4, forwardRewardWeight: 1.0, ctrlCostWeight: 1e-4, resetNoiseScale: 0.1, excludeCurrentPositionsFromObservation: true };

// Same shape as half-cheetah.ts and the other tasks: each fills MujocoEnv's hooks with its own Gymnasium values.
export class SwimmerEnv extends MujocoEnv {
  readonly options: Readonly<typeof DEFAULTS>;

  constructor(opts: SwimmerOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({ id: ID, xml: SWIMMER_XML, frameSkip: o.frameSkip, obsDim: o.excludeCurrentPositionsFromObservation ? 8 : 10, renderMode: opts.renderMode ?? null });
    this.options = Object.freeze(o);
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(SwimmerEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.options.resetNoiseScale, 'uniform');
  }

  protected writeObs(): void {
    this.writePositionsAndVelocities(this.options.excludeCurrentPositionsFromObservation ? 2 : 0);
  }

  protected override beforeStep(): Float64Array {
    return Float64Array.of(this.sim.qpos[0], this.sim.qpos[1]);
  }

  protected afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const p = this.sim.qpos;
    const x = p[0],
      y = p[1];
    const xVelocity = (x - before[0]) / this.dt,
      yVelocity = (y - before[1]) / this.dt;
    const forward = this.options.forwardRewardWeight * xVelocity;
    const ctrlCost = this.options.ctrlCostWeight * sumOfSquares(action);
    return {
      reward: forward - ctrlCost,
      terminated: false,
      info: {
        x_position: x,
        y_position: y,
        distance_from_origin: Math.sqrt(x * x + y * y),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_forward: forward,
        reward_ctrl: -ctrlCost,
      },
    };
  }

  protected override resetInfo(): Info {
    const p = this.sim.qpos;
    return { x_position: p[0], y_position: p[1], distance_from_origin: Math.sqrt(p[0] * p[0] + p[1] * p[1]) };
  }
}
