/**
 * Termination functions per environment, given by hand as MBPO does (mbpo/static/*.py, mbrl-lib
 * mbrl/env/termination_fns.py): the learned model predicts s' and r, and whether s' ends the episode
 * is known from the task's definition, not learned. Each writes done[i] = 1 for rows of nextObs
 * [B, obsDim] that are terminal states (a time limit is not a termination: model rollouts bootstrap).
 *
 *   Pendulum-v1                 never terminates (only truncated at 200 steps)
 *   ContinuousCartPole-v0,
 *   CartPole-v0/v1              |x| > 2.4 or |theta| > 12 degrees (obs = [x, x_dot, theta, theta_dot])
 *   MountainCarContinuous-v0    position >= 0.45 and velocity >= 0 (goal_velocity 0)
 */
export type TerminationFn = (nextObs: Float32Array, B: number, done: Uint8Array) => void;

const never: TerminationFn = (_o, B, done) => done.fill(0, 0, B);

const cartPole: TerminationFn = (o, B, done) => {
  const thetaMax = (12 * 2 * Math.PI) / 360;
  for (let i = 0; i < B; i++) {
    const x = o[i * 4],
      theta = o[i * 4 + 2];
    done[i] = x < -2.4 || x > 2.4 || theta < -thetaMax || theta > thetaMax ? 1 : 0;
  }
};

const mountainCar: TerminationFn = (o, B, done) => {
  for (let i = 0; i < B; i++) done[i] = o[i * 2] >= 0.45 && o[i * 2 + 1] >= 0 ? 1 : 0;
};

export const TERMINATION_FNS: Record<string, TerminationFn> = {
  'Pendulum-v1': never,
  'ContinuousCartPole-v0': cartPole,
  'CartPole-v0': cartPole,
  'CartPole-v1': cartPole,
  'MountainCarContinuous-v0': mountainCar,
};

/** The termination function of a registered env id, or an error listing the known ones. */
export function terminationFn(envId: string): TerminationFn {
  const f = TERMINATION_FNS[envId];
  if (!f) {
    throw new Error(
      `no termination function for '${envId}'; model-based algorithms know ${Object.keys(TERMINATION_FNS).join(', ')} (add one to TERMINATION_FNS)`,
    );
  }
  return f;
}
