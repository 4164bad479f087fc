/**
 * Pusher-v5 (gymnasium/envs/mujoco/pusher_v5.py): push a cylinder to a goal with a seven-joint
 * arm. reward = -w_near·‖object - tips_arm‖ - w_dist·‖object - goal‖ - w_ctrl·Σa² (body xpos,
 * after the step); obs = qpos[0:7], qvel[0:7], xpos of tips_arm, object and goal; never terminates
 * (TimeLimit 100). Reset: the arm at qpos0; the object drawn as (U(-0.3, 0), U(-0.2, 0.2)) until
 * its distance to the goal (the origin) exceeds 0.17; U(-0.005, 0.005) on the arm's velocities.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions, sumOfSquares } from './base.ts';
import { PUSHER_XML } from './models/pusher.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'Pusher-v5';

export interface PusherOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  rewardNearWeight?: number;
  rewardDistWeight?: number;
  rewardControlWeight?: number;
}

const DEFAULTS = { frameSkip: 5, rewardNearWeight: 0.5, rewardDistWeight: 1, rewardControlWeight: 0.1 };

export class PusherEnv extends MujocoEnv {
  readonly options: Readonly<typeof DEFAULTS>;
  private readonly bodies: { tips: number; object: number; goal: number };

  constructor(opts: PusherOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({ id: ID, xml: PUSHER_XML, frameSkip: o.frameSkip, obsDim: 23, renderMode: opts.renderMode ?? null });
    this.options = Object.freeze(o);
    this.bodies = { tips: this.sim.id('body', 'tips_arm'), object: this.sim.id('body', 'object'), goal: this.sim.id('body', 'goal') };
  }

  /** No state beyond MujocoEnv's (the object and goal are qpos[7:11]). */
  static {
    snapshotsLikeParent(PusherEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    const qpos = Array.from(this.initQpos);
    let c0: number, c1: number;
    do {
      c0 = np.uniform(-0.3, 0);
      c1 = np.uniform(-0.2, 0.2);
    } while (!(Math.sqrt(c0 * c0 + c1 * c1) > 0.17));
    const n = qpos.length;
    qpos[n - 4] = c0;
    qpos[n - 3] = c1;
    qpos[n - 2] = 0;
    qpos[n - 1] = 0;
    const qvel = Array.from(this.initQvel, (x) => x + np.uniform(-0.005, 0.005));
    for (let i = qvel.length - 4; i < qvel.length; i++) qvel[i] = 0;
    this.sim.setState(qpos, qvel);
  }

  protected writeObs(): void {
    const p = this.sim.qpos,
      v = this.sim.qvel,
      x = this.sim.d('xpos'),
      o = this.obs;
    for (let i = 0; i < 7; i++) {
      o[i] = p[i];
      o[7 + i] = v[i];
    }
    const { tips, object, goal } = this.bodies;
    for (let k = 0; k < 3; k++) {
      o[14 + k] = x[3 * tips + k];
      o[17 + k] = x[3 * object + k];
      o[20 + k] = x[3 * goal + k];
    }
  }

  protected afterStep(action: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const x = this.sim.d('xpos'),
      { tips, object, goal } = this.bodies,
      o = this.options;
    const dist = (a: number, b: number) => {
      const d0 = x[3 * a] - x[3 * b],
        d1 = x[3 * a + 1] - x[3 * b + 1],
        d2 = x[3 * a + 2] - x[3 * b + 2];
      return Math.sqrt(d0 * d0 + d1 * d1 + d2 * d2);
    };
    const rewardNear = -dist(object, tips) * o.rewardNearWeight;
    const rewardDist = -dist(object, goal) * o.rewardDistWeight;
    const rewardCtrl = -sumOfSquares(action) * o.rewardControlWeight;
    return {
      reward: rewardDist + rewardCtrl + rewardNear,
      terminated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl, reward_near: rewardNear },
    };
  }
}
