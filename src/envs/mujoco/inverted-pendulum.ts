/**
 * InvertedPendulum-v5 (gymnasium/envs/mujoco/inverted_pendulum_v5.py): keep a pole upright on a
 * cart. obs = (qpos, qvel); reward 1 per step, 0 on the terminating step; terminated when the
 * observation is not finite or |hinge angle| > 0.2. Reset noise U(-s, s) on qpos then qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions } from './base.ts';
import { INVERTED_PENDULUM_XML } from './models/inverted-pendulum.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'InvertedPendulum-v5';

export interface InvertedPendulumOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  resetNoiseScale?: number;
}

const DEFAULTS = { frameSkip: 2, resetNoiseScale: 0.01 };

export class InvertedPendulumEnv extends MujocoEnv {
  readonly resetNoiseScale: number;

  constructor(opts: InvertedPendulumOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({ id: ID, xml: INVERTED_PENDULUM_XML, frameSkip: o.frameSkip, obsDim: 4, renderMode: opts.renderMode ?? null });
    this.resetNoiseScale = o.resetNoiseScale;
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(InvertedPendulumEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.resetNoiseScale, 'uniform');
  }

  protected writeObs(): void {
    const p = this.sim.qpos,
      v = this.sim.qvel;
    this.obs[0] = p[0];
    this.obs[1] = p[1];
    this.obs[2] = v[0];
    this.obs[3] = v[1];
  }

  protected afterStep(): { reward: number; terminated: boolean; info: Info } {
    const o = this.obs;
    const terminated = !o.every(Number.isFinite) || Math.abs(o[1]) > 0.2;
    const reward = terminated ? 0 : 1;
    return { reward, terminated, info: { reward_survive: reward } };
  }
}
