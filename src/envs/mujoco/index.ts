/**
 * Gymnasium's MuJoCo v5 tasks on mujoco-js (MuJoCo 3.3.8 as WebAssembly). `await loadMujoco()`
 * loads the WebAssembly module and registers the tasks; then `make('Hopper-v5')` etc. work as for
 * any env. They are registered only once loaded, because make() is synchronous and the module
 * loads asynchronously: listing or making them earlier could only fail. Importing
 * `src/envs/mujoco/register.ts` does the same as a side effect (e.g. in worker setup modules).
 */
import type { MainModule } from 'mujoco-js';
import type { EnvSpec, RenderMode } from '../env.ts';
import { register, registeredIds } from '../registry.ts';
import { loadMujoco as loadWasm } from './sim.ts';
import { HalfCheetahEnv } from './half-cheetah.ts';
import { InvertedDoublePendulumEnv } from './inverted-double-pendulum.ts';
import { InvertedPendulumEnv } from './inverted-pendulum.ts';
import { HopperEnv, Walker2dEnv } from './planar-walkers.ts';
import { SwimmerEnv } from './swimmer.ts';
import { ReacherEnv } from './reacher.ts';
import { AntEnv } from './ant.ts';
import { PusherEnv } from './pusher.ts';
import { HumanoidEnv, HumanoidStandupEnv } from './humanoid.ts';
export { MUJOCO_IDS } from './ids.ts';

export { MjSim, mujocoModule, type MjSimOptions } from './sim.ts';
export { MujocoEnv, type MujocoAction } from './base.ts';
export { NumpyGenerator } from './numpy-random.ts';
export { InvertedPendulumEnv, type InvertedPendulumOptions } from './inverted-pendulum.ts';
export { InvertedDoublePendulumEnv, type InvertedDoublePendulumOptions } from './inverted-double-pendulum.ts';
export { HopperEnv, Walker2dEnv, type HopperOptions, type Walker2dOptions } from './planar-walkers.ts';
export { HalfCheetahEnv, type HalfCheetahOptions } from './half-cheetah.ts';
export { SwimmerEnv, type SwimmerOptions } from './swimmer.ts';
export { ReacherEnv, type ReacherOptions } from './reacher.ts';
export { AntEnv, type AntOptions } from './ant.ts';
export { PusherEnv, type PusherOptions } from './pusher.ts';
export { HumanoidEnv, HumanoidStandupEnv, type HumanoidOptions, type HumanoidStandupOptions } from './humanoid.ts';
export { MODELS } from './models/index.ts';

type Ctor = new (opts: Record<string, unknown>) => unknown;
const task = (C: Ctor) => (k: Record<string, unknown>) =>
  new C({ ...k, renderMode: (k.renderMode ?? null) as RenderMode | null }) as ReturnType<EnvSpec['entryPoint']>;

/** Gymnasium 1.x's registrations of the v5 tasks (gymnasium/envs/__init__.py): ids, step limits, reward thresholds. */
export const MUJOCO_SPECS: EnvSpec[] = [
  { id: 'InvertedPendulum-v5', entryPoint: task(InvertedPendulumEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 950.0 },
  { id: 'InvertedDoublePendulum-v5', entryPoint: task(InvertedDoublePendulumEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 9100.0 },
  { id: 'Hopper-v5', entryPoint: task(HopperEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 3800.0 },
  { id: 'Walker2d-v5', entryPoint: task(Walker2dEnv as unknown as Ctor), maxEpisodeSteps: 1000 },
  { id: 'HalfCheetah-v5', entryPoint: task(HalfCheetahEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 4800.0 },
  { id: 'Swimmer-v5', entryPoint: task(SwimmerEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 360.0 },
  { id: 'Ant-v5', entryPoint: task(AntEnv as unknown as Ctor), maxEpisodeSteps: 1000, rewardThreshold: 6000.0 },
  { id: 'Humanoid-v5', entryPoint: task(HumanoidEnv as unknown as Ctor), maxEpisodeSteps: 1000 },
  { id: 'HumanoidStandup-v5', entryPoint: task(HumanoidStandupEnv as unknown as Ctor), maxEpisodeSteps: 1000 },
  { id: 'Reacher-v5', entryPoint: task(ReacherEnv as unknown as Ctor), maxEpisodeSteps: 50, rewardThreshold: -3.75 },
  { id: 'Pusher-v5', entryPoint: task(PusherEnv as unknown as Ctor), maxEpisodeSteps: 100, rewardThreshold: 0.0 },
];

/**
 * Loads the MuJoCo WebAssembly module (once) and registers the tasks of MUJOCO_SPECS (ids already
 * registered, e.g. by the user, are left alone). Resolves to the module.
 */
export async function loadMujoco(): Promise<MainModule> {
  const mod = await loadWasm();
  const have = new Set(registeredIds());
  for (const s of MUJOCO_SPECS) if (!have.has(s.id)) register(s);
  return mod;
}
