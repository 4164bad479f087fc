/**
 * Each section's computation from its controls' values: the worker runs these, and the browser test
 * runs the same functions in Node to check the page's numbers. Only the library's own code.
 */
import {
  comparisonEstimators,
  estimatorName,
  importanceWeightSample,
  labMDP,
  naturalGradientPaths,
  runEssVsHorizon,
  runEstimatorLab,
  runImportanceLab,
  randomMDP,
  scoreFunctionScatter,
  type EstimatorSpec,
} from '../../lab/index.ts';
import { clippedObjectiveCurve, ppoClipRun } from '../../lab/ppo-clip.ts';
import { modelBasedDiagnostics } from '../../lab/model-based.ts';
import { ATTENTION_VARIANTS, trainAttention } from '../../lab/hard-attention.ts';
import type { SectionId } from './protocol.ts';
import { ALPHA_SWEEP, GAE_SWEEP, HORIZON_SWEEP, MODEL_HORIZONS } from './compute-constants.ts';

export { ALPHA_SWEEP, DEFAULTS, GAE_SWEEP, HORIZON_SWEEP, MODEL_HORIZONS } from './compute-constants.ts';

type Params = Record<string, number | string>;
const num = (p: Params, k: string): number => {
  const v = Number(p[k]);
  if (!Number.isFinite(v)) throw new RangeError(`${k} must be a number, got ${JSON.stringify(p[k])}`);
  return v;
};

export const SCATTER_ESTIMATORS: Record<string, EstimatorSpec> = {
  full: { returns: 'full' },
  'full+mean(LOO)': { returns: 'full', baseline: 'mean', leaveOneOut: true },
  rewardToGo: { returns: 'rewardToGo' },
  'rewardToGo+value': { returns: 'rewardToGo', baseline: 'value' },
};

export function computeSection(section: SectionId, p: Params): unknown {
  switch (section) {
    case 'scatter': {
      const spec = SCATTER_ESTIMATORS[String(p.estimator)];
      if (!spec) throw new RangeError(`estimator must be one of ${Object.keys(SCATTER_ESTIMATORS).join(', ')}, got ${p.estimator}`);
      return scoreFunctionScatter({ mdp: 'random', seed: num(p, 'seed'), estimator: spec, batchSize: num(p, 'N'), draws: num(p, 'M') });
    }
    case 'compare': {
      const lambda = num(p, 'lambda');
      const mdp = labMDP({ mdp: String(p.mdp) as 'random' | 'riverswim', seed: num(p, 'seed') });
      const specs = comparisonEstimators([...GAE_SWEEP, lambda]);
      const r = runEstimatorLab({ mdp, seed: num(p, 'seed'), batchSize: num(p, 'N'), numBatches: num(p, 'M'), estimators: specs });
      return { ...r, chosen: estimatorName({ returns: 'gae', lambda }) };
    }
    case 'importance': {
      const seed = num(p, 'seed'),
        alpha = num(p, 'alpha'),
        H = num(p, 'horizon'),
        N = num(p, 'N'),
        M = num(p, 'M');
      const stepSizes = [...new Set([...ALPHA_SWEEP, alpha])].sort((a, b) => a - b);
      const mdp = randomMDP({ seed, horizon: H });
      const sweep = runImportanceLab({ mdp, seed, batchSize: N, numBatches: M, stepSizes });
      const weights = importanceWeightSample({ seed, horizon: H, alpha, trajectories: 2000 });
      const ess = runEssVsHorizon({ horizons: HORIZON_SWEEP, alpha, seed, batchSize: N, numBatches: Math.max(2, Math.round(M / 2)) });
      return { sweep, weights, ess };
    }
    case 'natural': {
      const scale = num(p, 'scale');
      return naturalGradientPaths({ scales: [1, scale], start: [2, -2 / scale], lr: num(p, 'lr'), delta: num(p, 'delta'), steps: num(p, 'steps') });
    }
    case 'ppo': {
      const eps = num(p, 'eps');
      const ratios = Array.from({ length: 161 }, (_, i) => i / 80);
      return {
        positive: clippedObjectiveCurve(1, eps, ratios),
        negative: clippedObjectiveCurve(-1, eps, ratios),
        run: ppoClipRun({ clipRange: eps, epochs: num(p, 'epochs'), updates: num(p, 'updates'), seed: num(p, 'seed') }),
      };
    }
    case 'model': {
      const maxH = num(p, 'maxHorizon');
      return modelBasedDiagnostics({
        seed: num(p, 'seed'),
        transitions: num(p, 'transitions'),
        epochs: num(p, 'epochs'),
        draws: num(p, 'draws'),
        horizons: MODEL_HORIZONS.filter((h) => h <= maxH),
      });
    }
    case 'attention': {
      const o = { K: num(p, 'K'), steps: num(p, 'steps'), batch: num(p, 'batch'), seed: num(p, 'seed') };
      return Object.fromEntries(ATTENTION_VARIANTS.map((variant) => [variant, trainAttention({ ...o, variant })]));
    }
    default:
      throw new RangeError(`unknown section ${JSON.stringify(section)}`);
  }
}
