/**
 * Learning on MuJoCo (Gymnasium v5 tasks), the way a user trains: `ascent train` in a child process
 * per run, its progress rows read back as curves.
 *
 *   ASCENT_SLOW=1 npm run bench:mujoco:learning        # everything: about 4 hours on an idle 2-core machine
 *   node --import tsx bench/mujoco-learning.ts --steps 16384 --seeds 1 --sac-steps 14000   # a short run
 *
 * Cost, measured by the short run above (bench/results/mujoco-learning-smoke.json, AMD EPYC, load
 * 13-18 on 2 cores): PPO about 0.03-0.07 CPU hours per 1M steps (12 runs: under an hour of CPU);
 * SAC about 60 updates per CPU second, so an hour reaches roughly 200k of its 1M steps.
 *
 * 1. PPO with CleanRL's ppo_continuous_action settings (presets/ppo.yaml) for 1M steps on
 *    HalfCheetah, Hopper, Walker2d and InvertedPendulum, seeds 0..2, against CleanRL's published
 *    means on the v4 tasks (CLEANRL_PPO below).
 * 2. SAC (presets/sac.yaml: the RL Zoo's HalfCheetah settings, SB3's defaults) on HalfCheetah-v5 for
 *    as long as --sac-minutes allows (60 by default; the run is stopped with SIGTERM, which saves a
 *    checkpoint and keeps the progress rows), against CleanRL's 9,635 at 1M steps.
 *
 * Per run: the curve (training return per progress row, and the greedy evaluations), wall and CPU
 * seconds, env steps/s, peak RSS, and the final figures: the mean training return over the last 10%
 * of the steps (CleanRL reports training episodes' returns) and the final greedy evaluation.
 * Options: --algo ppo|sac|all, --envs a,b (PPO), --seeds N (3), --steps N (PPO, 1M), --sac-steps N
 * (1M), --sac-minutes M (60, wall) or --sac-cpu-minutes M (the child's CPU time, Linux), --eval-every N (100k), --out stem (mujoco-learning). Without
 * ASCENT_SLOW=1 it runs only when --steps is given (a short run to check it works and measure speed).
 * Writes bench/results/<stem>.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, machine, printTable, writeResult } from './learning/driver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'bin', 'ascent.mjs');
const RUSAGE = path.join(here, 'mujoco-learning-rusage.mjs');

/**
 * CleanRL's published means for ppo_continuous_action.py on the MuJoCo v4 tasks at 1M steps (average
 * episodic training return over seeds): CleanRL documentation, docs/rl-algorithms/ppo.md,
 * "ppo_continuous_action.py / Experiment results / MuJoCo v4" (the table included from
 * benchmark/ppo_continuous_action.md, runs tagged pr-424). v4 and v5 share the physics of these
 * four tasks up to MuJoCo versions; v5 differs in small fixes (Gymnasium's v5 release notes).
 */
export const CLEANRL_PPO: Record<string, number> = {
  'HalfCheetah-v5': 2906,
  'Hopper-v5': 2052,
  'Walker2d-v5': 2891,
  'InvertedPendulum-v5': 951,
};
/** CleanRL's sac_continuous_action.py on HalfCheetah-v4 at 1M steps (docs/rl-algorithms/sac.md, experiment results). */
export const CLEANRL_SAC_HALFCHEETAH = 9635;

interface Row {
  steps?: number;
  seconds?: number;
  returnMean?: number | null;
  evalMean?: number | null;
}

export interface RunRecord {
  algo: string;
  env: string;
  seed: number;
  /** Steps asked for, and steps done (fewer when SAC is stopped by the clock). */
  budget: number;
  steps: number;
  stoppedBy: 'budget' | 'time' | 'error';
  wallSeconds: number;
  cpuSeconds: number | null;
  maxRssMB: number | null;
  stepsPerSecond: number;
  /**
   * Env steps per wall second over the second half of the steps (for SAC: after learning starts),
   * where the run's cost per step has settled; with the run's CPU/wall ratio, the CPU hours a 1M-step
   * run would take at this rate (an extrapolation).
   */
  tailStepsPerSecond: number | null;
  cpuHoursPer1M: number | null;
  /** Mean training return over the rows in the last 10% of the steps done. */
  finalTrainReturn: number | null;
  finalEval: number | null;
  /** [steps, wall seconds, training return, greedy evaluation or null], at most 400 points. */
  curve: [number, number | null, number | null, number | null][];
  loadavgStart: number[];
  loadavgEnd: number[];
}

function readRows(file: string): Row[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
}

function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const keep = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (xs.length - 1)) / (max - 1))));
  return xs.filter((_, i) => keep.has(i));
}

/** CPU seconds (user + system) a process has used so far, from Linux's /proc; null elsewhere. */
function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100 Hz on Linux).
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * `ascent train <algo> <env>` in a child; SIGTERM (the CLI saves and stops) after `maxSeconds` of wall
 * time, or of the child's CPU time when `cpuBudget` is set (on a shared machine an hour of wall time is
 * a fraction of an hour of work).
 */
