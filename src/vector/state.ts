/** Checking and building VectorEnvState, shared by SyncVectorEnv and AsyncVectorEnv. */
import { decodeNumbers, encodeNumbers, short, type EnvSnapshot } from '../envs/snapshot.ts';
import type { AutoresetMode, VectorEnvState } from './types.ts';

export function makeVectorState(
  mode: AutoresetMode,
  numEnvs: number,
  obsDim: number,
  obs: Float32Array,
  autoreset: number[],
  envs: EnvSnapshot[],
): VectorEnvState {
  return { kind: 'vector-env', numEnvs, obsDim, autoresetMode: mode, obs: encodeNumbers(obs), autoreset, envs };
}

/** Validates a snapshot against this vector env's shape; returns the decoded observations. */
export function checkVectorState(who: string, s: unknown, mode: AutoresetMode, numEnvs: number, obsDim: number): { obs: number[]; state: VectorEnvState } {
  const st = s as VectorEnvState;
  if (st === null || typeof st !== 'object' || st.kind !== 'vector-env') {
    throw new Error(`${who}: expected a vector env snapshot { kind: 'vector-env', ... } from getState(), got ${short(s)}`);
  }
  if (st.numEnvs !== numEnvs || st.obsDim !== obsDim) {
    throw new Error(`${who}: the snapshot is of ${st.numEnvs} envs with ${st.obsDim} observation values each, expected ${numEnvs} envs with ${obsDim}`);
  }
  if (st.autoresetMode !== mode) throw new Error(`${who}: the snapshot is of autoresetMode '${st.autoresetMode}', this vector env uses '${mode}'`);
  if (!Array.isArray(st.envs) || st.envs.length !== numEnvs || !Array.isArray(st.autoreset) || st.autoreset.length !== numEnvs) {
    throw new Error(`${who}: expected ${numEnvs} env snapshots and autoreset flags, got ${st.envs?.length} and ${st.autoreset?.length}`);
  }
  return { obs: decodeNumbers(st.obs, numEnvs * obsDim, `${who}: obs`), state: st };
}
