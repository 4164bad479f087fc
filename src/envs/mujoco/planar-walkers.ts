/**
 * Hopper-v5 and Walker2d-v5 (gymnasium/envs/mujoco/hopper_v5.py, walker2d_v5.py): planar walkers
 * rewarded for forward velocity. reward = w_f·x_velocity + healthy_reward·[healthy] - w_c·Σa²;
 * obs = qpos[1:] (qpos[0:] when positions are included), clip(qvel, ±10); terminated when unhealthy
 * (if terminateWhenUnhealthy). Reset noise U(-s, s) on qpos then qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions, sumOfSquares } from './base.ts';
import { HOPPER_XML } from './models/hopper.ts';
import { WALKER2D_XML } from './models/walker2d.ts';
import type { NumpyGenerator } from './numpy-random.ts';

interface WalkerOptions {
  frameSkip: number;
  forwardRewardWeight: number;
  ctrlCostWeight: number;
  healthyReward: number;
  terminateWhenUnhealthy: boolean;
  healthyZRange: [number, number];
  healthyAngleRange: [number, number];
  resetNoiseScale: number;
  excludeCurrentPositionsFromObservation: boolean;
}

abstract class PlanarWalkerEnv<O extends WalkerOptions> extends MujocoEnv {
  readonly options: Readonly<O>;

  constructor(id: string, xml: string, o: O, renderMode: RenderMode | null) {
    const nq = id.startsWith('Hopper') ? 6 : 9;
    const obsDim = 2 * nq - (o.excludeCurrentPositionsFromObservation ? 1 : 0);
    super({ id, xml, frameSkip: o.frameSkip, obsDim, renderMode });
    this.options = Object.freeze({ ...o });
  }

  abstract get isHealthy(): boolean;

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.options.resetNoiseScale, 'uniform');
  }

  protected writeObs(): void {
    this.writePositionsAndVelocities(this.options.excludeCurrentPositionsFromObservation ? 1 : 0, 10);
  }

  protected override beforeStep(): Float64Array {
    return Float64Array.of(this.sim.qpos[0]);
  }

  protected afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const o = this.options,
      p = this.sim.qpos;
    const xVelocity = (p[0] - before[0]) / this.dt;
    const healthy = this.isHealthy;
    const forward = o.forwardRewardWeight * xVelocity;
    const survive = healthy ? o.healthyReward : 0;
    const ctrlCost = o.ctrlCostWeight * sumOfSquares(action);
    const reward = forward + survive - ctrlCost;
    const terminated = !healthy && o.terminateWhenUnhealthy;
    return {
      reward,
      terminated,
      info: {
        x_position: p[0],
        z_distance_from_origin: p[1] - this.initQpos[1],
        x_velocity: xVelocity,
        reward_forward: forward,
        reward_ctrl: -ctrlCost,
        reward_survive: survive,
      },
    };
  }

  protected override resetInfo(): Info {
    const p = this.sim.qpos;
    return { x_position: p[0], z_distance_from_origin: p[1] - this.initQpos[1] };
  }
}

const OPEN = (lo: number, x: number, hi: number) => lo < x && x < hi;

export interface HopperOptions extends Partial<WalkerOptions> {
  renderMode?: RenderMode | null;
  /** Every entry of (qpos[2:], qvel) must lie strictly inside it. */
  healthyStateRange?: [number, number];
}

const HOPPER_DEFAULTS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-3,
  healthyReward: 1.0,
  terminateWhenUnhealthy: true,
  healthyStateRange: [-100.0, 100.0] as [number, number],
  healthyZRange: [0.7, Infinity] as [number, number],
  healthyAngleRange: [-0.2, 0.2] as [number, number],
  resetNoiseScale: 5e-3,
  excludeCurrentPositionsFromObservation: true,
};

export class HopperEnv extends PlanarWalkerEnv<typeof HOPPER_DEFAULTS> {
  constructor(opts: HopperOptions = {}) {
    const o = parseOptions('Hopper-v5', opts as Record<string, unknown>, HOPPER_DEFAULTS, { frameSkip: 'positiveInteger' });
    super('Hopper-v5', HOPPER_XML, o, opts.renderMode ?? null);
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(HopperEnv);
  }

  /** z in healthyZRange, angle in healthyAngleRange, every entry of (qpos[2:], qvel) in healthyStateRange (all open). */
  get isHealthy(): boolean {
    const o = this.options,
      p = this.sim.qpos,
      v = this.sim.qvel;
    const [lo, hi] = o.healthyStateRange;
    for (let i = 2; i < this.sim.nq; i++) if (!OPEN(lo, p[i], hi)) return false;
    for (let i = 0; i < this.sim.nv; i++) if (!OPEN(lo, v[i], hi)) return false;
    return OPEN(o.healthyZRange[0], p[1], o.healthyZRange[1]) && OPEN(o.healthyAngleRange[0], p[2], o.healthyAngleRange[1]);
  }
}

export interface Walker2dOptions extends Partial<WalkerOptions> {
  renderMode?: RenderMode | null;
}

// Same shape as HOPPER_DEFAULTS: each task's v5 defaults listed whole, to read against Gymnasium's.
const WALKER_DEFAULTS = {
  frameSkip: 4,
  forwardRewardWeight: 1.0,
  ctrlCostWeight: 1e-3,
  healthyReward: 1.0,
  terminateWhenUnhealthy: true,
  healthyZRange: [0.8, 2.0] as [number, number],
  healthyAngleRange: [-1.0, 1.0] as [number, number],
  resetNoiseScale: 5e-3,
  excludeCurrentPositionsFromObservation: true,
};

export class Walker2dEnv extends PlanarWalkerEnv<typeof WALKER_DEFAULTS> {
  constructor(opts: Walker2dOptions = {}) {
    const o = parseOptions('Walker2d-v5', opts as Record<string, unknown>, WALKER_DEFAULTS, { frameSkip: 'positiveInteger' });
    super('Walker2d-v5', WALKER2D_XML, o, opts.renderMode ?? null);
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(Walker2dEnv);
  }

  /** z in healthyZRange and angle in healthyAngleRange (open intervals). */
  get isHealthy(): boolean {
    const o = this.options,
      p = this.sim.qpos;
    return OPEN(o.healthyZRange[0], p[1], o.healthyZRange[1]) && OPEN(o.healthyAngleRange[0], p[2], o.healthyAngleRange[1]);
  }
}
