/**
 * Side-effect module: loads MuJoCo and registers its tasks (top-level await). For contexts that set
 * up environments by importing modules, e.g. a vector env's worker `setupModules`.
 */
import { loadMujoco } from './index.ts';

await loadMujoco();
