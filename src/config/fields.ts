/**
 * Settings several algorithms share word for word (the MLP policy, the environment, observation
 * stacking and normalisation). Each algorithm's schema spreads them in; keys whose defaults or
 * sources differ between algorithms are written in the algorithm's own schema.
 */
import { bool, choice, group, int, num, str, widths, type Rule } from './schema.ts';
import { ENSEMBLE_DEFAULTS, type EnsembleOptions } from '../models/ensemble.ts';

export const ACTIVATIONS = ['tanh', 'relu', 'elu', 'sigmoid', 'identity'] as const;

/** The environment id; the <env> argument of `ascent train` sets it. */
export const envField = (def: string) => str(def, 'environment id', 'a registered env id');

/** The feed-forward policy of makePolicy (src/policies): a categorical or Gaussian head on an MLP. */
export const mlpPolicy = (source = 'SB3 / CleanRL: 64x64 tanh, state-independent log-std') =>
  group(
    {
      kind: choice(['auto', 'categorical', 'gaussian'], 'auto', "policy head; 'auto' picks it from the action space"),
      hidden: widths([64, 64], 'hidden layer widths of the policy network', { source }),
      activation: choice(ACTIVATIONS, 'tanh', 'hidden-layer activation', { source }),
      logStd: choice(['learned', 'fixed'], 'learned', 'Gaussian head: learned state-independent log-std, or fixed at logStdInit', { source }),
      logStdInit: num(0, "Gaussian head: the log-std's initial (or fixed) value", 'any', { source }),
    },
    'the policy network',
  );

export const frameStack = () => int(1, 'stack the last k observations (partial observability); 1 = off');

/** The running-normalisation wrappers (CleanRL's continuous-control stack). */
export const normalization = () => ({
  normalizeObs: bool(false, 'running mean/std normalisation of observations', { source: "CleanRL's continuous-control PPO" }),
  normalizeReward: bool(false, 'scale rewards by the running std of the discounted return', { source: "CleanRL's continuous-control PPO" }),
});

/** The probabilistic ensemble (src/models/ensemble.ts) of the model-based algorithms; `def` replaces some of its defaults. */
export const ensembleGroup = (def: Partial<EnsembleOptions> = {}, source = 'PETS / MBPO (Chua et al. 2018; Janner et al. 2019)') => {
  const d = { ...ENSEMBLE_DEFAULTS, ...def };
  return group(
    {
      ensembleSize: int(d.ensembleSize, 'ensemble members', { source }),
      numElites: int(d.numElites, 'members used for rollouts (lowest held-out error); at most ensembleSize', { source }),
      hidden: widths(d.hidden, 'hidden layer widths of each member', { source }),
      activation: choice(ACTIVATIONS, d.activation, 'hidden-layer activation', { source }),
      lr: num(d.lr, "the model's Adam step size", 'nonNegative', { source }),
      weightDecay: num(d.weightDecay, 'L2 weight decay of the model', 'nonNegative', { source }),
      maxLogVarInit: num(d.maxLogVarInit, 'initial soft upper bound of the log-variance', 'any', { source: 'PETS appendix A.1' }),
      minLogVarInit: num(d.minLogVarInit, 'initial soft lower bound of the log-variance', 'any', { source: 'PETS appendix A.1' }),
    },
    'the dynamics ensemble',
  );
};

/** The ensemble rolls out with its elites, so there cannot be more elites than members. */
export const ensembleRule: Rule<{ model: { numElites: number; ensembleSize: number } }> = {
  says: 'model.numElites <= model.ensembleSize',
  check: (c) =>
    c.model.numElites > c.model.ensembleSize ? `'model.numElites' (${c.model.numElites}) must be at most 'model.ensembleSize' (${c.model.ensembleSize})` : null,
};
