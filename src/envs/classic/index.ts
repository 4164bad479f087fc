export { CartPoleEnv, CARTPOLE_THETA_THRESHOLD, CARTPOLE_X_THRESHOLD, type CartPoleOptions } from './cartpole.ts';
export { AcrobotEnv, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2 } from './acrobot.ts';
export { MountainCarEnv, MOUNTAIN_CAR } from './mountain-car.ts';
export { MountainCarContinuousEnv } from './continuous-mountain-car.ts';
export { PendulumEnv, angleNormalize } from './pendulum.ts';
export { ContinuousCartPoleEnv } from './continuous-cartpole.ts';
export { floorMod } from './common.ts';

/** The classic envs all expose Gymnasium's internal state. */
export interface StatefulEnv {
  getState(): Float64Array;
  setState(state: ArrayLike<number>): void;
  currentObs(): Float32Array;
}
