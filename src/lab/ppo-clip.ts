/**
 * Section 5 of the lab page: PPO's clipped surrogate (Schulman et al. 2017, eq. 7) as a function of
 * the probability ratio, evaluated and differentiated by PPO's own loss (algos/ppo.ts), and the clip
 * fractions a short real PPO run logs. Kept out of lab/index.ts: it pulls in the algorithms.
 */
import { Tensor, grad } from '../tensor/index.ts';
import { clippedSurrogateLoss } from '../algos/ppo.ts';
import { algorithmEntry, buildConfig, createAlgorithm } from '../train/setup.ts';

export interface ClipCurve {
  ratios: Float64Array;
  /** L^CLIP(r) = min(r A, clip(r, 1-eps, 1+eps) A) (the objective PPO maximises), per ratio. */
  objective: Float64Array;
  /** dL^CLIP / dr: A inside the trust region or on the side that lowers the objective, 0 where clipped. */
  slope: Float64Array;
}

/** L^CLIP and its derivative on a grid of ratios, through clippedSurrogateLoss and the tape. */
export function clippedObjectiveCurve(advantage: number, eps: number, ratios: ArrayLike<number>): ClipCurve {
  if (!Number.isFinite(advantage)) throw new RangeError(`clip curve: advantage must be finite, got ${advantage}`);
  if (!(eps > 0 && eps < 1)) throw new RangeError(`clip curve: eps must be in (0, 1), got ${eps}`);
  const n = ratios.length;
  const r = new Tensor(Float32Array.from(ratios), [n], true);
  const A = new Tensor(new Float32Array(n).fill(advantage), [n]);
  // The loss is -mean over the batch: one element per ratio, so scale by -n to read each term.
  const loss = clippedSurrogateLoss(r, A, eps);
  const [g] = grad(loss, [r]);
  const objective = new Float64Array(n),
    slope = new Float64Array(n);
  const gd = g.data;
  for (let i = 0; i < n; i++) {
    const ri = ratios[i];
    objective[i] = Math.min(ri * advantage, Math.min(Math.max(ri, 1 - eps), 1 + eps) * advantage);
    slope[i] = -gd[i] * n;
  }
  // The tape's value agrees with the closed form (a check that the page shows PPO's loss, not a copy).
  const mean = objective.reduce((s, x) => s + x, 0) / n;
  if (Math.abs(-loss.item() - mean) > 1e-4 * (1 + Math.abs(mean))) {
    throw new Error(`clip curve: clippedSurrogateLoss gives ${-loss.item()}, the closed form ${mean}`);
  }
  return { ratios: Float64Array.from(ratios), objective, slope };
}

export interface ClipRunRow {
  update: number;
  steps: number;
  clipFraction: number;
  approxKl: number;
  returnMean: number;
}

/**
 * A short PPO run on CartPole-v1 with RL Zoo's CartPole settings (presets/ppo.yaml: 8 envs x 32 steps,
 * batch 256, gamma 0.98, lambda 0.8, lr 1e-3) but a constant clip range and lr, and `epochs` passes
 * per update: the fraction of samples whose ratio left [1-eps, 1+eps], per update.
 */
export function ppoClipRun(o: { clipRange: number; epochs: number; updates: number; seed: number }): ClipRunRow[] {
  if (!Number.isInteger(o.updates) || o.updates < 1 || o.updates > 200)
    throw new RangeError(`ppo clip run: updates must be an integer in [1, 200], got ${o.updates}`);
  const entry = algorithmEntry('ppo');
  const config = buildConfig(entry, 'CartPole-v1', {
    sets: { numEnvs: 8, nSteps: 32, batchSize: 256, gamma: 0.98, gaeLambda: 0.8, entCoef: 0, lr: 0.001, clipRange: o.clipRange, epochs: o.epochs },
    flags: { seed: o.seed, steps: 256 * o.updates },
  });
  const algo = createAlgorithm(entry, config);
  try {
    const rows: ClipRunRow[] = [];
    for (let u = 1; u <= o.updates; u++) {
      const log = algo.update();
      rows.push({ update: u, steps: log.steps, clipFraction: log.clipFraction, approxKl: log.approxKl, returnMean: log.returnMean });
    }
    return rows;
  } finally {
    algo.close();
  }
}
