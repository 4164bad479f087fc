/**
 * One learning run in its own process (so peak RSS belongs to this run alone):
 *   node --import tsx bench/learning/run-one.ts '<RunSpec JSON>'
 * Trains until a greedy evaluation reaches the threshold or the step budget runs out, then prints
 * progress lines (indented) and, last, one RunResult JSON line.
 *
 * Stopping protocol, the same for every implementation: after each update whose training episodes
 * average at least `gate`, and in any case every `evalInterval` env steps, evaluate greedily (argmax / mean action) on `evalEpisodes` fresh episodes
 * with seeds evalSeed, evalSeed + 1, ...; stop when that mean reaches `threshold`. Evaluation time is
 * measured and reported apart from training time. A final greedy evaluation on other seeds (100...)
 * checks that the stopping evaluation was not luck.
 */
import { Reinforce } from '../../src/algos/reinforce.ts';
import { PPO } from '../../src/algos/ppo.ts';
import { TRPO } from '../../src/algos/trpo.ts';
import type { OnPolicyAlgorithm } from '../../src/algos/base.ts';
import { loadavg } from 'node:os';
import type { TfjsCartPoleOptions } from './tfjs-cartpole.ts';

export interface RunSpec {
  name: string;
  impl: 'ascent' | 'tfjs-cartpole';
  /** ascent: which algorithm, and its config (env, totalSteps and seed are set from the spec). */
  algo?: 'reinforce' | 'ppo' | 'trpo';
  config?: Record<string, unknown>;
  /** tfjs-cartpole: the example's hyperparameters and the backend. */
  tfjs?: TfjsCartPoleOptions;
  env: string;
  seed: number;
  threshold: number;
  /** Training-episode mean return an update needs before a greedy evaluation is spent on it. */
  gate: number;
  /** Environment steps at most (the run is censored if the threshold is not reached by then). */
  budget: number;
  /** Wall seconds at most (training + evaluation); 0 = no limit. Censors like the budget. */
  maxSeconds?: number;
  /** At least this many env steps between two gated evaluations (0 = every gated update). */
  evalEvery?: number;
  /**
   * Evaluate anyway when this many env steps passed since the last evaluation (default 10,000), so a
   * policy whose sampled episodes stay below the gate while its greedy one is already good is seen.
   */
  evalInterval?: number;
  evalEpisodes?: number;
  evalSeed?: number;
}

export interface RunResult {
  name: string;
  seed: number;
  env: string;
  threshold: number;
  budget: number;
  reached: boolean;
  /** Why the run ended: 'threshold', 'budget' or 'time'. */
  stoppedBy: string;
  /** Env steps and training seconds (evaluation excluded) when the threshold was reached, else null. */
  stepsToThreshold: number | null;
  secondsToThreshold: number | null;
  steps: number;
  trainSeconds: number;
  evalSeconds: number;
  wallSeconds: number;
  updates: number;
  evaluations: number;
  /** The best gated greedy evaluation seen, and the final one on seeds 100..109. */
  bestEval: number | null;
  finalEval: { mean: number; std: number; episodes: number };
  /** Kernel peak resident set (process.resourceUsage().maxRSS), and the largest rss sampled per update. */
  maxRssMB: number;
  sampledRssMB: number;
  loadavgStart: number[];
  loadavgEnd: number[];
}

/** Hooks a trainer calls; the protocol (gate, evaluation, budget, clocks) lives here. */
export class Protocol {
  readonly t0 = performance.now();
  evalMs = 0;
  evaluations = 0;
  updates = 0;
  bestEval: number | null = null;
  reachedAt: { steps: number; seconds: number } | null = null;
  stoppedBy = 'budget';
  rssMax = 0;
  private lastEvalSteps = -Infinity;

  constructor(readonly spec: RunSpec) {}

  trainSeconds(): number {
    return (performance.now() - this.t0 - this.evalMs) / 1000;
  }

