/**
 * Humanoid-v5 and HumanoidStandup-v5 (gymnasium/envs/mujoco/humanoid_v5.py,
 * humanoidstandup_v5.py). Both observe qpos[2:], qvel, cinert[1:], cvel[1:], qfrc_actuator[6:]
 * and cfrc_ext[1:] (348 values; each block optional), read as MuJoCo leaves them after a step (the
 * last substep's forward pass; cfrc_ext from mj_rnePostConstraint).
 *
 * Humanoid: reward = w_f·x_velocity + healthy_reward·[healthy] - w_c·Σctrl² - min(w_contact·Σcfrc_ext², 10),
 * x_velocity from the mass centre Σ m·xipos / Σ m (lagged: "before" is the previous step's);
 * terminated when qpos[2] leaves the open healthyZRange.
 * HumanoidStandup: reward = qpos[2] / timestep - w_c·Σctrl² - min(w_impact·Σcfrc_ext², 10) + 1; never
 * terminates. Its uphCostWeight is accepted and, as in Gymnasium 1.4.0, not applied.
 * Reset noise U(-s, s) on qpos then qvel.
 */
import { snapshotsLikeParent, type Info, type RenderMode } from '../env.ts';
import { clip, MujocoEnv, numpySum, parseOptions, sumOfSquares } from './base.ts';
import { HUMANOID_STANDUP_XML, HUMANOID_XML } from './models/humanoid.ts';
import type { NumpyGenerator } from './numpy-random.ts';

interface ObsOptions {
  resetNoiseScale: number;
  excludeCurrentPositionsFromObservation: boolean;
  includeCinertInObservation: boolean;
  includeCvelInObservation: boolean;
  includeQfrcActuatorInObservation: boolean;
  includeCfrcExtInObservation: boolean;
}

const OBS_DEFAULTS = {
  frameSkip: 5,
  resetNoiseScale: 1e-2,
  excludeCurrentPositionsFromObservation: true,
  includeCinertInObservation: true,
  includeCvelInObservation: true,
  includeQfrcActuatorInObservation: true,
  includeCfrcExtInObservation: true,
};

const NQ = 24,
  NV = 23,
  NBODY = 14;

function obsDim(o: ObsOptions): number {
  return (
    NQ -
    (o.excludeCurrentPositionsFromObservation ? 2 : 0) +
    NV +
    (o.includeCinertInObservation ? 10 * (NBODY - 1) : 0) +
    (o.includeCvelInObservation ? 6 * (NBODY - 1) : 0) +
    (o.includeQfrcActuatorInObservation ? NV - 6 : 0) +
    (o.includeCfrcExtInObservation ? 6 * (NBODY - 1) : 0)
  );
}

abstract class HumanoidBase<O extends ObsOptions & { frameSkip: number }> extends MujocoEnv {
  readonly options: Readonly<O>;

  constructor(id: string, xml: string, o: O, renderMode: RenderMode | null) {
    super({ id, xml, frameSkip: o.frameSkip, obsDim: obsDim(o), renderMode, postConstraint: true });
    this.options = Object.freeze({ ...o });
  }

  protected resetModel(np: NumpyGenerator): void {
    this.resetWithNoise(np, this.options.resetNoiseScale, 'uniform');
  }

  protected writeObs(): void {
    const o = this.options,
      out = this.obs,
      sim = this.sim;
    let k = 0;
    const copy = (a: Float64Array, from: number, to: number) => {
      for (let i = from; i < to; i++) out[k++] = a[i];
    };
    copy(sim.qpos, o.excludeCurrentPositionsFromObservation ? 2 : 0, NQ);
    copy(sim.qvel, 0, NV);
    if (o.includeCinertInObservation) copy(sim.d('cinert'), 10, 10 * NBODY);
    if (o.includeCvelInObservation) copy(sim.d('cvel'), 6, 6 * NBODY);
    if (o.includeQfrcActuatorInObservation) copy(sim.d('qfrc_actuator'), 6, NV);
    if (o.includeCfrcExtInObservation) copy(sim.d('cfrc_ext'), 6, 6 * NBODY);
  }

  /** min(weight·Σcfrc_ext², range) clipped to `range`. */
  protected contactCost(weight: number, range: [number, number]): number {
    return clip(weight * sumOfSquares(this.sim.d('cfrc_ext').subarray(0, 6 * NBODY)), range[0], range[1]);
  }

  protected tendonInfo(): Info {
    return { tendon_length: Array.from(this.sim.d('ten_length')), tendon_velocity: Array.from(this.sim.d('ten_velocity')) };
  }
}

export interface HumanoidOptions extends Partial<ObsOptions> {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  contactCostWeight?: number;
  contactCostRange?: [number, number];
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: [number, number];
}

const HUMANOID_DEFAULTS = {
  ...OBS_DEFAULTS,
  forwardRewardWeight: 1.25,
  ctrlCostWeight: 0.1,
  contactCostWeight: 5e-7,
  contactCostRange: [-Infinity, 10.0] as [number, number],
  healthyReward: 5.0,
  terminateWhenUnhealthy: true,
  healthyZRange: [1.0, 2.0] as [number, number],
};

