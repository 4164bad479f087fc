/**
 * The CLI's CPU time against the library loop's on identical work (issue 12: within 5%): PPO on
 * CartPole-v1, the same config, seed and steps, no evaluation but the one final greedy episode both
 * run. Two workloads: the preset (few long updates) and many short updates (nSteps 4, one epoch,
 * batch 32: ~30 env steps and one minibatch per update, where per-update overhead shows most).
 *
 * Each run is its own process; its CPU time (user + system of every thread, from process start, so
 * startup included) is read at exit by bench/cli/cpu-hook.mjs. Noise on this shared 2-core machine
 * is +-15% between repetitions, so:
 * - the sides alternate in pairs whose order flips every repetition (library, CLI; CLI, library;
 *   ...), so that a load drift hits both sides alike, and each pair gives a ratio of its own;
 * - each repetition does 10-30 s of work, so that a scheduling hiccup is a small part of it;
 * - the report gives the median of the paired ratios, the ratio of medians and the ratio of minima
 *   (CPU time only grows with contention: the least of several runs is the steadiest estimate);
 * - startup (module loading and setup: a run of one update) is measured the same way and reported
 *   apart, with the ratio of the work alone (total minus startup).
 *
 *   node --import tsx bench/cli.ts [--reps 5] [--startup-reps 7] [--only preset|many] [--driver] [--old <checkout>] [--out <json>]
 *
 * `--driver` adds the CLI's loop (src/train/driver.ts) without its callbacks; `--old` adds the CLI
 * of another checkout (e.g. a `git worktree` of the commit before a change). Everything runs from
 * source through tsx (ASCENT_FROM_SOURCE=1), the same loader on every side.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './measure.ts';

const arg = (name: string, def?: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const positiveInt = (name: string, def: string) => {
  const v = Number(arg(name, def));
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be an integer >= 1, got '${arg(name)}'`);
  return v;
};
const reps = positiveInt('--reps', '5'),
  startupReps = positiveInt('--startup-reps', '7');
const only = arg('--only');
if (only !== undefined && only !== 'preset' && only !== 'many') throw new Error(`--only must be 'preset' or 'many', got '${only}'`);
const old = arg('--old');
const out = arg('--out');
const root = fileURLToPath(new URL('..', import.meta.url));
const hook = join(root, 'bench/cli/cpu-hook.mjs');
const ENV = 'CartPole-v1',
  SEED = 0,
  EPISODES = 1;

interface Workload {
  name: string;
  /** Settings over the preset on every side (the CLI's --set). */
  sets: Record<string, number>;
  /** Env steps of a repetition: 10-30 s of CPU here. */
  steps: number;
  /** Env steps of one update (numEnvs 8 x nSteps): the startup run. */
  stepsPerUpdate: number;
}
const ALL_WORKLOADS: Workload[] = [
  { name: 'preset', sets: {}, steps: 150_000, stepsPerUpdate: 8 * 32 },
  { name: 'many', sets: { nSteps: 4, epochs: 1, batchSize: 32 }, steps: 600_000, stepsPerUpdate: 8 * 4 },
];
const WORKLOADS = ALL_WORKLOADS.filter((w) => only === undefined || w.name === only);

interface Run {
  cpuSeconds: number;
  /** CPU seconds of the main thread, and of the other threads alive at exit (V8's GC and compiler workers, libuv, the loader). */
  mainCpu: number | null;
  otherCpu: number | null;
  wallSeconds: number;
  stdout: string;
  load: number;
}

function run(args: string[]): Run {
  const tmp = mkdtempSync(join(tmpdir(), 'ascent-bench-cli-'));
  const cpuFile = join(tmp, 'cpu.json');
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', hook, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, ASCENT_BENCH_CPU_OUT: cpuFile, ASCENT_FROM_SOURCE: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const c = JSON.parse(readFileSync(cpuFile, 'utf8'));
  rmSync(tmp, { recursive: true, force: true });
  const threads: Record<string, number> | null = c.threads;
  const mainCpu = threads?.main ?? null;
  const otherCpu = threads ? Object.entries(threads).reduce((a, [k, v]) => (k === 'main' ? a : a + v), 0) : null;
  return { cpuSeconds: c.cpuSeconds, mainCpu, otherCpu, wallSeconds: wall, stdout: r.stdout, load };
}

