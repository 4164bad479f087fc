/**
 * Ant-v5 (gymnasium/envs/mujoco/ant_v5.py): a quadruped rewarded for forward velocity of its main
 * body. reward = w_f·x_velocity + healthy_reward·[healthy] - w_c·Σa² - w_contact·Σclip(cfrc_ext)²;
 * obs = qpos[2:], qvel, clip(cfrc_ext[1:], contactForceRange) (78 values); terminated when the
 * state is not finite or qpos[2] leaves healthyZRange (closed). The velocity comes from the main
 * body's xpos, which MuJoCo leaves at the last substep's forward pass (no mj_forward after a step),
 * so "before" is that of the previous step, as in Gymnasium. Reset noise: U(-s, s) on qpos,
 * s·N(0, 1) on qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { clip, MujocoEnv, numpySum, parseOptions, sumOfSquares } from './base.ts';
import { ANT_XML } from './models/ant.ts';
import type { NumpyGenerator } from './numpy-random.ts';

const ID = 'Ant-v5';

export interface AntOptions {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  contactCostWeight?: number;
  healthyReward?: number;
  /** The body whose xpos gives the velocity (an index; 1 is the torso). */
  mainBody?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: [number, number];
  contactForceRange?: [number, number];
  resetNoiseScale?: number;
  excludeCurrentPositionsFromObservation?: boolean;
  includeCfrcExtInObservation?: boolean;
}

const DEFAULTS = {
  frameSkip: 5,
  forwardRewardWeight: 1,
  ctrlCostWeight: 0.5,
  contactCostWeight: 5e-4,
  healthyReward: 1.0,
  mainBody: 1,
  terminateWhenUnhealthy: true,
  healthyZRange: [0.2, 1.0] as [number, number],
  contactForceRange: [-1.0, 1.0] as [number, number],
  resetNoiseScale: 0.1,
  excludeCurrentPositionsFromObservation: true,
  includeCfrcExtInObservation: true,
};

export class AntEnv extends MujocoEnv {
  readonly options: Readonly<typeof DEFAULTS>;
  private readonly clipped: Float64Array;

  constructor(opts: AntOptions = {}) {
    const o = parseOptions(ID, opts as Record<string, unknown>, DEFAULTS, { frameSkip: 'positiveInteger', mainBody: 'positiveInteger' });
    const obsDim = 15 - (o.excludeCurrentPositionsFromObservation ? 2 : 0) + 14 + (o.includeCfrcExtInObservation ? 78 : 0);
    super({ id: ID, xml: ANT_XML, frameSkip: o.frameSkip, obsDim, renderMode: opts.renderMode ?? null, postConstraint: true });
    if (o.mainBody >= this.sim.model.nbody) throw new Error(`${ID}: option mainBody must be a body index in 1..${this.sim.model.nbody - 1}, got ${o.mainBody}`);
    this.options = Object.freeze(o);
    this.clipped = new Float64Array(6 * this.sim.model.nbody);
  }

  /** No state beyond MujocoEnv's. */
  static {
    snapshotsLikeParent(AntEnv);
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.options.resetNoiseScale, 'normal');
  }

  /** clip(cfrc_ext, contactForceRange), all bodies. */
  private contactForces(): Float64Array {
    const raw = this.sim.d('cfrc_ext'),
      [lo, hi] = this.options.contactForceRange;
    for (let i = 0; i < this.clipped.length; i++) this.clipped[i] = clip(raw[i], lo, hi);
    return this.clipped;
  }

  protected writeObs(): void {
    let k = this.writePositionsAndVelocities(this.options.excludeCurrentPositionsFromObservation ? 2 : 0);
    const o = this.obs;
    if (this.options.includeCfrcExtInObservation) {
      const c = this.contactForces();
      for (let i = 6; i < c.length; i++) o[k++] = c[i];
    }
  }

  get isHealthy(): boolean {
    const p = this.sim.qpos,
      v = this.sim.qvel;
    for (let i = 0; i < this.sim.nq; i++) if (!Number.isFinite(p[i])) return false;
    for (let i = 0; i < this.sim.nv; i++) if (!Number.isFinite(v[i])) return false;
    const [lo, hi] = this.options.healthyZRange;
    return lo <= p[2] && p[2] <= hi;
  }

  protected override beforeStep(): Float64Array {
    const x = this.sim.d('xpos'),
      b = 3 * this.options.mainBody;
    return Float64Array.of(x[b], x[b + 1]);
  }

  protected afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const o = this.options;
    const x = this.sim.d('xpos'),
      b = 3 * o.mainBody;
    const xVelocity = (x[b] - before[0]) / this.dt,
      yVelocity = (x[b + 1] - before[1]) / this.dt;
    const healthy = this.isHealthy;
    const forward = xVelocity * o.forwardRewardWeight;
    const survive = healthy ? o.healthyReward : 0;
    const ctrlCost = o.ctrlCostWeight * sumOfSquares(action);
    const c = this.contactForces();
    const sq = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) sq[i] = c[i] * c[i];
    const contactCost = o.contactCostWeight * numpySum(sq);
    const reward = forward + survive - (ctrlCost + contactCost);
    const p = this.sim.qpos;
    return {
      reward,
      terminated: !healthy && o.terminateWhenUnhealthy,
      info: {
        x_position: p[0],
        y_position: p[1],
        distance_from_origin: this.distanceFromOrigin(),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_forward: forward,
        reward_ctrl: -ctrlCost,
        reward_contact: -contactCost,
        reward_survive: survive,
      },
    };
  }

  private distanceFromOrigin(): number {
    const p = this.sim.qpos,
      dx = p[0] - this.initQpos[0],
      dy = p[1] - this.initQpos[1];
    return Math.sqrt(dx * dx + dy * dy);
  }

  protected override resetInfo(): Info {
    const p = this.sim.qpos;
    return { x_position: p[0], y_position: p[1], distance_from_origin: this.distanceFromOrigin() };
  }
}
