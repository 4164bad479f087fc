/**
 * PPO and TRPO learning benchmarks (npm run bench:learning:ppo-trpo): environment steps and wall
 * seconds to a greedy threshold, final greedy evaluation and peak RSS, several seeds, each run in
 * its own process (run-one.ts holds the stopping protocol).
 *
 *   node --import tsx bench/learning/ppo-trpo.ts [--seeds 3] [--only name,name] [--list] [--out file-stem]
 *   (LEARNING_NODE_FLAGS='--max-semi-space-size=1' passes node flags to every run's process)
 *
 * Published reference points: the RL Baselines3 Zoo reaches 500 on CartPole-v1 with PPO and TRPO at
 * 100k steps (its benchmark table); CleanRL's ppo.py reaches ~490 at 500k steps.
 */
import { fmtSummary, flag, machine, printTable, runChild, summarise, writeResult } from './driver.ts';
import type { RunResult, RunSpec } from './run-one.ts';
import { findPreset } from '../../src/train/node/presets.ts';

type Preset = Omit<RunSpec, 'seed' | 'name' | 'impl'> & { source: string; defaultOn: boolean };

/** A tuned preset's config as presets/<algo>.yaml holds it (the one copy); totalSteps comes from the budget. */
function fromPreset(algo: string, env: string): Record<string, unknown> {
  const p = findPreset(algo, env);
  if (!p) throw new Error(`bench: no ${algo} preset for ${env} in presets/`);
  const { totalSteps: _, ...config } = p.config;
  return config;
}

const tanh64 = (logStdInit = 0) => ({ kind: 'auto', hidden: [64, 64], activation: 'tanh', logStd: 'learned', logStdInit });

function rltools(extra: Record<string, unknown>, defaultOn: boolean, note: string): Preset {
  return {
    algo: 'ppo',
    env: 'Pendulum-v1',
    threshold: -200,
    gate: -500,
    budget: 300_000,
    defaultOn,
    source: `RLtools zoo ppo/pendulum-v1.h + ppo.h defaults; ${note}`,
    config: {
      numEnvs: 4,
      nSteps: 1024,
      batchSize: 256,
      epochs: 2,
      gamma: 0.95,
      gaeLambda: 0.95,
      clipRange: 0.2,
      lr: 1e-3,
      entCoef: 1,
      policy: tanh64(Math.log(0.5)),
      valueHidden: [64, 64],
      ...extra,
    },
  };
}