function train(
  algo: string,
  env: string,
  seed: number,
  budget: number,
  evalEvery: number,
  maxSeconds: number,
  tailFrom = 0,
  cpuBudget = false,
): Promise<RunRecord> {
  const out = mkdtempSync(path.join(tmpdir(), `ascent-mujoco-${algo}-`));
  const rusageFile = path.join(out, 'rusage.json');
  const args = ['--import', RUSAGE, CLI, 'train', algo, env, '--seed', String(seed), '--steps', String(budget), '--threshold', 'none'];
  args.push('--eval-every', String(evalEvery), '--eval-episodes', '10', '--out', out, '--plain');
  const loadavgStart = loadavg().map((x) => +x.toFixed(2));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ASCENT_RUSAGE_FILE: rusageFile } });
    let timedOut = false;
    const stop = () => ((timedOut = true), child.kill('SIGTERM'));
    const overBudget = () => (cpuSecondsOf(child.pid ?? -1) ?? (performance.now() - t0) / 1000) >= maxSeconds;
    const timer = maxSeconds <= 0 ? null : cpuBudget ? setInterval(() => !timedOut && overBudget() && stop(), 5000) : setTimeout(stop, maxSeconds * 1000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      for (const line of s.split('\n')) if (line.trim()) process.stdout.write(`    ${line}\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      const runDir = readdirSync(out, { withFileTypes: true }).find((d) => d.isDirectory());
      const rows = runDir ? readRows(path.join(out, runDir.name, 'progress.jsonl')) : [];
      const usage = existsSync(rusageFile) ? (JSON.parse(readFileSync(rusageFile, 'utf8')) as NodeJS.ResourceUsage) : null;
      rmSync(out, { recursive: true, force: true });
      if (code !== 0 && !timedOut) return reject(new Error(`ascent train ${algo} ${env} --seed ${seed} exited with ${code}`));
      const last = rows.at(-1);
      const steps = last?.steps ?? 0;
      const tail = rows.filter((r) => r.returnMean != null && (r.steps ?? 0) >= 0.9 * steps);
      const evals = rows.filter((r) => r.evalMean != null);
      const timed = rows.filter((r) => r.steps != null && r.seconds != null);
      const mid = timed.find((r) => r.steps! >= Math.max(tailFrom, steps / 2));
      const tailRate = mid && last && last.seconds! > mid.seconds! ? (steps - mid.steps!) / (last.seconds! - mid.seconds!) : null;
      const cpuSeconds = usage ? (usage.userCPUTime + usage.systemCPUTime) / 1e6 : null;
      resolve({
        algo,
        env,
        seed,
        budget,
        steps,
        stoppedBy: timedOut ? 'time' : 'budget',
        wallSeconds: +wallSeconds.toFixed(1),
        cpuSeconds: cpuSeconds === null ? null : +cpuSeconds.toFixed(1),
        maxRssMB: usage ? Math.round(usage.maxRSS / 1024) : null,
        stepsPerSecond: last?.seconds ? Math.round(steps / last.seconds) : 0,
        tailStepsPerSecond: tailRate === null ? null : Math.round(tailRate),
        cpuHoursPer1M: tailRate === null || cpuSeconds === null ? null : +(((1e6 / tailRate) * (cpuSeconds / wallSeconds)) / 3600).toFixed(2),
        finalTrainReturn: tail.length ? +(tail.reduce((a, r) => a + r.returnMean!, 0) / tail.length).toFixed(1) : null,
        finalEval: evals.length ? +evals.at(-1)!.evalMean!.toFixed(1) : null,
        curve: thin(
          rows
            .filter((r) => r.steps != null)
            .map((r) => [r.steps!, r.seconds ?? null, r.returnMean ?? null, r.evalMean ?? null] as [number, number | null, number | null, number | null]),
          400,
        ),
        loadavgStart,
        loadavgEnd: loadavg().map((x) => +x.toFixed(2)),
      });
    });
  });
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const fmt = (x: number | null, d = 0) => (x === null ? '-' : x.toFixed(d));

async function main(): Promise<void> {
  const slow = process.env.ASCENT_SLOW === '1';
  const stepsFlag = flag('steps');
  if (!slow && stepsFlag === undefined) {
    console.log('bench/mujoco-learning.ts trains for hours at full size: set ASCENT_SLOW=1 to run it, or give --steps N (and --sac-steps N) for a short run');
    return;
  }
  const int = (name: string, dflt: number) => {
    const v = flag(name);
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const algo = flag('algo') ?? 'all';
  if (!['ppo', 'sac', 'all'].includes(algo)) throw new Error(`--algo must be ppo, sac or all, got ${JSON.stringify(algo)}`);
  const envs = (flag('envs') ?? Object.keys(CLEANRL_PPO).join(',')).split(',');
  for (const e of envs) if (!(e in CLEANRL_PPO)) throw new Error(`--envs: ${JSON.stringify(e)} is not one of ${Object.keys(CLEANRL_PPO).join(', ')}`);
  const seeds = int('seeds', 3);
  const steps = int('steps', 1_000_000);
  const sacSteps = int('sac-steps', 1_000_000);
  const sacCpuMinutes = flag('sac-cpu-minutes');
  const sacMinutes = Number(sacCpuMinutes ?? flag('sac-minutes') ?? 60);
  const sacClock = sacCpuMinutes === undefined ? 'minutes' : 'CPU minutes';
  const evalEvery = int('eval-every', 100_000);
  const started = machine();
  console.log(`MuJoCo learning bench on ${started.cpu} (${started.cores} cores), load ${started.loadavg.join(' ')}`);

  const runs: RunRecord[] = [];
  if (algo !== 'sac') {
    for (const env of envs) {
      for (let seed = 0; seed < seeds; seed++) {
        console.log(`  ppo ${env} seed ${seed}: ${steps} steps`);
        runs.push(await train('ppo', env, seed, steps, Math.min(evalEvery, steps), 0));
      }
    }
  }
  if (algo !== 'ppo') {
    for (let seed = 0; seed < seeds; seed++) {
      console.log(`  sac HalfCheetah-v5 seed ${seed}: ${sacSteps} steps or ${sacMinutes} ${sacClock}`);
      // The tail rate is measured after the preset's learningStarts (10,000): SAC's updates begin there.
      runs.push(await train('sac', 'HalfCheetah-v5', seed, sacSteps, Math.min(evalEvery, sacSteps), sacMinutes * 60, 10_000, sacCpuMinutes !== undefined));
    }
  }

  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) groups.set(`${r.algo} ${r.env}`, [...(groups.get(`${r.algo} ${r.env}`) ?? []), r]);
  const summary = [...groups.entries()].map(([key, rs]) => {
    const [a, env] = key.split(' ');
    const reference = a === 'ppo' ? CLEANRL_PPO[env] : CLEANRL_SAC_HALFCHEETAH;
    const train = mean(rs.flatMap((r) => (r.finalTrainReturn === null ? [] : [r.finalTrainReturn])));
    return {
      algo: a,
      env,
      seeds: rs.length,
      steps: mean(rs.map((r) => r.steps)),
      finalTrainReturn: train,
      finalEval: mean(rs.flatMap((r) => (r.finalEval === null ? [] : [r.finalEval]))),
      cleanrl: reference,
      cleanrlSteps: 1_000_000,
      ratio: train === null ? null : +(train / reference).toFixed(3),
      wallSeconds: mean(rs.map((r) => r.wallSeconds)),
      cpuSeconds: mean(rs.flatMap((r) => (r.cpuSeconds === null ? [] : [r.cpuSeconds]))),
      stepsPerSecond: mean(rs.map((r) => r.stepsPerSecond)),
      tailStepsPerSecond: mean(rs.flatMap((r) => (r.tailStepsPerSecond === null ? [] : [r.tailStepsPerSecond]))),
      cpuHoursPer1M: mean(rs.flatMap((r) => (r.cpuHoursPer1M === null ? [] : [r.cpuHoursPer1M]))),
    };
  });
  printTable(
    [
      'algo env',
      'seeds',
      'steps',
      'train return (last 10%)',
      'greedy eval',
      'CleanRL (1M)',
      'ratio',
      'wall s',
      'CPU s',
      'steps/s',
      'tail steps/s',
      'CPU h per 1M',
    ],
    summary.map((s) => [
      `${s.algo} ${s.env}`,
      String(s.seeds),
      fmt(s.steps),
      fmt(s.finalTrainReturn, 1),
      fmt(s.finalEval, 1),
      String(s.cleanrl),
      fmt(s.ratio, 3),
      fmt(s.wallSeconds, 1),
      fmt(s.cpuSeconds, 1),
      fmt(s.stepsPerSecond),
      fmt(s.tailStepsPerSecond),
      fmt(s.cpuHoursPer1M, 2),
    ]),
  );
  const file = writeResult(flag('out') ?? 'mujoco-learning', {
    bench: 'mujoco-learning',
    date: new Date().toISOString(),
    command: `node --import tsx bench/mujoco-learning.ts ${process.argv.slice(2).join(' ')}`.trim(),
    full: slow && stepsFlag === undefined,
    machine: started,
    loadavgEnd: loadavg().map((x) => +x.toFixed(2)),
    references: {
      ppo: 'CleanRL docs, rl-algorithms/ppo.md, ppo_continuous_action.py, MuJoCo v4 results (1M steps, mean episodic training return over seeds)',
      sac: 'CleanRL docs, rl-algorithms/sac.md, sac_continuous_action.py, HalfCheetah-v4 at 1M steps',
    },
    summary,
    runs,
  });
  console.log(`wrote ${file}`);
}

await main();
