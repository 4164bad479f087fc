// Issue 12: "the same-work CleanRL PPO run at least 10x CleanRL's throughput". PPO on CartPole-v1 with
// CleanRL ppo.py's default arguments (4 envs x 128 steps, 4 minibatches, 4 epochs, lr 2.5e-4 annealed,
// gamma 0.99, GAE 0.95, clip 0.2 for the ratio and the value, ent 0.01, vf 0.5 on half the squared
// error, max grad norm 0.5, 64x64 tanh actor and critic, 976 iterations = 499,712 steps), run by:
//   - PyTorch: bench/opponents/cleanrl_ppo.py, a same-work script of ours following CleanRL's ppo.py
//     (the cleanrl package is not installable here), with 1 torch thread and with torch's default;
//   - Ascent's library: new PPO(config).learn() in a child process;
//   - Ascent's CLI: `ascent train ppo CartPole-v1 --no-preset --config <the same settings>`.
// torch's default threads run --default-threads-steps only (see DEFAULT_THREADS_STEPS), rates per step.
// Each side is its own process, one after the other; CPU seconds (user + system) and wall seconds
// of the training loop and of the whole process, steps per CPU second and per wall second, and the
// ratios Ascent / PyTorch. The Python side runs from a virtual environment: $CLEANRL_PYTHON, else
// /tmp/cleanrlvenv (created with `pip install torch gymnasium numpy` when missing); skipped, saying
// why, when that fails.
//   node --import tsx bench/learning/cleanrl-ppo.ts [--steps 499712] [--seed 1] [--reps 1] [--no-python]
// Writes bench/results/learning-cleanrl-ppo.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../measure.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: String(976 * 512) },
    seed: { type: 'string', default: '1' },
    reps: { type: 'string', default: '1' },
    'default-threads-steps': { type: 'string', default: String(40 * 512) },
    'no-python': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const STEPS = Number(args.steps),
  SEED = Number(args.seed),
  REPS = Number(args.reps);
if (!Number.isInteger(STEPS) || STEPS < 512) throw new Error(`--steps: expected an integer >= 512 (one iteration of 4 x 128), got '${args.steps}'`);
if (!Number.isInteger(SEED) || SEED < 0) throw new Error(`--seed: expected an integer >= 0, got '${args.seed}'`);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps: expected an integer >= 1, got '${args.reps}'`);
/**
 * torch's default thread count (2 here) spins its idle threads: on this shared 2-core machine the
 * default run took 20x the CPU of the 1-thread run (106 s vs 5.3 s for 40 iterations at load ~11),
 * so the full run would take hours. It runs this many steps instead (its rate is per step).
 */
const DEFAULT_THREADS_STEPS = Math.min(STEPS, Number(args['default-threads-steps']));
if (!Number.isInteger(DEFAULT_THREADS_STEPS) || DEFAULT_THREADS_STEPS < 512) {
  throw new Error(`--default-threads-steps: expected an integer >= 512, got '${args['default-threads-steps']}'`);
}

/**
 * CleanRL ppo.py's defaults in Ascent's keys. CleanRL's value loss is 0.5 * mean(max(...)) times
 * vf_coef 0.5, so Ascent's vfCoef (on the mean squared error itself) is 0.25; clip_vloss clips the
 * value with clip_coef, 0.2.
 */
const CONFIG = {
  env: 'CartPole-v1',
  numEnvs: 4,
  nSteps: 128,
  batchSize: 128,
  epochs: 4,
  lr: 2.5e-4,
  lrSchedule: 'linear' as const,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipRange: 0.2,
  clipRangeVf: 0.2,
  entCoef: 0.01,
  vfCoef: 0.25,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  policy: { hidden: [64, 64], activation: 'tanh' as const },
  valueHidden: [64, 64],
};

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

// Child: the library run, printing its training loop's figures as one JSON line.
if (args.child === 'library') {
  const { PPO } = await import('../../src/algos/ppo.ts');
  const agent = new PPO({ ...CONFIG, seed: SEED, totalSteps: STEPS });
  const c0 = cpuSeconds(),
    w0 = performance.now();
  const logs = await agent.learn();
  const trainCpuSeconds = cpuSeconds() - c0,
    trainWallSeconds = (performance.now() - w0) / 1000;
  const last = (Array.isArray(logs) ? logs.at(-1) : undefined) as Record<string, number> | undefined;
  agent.close();
  console.log(JSON.stringify({ steps: agent.collector.steps, trainCpuSeconds, trainWallSeconds, meanReturn: last?.returnMean ?? null }));
  process.exit(0);
}

interface Side {
  name: string;
  steps: number;
  trainCpuSeconds: number | null;
  trainWallSeconds: number | null;
  processCpuSeconds: number;
  processWallSeconds: number;
  meanReturn: number | null;
  detail?: Record<string, unknown>;
}

/** Runs a command with the CPU hook (node) or reading the script's own JSON (python); returns its figures. */
function runNode(name: string, nodeArgs: string[], parse: (stdout: string) => Partial<Side>, cwd?: string): Side {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ascent-cleanrl-'));
  const cpuFile = path.join(tmp, 'cpu.json');
  const w0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'bench/cli/cpu-hook.mjs'), ...nodeArgs], {
    cwd: cwd ?? tmp,
    encoding: 'utf8',
    env: { ...process.env, ASCENT_BENCH_CPU_OUT: cpuFile, ASCENT_FROM_SOURCE: '1', FORCE_COLOR: '0' },
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = (performance.now() - w0) / 1000;
  if (r.status !== 0) throw new Error(`${name}: exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')).cpuSeconds as number;
  rmSync(tmp, { recursive: true, force: true });
  return {
    name,
    steps: 0,
    trainCpuSeconds: null,
    trainWallSeconds: null,
    meanReturn: null,
    ...parse(r.stdout),
    processCpuSeconds: cpu,
    processWallSeconds: wall,
  };
}

