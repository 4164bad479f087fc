/**
 * MaskVelocity: zeroes the velocity entries of a classic-control observation, turning the task into
 * a partially observed one (the "NoVel" envs of rl-baselines3-zoo / sb3-contrib's MaskVelocityWrapper).
 * The observation keeps its length; masked entries are always 0.
 */
import { snapshotsLikeParent, type Env } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import { Box } from '../envs/spaces.ts';

/** Which entries are kept (1) or zeroed (0), per base env id. */
export const VELOCITY_MASKS: Record<string, readonly number[]> = {
  'CartPole-v1': [1, 0, 1, 0], // x, x_dot, theta, theta_dot
  'CartPole-v0': [1, 0, 1, 0],
  'Pendulum-v1': [1, 1, 0], // cos, sin, theta_dot
  'MountainCar-v0': [1, 0], // position, velocity
  'MountainCarContinuous-v0': [1, 0],
  'Acrobot-v1': [1, 1, 1, 1, 0, 0], // cos/sin t1, cos/sin t2, dt1, dt2
};

type Vec = Float32Array | Float64Array;

export class MaskVelocity<Act> extends ObservationWrapper<Float32Array, Act, Vec> {
  readonly mask: Float32Array;
  private readonly out: Float32Array;

  /** `mask`: keep (1) / zero (0) per entry; by default looked up from VELOCITY_MASKS with `envId` or the env's spec id. */
  constructor(env: Env<Vec, Act>, mask?: readonly number[] | string) {
    super(env);
    const space = env.observationSpace;
    if (!(space instanceof Box)) throw new Error(`MaskVelocity: needs a Box observation space, got ${String(space)}`);
    const id = typeof mask === 'string' ? mask : env.spec?.id;
    const m = Array.isArray(mask) ? mask : id !== undefined ? VELOCITY_MASKS[id] : undefined;
    if (!m)
      throw new Error(
        `MaskVelocity: no velocity mask known for ${JSON.stringify(id)}; pass one of ${Object.keys(VELOCITY_MASKS).join(', ')} or an explicit mask`,
      );
    if (m.length !== space.size) throw new Error(`MaskVelocity: mask has length ${m.length}, observation space ${space} has ${space.size}`);
    this.mask = Float32Array.from(m);
    this.out = new Float32Array(space.size);
    const low = Array.from(space.low, (v, i) => (m[i] ? v : 0));
    const high = Array.from(space.high, (v, i) => (m[i] ? v : 0));
    this.observationSpace = new Box<Float32Array>(low, high, space.shape, 'float32');
  }

  protected observation(obs: Vec): Float32Array {
    for (let i = 0; i < this.out.length; i++) this.out[i] = this.mask[i] ? obs[i] : 0;
    return this.out;
  }

  /** Snapshot: none of its own (the output is recomputed from every inner observation). */
  static {
    snapshotsLikeParent(MaskVelocity);
  }
}
