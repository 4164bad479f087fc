/**
 * Section 6 of the lab page, a small version of bench/model-based/diagnostics.ts that fits in a
 * browser worker: fit a probabilistic ensemble to Pendulum-v1 transitions from smooth random
 * torques, then (a) the pathwise and likelihood-ratio gradients of a model rollout's return against
 * the horizon (total variance over repeated draws), and (b) compounding model error: the distance
 * between model and real rollouts from the same start with the same actions, for the data's policy
 * and for a changed one that drives the pendulum where the data rarely went.
 * Kept out of lab/index.ts: it pulls in the models, the environments and SAC's actor.
 */
import { Rng } from '../rng/index.ts';
import { make } from '../envs/index.ts';
import { GaussianEnsemble, likelihoodRatioGradient, pathwiseGradient } from '../models/index.ts';
import { SquashedGaussianActor } from '../policies/actor-critic.ts';

export interface ModelBasedOptions {
  seed: number;
  /** Transitions collected for the model fit. */
  transitions: number;
  /** Maximum fitting epochs (early stopping on held-out loss, patience 5). */
  epochs: number;
  horizons: number[];
  /** Gradient draws per horizon and estimator. */
  draws: number;
  /** Start states per rollout batch. */
  batch?: number;
}

export interface GradientRow {
  horizon: number;
  estimator: 'pathwise' | 'likelihood-ratio';
  /** trace of the covariance of one draw. */
  totalVariance: number;
  /** ||mean over draws||. */
  normOfMean: number;
  /** sqrt(totalVariance) / ||mean||: the noise-to-signal ratio of one draw. */
  relStd: number;
}

export interface ModelBasedResult {
  fit: { epochs: number; holdoutMse: number };
  gradients: GradientRow[];
  /** Mean distance (cos, sin, thetadot / 8) between model and real state after `horizon` steps, per policy. */
  compounding: { horizon: number; behaviour: number; changed: number }[];
  seconds: number;
}

const ENV = 'Pendulum-v1';

export function modelBasedDiagnostics(o: ModelBasedOptions): ModelBasedResult {
  const t0 = performance.now();
  for (const [k, v, min] of [
    ['transitions', o.transitions, 200],
    ['epochs', o.epochs, 1],
    ['draws', o.draws, 2],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`model-based lab: ${k} must be an integer >= ${min}, got ${v}`);
  }
  for (const h of o.horizons) if (!Number.isInteger(h) || h < 1) throw new RangeError(`model-based lab: horizons must be positive integers, got ${h}`);
  const rng = new Rng(o.seed, 601);
  // Behaviour policy: smooth random torques a' = clip(0.8 a + 0.5 noise) in unit action space.
  const behaviour = (_o: Float32Array, prev: number) => Math.max(-1, Math.min(1, 0.8 * prev + 0.5 * rng.normal()));
  // Changed policy: full torque along the angular velocity pumps energy and spins the pendulum fast.
  const changed = (ob: Float32Array) => (ob[2] >= 0 ? 1 : -1);
  const n = o.transitions;
  const data = { n, obs: new Float32Array(n * 3), actions: new Float32Array(n), nextObs: new Float32Array(n * 3), rewards: new Float32Array(n) };
  {
    const env = make(ENV);
    let ob = Float32Array.from(env.reset({ seed: o.seed + 1 }).obs),
      a = 0;
    for (let i = 0; i < n; i++) {
      a = behaviour(ob, a);
      const r = env.step([2 * a]);
      data.obs.set(ob, 3 * i);
      data.actions[i] = a;
      data.nextObs.set(r.obs, 3 * i);
      data.rewards[i] = r.reward;
      ob = Float32Array.from(r.terminated || r.truncated ? env.reset().obs : r.obs);
    }
  }
  const model = new GaussianEnsemble(3, 1, new Rng(o.seed, 602), {
    ensembleSize: 3,
    numElites: 2,
    hidden: [64, 64],
    activation: 'elu',
    lr: 1e-3,
    weightDecay: 5e-5,
    maxLogVarInit: 0.5,
    minLogVarInit: -10,
  });
  const fit = model.fit(data, { maxEpochs: o.epochs, patience: 5, batchSize: 128 });
  const member = model.elites[0];

  const actor = new SquashedGaussianActor(3, 1, Float32Array.of(-2), Float32Array.of(2), new Rng(o.seed, 603), {
    hidden: [32, 32],
    activation: 'tanh',
    logStdMin: -5,
    logStdMax: 2,
  });
  const perturb = new Rng(o.seed, 604);
  for (const p of actor.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += perturb.normal(0, 0.1);
  const B = o.batch ?? 8,
    gamma = 0.99;
  const start = new Float32Array(B * 3);
  const stride = Math.max(1, Math.floor(n / B));
  for (let b = 0; b < B; b++) start.set(data.obs.subarray(3 * stride * b, 3 * stride * b + 3), 3 * b);
  const gradients: GradientRow[] = [];
  const drawRng = new Rng(o.seed, 605);
  for (const H of o.horizons) {
    for (const [estimator, f] of [
      ['pathwise', pathwiseGradient],
      ['likelihood-ratio', likelihoodRatioGradient],
    ] as const) {
      const gs: Float32Array[] = [];
      for (let d = 0; d < o.draws; d++) gs.push(f(model, member, actor, start, B, H, gamma, drawRng).grad);
      const P = gs[0].length,
        mean = new Float64Array(P);
      for (const g of gs) for (let i = 0; i < P; i++) mean[i] += g[i] / o.draws;
      let totalVariance = 0,
        nm = 0;
      for (let i = 0; i < P; i++) nm += mean[i] ** 2;
      for (const g of gs) for (let i = 0; i < P; i++) totalVariance += (g[i] - mean[i]) ** 2 / (o.draws - 1);
      const normOfMean = Math.sqrt(nm);
      gradients.push({ horizon: H, estimator, totalVariance, normOfMean, relStd: Math.sqrt(totalVariance) / normOfMean });
    }
  }

  const maxH = Math.max(...o.horizons),
    starts = 10;
  const errs = { behaviour: new Float64Array(o.horizons.length), changed: new Float64Array(o.horizons.length) };
  for (const name of ['behaviour', 'changed'] as const) {
    for (let s = 0; s < starts; s++) {
      const env = make(ENV);
      let ob = Float32Array.from(env.reset({ seed: o.seed + 1000 + s }).obs),
        m: Float32Array = Float32Array.from(ob),
        a = 0;
      for (let t = 1; t <= maxH; t++) {
        a = name === 'behaviour' ? behaviour(ob, a) : changed(ob);
        ob = Float32Array.from(env.step([2 * a]).obs);
        m = model.predict(member, m, Float32Array.of(a), 1).nextObsMean;
        const k = o.horizons.indexOf(t);
        if (k >= 0) errs[name][k] += Math.hypot(ob[0] - m[0], ob[1] - m[1], (ob[2] - m[2]) / 8) / starts;
      }
    }
  }
  return {
    fit: { epochs: fit.epochs, holdoutMse: fit.holdoutMse[member] },
    gradients,
    compounding: o.horizons.map((horizon, k) => ({ horizon, behaviour: errs.behaviour[k], changed: errs.changed[k] })),
    seconds: (performance.now() - t0) / 1000,
  };
}
