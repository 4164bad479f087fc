/**
 * Sweeps on this machine and the pieces the CLI shares with the queue: loading and checking a
 * sweep file against the algorithm's schema, the sweep id, running jobs on local cores, collecting
 * results into run directories, and the table of final scores. Node-only.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWrite } from '../train/node/files.ts';
import { findPreset } from '../train/node/presets.ts';
import { deepMerge, setDotted, type ConfigObject } from '../train/overrides.ts';
import { ConfigError, algorithmEntry, buildConfig, checkActionSpace, checkEnvId, createAlgorithm } from '../train/setup.ts';
import type { StoredSweep } from './queue.ts';
import { runJob, verifyResult, writeRunFiles, type JobProgress, type JobResult } from './run-job.ts';
import { flatten, parseSweep, sweepJobs, type SweepSpec } from './sweep-file.ts';

/** Read, parse and check a sweep file: every configuration is validated as `ascent train` would, before anything runs. */
export function loadSweepFile(path: string): StoredSweep {
  if (!existsSync(path)) throw new ConfigError(`sweep: no such file ${path}`);
  const spec = parseSweep(readFileSync(path, 'utf8'), path);
  const jobs = sweepJobs(spec);
  checkSweep(spec, jobs, path);
  return { id: sweepId(spec, jobs), spec, jobs, submittedAt: new Date().toISOString() };
}

function checkSweep(spec: SweepSpec, jobs: ReturnType<typeof sweepJobs>, file: string): void {
  const entry = algorithmEntry(spec.algo);
  checkEnvId(spec.env);
  checkActionSpace(entry, spec.env);
  const preset = spec.run.preset ? findPreset(entry.name, spec.env) : null;
  const seen = new Set<number>();
  for (const j of jobs) {
    if (seen.has(j.config)) continue;
    seen.add(j.config);
    let sets: ConfigObject = {};
    try {
      for (const [k, v] of Object.entries(flatten(spec.set))) setDotted(sets, k, v);
      const swept: ConfigObject = {};
      for (const [k, v] of Object.entries(j.params)) setDotted(swept, k, v);
      sets = deepMerge(sets, swept);
      const config = buildConfig(entry, spec.env, { preset: preset?.config, sets, flags: { seed: j.seed, steps: spec.steps } });
      // The constructor's range checks too (a negative learning rate passes the schema), exactly as `ascent train` meets them.
      createAlgorithm(entry, config).close();
    } catch (e) {
      const what = Object.keys(j.params).length ? ` (configuration ${j.key.split('-')[0]}: ${paramText(j.params)})` : '';
      throw new ConfigError(`${file}${what}: ${(e as Error).message}`);
    }
  }
}

/** `<name>-<8 hex>`: the hash of everything that defines the jobs, so a resubmitted file is the same sweep and an edited one a new sweep. */
export function sweepId(spec: SweepSpec, jobs: ReturnType<typeof sweepJobs>): string {
  const { name, ...rest } = spec;
  const h = createHash('sha256')
    .update(JSON.stringify({ ...rest, jobs: jobs.map((j) => [j.key, j.params]) }))
    .digest('hex');
  return `${name}-${h.slice(0, 8)}`;
}

