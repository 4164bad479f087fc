/**
 * The ids of Gymnasium's MuJoCo v5 tasks, importable without the tasks themselves: the registry
 * knows them before the WebAssembly module is loaded, to say how to load it and to load it on
 * request (`ensureEnv`). MUJOCO_SPECS (index.ts) registers exactly these.
 */
export const MUJOCO_IDS = [
  'InvertedPendulum-v5',
  'InvertedDoublePendulum-v5',
  'Hopper-v5',
  'Walker2d-v5',
  'HalfCheetah-v5',
  'Swimmer-v5',
  'Ant-v5',
  'Humanoid-v5',
  'HumanoidStandup-v5',
  'Reacher-v5',
  'Pusher-v5',
] as const;

/** True for the id of one of Gymnasium's MuJoCo v5 tasks. */
export function isMujocoId(id: string): boolean {
  return (MUJOCO_IDS as readonly string[]).includes(id);
}
