/**
 * Reacher-v5 (gymnasium/envs/mujoco/reacher_v5.py): move the fingertip of a two-link arm to a
 * random target. reward = -w_d·‖fingertip - target‖ - w_c·Σa² (after the step); obs = cos and sin
 * of the two arm angles, the target position, the arm's joint velocities, (fingertip - target)[x, y];
 * never terminates (TimeLimit 50). Reset: U(-0.1, 0.1) on qpos; the target redrawn as
 * U(-0.2, 0.2)² until its norm is below 0.2; U(-0.005, 0.005) on the arm's velocities.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { MujocoEnv, parseOptions, sumOfSquares } from './base.ts';
import { REACHER_XML } from './models/reacher.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'Reacher-v5';

export interface ReacherOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  rewardDistWeight?: number;
  rewardControlWeight?: number;
}

const DEFAULTS = { frameSkip: 2, rewardDistWeight: 1, rewardControlWeight: 1 };

export class ReacherEnv extends MujocoEnv {
  readonly options: Readonly<typeof DEFAULTS>;
  private readonly fingertip: number;
  private readonly target: number;

  constructor(opts: ReacherOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger' });
    super({ id: ID, xml: REACHER_XML, frameSkip: o.frameSkip, obsDim: 10, renderMode: opts.renderMode ?? null });
    this.options = Object.freeze(o);
    this.fingertip = this.sim.id('body', 'fingertip');
    this.target = this.sim.id('body', 'target');
  }

  /** No state beyond MujocoEnv's (the goal is qpos[2:4]). */
  static {
    snapshotsLikeParent(ReacherEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    const qpos = Array.from(this.initQpos, (x) => np.uniform(-0.1, 0.1) + x);
    let g0: number, g1: number;
    do {
      g0 = np.uniform(-0.2, 0.2);
      g1 = np.uniform(-0.2, 0.2);
    } while (!(Math.sqrt(g0 * g0 + g1 * g1) < 0.2));
    qpos[2] = g0;
    qpos[3] = g1;
    const qvel = Array.from(this.initQvel, (x) => x + np.uniform(-0.005, 0.005));
    qvel[2] = 0;
    qvel[3] = 0;
    this.sim.setState(qpos, qvel);
  }

  /** fingertip - target (body xpos). */
  private delta(): [number, number, number] {
    const x = this.sim.d('xpos'),
      f = 3 * this.fingertip,
      t = 3 * this.target;
    return [x[f] - x[t], x[f + 1] - x[t + 1], x[f + 2] - x[t + 2]];
  }

  // Same shape as Acrobot's observation (cos and sin of two link angles): Gymnasium's two-link arms.
  protected writeObs(): void {
    const p = this.sim.qpos,
      v = this.sim.qvel,
      o = this.obs;
    o[0] = Math.cos(p[0]);
    o[1] = Math.cos(p[1]);
    o[2] = Math.sin(p[0]);
    o[3] = Math.sin(p[1]);
    o[4] = p[2];
    o[5] = p[3];
    o[6] = v[0];
    o[7] = v[1];
    const d = this.delta();
    o[8] = d[0];
    o[9] = d[1];
  }

  protected afterStep(action: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const [dx, dy, dz] = this.delta();
    const rewardDist = -Math.sqrt(dx * dx + dy * dy + dz * dz) * this.options.rewardDistWeight;
    const rewardCtrl = -sumOfSquares(action) * this.options.rewardControlWeight;
    return { reward: rewardDist + rewardCtrl, terminated: false, info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl } };
  }
}
