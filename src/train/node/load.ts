/** Opening checkpoints and run directories from disk, with one-line errors (Node-only). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { decodeCheckpoint, type Checkpoint } from '../checkpoint.ts';
import { ConfigError, algorithmEntry, createAlgorithm, checkEnvId } from '../setup.ts';
import type { Algorithm } from '../../algos/types.ts';
import { CHECKPOINT_FILE } from './run-dir.ts';

/** A run directory or a checkpoint file -> the checkpoint path (run dir: last, or best). */
export function checkpointPath(path: string, which: 'last' | 'best' = 'last'): string {
  if (!existsSync(path)) throw new ConfigError(`no such run directory or checkpoint: ${path}`);
  if (statSync(path).isDirectory()) {
    const p = join(path, CHECKPOINT_FILE[which]);
    if (!existsSync(p)) throw new ConfigError(`${path} has no checkpoint (${CHECKPOINT_FILE[which]} is missing)`);
    return p;
  }
  return path;
}

/** The run directory a checkpoint belongs to (its parent's parent for runs/<run>/checkpoints/x.ascent). */
export function runDirOf(ckptPath: string): string {
  const d = dirname(ckptPath);
  return basename(d) === 'checkpoints' ? dirname(d) : d;
}

export function readCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    // A plain Uint8Array copy: a Node Buffer may view a shared pool, and Buffer#slice does not copy,
    // which nn/serialize's Float32Array view over `.buffer` does not expect.
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    throw new ConfigError(`checkpoint ${path} is unusable: ${(e as Error).message}`);
  }
}

/** Rebuild the algorithm a checkpoint was saved from and load its state. */
export function restoreAlgorithm(ck: Checkpoint, path: string, config = ck.config): Algorithm {
  const entry = algorithmEntry(ck.algo);
  checkEnvId(ck.env);
  const algo = createAlgorithm(entry, config);
  try {
    algo.setState(ck.state);
  } catch (e) {
    algo.close();
    throw new ConfigError(`checkpoint ${path} does not fit ${ck.algo}: ${(e as Error).message}`);
  }
  return algo;
}