export const paramText = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : JSON.stringify(v)}`)
    .join(' ') || '(no swept settings)';

/** Where a result lands: <out>/<sweep>/<key>/result.json (without file data) beside the run directory. */
const resultPath = (out: string, id: string, k: string) => join(out, id, k, 'result.json');

/** Write a result's run directory (checked against its checksums) and result.json under `out`. */
export function saveResult(out: string, r: JobResult): void {
  verifyResult(r);
  const jobDir = join(out, r.sweep, r.key);
  const runDir = join(jobDir, r.run.run);
  // Files already there with the same hash (a worker on this machine wrote them) are kept.
  const missing = Object.fromEntries(
    Object.entries(r.run.files).filter(([rel, f]) => {
      const p = join(runDir, rel);
      if (f.data === null) return false;
      return !existsSync(p) || createHash('sha256').update(readFileSync(p)).digest('hex') !== f.sha256;
    }),
  );
  writeRunFiles(jobDir, { ...r.run, files: missing });
  atomicWrite(resultPath(out, r.sweep, r.key), JSON.stringify(stripData(r), null, 1) + '\n', { fsync: false });
}

/** A result without its files' bytes (their hashes stay; null still marks a file that was not uploaded). */
export function stripData(r: JobResult): JobResult {
  const files = Object.fromEntries(Object.entries(r.run.files).map(([k, f]) => [k, { sha256: f.sha256, data: f.data === null ? null : '' }]));
  return { ...r, run: { ...r.run, files } };
}

export function readLocalResults(out: string, id: string): JobResult[] {
  const dir = join(out, id);
  if (!existsSync(dir)) return [];
  const rs: JobResult[] = [];
  for (const k of readdirSync(dir)) {
    const p = resultPath(out, id, k);
    if (existsSync(p)) rs.push(JSON.parse(readFileSync(p, 'utf8')));
  }
  return rs;
}

/**
 * Run the sweep's jobs on this machine, `concurrency` at a time (each in its own process); jobs
 * with a result already under `out` are skipped, and an interrupted job resumes from its checkpoint
 * when the same sweep is run again.
 */
export async function runLocal(
  sweep: StoredSweep,
  out: string,
  concurrency: number,
  signal: AbortSignal,
  log: (line: string) => void,
  onProgress?: (key: string, p: JobProgress) => void,
): Promise<Record<string, string>> {
  const outAbs = resolve(out);
  mkdirSync(join(outAbs, sweep.id), { recursive: true });
  atomicWrite(join(outAbs, sweep.id, 'sweep.json'), JSON.stringify(sweep, null, 1) + '\n', { fsync: false });
  const done = new Set(readLocalResults(outAbs, sweep.id).map((r) => r.key));
  const todo = sweep.jobs.filter((j) => !done.has(j.key));
  const failed: Record<string, string> = {};
  let next = 0;
  const lane = async () => {
    while (next < todo.length && !signal.aborted) {
      const j = todo[next++];
      log(`${j.key}: starting (${paramText(j.params)}, seed ${j.seed})`);
      const o = await runJob(sweep.spec, sweep.id, j, join(outAbs, sweep.id, j.key), { signal, onProgress: (p) => onProgress?.(j.key, p) });
      if (o.kind === 'done') {
        atomicWrite(resultPath(outAbs, sweep.id, j.key), JSON.stringify(stripData(o.result), null, 1) + '\n', { fsync: false });
        log(`${j.key}: done, final return ${o.result.final ? o.result.final.mean.toFixed(2) : '-'}`);
      } else if (o.kind === 'interrupted') log(`${j.key}: interrupted at ${o.files?.steps ?? 0} steps (run the sweep again to continue)`);
      else {
        failed[j.key] = o.message;
        log(`${j.key}: failed: ${o.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, lane));
  return failed;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const fmt = (x: number | null | undefined, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');

export interface ConfigSummary {
  config: number;
  params: Record<string, unknown>;
  seeds: number;
  done: number;
  mean: number | null;
  std: number | null;
  best: number | null;
}

/** Per configuration: the mean and std over seeds of the final greedy return; the best configuration has the highest mean. */
export function summarize(sweep: StoredSweep, results: JobResult[]): { rows: ConfigSummary[]; best: ConfigSummary | null } {
  const rows: ConfigSummary[] = [];
  for (const j of sweep.jobs) {
    if (!rows[j.config]) rows[j.config] = { config: j.config, params: j.params, seeds: 0, done: 0, mean: null, std: null, best: null };
    rows[j.config].seeds++;
  }
  for (const row of rows) {
    const rs = results.filter((r) => r.config === row.config);
    const finals = rs.map((r) => r.final?.mean).filter((x): x is number => typeof x === 'number');
    row.done = rs.length;
    if (finals.length) {
      row.mean = finals.reduce((a, b) => a + b, 0) / finals.length;
      row.std = Math.sqrt(finals.reduce((a, b) => a + (b - row.mean!) ** 2, 0) / finals.length);
    }
    const bests = rs.map((r) => r.best?.mean).filter((x): x is number => typeof x === 'number');
    if (bests.length) row.best = Math.max(...bests);
  }
  let best: ConfigSummary | null = null;
  for (const r of rows) if (r.mean !== null && (best === null || r.mean > best.mean!)) best = r;
  return { rows, best };
}

/** The status table: jobs finished, running (with steps) and failed; per configuration the final scores; the best configuration. */
export function statusText(sweep: StoredSweep, results: JobResult[], failed: Record<string, string>, running: Record<string, JobProgress>): string {
  const { rows, best } = summarize(sweep, results);
  const lines: string[] = [];
  const n = sweep.jobs.length;
  const nf = Object.keys(failed).length;
  lines.push(
    `sweep ${sweep.id}: ${sweep.spec.algo} on ${sweep.spec.env}, ${sweep.spec.steps} steps, ${plural(rows.length, 'configuration')} x ${plural(sweep.spec.seeds.length, 'seed')} = ${plural(n, 'job')}`,
  );
  lines.push(`${results.length}/${n} finished, ${Object.keys(running).length} running, ${nf} failed`);
  for (const [k, p] of Object.entries(running)) lines.push(`  running ${k}: ${p.steps}/${p.totalSteps} steps`);
  for (const [k, m] of Object.entries(failed)) lines.push(`  failed ${k}: ${m}`);
  const table = [['config', 'settings', 'done', 'final return (mean ± std over seeds)', 'best eval']];
  for (const r of rows)
    table.push([`c${r.config}`, paramText(r.params), `${r.done}/${r.seeds}`, r.mean === null ? '-' : `${fmt(r.mean)} ± ${fmt(r.std)}`, fmt(r.best)]);
  const w = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  lines.push(
    '',
    ...table.map((row) =>
      row
        .map((x, c) => x.padEnd(w[c]))
        .join('  ')
        .trimEnd(),
    ),
  );
  lines.push(
    '',
    best
      ? `best configuration: c${best.config} ${paramText(best.params)}: final return ${fmt(best.mean)} ± ${fmt(best.std)} over ${best.done} seed${best.done === 1 ? '' : 's'}`
      : 'best configuration: none yet (no job has finished)',
  );
  return lines.join('\n') + '\n';
}
