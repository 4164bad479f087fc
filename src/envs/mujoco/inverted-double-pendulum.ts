/**
 * InvertedDoublePendulum-v5 (gymnasium/envs/mujoco/inverted_double_pendulum_v5.py): balance two
 * poles in series on a cart. obs = (x, sin(hinges), cos(hinges), clip(qvel, ±10),
 * clip(qfrc_constraint[0], ±10)); reward = healthy_reward·[not terminated] - (0.01 x² + (y - 2)²)
 * - (1e-3 v1² + 5e-3 v2²) with (x, _, y) the tip site; terminated when y <= 1. Reset noise:
 * U(-s, s) on qpos, s·N(0, 1) on qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { clip, MujocoEnv, parseOptions } from './base.ts';
import { INVERTED_DOUBLE_PENDULUM_XML } from './models/inverted-double-pendulum.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'InvertedDoublePendulum-v5';

export interface InvertedDoublePendulumOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  healthyReward?: number;
  resetNoiseScale?: number;
}

const DEFAULTS = { frameSkip: 5, healthyReward: 10.0, resetNoiseScale: 0.1 };

// Same shape as inverted-pendulum.ts: each fills MujocoEnv's hooks with its own Gymnasium values.
export class InvertedDoublePendulumEnv extends MujocoEnv {
  readonly healthyReward: number;
  readonly resetNoiseScale: number;

  constructor(opts: InvertedDoublePendulumOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({ id: ID, xml: INVERTED_DOUBLE_PENDULUM_XML, frameSkip: o.frameSkip, obsDim: 9, renderMode: opts.renderMode ?? null });
    this.healthyReward = o.healthyReward;
    this.resetNoiseScale = o.resetNoiseScale;
  }

  /** No state beyond MujocoEnv's (the options are fixed at construction). */
  static {
    snapshotsLikeParent(InvertedDoublePendulumEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.resetNoiseScale, 'normal');
  }

  protected writeObs(): void {
    const p = this.sim.qpos,
      v = this.sim.qvel,
      o = this.obs;
    o[0] = p[0];
    o[1] = Math.sin(p[1]);
    o[2] = Math.sin(p[2]);
    o[3] = Math.cos(p[1]);
    o[4] = Math.cos(p[2]);
    for (let i = 0; i < 3; i++) o[5 + i] = clip(v[i], -10, 10);
    o[8] = clip(this.sim.d('qfrc_constraint')[0], -10, 10);
  }

  protected afterStep(): { reward: number; terminated: boolean; info: Info } {
    // site_xpos is that of the last substep's forward pass (no mj_forward after stepping, as in Gymnasium).
    const tip = this.sim.d('site_xpos');
    const x = tip[0],
      y = tip[2];
    const terminated = y <= 1;
    const v = this.sim.qvel;
    const distPenalty = 0.01 * (x * x) + (y - 2) * (y - 2);
    const velPenalty = 1e-3 * (v[1] * v[1]) + 5e-3 * (v[2] * v[2]);
    const alive = terminated ? 0 : this.healthyReward;
    const reward = alive - distPenalty - velPenalty;
    return { reward, terminated, info: { reward_survive: alive, distance_penalty: -distPenalty, velocity_penalty: -velPenalty } };
  }
}
