/**
 * Settings several algorithms share word for word (the MLP policy, the environment, observation
 * stacking and normalisation). Each algorithm's schema spreads them in; keys whose defaults or
 * sources differ between algorithms are written in the algorithm's own schema.
 */
import { bool, choice, custom, group, int, num, str, widths, type Rule } from './schema.ts';
import { isPlainObject } from '../train/overrides.ts';
import { ENSEMBLE_DEFAULTS, type EnsembleOptions } from '../models/ensemble.ts';

export const ACTIVATIONS = ['tanh', 'relu', 'elu', 'sigmoid', 'identity'] as const;

/** The environment id; the <env> argument of `ascent train` sets it. */
export const envField = (def: string) => str(def, 'environment id', 'a registered env id');

/** The env's constructor options (Gymnasium's make(id, **kwargs)); the env itself checks their names and values. */
export const envKwargs = () =>
  custom<Record<string, unknown> | null>(
    null,
    "the env's constructor options, as make(id, { kwargs }) takes them (e.g. { ctrlCostWeight: 0.05 }); null = the env's defaults",
    'mapping of option names to values, or null',
    (v) => (v === null || isPlainObject(v) ? null : 'must be a mapping of option names to values, or null'),
    { source: 'Gymnasium make(id, **kwargs); RL Zoo env_kwargs' },
  );

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

/**
 * PPO's settings that ppo and recurrent-ppo share: GAE, the clipped surrogate, the loss weights and
 * the optimiser step. `lib` names where the defaults come from: SB3's PPO, or SB3-contrib's
 * RecurrentPPO, which has the same parameters and defaults (but nSteps). In parts so that each schema
 * keeps its own key order (ppo puts `objective` and the KL penalty's keys between them).
 */
export const ppoFields = (lib: 'SB3' | 'SB3-contrib', nSteps: number) => ({
  rollout: {
    numEnvs: int(1, 'environments stepped together', { source: `${lib} n_envs` }),
    nSteps: int(nSteps, 'steps per env per update; the batch is nSteps * numEnvs', { source: `${lib} n_steps` }),
  },
  epochsAndGae: {
    epochs: int(10, 'passes over the batch per update', { source: `${lib} n_epochs` }),
    gamma: num(0.99, 'discount γ', 'unit', { source: lib }),
    gaeLambda: num(0.95, 'GAE λ', 'unit', { source: `${lib}, GAE paper` }),
  },
  clip: {
    clipRange: num(0.2, 'ε, the clip range of the probability ratio', 'positive', { source: `PPO paper, ${lib}` }),
    clipSchedule: choice(['constant', 'linear'], 'constant', "'linear': ε decays to 0 over totalSteps", { source: `${lib} / RL Zoo` }),
    clipRangeVf: num(0, 'ε_V: clip the value update around the old values by this much; 0 = unclipped', 'nonNegative', {
      source: `${lib} clip_range_vf (None)`,
    }),
  },
  step: {
    entCoef: num(0, 'c_H, the entropy bonus coefficient', 'nonNegative', { source: `${lib} ent_coef` }),
    vfCoef: num(0.5, 'c_V, the value loss coefficient', 'nonNegative', { source: `${lib} vf_coef` }),
    maxGradNorm: num(0.5, 'global gradient-norm clip', 'nonNegative', { source: lib }),
    lr: num(3e-4, "Adam's step size (ε 1e-5 as SB3 and CleanRL)", 'nonNegative', { source: lib }),
    lrSchedule: choice(['constant', 'linear', 'cosine'], 'constant', 'lr over the fraction of totalSteps done', { source: lib }),
    targetKl: num(0, 'stop the epochs once the approximate KL exceeds 1.5 * targetKl; 0 = never', 'nonNegative', { source: `${lib} target_kl (None)` }),
    normalizeAdvantages: bool(true, 'standardise the advantages per minibatch', { source: lib }),
  },
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
