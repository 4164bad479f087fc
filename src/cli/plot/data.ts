/**
 * Learning-curve data: runs read from their directories, grouped by algorithm and environment,
 * each group summarised on a common x grid by the mean and standard deviation over the runs that
 * reach that x (linear interpolation between logged points).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readProgress, readRunStatus } from '../../train/node/run-dir.ts';
import { ConfigError } from '../../train/setup.ts';

export interface RunCurve {
  dir: string;
  name: string;
  algo: string;
  env: string;
  xs: number[];
  ys: number[];
  /** The run failed (status.json 'failed'), or was killed without a trace ('running' with no live process). */
  failed: boolean;
}

export interface Group {
  label: string;
  algo: string;
  env: string;
  runs: RunCurve[];
  grid: number[];
  mean: number[];
  std: number[];
  /** Runs contributing at each grid point (all of them: the grid spans the range they share). */
  count: number[];
}

/** Run directories among the arguments (a directory without config.json is searched one level down). */
export function findRunDirs(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new ConfigError(`plot: no such run directory ${p}`);
    if (existsSync(join(p, 'config.json'))) {
      out.push(p);
      continue;
    }
    const kids = readdirSync(p)
      .map((k) => join(p, k))
      .filter((k) => statSync(k).isDirectory() && existsSync(join(k, 'config.json')))
      .sort();
    if (kids.length === 0) throw new ConfigError(`plot: ${p} is not a run directory (no config.json) and holds none`);
    out.push(...kids);
  }
  return out;
}

/** One run's (x, y) points; `logY` takes log10 of y and drops values that are not positive. */
export function loadCurve(dir: string, x: string, y: string, logY = false): RunCurve {
  let cfg: any;
  try {
    cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  } catch (e) {
    throw new ConfigError(`plot: cannot read ${join(dir, 'config.json')}: ${(e as Error).message}`);
  }
  const rows = readProgress(dir);
  for (const col of [x, y]) {
    if (rows.length && !(col in rows[0])) {
      throw new ConfigError(`plot: ${dir} has no column '${col}'; columns: ${Object.keys(rows[0]).join(', ')}`);
    }
  }
  const xs: number[] = [],
    ys: number[] = [];
  for (const r of rows) {
    const xv = r[x];
    const yv = logY && typeof r[y] === 'number' ? (r[y] > 0 ? Math.log10(r[y]) : NaN) : r[y];
    if (typeof xv === 'number' && typeof yv === 'number' && Number.isFinite(xv) && Number.isFinite(yv)) {
      xs.push(xv);
      ys.push(yv);
    }
  }
  const state = readRunStatus(dir).state;
  return { dir, name: basename(dir), algo: String(cfg.algo), env: String(cfg.env), xs, ys, failed: state === 'failed' || state === 'dead' };
}

function interp(xs: number[], ys: number[], x: number): number {
  if (x < xs[0] || x > xs[xs.length - 1]) return NaN;
  let lo = 0,
    hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xs[hi] === xs[lo]) return ys[lo];
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

export function groupCurves(runs: RunCurve[], points = 120): Group[] {
  const byKey = new Map<string, RunCurve[]>();
  const keyParts = new Map<string, [string, string]>();
  for (const r of runs) {
    const key = `${r.algo} ${r.env}`;
    if (!byKey.has(key)) keyParts.set(key, [r.algo, r.env]);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey.entries()].map(([label, rs]) => {
    const usable = rs.filter((r) => r.xs.length > 0);
    // The mean and spread cover the x range every run reaches: past a run's end (a run stopped at its
    // threshold, say) an average over fewer runs would jump. Each run's own line shows the rest.
    const lo = Math.max(...usable.map((r) => r.xs[0])),
      hi = Math.min(...usable.map((r) => r.xs[r.xs.length - 1]));
    const grid: number[] = [],
      mean: number[] = [],
      std: number[] = [],
      count: number[] = [];
    if (usable.length && hi >= lo) {
      for (let i = 0; i < points; i++) {
        const x = points === 1 || hi === lo ? lo : lo + ((hi - lo) * i) / (points - 1);
        const vals = usable.map((r) => interp(r.xs, r.ys, Math.min(Math.max(x, r.xs[0]), r.xs[r.xs.length - 1]))).filter((v) => Number.isFinite(v));
        if (!vals.length) continue;
        const m = vals.reduce((a, b) => a + b, 0) / vals.length;
        grid.push(x);
        mean.push(m);
        std.push(Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length));
        count.push(vals.length);
      }
    }
    const [algo, env] = keyParts.get(label)!;
    return { label, algo, env, runs: rs, grid, mean, std, count };
  });
}

/**
 * Round tick values (1, 2, 5 x 10^k apart) from a multiple of the step at or below lo to one at or
 * above hi: among steps giving 3 to `maxTicks` intervals, the one that wastes the least axis.
 */
export function niceTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(hi > lo)) {
    hi = lo + 1;
    lo = lo - 1;
  }
  const p = 10 ** Math.floor(Math.log10((hi - lo) / maxTicks));
  let best: { step: number; first: number; last: number } | null = null;
  for (const step of [1, 2, 5, 10, 20, 50, 100].map((m) => m * p)) {
    const first = Math.floor(lo / step + 1e-9),
      last = Math.ceil(hi / step - 1e-9);
    const n = last - first;
    if (n < 3 && best) continue;
    if (n > maxTicks) continue;
    if (!best || (last - first) * step < (best.last - best.first) * best.step) best = { step, first, last };
  }
  const { step, first, last } = best!;
  const out: number[] = [];
  for (let k = first; k <= last; k++) {
    const v = k * step;
    out.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  }
  return out;
}

export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}
