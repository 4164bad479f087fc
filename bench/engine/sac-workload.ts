// The SAC update workload of issue 12, defined once so that Ascent (engine/sac.ts) and JAX
// (opponents/jax_sac.py) run the same networks, losses, constants, weights and data.
//
// One update is what src/algos/sac.ts's train() does per gradient step (SB3's SAC defaults:
// Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications", Algorithm 1):
//   1. actor on s: mu, log sigma (clipped to [-20, 2]); u = mu + sigma eps1; a = tanh(u);
//      log pi(a|s) = sum_d [-eps1^2/2 - log sigma - log(2 pi)/2 - log(1 - tanh(u)^2)]
//   2. temperature: d/d log alpha = E[-log pi] - H_target with H_target = -dim(A); one Adam step
//   3. targets (no gradient): a' from the actor on s' with eps2; y = r + gamma (1 - d)
//      (min(Q'_1, Q'_2)(s', a') - alpha log pi(a'|s'))
//   4. critic loss 0.5 (mean (Q_1(s,a) - y)^2 + mean (Q_2(s,a) - y)^2); one Adam step on both critics
//   5. actor loss mean(alpha log pi(a|s) - min(Q_1, Q_2)(s, a)) through the updated critics; one Adam step
//   6. Polyak: theta' += tau (theta - theta')
// alpha in steps 3-5 is the value before step 2 (as sac.ts). The noise eps1, eps2 is fixed data
// (the same every update), so every engine computes the same numbers.

import { Rng } from '../../src/rng/index.ts';

export interface SacSize {
  name: string;
  obs: number;
  act: number;
  hidden: number[];
  batch: number;
}

/** HalfCheetah-v5 (17 observations, 6 actions) at SB3's SAC defaults: 256x256 ReLU, batch 256. */
export const SAC_HALFCHEETAH: SacSize = { name: 'halfcheetah', obs: 17, act: 6, hidden: [256, 256], batch: 256 };
/** RLtools' SAC Pendulum setting: 64x64 networks, batch 100 (Pendulum-v1: 3 observations, 1 action). */
export const SAC_PENDULUM: SacSize = { name: 'pendulum', obs: 3, act: 1, hidden: [64, 64], batch: 100 };

export const SAC = { lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, gamma: 0.99, tau: 0.005, logStdMin: -20, logStdMax: 2 } as const;

/** Layer sizes of the actor (2 * act outputs: mean and log-std) and of each critic. */
export const actorSizes = (s: SacSize) => [s.obs, ...s.hidden, 2 * s.act];
export const criticSizes = (s: SacSize) => [s.obs + s.act, ...s.hidden, 1];

/**
 * Multiply-adds of the gemms in one update (what the kernels execute; elementwise work left out).
 * Per row, with f = the forward's sum of in x out and f01 its first layer's: actor forward on s and
 * s' (2 f_a), the target, critic and actor-loss forwards of both critics (6 f_c), the critics'
 * backward (dW: f_c, dx below the first layer: f_c - f01_c, each), the actor loss's pass back
 * through both critics to the action (dx only: f_c each) and the actor's backward (dW and dx below
 * its first layer): 4 f_a - f01_a + 12 f_c - 2 f01_c.
 */
export function updateMacs(s: SacSize): number {
  const f = (z: number[]) => z.reduce((t, v, i) => (i ? t + z[i - 1] * v : 0), 0);
  const a = actorSizes(s),
    c = criticSizes(s);
  return s.batch * (4 * f(a) - a[0] * a[1] + 12 * f(c) - 2 * c[0] * c[1]);
}

/** Weights [in, out] row-major and biases, layer after layer: W0, b0, W1, b1, ... */
export type Layers = Float32Array[];

export interface SacWorkload {
  size: SacSize;
  actor: Layers;
  q1: Layers;
  q2: Layers;
  /** Targets start as copies of the critics (as SB3 and sac.ts do). */
  data: {
    obs: Float32Array;
    actions: Float32Array;
    rewards: Float32Array;
    nextObs: Float32Array;
    terminated: Float32Array;
    eps1: Float32Array;
    eps2: Float32Array;
  };
}

/** Glorot-uniform weights (the output layer of the actor scaled by 0.01), U(-0.1, 0.1) biases. */
function initLayers(sizes: number[], rng: Rng, outScale: number): Layers {
  const out: Layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i],
      fanOut = sizes[i + 1],
      lim = Math.sqrt(6 / (fanIn + fanOut)) * (i + 2 === sizes.length ? outScale : 1);
    out.push(rng.fillUniform(new Float32Array(fanIn * fanOut), -lim, lim) as Float32Array);
    out.push(rng.fillUniform(new Float32Array(fanOut), -0.1, 0.1) as Float32Array);
  }
  return out;
}

export function makeSacWorkload(size: SacSize, seed: number): SacWorkload {
  const rng = new Rng(seed);
  const { obs: O, act: A, batch: B } = size;
  const u = (n: number, lo: number, hi: number) => rng.fillUniform(new Float32Array(n), lo, hi) as Float32Array;
  return {
    size,
    actor: initLayers(actorSizes(size), rng, 0.01),
    q1: initLayers(criticSizes(size), rng, 1),
    q2: initLayers(criticSizes(size), rng, 1),
    data: {
      obs: u(B * O, -2, 2),
      actions: u(B * A, -0.99, 0.99),
      rewards: u(B, -1, 1),
      nextObs: u(B * O, -2, 2),
      terminated: Float32Array.from({ length: B }, (_, i) => (i % 10 === 9 ? 1 : 0)),
      eps1: rng.fillNormal(new Float32Array(B * A)) as Float32Array,
      eps2: rng.fillNormal(new Float32Array(B * A)) as Float32Array,
    },
  };
}
