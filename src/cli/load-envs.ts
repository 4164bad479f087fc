/**
 * Loading the env families a command needs before it runs. MuJoCo's tasks register only once their
 * WebAssembly module is loaded (asynchronously, ~1.7 s and ~250 MB), so commands load it for the
 * ids they name and not otherwise.
 */
import { ensureEnv } from '../envs/index.ts';
import { checkpointPath, readCheckpoint } from '../train/node/load.ts';

/**
 * Load what `envId`, or the run saved in `runPath` (a run directory or checkpoint), needs. Errors
 * are left to the command itself, which reports bad ids and paths in its own words.
 */
export async function loadEnvsFor(envId: string | undefined, runPath?: string): Promise<void> {
  let id = envId;
  if (id === undefined && runPath !== undefined) {
    try {
      id = readCheckpoint(checkpointPath(runPath)).env;
    } catch {
      return;
    }
  }
  if (typeof id === 'string') await ensureEnv(id).catch(() => {});
}
