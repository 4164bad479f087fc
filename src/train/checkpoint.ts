/**
 * Checkpoint files (.ascent): nn/serialize's checksummed format holding the algorithm's
 * getState() tensors, with JSON metadata that says how to rebuild the algorithm and the driver:
 *
 *   meta = { format: 'ascent-checkpoint', version, algo, env, config, steps, kind, savedAt,
 *            run: RunSettings, driver: DriverState, state: <the algorithm's own meta> }
 *
 * Browser-safe (bytes in, bytes out); node/run-dir.ts writes them atomically.
 */
import { serializeParams, deserializeParams } from '../nn/serialize.ts';
import type { AlgorithmState } from '../algos/types.ts';
import type { DriverState, Snapshot } from './driver.ts';

export const CHECKPOINT_VERSION = 1;

/** Driver settings of a run, kept so that eval and resume use the run's own. */
export interface RunSettings {
  totalSteps: number;
  evalEvery: number;
  evalEpisodes: number;
  evalSeed: number;
  threshold: number | null;
  checkpointEvery: number;
}

export interface CheckpointInfo {
  algo: string;
  env: string;
  config: Record<string, unknown>;
  run: RunSettings;
}

export interface Checkpoint extends CheckpointInfo {
  kind: string;
  steps: number;
  savedAt: string;
  driver: DriverState;
  state: AlgorithmState;
}

export function encodeCheckpoint(snap: Snapshot, info: CheckpointInfo, savedAt = new Date()): Uint8Array {
  return serializeParams(snap.state.tensors, {
    format: 'ascent-checkpoint',
    version: CHECKPOINT_VERSION,
    algo: info.algo,
    env: info.env,
    config: info.config,
    steps: snap.steps,
    kind: snap.kind,
    savedAt: savedAt.toISOString(),
    run: info.run,
    driver: snap.driver,
    state: snap.state.meta,
  });
}

/** Decode and verify (magic, lengths, CRC-32 of the data, metadata shape); throws a one-line error. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  // Copy into a fresh buffer: a Node Buffer can view a shared pool and its slice() does not copy,
  // while the parameter reader views the data through `.buffer`.
  const { header, tensors } = deserializeParams(new Uint8Array(bytes));
  const m = header.meta as any;
  if (!m || m.format !== 'ascent-checkpoint') throw new Error('not an Ascent checkpoint (a parameter file without training state)');
  if (m.version > CHECKPOINT_VERSION) throw new Error(`checkpoint version ${m.version} is newer than this ascent reads (${CHECKPOINT_VERSION})`);
  for (const k of ['algo', 'env', 'config', 'run', 'driver', 'state']) if (m[k] === undefined) throw new Error(`checkpoint metadata lacks '${k}'`);
  return {
    algo: m.algo,
    env: m.env,
    config: m.config,
    run: m.run,
    kind: m.kind,
    steps: m.steps,
    savedAt: m.savedAt,
    driver: m.driver,
    state: { tensors: header.tensors.map((t) => [t.name, tensors.get(t.name)!]), meta: m.state },
  };
}
