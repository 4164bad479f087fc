/**
 * A sweep directory written by hand after the layout `ascent sweep` writes (src/distributed/sweep.ts):
 * <runs>/<sweep>/sweep.json, <job>/result.json and the job's run directory <job>/<run>/, with final
 * returns chosen so that the aggregates are known exactly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredSweep } from '../../src/distributed/queue.ts';
import type { JobResult } from '../../src/distributed/run-job.ts';
import { writeRun } from './fixtures.ts';

export const SWEEP_ID = 'lr-0123abcd';

/** 4 learning rates x seeds 0 and 1. */
export function sweepRecord(id = SWEEP_ID): StoredSweep {
  const lrs = [1e-2, 3e-3, 1e-3, 3e-4];
  const seeds = [0, 1];
  return {
    id,
    spec: {
      name: id.replace(/-[0-9a-f]{8}$/, ''),
      algo: 'ppo',
      env: 'CartPole-v1',
      steps: 4096,
      seeds,
      search: 'grid',
      samples: 1,
      samplerSeed: 0,
      set: {},
      params: { lr: lrs },
      run: { checkpointEvery: 512, preset: true, evalEvery: 2048, evalEpisodes: 3, threshold: 'none' },
    },
    jobs: lrs.flatMap((lr, c) => seeds.map((seed, s) => ({ index: 2 * c + s, key: `c${c}-s${seed}`, config: c, seed, params: { lr } }))),
    submittedAt: '2026-11-26T10:00:00.000Z',
  };
}

export function writeSweepRecord(runsDir: string, sweep: StoredSweep): string {
  const dir = join(runsDir, sweep.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify(sweep, null, 1));
  return dir;
}

const runName = (seed: number) => `ppo-CartPole-v1-s${seed}-20261126-100000`;

/** A job's run directory (state as status.json says), without a result. */
export function writeJobRun(sweepDir: string, key: string, opts: { state: string; rows?: number; error?: string }): string {
  const seed = Number(key.split('-s')[1]);
  const dir = writeRun(join(sweepDir, key), runName(seed), { rows: opts.rows ?? 4, state: opts.state, checkpoint: null });
  if (opts.error) {
    writeFileSync(
      join(dir, 'status.json'),
      JSON.stringify({ state: opts.state, steps: 128 * (opts.rows ?? 4), totalSteps: 4096, updatedAt: '', error: opts.error }),
    );
  }
  return dir;
}

/** A finished job: its run directory and result.json with this final greedy return and best evaluation. */
/** A job's result record (without its checksum) as a worker writes it, with the given final and best greedy returns. */
export function jobResult(
  sweep: StoredSweep,
  key: string,
  final: number,
  best: number,
  where: { host: string; run: string; files: Record<string, { sha256: string; data: null }> },
): Omit<JobResult, 'checksum'> {
  const j = sweep.jobs.find((x) => x.key === key)!;
  return {
    sweep: sweep.id,
    key,
    index: j.index,
    config: j.config,
    seed: j.seed,
    params: j.params,
    algo: 'ppo',
    env: 'CartPole-v1',
    steps: 4096,
    reason: 'steps',
    final: { mean: final, std: 1, episodes: 3, solved: null },
    best: { mean: best, steps: 2048 },
    seconds: 1,
    resumed: 0,
    host: where.host,
    finishedAt: '2026-11-26T10:01:00.000Z',
    run: { run: where.run, steps: 4096, files: where.files },
  };
}

export function writeJobResult(sweepDir: string, sweep: StoredSweep, key: string, final: number, best: number): void {
  const j = sweep.jobs.find((x) => x.key === key)!;
  writeJobRun(sweepDir, key, { state: 'finished', rows: 8 });
  const result = { ...jobResult(sweep, key, final, best, { host: 'test', run: runName(j.seed), files: {} }), checksum: '0'.repeat(64) };
  writeFileSync(join(sweepDir, key, 'result.json'), JSON.stringify(result, null, 1));
}

/**
 * The fixture sweep:
 *   c0 lr=0.01:   finals 100, 200 (best evals 250, 210): mean 150 ± 50 (population std; the sample std is 70.7)
 *   c1 lr=0.003:  finals 180, 140 (best evals 190, 150): mean 160 ± 20, the best configuration by mean
 *                 final return (c0 has the highest single final and the highest best eval)
 *   c2 lr=0.001:  c2-s0 running (2 of 32 rows), c2-s1 failed
 *   c3 lr=0.0003: c3-s0 stopped (interrupted), c3-s1 queued (no directory)
 */
export function writeFixtureSweep(runsDir: string): { sweep: StoredSweep; dir: string } {
  const sweep = sweepRecord();
  const dir = writeSweepRecord(runsDir, sweep);
  writeJobResult(dir, sweep, 'c0-s0', 100, 250);
  writeJobResult(dir, sweep, 'c0-s1', 200, 210);
  writeJobResult(dir, sweep, 'c1-s0', 180, 190);
  writeJobResult(dir, sweep, 'c1-s1', 140, 150);
  writeJobRun(dir, 'c2-s0', { state: 'running', rows: 2 });
  writeJobRun(dir, 'c2-s1', { state: 'failed', rows: 3, error: 'NaN in the policy loss at step 384' });
  writeJobRun(dir, 'c3-s0', { state: 'interrupted', rows: 1 });
  return { sweep, dir };
}