export const PRESETS: Record<string, Preset> = {
  // rl-baselines3-zoo hyperparams/ppo.yml, CartPole-v1 (n_envs 8, n_steps 32, batch 256, lambda 0.8,
  // gamma 0.98, 20 epochs, lin_1e-3 lr, lin_0.2 clip, ent 0, n_timesteps 1e5).
  'ppo-cartpole-zoo': {
    algo: 'ppo',
    env: 'CartPole-v1',
    threshold: 475,
    gate: 400,
    budget: 100_000,
    defaultOn: true,
    source: 'rl-baselines3-zoo ppo.yml CartPole-v1',
    config: fromPreset('ppo', 'CartPole-v1'),
  },
  // RLtools, include/rl_tools/rl/zoo/ppo/pendulum-v1.h: 4 envs x 1024 steps, batch 256, 2 epochs,
  // GAMMA 0.95, 64-unit actor and critic, STEP_LIMIT 74 (~300k steps), ACTION_ENTROPY_COEFFICIENT 1.0;
  // the rest from rl_tools/rl/algorithms/ppo/ppo.h DefaultParameters: LAMBDA 0.95, EPSILON_CLIP 0.2,
  // INITIAL_ACTION_STD 0.5 (learned), advantages normalised; Adam alpha 1e-3 (TensorFlow defaults).
  // Ascent's PPO keeps SB3's vfCoef 0.5 and maxGradNorm 0.5 (one global clip over policy and value);
  // RLtools' entropy term is its own formulation, so entCoef 1.0 is the nearest, not the same.
  'ppo-pendulum-rltools': rltools({}, true, 'as published (entCoef 1.0)'),
  'ppo-pendulum-rltools-ent0': rltools({ entCoef: 0 }, false, 'entropy bonus off'),
  // Measured on seed 0 (bench/README.md): as published none of these three learns in 300k steps
  // (greedy -1000 to -1140, random is about -1200); with the rewards scaled by the running std of the
  // discounted return (NormalizeReward, as SB3's VecNormalize) the same settings do. The critic is
  // what fails: unscaled, its explained variance stays under 0.25 for the first 160k steps.
  'ppo-pendulum-rltools-noclip': rltools({ entCoef: 0, maxGradNorm: 0 }, false, 'entropy off, no gradient-norm clipping'),
  'ppo-pendulum-rltools-normrew': rltools({ entCoef: 0, normalizeReward: true }, true, 'entropy off, rewards scaled by the running return std'),
  'ppo-pendulum-rltools-normrew-ent1': rltools({ normalizeReward: true }, true, 'entCoef 1.0, rewards scaled by the running return std'),
  'ppo-pendulum-rltools-normall': rltools(
    { entCoef: 0, normalizeReward: true, normalizeObs: true },
    false,
    'entropy off, rewards scaled, observations normalised',
  ),
  // The settings test/algos/ppo.test.ts uses (10 epochs, gamma 0.9): a tuned alternative.
  'ppo-pendulum-test': {
    algo: 'ppo',
    env: 'Pendulum-v1',
    threshold: -200,
    gate: -500,
    budget: 300_000,
    defaultOn: true,
    source: 'test/algos/ppo.test.ts Pendulum settings',
    config: { numEnvs: 4, nSteps: 1024, batchSize: 256, epochs: 10, gamma: 0.9, gaeLambda: 0.95, lr: 1e-3 },
  },
  // rl-baselines3-zoo hyperparams/trpo.yml, CartPole-v1: n_envs 2, n_steps 512, batch 512,
  // cg_damping 1e-3, lambda 0.98, gamma 0.99, critic lr 1e-3, n_critic_updates 20, n_timesteps 1e5.
  'trpo-cartpole-zoo': {
    algo: 'trpo',
    env: 'CartPole-v1',
    threshold: 475,
    gate: 400,
    budget: 100_000,
    defaultOn: true,
    source: 'rl-baselines3-zoo trpo.yml CartPole-v1',
    config: { numEnvs: 2, nSteps: 512, valueBatchSize: 512, cgDamping: 1e-3, gaeLambda: 0.98, gamma: 0.99, valueLr: 1e-3, valueEpochs: 20 },
  },
  // rl-baselines3-zoo hyperparams/trpo.yml, Pendulum-v1: n_envs 2, n_steps 1024, gamma 0.9,
  // n_critic_updates 15, n_timesteps 1e5, use_sde with sde_sample_freq 4 (Ascent has no gSDE: a
  // state-independent learned log-std instead); the rest SB3 TRPO defaults (= TRPO_DEFAULTS).
  'trpo-pendulum-zoo': {
    algo: 'trpo',
    env: 'Pendulum-v1',
    threshold: -200,
    gate: -500,
    budget: 100_000,
    defaultOn: true,
    source: 'rl-baselines3-zoo trpo.yml Pendulum-v1 (no gSDE)',
    config: fromPreset('trpo', 'Pendulum-v1'),
  },
};

if (process.argv.includes('--list')) {
  for (const [name, p] of Object.entries(PRESETS)) console.log(`${name.padEnd(28)} ${p.defaultOn ? '*' : ' '} ${p.source}; ${JSON.stringify(p.config)}`);
  process.exit(0);
}

const seeds = Number(flag('seeds') ?? 3);
if (!(Number.isInteger(seeds) && seeds > 0)) throw new RangeError(`--seeds must be a positive integer, got ${flag('seeds')}`);
const only = flag('only')?.split(',');
for (const n of only ?? []) if (!(n in PRESETS)) throw new RangeError(`--only: unknown preset '${n}'; presets: ${Object.keys(PRESETS).join(', ')}`);
const chosen = Object.entries(PRESETS).filter(([n, p]) => (only ? only.includes(n) : p.defaultOn));