export class HumanoidEnv extends HumanoidBase<typeof HUMANOID_DEFAULTS> {
  private readonly mass: Float64Array;
  private readonly totalMass: number;

  constructor(opts: HumanoidOptions = {}) {
    const o = parseOptions('Humanoid-v5', opts as Record<string, unknown>, HUMANOID_DEFAULTS, { frameSkip: 'positiveInteger' });
    super('Humanoid-v5', HUMANOID_XML, o, opts.renderMode ?? null);
    this.mass = this.sim.m('body_mass').slice();
    this.totalMass = numpySum(this.mass);
  }

  /** No state beyond MujocoEnv's (which keeps the lagged mass centre). */
  static {
    snapshotsLikeParent(HumanoidEnv);
  }

  /** Gymnasium's mass_center: Σ body_mass·xipos / Σ body_mass, (x, y). */
  private massCenter(): Float64Array {
    const x = this.sim.d('xipos');
    let sx = 0,
      sy = 0;
    for (let b = 0; b < NBODY; b++) {
      sx = b === 0 ? this.mass[b] * x[0] : sx + this.mass[b] * x[3 * b];
      sy = b === 0 ? this.mass[b] * x[1] : sy + this.mass[b] * x[3 * b + 1];
    }
    return Float64Array.of(sx / this.totalMass, sy / this.totalMass);
  }

  get isHealthy(): boolean {
    const z = this.sim.qpos[2],
      [lo, hi] = this.options.healthyZRange;
    return lo < z && z < hi;
  }

  protected override beforeStep(): Float64Array {
    return this.massCenter();
  }

  protected afterStep(action: Float64Array, before: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const o = this.options;
    const after = this.massCenter();
    const xVelocity = (after[0] - before[0]) / this.dt,
      yVelocity = (after[1] - before[1]) / this.dt;
    const healthy = this.isHealthy;
    const forward = o.forwardRewardWeight * xVelocity;
    const survive = healthy ? o.healthyReward : 0;
    // Gymnasium squares data.ctrl, which holds the action (MuJoCo clamps a copy, not ctrl itself).
    const ctrlCost = o.ctrlCostWeight * sumOfSquares(action);
    const contactCost = this.contactCost(o.contactCostWeight, o.contactCostRange);
    const reward = forward + survive - (ctrlCost + contactCost);
    return {
      reward,
      terminated: !healthy && o.terminateWhenUnhealthy,
      info: {
        ...this.resetInfo(),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_survive: survive,
        reward_forward: forward,
        reward_ctrl: -ctrlCost,
        reward_contact: -contactCost,
      },
    };
  }

  protected override resetInfo(): Info {
    const p = this.sim.qpos,
      dx = p[0] - this.initQpos[0],
      dy = p[1] - this.initQpos[1];
    return { x_position: p[0], y_position: p[1], ...this.tendonInfo(), distance_from_origin: Math.sqrt(dx * dx + dy * dy) };
  }
}

// Same shape as HumanoidOptions: each task documents its own keyword arguments.
export interface HumanoidStandupOptions extends Partial<ObsOptions> {
  renderMode?: RenderMode | null;
  frameSkip?: number;
  /** Accepted and not applied, as in Gymnasium 1.4.0 (reward_linup is qpos[2] / timestep). */
  uphCostWeight?: number;
  ctrlCostWeight?: number;
  impactCostWeight?: number;
  impactCostRange?: [number, number];
}

const STANDUP_DEFAULTS = {
  ...OBS_DEFAULTS,
  uphCostWeight: 1,
  ctrlCostWeight: 0.1,
  impactCostWeight: 0.5e-6,
  impactCostRange: [-Infinity, 10.0] as [number, number],
};

export class HumanoidStandupEnv extends HumanoidBase<typeof STANDUP_DEFAULTS> {
  private readonly timestep: number;

  constructor(opts: HumanoidStandupOptions = {}) {
    const o = parseOptions('HumanoidStandup-v5', opts as Record<string, unknown>, STANDUP_DEFAULTS, { frameSkip: 'positiveInteger' });
    super('HumanoidStandup-v5', HUMANOID_STANDUP_XML, o, opts.renderMode ?? null);
    this.timestep = this.sim.timestep;
  }

  /** No state beyond MujocoEnv's. */
  static {
    snapshotsLikeParent(HumanoidStandupEnv);
  }

  protected afterStep(action: Float64Array): { reward: number; terminated: boolean; info: Info } {
    const o = this.options;
    const uph = (this.sim.qpos[2] - 0) / this.timestep;
    const quadCtrl = o.ctrlCostWeight * sumOfSquares(action);
    const impact = this.contactCost(o.impactCostWeight, o.impactCostRange);
    const reward = uph - quadCtrl - impact + 1;
    return { reward, terminated: false, info: { ...this.resetInfo(), reward_linup: uph, reward_quadctrl: -quadCtrl, reward_impact: -impact } };
  }

  protected override resetInfo(): Info {
    const p = this.sim.qpos;
    return { x_position: p[0], y_position: p[1], z_distance_from_origin: p[2] - this.initQpos[2], ...this.tendonInfo() };
  }
}
