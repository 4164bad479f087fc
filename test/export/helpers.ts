/** Small trained agents and recorded observations for the export tests. */
import { ALGORITHMS, type Algorithm } from '../../src/algos/index.ts';
import { Discrete, make, type Env } from '../../src/envs/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { Predictor } from '../../src/export/index.ts';

/** The agents every format is checked on: each family and action space, with and without normalisation. */
export const AGENTS: { label: string; algo: string; config: Record<string, unknown>; updates: number }[] = [
  { label: 'ppo CartPole-v1 (categorical, value)', algo: 'ppo', config: { env: 'CartPole-v1', numEnvs: 2, nSteps: 128, batchSize: 64, epochs: 2 }, updates: 2 },
  {
    label: 'ppo Pendulum-v1 (Gaussian, normalizeObs, value)',
    algo: 'ppo',
    config: { env: 'Pendulum-v1', numEnvs: 2, nSteps: 128, batchSize: 64, epochs: 2, normalizeObs: true },
    updates: 2,
  },
  {
    label: 'reinforce Acrobot-v1 (categorical, Discrete with 3 actions)',
    algo: 'reinforce',
    config: { env: 'Acrobot-v1', numEnvs: 2, batchSteps: 256 },
    updates: 1,
  },
  {
    label: 'trpo MountainCarContinuous-v0 (Gaussian, normalizeObs)',
    algo: 'trpo',
    config: { env: 'MountainCarContinuous-v0', numEnvs: 1, nSteps: 256, normalizeObs: true },
    updates: 1,
  },
  {
    label: 'sac Pendulum-v1 (tanh-squashed Gaussian)',
    algo: 'sac',
    config: { env: 'Pendulum-v1', hidden: [32, 32], batchSize: 32, learningStarts: 64, bufferSize: 1000 },
    updates: 1,
  },
];

/** An agent of AGENTS trained for its few updates (enough to move every parameter off its initial value). */
export function trainAgent(spec: (typeof AGENTS)[number]): Algorithm {
  const algo = ALGORITHMS[spec.algo].create({ seed: 3, ...spec.config });
  if (spec.algo === 'sac') while (algo.steps < 200) algo.update();
  else for (let i = 0; i < spec.updates; i++) algo.update();
  return algo;
}

/**
 * n raw observations of the agent's env (as the env returns them, before any normalisation), from
 * episodes where the greedy action and a uniformly random one alternate at random, so that the
 * states are those the policy visits and some it does not. `env` (default make(envId)) may be a
 * wrapped stack whose observations the policy takes as they are (frame stacking).
 */
export function recordObservations(algo: Algorithm, envId: string, n: number, seed = 11, env: Env<any, any> = make(envId)): Float32Array {
  const rng = new Rng(seed);
  const predictor = new Predictor(algo);
  const dim = predictor.obsDim;
  const out = new Float32Array(n * dim);
  let obs = env.reset({ seed }).obs as Float32Array;
  for (let i = 0; i < n; i++) {
    out.set(obs, i * dim);
    const greedy = predictor.act(Float32Array.from(obs), 1);
    const action = rng.random() < 0.5 ? env.actionSpace.sample(rng) : env.actionSpace instanceof Discrete ? greedy[0] : Float32Array.from(greedy);
    const r = env.step(action);
    obs = r.obs as Float32Array;
    if (r.terminated || r.truncated) obs = env.reset({ seed: seed + i + 1 }).obs as Float32Array;
  }
  env.close();
  return out;
}

/** Largest |a - b| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])));
  return m;
}