const before = machine();
console.log(`PPO/TRPO learning bench: ${chosen.map(([n]) => n).join(', ')}; ${seeds} seeds each, run one after the other`);
console.log(
  `machine: ${before.cpu}, ${before.cores} cores, load ${before.loadavg.join(' ')}${before.nodeFlags.length ? `; child node flags ${before.nodeFlags.join(' ')}` : ''}`,
);

// The RSS floor: node + tsx + Ascent's modules + a CartPole PPO agent built but not trained.
const floor = await runChild(
  { name: 'rss-floor', impl: 'ascent', algo: 'ppo', config: PRESETS['ppo-cartpole-zoo'].config, env: 'CartPole-v1', seed: 0, threshold: 0, gate: 0, budget: 0 },
  false,
);
console.log(`RSS floor (process + modules + agent, no training): ${floor.maxRssMB} MB`);

const runs: Record<string, RunResult[]> = {};
for (const [name, { source: _s, defaultOn: _d, ...p }] of chosen) {
  runs[name] = [];
  for (let seed = 0; seed < seeds; seed++) {
    // Greedy evaluation at least every 4096 steps (excluded from the timed training).
    const r = await runChild({ evalInterval: 4096, ...p, name, impl: 'ascent', seed });
    runs[name].push(r);
    console.log(
      `${name} seed ${seed}: ${r.reached ? `reached at ${r.stepsToThreshold} steps, ${r.secondsToThreshold} s` : `censored (${r.stoppedBy}) at ${r.steps} steps, ${r.trainSeconds} s, best greedy ${r.bestEval?.toFixed(1) ?? '-'}`}; final greedy ${r.finalEval.mean.toFixed(1)}; peak RSS ${r.maxRssMB} MB`,
    );
  }
}

const rows = chosen.map(([name, p]) => {
  const rs = runs[name];
  const ok = rs.filter((r) => r.reached);
  return [
    name,
    String(p.threshold),
    `${ok.length}/${rs.length}`,
    fmtSummary(summarise(ok.map((r) => r.stepsToThreshold!)), 1, 1000) + (ok.length ? 'k' : ''),
    fmtSummary(summarise(ok.map((r) => r.secondsToThreshold!)), 1),
    fmtSummary(summarise(rs.map((r) => r.steps / r.trainSeconds)), 0),
    fmtSummary(summarise(rs.map((r) => r.finalEval.mean)), 0),
    fmtSummary(summarise(rs.map((r) => r.maxRssMB)), 0),
  ];
});
console.log();
printTable(['preset', 'threshold', 'reached', 'steps to thr.', 'seconds to thr.', 'steps/s', 'final greedy', 'peak RSS MB'], rows);
const cp = runs['ppo-cartpole-zoo'];
if (cp) {
  const peak = Math.max(...cp.map((r) => r.maxRssMB));
  console.log(`CartPole PPO peak RSS ${peak} MB: ${peak < 150 ? 'under' : 'NOT under'} the 150 MB target (floor without training ${floor.maxRssMB} MB)`);
}
console.log('reference: the Zoo reaches 500 on CartPole-v1 with PPO and TRPO at 100k steps; CleanRL ppo.py reaches ~490 at 500k steps');
const after = machine();
console.log(`load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')} (${after.cores} cores shared with other jobs)`);

const file = writeResult(flag('out') ?? 'learning-ppo-trpo', {
  bench: 'learning/ppo-trpo',
  date: new Date().toISOString(),
  machine: { ...before, loadavgAfter: after.loadavg },
  seeds,
  rssFloorMB: floor.maxRssMB,
  presets: Object.fromEntries(chosen.map(([n, p]) => [n, p])),
  runs,
  reference: { zooCartPole: 'PPO and TRPO reach 500 at 100k steps', cleanrlPpo: '~490 at 500k steps' },
});
console.log(`wrote ${file}`);
