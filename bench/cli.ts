/**
 * The CLI's CPU time against the library loop's on identical work (issue 12): PPO on CartPole-v1
 * with its preset, the same seed and steps, no evaluation but the one final greedy episode both
 * run, and the driver loop the CLI uses without its callbacks. Each run is its own process; its CPU time (user + system, startup included) is read at exit
 * by bench/cli/cpu-hook.mjs. Runs alternate (library, CLI, ...) so that load drifts hit both.
 *
 *   node --import tsx bench/cli.ts [--steps 50000] [--reps 3] [--set '{"nSteps":4}'] [--old <checkout>] [--out <json>]
 *
 * `--old` adds the CLI of another checkout (e.g. a `git worktree` of the commit before a change).
 * Everything runs from source through tsx (ASCENT_FROM_SOURCE=1), the same loader on both sides.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, def?: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const steps = Number(arg('--steps', '50000')),
  reps = Number(arg('--reps', '3'));
const old = arg('--old');
// Settings over the preset on both sides, e.g. --set '{"nSteps":4,"epochs":1}': many short updates, where per-update overhead shows.
const sets: Record<string, number> = JSON.parse(arg('--set', '{}')!);
const out = arg('--out');
const root = fileURLToPath(new URL('..', import.meta.url));
const hook = join(root, 'bench/cli/cpu-hook.mjs');
const ENV = 'CartPole-v1',
  SEED = 0,
  EPISODES = 1;

function cpuOf(args: string[], cwd: string): { cpuSeconds: number; wallSeconds: number; stdout: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'ascent-bench-cli-'));
  const cpuFile = join(tmp, 'cpu.json');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', hook, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, ASCENT_BENCH_CPU_OUT: cpuFile, ASCENT_FROM_SOURCE: '1', FORCE_COLOR: '0' },
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} (in ${cwd}) exited ${r.status}: ${r.stderr}`);
  const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')).cpuSeconds;
  rmSync(tmp, { recursive: true, force: true });
  return { cpuSeconds: cpu, wallSeconds: wall, stdout: r.stdout };
}

const cliArgs = (checkout: string) => [
  join(checkout, 'bin/ascent.mjs'),
  'train',
  'ppo',
  ENV,
  '--steps',
  String(steps),
  '--seed',
  String(SEED),
  '--eval-every',
  '0',
  '--eval-episodes',
  String(EPISODES),
  '--threshold',
  'none',
  '--plain',
  '--out',
  'runs',
  ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
];
const variants: [string, () => string[]][] = [
  ['library', () => [join(root, 'bench/cli/library-run.mjs'), ENV, String(steps), String(SEED), String(EPISODES), 'learn', JSON.stringify(sets)]],
  ['driver', () => [join(root, 'bench/cli/library-run.mjs'), ENV, String(steps), String(SEED), String(EPISODES), 'driver', JSON.stringify(sets)]],
  ['cli', () => cliArgs(root)],
];
if (old) variants.push(['cli-old', () => cliArgs(resolve(old))]);

const samples: Record<string, number[]> = Object.fromEntries(variants.map(([n]) => [n, []]));
/** The final evaluation's return of each run: equal on every side when the work is identical. */
const evalReturn = (name: string, stdout: string) =>
  name === 'library' || name === 'driver' ? JSON.parse(stdout.trim().split('\n').at(-1)!).evalMean : Number(/^evaluation .*: return (\S+)/m.exec(stdout)?.[1]);
const returns = new Set<number>();
const loads: number[] = [];
for (let rep = 0; rep < reps; rep++) {
  for (const [name, args] of variants) {
    loads.push(loadavg()[0]);
    const r = cpuOf(args(), root);
    samples[name].push(r.cpuSeconds);
    returns.add(Math.round(evalReturn(name, r.stdout)));
    console.log(`${name} rep ${rep}: ${r.cpuSeconds.toFixed(2)} s CPU, ${r.wallSeconds.toFixed(1)} s wall, load ${loads.at(-1)!.toFixed(1)}`);
  }
}
if (returns.size !== 1) console.log(`warning: the runs' final evaluations differ (${[...returns].join(', ')}): not identical work`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lib = median(samples.library);
// The minimum too: on a loaded machine a run's CPU time only grows with contention (shared caches,
// SMT siblings), so the least of several runs is the steadiest estimate of its own cost.
const libMin = Math.min(...samples.library);
const rows = variants.map(([name]) => ({
  name,
  cpuSecondsMedian: median(samples[name]),
  cpuSecondsMin: Math.min(...samples[name]),
  cpuSeconds: samples[name],
  ratioToLibrary: median(samples[name]) / lib,
  minRatioToLibrary: Math.min(...samples[name]) / libMin,
}));
for (const r of rows)
  console.log(
    `${r.name.padEnd(8)} median ${r.cpuSecondsMedian.toFixed(2)} s CPU (${r.ratioToLibrary.toFixed(3)}x library), min ${r.cpuSecondsMin.toFixed(2)} s (${r.minRatioToLibrary.toFixed(3)}x)`,
  );
const result = {
  bench: 'cli-vs-library',
  work: `ppo ${ENV} preset${Object.keys(sets).length ? ' with ' + JSON.stringify(sets) : ''}, ${steps} steps, seed ${SEED}, no evaluation but one final greedy episode`,
  finalEvalReturns: [...returns],
  target: 'cli within 1.05x of library (issue 12)',
  rows,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load: { min: Math.min(...loads), max: Math.max(...loads) } },
  date: new Date().toISOString(),
  command: `node --import tsx bench/cli.ts ${process.argv.slice(2).join(' ')}`,
};
if (out) writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
