/**
 * HalfCheetah-v5 (gymnasium/envs/mujoco/half_cheetah_v5.py): run forward. reward = w_f·x_velocity
 * - w_c·Σa²; obs = qpos[1:], qvel (no clipping); never terminates. Reset noise: U(-s, s) on qpos,
 * s·N(0, 1) on qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions, sumOfSquares } from './base.ts';
import { HALF_CHEETAH_XML } from './models/half-cheetah.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'HalfCheetah-v5';

export interface HalfCheetahOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
}

const DEFAULTS = { frameSkip: 5, forwardRewardWeight: 1.0, ctrlCostWeight: 0.1, resetNoiseScale: 0.1, excludeCurrentPositionsFromObservation: true };

export class HalfCheetahEnv extends MujocoEnv {
  readonly options: Readonly<typeof DEFAULTS>;

  constructor(opts: HalfCheetahOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({
      id: ID,
      xml: HALF_CHEETAH_XML,
      frameSkip: o.frameSkip,
      obsDim: o.excludeCurrentPositionsFromObservation ? 17 : 18,
      renderMode: opts.renderMode ?? null,
    });
    this.options = Object.freeze(o);
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(HalfCheetahEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.options.resetNoiseScale, 'normal');
  }

  protected writeObs(): void {
    this.writePositionsAndVelocities(this.options.excludeCurrentPositionsFromObservation ? 1 : 0);
  }

  protected override beforeStep(): Float64Array {
    return Float64Array.of(this.sim.qpos[0]);
  }

  protected afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const x = this.sim.qpos[0];
    const xVelocity = (x - before[0]) / this.dt;
    const forward = this.options.forwardRewardWeight * xVelocity;
    const ctrlCost = this.options.ctrlCostWeight * sumOfSquares(action);
    return { reward: forward - ctrlCost, terminated: false, info: { x_position: x, x_velocity: xVelocity, reward_forward: forward, reward_ctrl: -ctrlCost } };
  }

  protected override resetInfo(): Info {
    return { x_position: this.sim.qpos[0] };
  }
}
