/**
 * Settings several algorithms share word for word (the MLP policy, the environment, observation
 * stacking and normalisation). Each algorithm's schema spreads them in; keys whose defaults or
 * sources differ between algorithms are written in the algorithm's own schema.
 */
import { bool, choice, group, int, num, str, widths } from './schema.ts';

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