function library(): Side {
  return runNode(
    'ascent-library',
    ['--import', 'tsx', path.join(root, 'bench/learning/cleanrl-ppo.ts'), '--child', 'library', '--steps', String(STEPS), '--seed', String(SEED)],
    (out) => {
      const j = JSON.parse(out.trim().split('\n').at(-1)!);
      return { steps: j.steps, trainCpuSeconds: j.trainCpuSeconds, trainWallSeconds: j.trainWallSeconds, meanReturn: j.meanReturn };
    },
    root,
  ); // --import tsx resolves from the working directory
}

function cli(): Side {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ascent-cleanrl-cfg-'));
  const cfg = path.join(dir, 'cleanrl.yaml');
  const { env: _env, ...settings } = CONFIG;
  writeFileSync(cfg, JSON.stringify(settings)); // JSON is YAML
  try {
    return runNode(
      'ascent-cli',
      [
        path.join(root, 'bin/ascent.mjs'),
        'train',
        'ppo',
        CONFIG.env,
        '--no-preset',
        '--config',
        cfg,
        '--steps',
        String(STEPS),
        '--seed',
        String(SEED),
        '--eval-every',
        '0',
        '--eval-episodes',
        '1',
        '--threshold',
        'none',
        '--plain',
        '--out',
        path.join(dir, 'runs'),
      ],
      (out) => ({ steps: Number(/: (\d+) steps, \d+ updates in/.exec(out)?.[1] ?? NaN), detail: { lastLines: out.trim().split('\n').slice(-3) } }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Python with torch and gymnasium, or the reason there is none. */
function findPython(): { python: string } | { reason: string } {
  const works = (py: string) => existsSync(py) && spawnSync(py, ['-c', 'import torch, gymnasium, numpy'], { encoding: 'utf8' }).status === 0;
  const fromEnv = process.env.CLEANRL_PYTHON;
  if (fromEnv) return works(fromEnv) ? { python: fromEnv } : { reason: `$CLEANRL_PYTHON (${fromEnv}) cannot import torch, gymnasium and numpy` };
  const venv = '/tmp/cleanrlvenv';
  const py = path.join(venv, 'bin/python');
  if (works(py)) return { python: py };
  console.log(`creating ${venv} with pip install torch gymnasium numpy (CPU wheels) ...`);
  const mk = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
  if (mk.status !== 0) return { reason: `python3 -m venv ${venv} failed: ${(mk.stderr || mk.error?.message || '').trim().slice(-300)}` };
  const pip = spawnSync(path.join(venv, 'bin/pip'), ['install', 'torch', 'gymnasium', 'numpy'], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (pip.status !== 0 || !works(py))
    return { reason: `pip install torch gymnasium numpy failed: ${(pip.stderr || pip.error?.message || '').trim().slice(-300)}` };
  return { python: py };
}

function torchSide(python: string, threads: number, steps: number): Side {
  const w0 = performance.now();
  const r = spawnSync(
    python,
    [path.join(root, 'bench/opponents/cleanrl_ppo.py'), '--seed', String(SEED), '--total-timesteps', String(steps), '--threads', String(threads)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const wall = (performance.now() - w0) / 1000;
  if (r.status !== 0) throw new Error(`cleanrl_ppo.py exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return {
    name: `pytorch-threads-${threads === 0 ? 'default' : threads}`,
    steps: j.steps,
    trainCpuSeconds: j.trainCpuSeconds,
    trainWallSeconds: j.trainWallSeconds,
    processCpuSeconds: j.processCpuSeconds,
    processWallSeconds: wall,
    meanReturn: j.meanReturnLast20,
    detail: { torch: j.torch, gymnasium: j.gymnasium, threads: j.threads, episodes: j.episodes },
  };
}

const load0 = os.loadavg();
// The commit when the runs start (each child loads the tree then).
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
console.log(
  `PPO CartPole-v1, CleanRL's defaults, ${STEPS} steps, seed ${SEED}, on ${os.cpus()[0]?.model} (${os.cpus().length} cores), load ${load0.map((l) => l.toFixed(1))}`,
);
const py = args['no-python'] ? { reason: '--no-python' } : findPython();
if ('reason' in py) console.log(`PyTorch side skipped: ${py.reason}`);
const runs: Side[] = [];
const show = (s: Side) => {
  runs.push(s);
  const f = (x: number | null) => (x === null ? '   -  ' : x.toFixed(1).padStart(6));
  console.log(
    `${s.name.padEnd(24)} train ${f(s.trainCpuSeconds)} s CPU ${f(s.trainWallSeconds)} s wall | process ${f(s.processCpuSeconds)} s CPU ${f(s.processWallSeconds)} s wall | ` +
      `${s.steps} steps, return ${s.meanReturn?.toFixed(1) ?? '-'}`,
  );
};
for (let rep = 0; rep < REPS; rep++) {
  show(library());
  show(cli());
  if ('python' in py) {
    show(torchSide(py.python, 1, STEPS));
    show(torchSide(py.python, 0, DEFAULT_THREADS_STEPS));
  }
}

// Throughput ratios (steps per second, Ascent / PyTorch) from the medians over repetitions.
const names = [...new Set(runs.map((r) => r.name))];
const summary = Object.fromEntries(
  names.map((n) => {
    const rs = runs.filter((r) => r.name === n);
    const m = (k: keyof Side) => (rs.every((r) => typeof r[k] === 'number') ? median(rs.map((r) => r[k] as number)) : null);
    const steps = rs[0].steps;
    const trainCpu = m('trainCpuSeconds'),
      trainWall = m('trainWallSeconds');
    return [
      n,
      {
        processCpuSeconds: m('processCpuSeconds'),
        processWallSeconds: m('processWallSeconds'),
        trainCpuSeconds: trainCpu,
        trainWallSeconds: trainWall,
        stepsPerCpuSecond: steps / (trainCpu ?? m('processCpuSeconds')!),
        stepsPerWallSecond: steps / (trainWall ?? m('processWallSeconds')!),
        processStepsPerCpuSecond: steps / m('processCpuSeconds')!,
      },
    ];
  }),
);
const ratios: Record<string, Record<string, number>> = {};
for (const a of ['ascent-library', 'ascent-cli'])
  for (const t of names.filter((n) => n.startsWith('pytorch'))) {
    const A = summary[a],
      T = summary[t];
    ratios[`${a} / ${t}`] = {
      processCpu: A.processStepsPerCpuSecond / T.processStepsPerCpuSecond,
      ...(A.trainCpuSeconds !== null ? { trainCpu: A.stepsPerCpuSecond / T.stepsPerCpuSecond, trainWall: A.stepsPerWallSecond / T.stepsPerWallSecond } : {}),
    };
    const r = ratios[`${a} / ${t}`];
    console.log(
      `${a} / ${t}: x${r.processCpu.toFixed(1)} steps per CPU second (whole processes)${r.trainCpu ? `, x${r.trainCpu.toFixed(1)} (training loops), x${r.trainWall.toFixed(1)} per wall second` : ''}`,
    );
  }

const out = {
  bench: 'learning-cleanrl-ppo',
  date: new Date().toISOString(),
  command: `node --import tsx bench/learning/cleanrl-ppo.ts --steps ${STEPS} --seed ${SEED} --reps ${REPS} --default-threads-steps ${DEFAULT_THREADS_STEPS}${args['no-python'] ? ' --no-python' : ''}`,
  commit,
  config: CONFIG,
  opponent:
    'python' in py
      ? 'bench/opponents/cleanrl_ppo.py: our same-work PyTorch script following CleanRL ppo.py (defaults; no TensorBoard writes, no W&B, no video)'
      : `skipped: ${py.reason}`,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadavgAtStart: load0, loadavgAtEnd: os.loadavg() },
  runs,
  summary,
  ratios,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
const file = path.join(root, 'bench/results/learning-cleanrl-ppo.json');
writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2));
renameSync(`${file}.tmp`, file);
console.log('wrote bench/results/learning-cleanrl-ppo.json');