  /** Called after each update; returns true to stop. `greedy` evaluates on the stopping seeds. */
  afterUpdate(steps: number, returnMean: number, greedy: (episodes: number, seed: number) => number): boolean {
    const s = this.spec;
    this.updates++;
    this.rssMax = Math.max(this.rssMax, process.memoryUsage.rss());
    const since = steps - Math.max(0, this.lastEvalSteps);
    const gated = returnMean >= s.gate && steps - this.lastEvalSteps >= (s.evalEvery ?? 0);
    if (gated || since >= (s.evalInterval ?? 10_000)) {
      const t = performance.now();
      const mean = greedy(s.evalEpisodes ?? 10, s.evalSeed ?? 1000);
      this.evalMs += performance.now() - t;
      this.evaluations++;
      this.lastEvalSteps = steps;
      this.bestEval = Math.max(this.bestEval ?? -Infinity, mean);
      if (mean >= s.threshold) {
        this.reachedAt = { steps, seconds: this.trainSeconds() };
        this.stoppedBy = 'threshold';
        return true;
      }
    }
    if (this.updates % 10 === 0) {
      console.log(
        `  ${s.name} seed ${s.seed}: ${steps} steps, ${this.trainSeconds().toFixed(1)} s, train return ${Number.isFinite(returnMean) ? returnMean.toFixed(1) : '-'}, best greedy ${this.bestEval?.toFixed(1) ?? '-'}`,
      );
    }
    if (steps >= s.budget) return true;
    if (s.maxSeconds && (performance.now() - this.t0) / 1000 >= s.maxSeconds) {
      this.stoppedBy = 'time';
      return true;
    }
    return false;
  }

  result(steps: number, finalEval: RunResult['finalEval'], loadavgStart: number[]): RunResult {
    const s = this.spec;
    return {
      name: s.name,
      seed: s.seed,
      env: s.env,
      threshold: s.threshold,
      budget: s.budget,
      reached: this.reachedAt !== null,
      stoppedBy: this.stoppedBy,
      stepsToThreshold: this.reachedAt?.steps ?? null,
      secondsToThreshold: this.reachedAt ? +this.reachedAt.seconds.toFixed(2) : null,
      steps,
      trainSeconds: +this.trainSeconds().toFixed(2),
      evalSeconds: +(this.evalMs / 1000).toFixed(2),
      wallSeconds: +((performance.now() - this.t0) / 1000).toFixed(2),
      updates: this.updates,
      evaluations: this.evaluations,
      bestEval: this.bestEval,
      finalEval,
      maxRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      sampledRssMB: +(this.rssMax / 2 ** 20).toFixed(1),
      loadavgStart,
      loadavgEnd: loadavg().map((x) => +x.toFixed(2)),
    };
  }
}

function makeAscent(spec: RunSpec): OnPolicyAlgorithm<any> {
  // totalSteps is the budget: schedules (linear lr and clip) anneal over it, as the Zoo's n_timesteps.
  const config = { ...spec.config, env: spec.env, seed: spec.seed, totalSteps: Math.max(1, spec.budget) };
  switch (spec.algo) {
    case 'reinforce':
      return new Reinforce(config);
    case 'ppo':
      return new PPO(config);
    case 'trpo':
      return new TRPO(config);
    default:
      throw new Error(`run-one: unknown algo ${JSON.stringify(spec.algo)}; expected reinforce, ppo or trpo`);
  }
}

async function runAscent(spec: RunSpec): Promise<RunResult> {
  const load = loadavg().map((x) => +x.toFixed(2));
  const p = new Protocol(spec);
  const agent = makeAscent(spec);
  // budget 0: build the agent and stop: the RSS of the process, its modules and networks alone.
  if (spec.budget === 0) {
    agent.close();
    return p.result(0, { mean: NaN, std: NaN, episodes: 0 }, load);
  }
  agent.learn({
    stop: (log) =>
      p.afterUpdate(log.steps, log.episodes > 0 ? log.returnMean : -Infinity, (episodes, seed) => agent.evaluate({ episodes, seed, deterministic: true }).mean),
  });
  const steps = agent.steps;
  const fin = agent.evaluate({ episodes: 10, seed: 100, deterministic: true });
  agent.close();
  return p.result(steps, { mean: fin.mean, std: fin.std, episodes: 10 }, load);
}

async function main() {
  const arg = process.argv[2];
  if (!arg) throw new Error(`usage: node --import tsx bench/learning/run-one.ts '<RunSpec JSON>'`);
  const spec = JSON.parse(arg) as RunSpec;
  const result =
    spec.impl === 'ascent'
      ? await runAscent(spec)
      : // tfjs loads only for its own runs: importing it costs ~150 MB of RSS an Ascent run must not carry.
        await (await import('./tfjs-cartpole.ts')).runTfjsCartPole(spec, (s) => new Protocol(s));
  console.log(JSON.stringify(result));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