const cliArgs = (checkout: string, steps: number, sets: Record<string, number>) => [
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
const libArgs = (loop: 'learn' | 'driver', steps: number, sets: Record<string, number>) => [
  join(root, 'bench/cli/library-run.mjs'),
  ENV,
  String(steps),
  String(SEED),
  String(EPISODES),
  loop,
  JSON.stringify(sets),
];
type Variant = [string, (steps: number, sets: Record<string, number>) => string[]];
const variants: Variant[] = [
  ['library', (s, sets) => libArgs('learn', s, sets)],
  ['cli', (s, sets) => cliArgs(root, s, sets)],
];
if (process.argv.includes('--driver')) variants.push(['driver', (s, sets) => libArgs('driver', s, sets)]);
if (old) variants.push(['cli-old', (s, sets) => cliArgs(resolve(old), s, sets)]);

/** The final evaluation's return (equal on every side when the work is identical) and the updates done. */
function parseRun(name: string, stdout: string): { evalReturn: number; steps: number } {
  if (name === 'library' || name === 'driver') {
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
    return { evalReturn: r.evalMean, steps: r.steps };
  }
  return { evalReturn: Number(/^evaluation .*: return (\S+)/m.exec(stdout)?.[1]), steps: Number(/: (\d+) steps, \d+ updates in/.exec(stdout)?.[1]) };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** Linear-interpolated quantile (q in [0, 1]). */
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = q * (s.length - 1),
    lo = Math.floor(i);
  return lo + 1 < s.length ? s[lo] + (i - lo) * (s[lo + 1] - s[lo]) : s[lo];
};
/** The spread of paired ratios: least, quartiles, greatest. */
const spread = (xs: number[]) => ({ min: r3(Math.min(...xs)), q1: r3(quantile(xs, 0.25)), q3: r3(quantile(xs, 0.75)), max: r3(Math.max(...xs)) });

/**
 * `n` repetitions of every variant, the order of the variants reversed every other repetition.
 * Returns each variant's CPU seconds by repetition (index-aligned: samples[v][i] ran next to samples[w][i]).
 */
function alternate(label: string, n: number, steps: number, sets: Record<string, number>) {
  const samples: Record<string, number[]> = Object.fromEntries(variants.map(([v]) => [v, []]));
  const main: Record<string, number[]> = Object.fromEntries(variants.map(([v]) => [v, []]));
  const other: Record<string, number[]> = Object.fromEntries(variants.map(([v]) => [v, []]));
  const loads: number[] = [];
  const returns = new Set<number>();
  const stepsDone = new Set<number>();
  for (let rep = 0; rep < n; rep++) {
    const order = rep % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, args] of order) {
      const r = run(args(steps, sets));
      const p = parseRun(name, r.stdout);
      samples[name].push(r.cpuSeconds);
      if (r.mainCpu !== null && r.otherCpu !== null) {
        main[name].push(r.mainCpu);
        other[name].push(r.otherCpu);
      }
      loads.push(r.load);
      returns.add(Math.round(p.evalReturn));
      stepsDone.add(p.steps);
      console.log(
        `${label} ${name} rep ${rep}: ${r.cpuSeconds.toFixed(2)} s CPU` +
          `${r.mainCpu !== null ? ` (main thread ${r.mainCpu.toFixed(2)}, others ${r.otherCpu!.toFixed(2)})` : ''}, ${r.wallSeconds.toFixed(1)} s wall, load ${r.load.toFixed(1)}`,
      );
    }
  }
  if (returns.size !== 1 || stepsDone.size !== 1)
    console.log(`warning: ${label}: the runs differ (final returns ${[...returns].join(', ')}; steps ${[...stepsDone].join(', ')}): not identical work`);
  return { samples, main, other, loads, returns: [...returns], steps: [...stepsDone] };
}

