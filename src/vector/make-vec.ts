/** gymnasium.make_vec: numEnvs copies of a registered env, in this thread ('sync') or in workers ('async'). */
import { make, type MakeOptions } from '../envs/registry.ts';
import { RecordEpisodeStatistics } from '../wrappers/record-episode-statistics.ts';
import { AsyncVectorEnv } from './async.ts';
import { SyncVectorEnv } from './sync.ts';
import type { AutoresetMode } from './types.ts';

export interface MakeVecOptions {
  vectorizationMode?: 'sync' | 'async';
  numWorkers?: number;
  makeOptions?: MakeOptions;
  autoresetMode?: AutoresetMode;
  recordEpisodeStatistics?: boolean;
}

export async function makeVec(id: string, numEnvs: number, opts: MakeVecOptions = {}): Promise<SyncVectorEnv | AsyncVectorEnv> {
  if (opts.vectorizationMode === 'async') {
    return AsyncVectorEnv.create({
      envId: id,
      numEnvs,
      numWorkers: opts.numWorkers,
      makeOptions: opts.makeOptions,
      autoresetMode: opts.autoresetMode,
      recordEpisodeStatistics: opts.recordEpisodeStatistics,
    });
  }
  const fns = Array.from({ length: numEnvs }, () => () => {
    const e = make(id, opts.makeOptions);
    return opts.recordEpisodeStatistics ? new RecordEpisodeStatistics(e) : e;
  });
  return new SyncVectorEnv(fns, { autoresetMode: opts.autoresetMode });
}