function workload(w: Workload) {
  const startup = alternate(`${w.name} startup`, startupReps, w.stepsPerUpdate, w.sets);
  const full = alternate(w.name, reps, w.steps, w.sets);
  const lib = full.samples.library,
    libStart = startup.samples.library;
  const rows = variants.map(([name]) => {
    const s = full.samples[name],
      st = startup.samples[name];
    const pairRatios = s.map((x, i) => x / lib[i]);
    // The work alone: a run's CPU less the median startup of its side.
    const work = median(s) - median(st),
      libWork = median(lib) - median(libStart);
    return {
      name,
      cpuSeconds: s,
      cpuSecondsMedian: r3(median(s)),
      cpuSecondsMin: Math.min(...s),
      pairRatios: pairRatios.map(r3),
      medianPairRatio: r3(median(pairRatios)),
      pairRatioSpread: spread(pairRatios),
      withinTarget: median(pairRatios) <= 1.05,
      ratioOfMedians: r3(median(s) / median(lib)),
      ratioOfMinima: r3(Math.min(...s) / Math.min(...lib)),
      // Where the CPU went (Linux /proc): the main thread, and the rest (GC and compiler workers, libuv, the loader).
      mainThreadCpuSecondsMedian: full.main[name].length ? r3(median(full.main[name])) : null,
      otherThreadsCpuSecondsMedian: full.other[name].length ? r3(median(full.other[name])) : null,
      startupCpuSeconds: st,
      startupCpuSecondsMedian: r3(median(st)),
      startupMinusLibrary: r3(median(st) - median(libStart)),
      workRatioToLibrary: r3(work / libWork),
    };
  });
  for (const r of rows)
    console.log(
      `${w.name.padEnd(6)} ${r.name.padEnd(8)} median ${r.cpuSecondsMedian.toFixed(2)} s CPU; vs library: median of paired ratios ${r.medianPairRatio.toFixed(3)} ` +
        `(quartiles ${r.pairRatioSpread.q1.toFixed(3)}-${r.pairRatioSpread.q3.toFixed(3)}, range ${r.pairRatioSpread.min.toFixed(3)}-${r.pairRatioSpread.max.toFixed(3)}), ` +
        `ratio of medians ${r.ratioOfMedians.toFixed(3)}, of minima ${r.ratioOfMinima.toFixed(3)}; startup ${r.startupCpuSecondsMedian.toFixed(2)} s ` +
        `(${r.startupMinusLibrary >= 0 ? '+' : ''}${r.startupMinusLibrary.toFixed(2)}), work alone ${r.workRatioToLibrary.toFixed(3)}`,
    );
  const allLoads = [...startup.loads, ...full.loads];
  return {
    work: `ppo ${ENV} preset${Object.keys(w.sets).length ? ' with ' + JSON.stringify(w.sets) : ''}, ${w.steps} steps (${w.steps / w.stepsPerUpdate} updates), seed ${SEED}, no evaluation but one final greedy episode`,
    startupWork: `the same with ${w.stepsPerUpdate} steps (one update)`,
    stepsDone: full.steps,
    finalEvalReturns: full.returns,
    rows,
    load: { min: Math.min(...allLoads), max: Math.max(...allLoads), median: median(allLoads) },
  };
}

/** The commit measured, and the files under src/ and bench/ that differ from it (other work in the tree). */
function commit() {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
  try {
    return {
      hash: git('rev-parse', 'HEAD'),
      subject: git('log', '-1', '--format=%s'),
      uncommitted: git('status', '--porcelain', '--', 'src', 'bench').split('\n').filter(Boolean),
    };
  } catch {
    return null;
  }
}
const loadStart = loadavg();
const at = commit();
const t0 = Date.now();
const results = Object.fromEntries(WORKLOADS.map((w) => [w.name, workload(w)]));
const result = {
  bench: 'cli-vs-library',
  target: 'cli within 1.05x of library in CPU time on identical work (issue 12)',
  variants: {
    library: 'bench/cli/library-run.ts: new PPO(preset + settings), algo.learn(), the same final greedy episode',
    cli: 'ascent train from this checkout (bin/ascent.mjs, from source)',
    driver: 'bench/cli/library-run.ts: train() of src/train/driver.ts without callbacks',
    'cli-old': 'ascent train from the checkout given with --old',
  },
  method: `pairs in alternating order, ${reps} repetitions per workload (${startupReps} for startup); CPU = user + system of the process from start to exit`,
  workloads: results,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  loadavg: { start: loadStart.map(r3), end: loadavg().map(r3) },
  commit: at,
  date: new Date().toISOString(),
  minutes: Math.round((Date.now() - t0) / 600) / 100,
  command: `node --import tsx bench/cli.ts ${process.argv.slice(2).join(' ')}`,
};
if (out) {
  writeFileSync(out + '.tmp', JSON.stringify(result, null, 1) + '\n');
  renameSync(out + '.tmp', out);
}
