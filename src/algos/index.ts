/**
 * algos/: the algorithms, and a registry the CLI and the browser build pick them from by name.
 */
import type { Algorithm } from './types.ts';
import type { ConfigSchema } from '../config/schema.ts';
import { Reinforce, REINFORCE_CONFIG } from './reinforce.ts';
import { PPO, PPO_CONFIG } from './ppo.ts';
import { TRPO, NPG, TRPO_CONFIG } from './trpo.ts';
import { OffPolicyPG, OFFPOLICY_PG_CONFIG } from './offpolicy-pg.ts';
import { SAC, SAC_CONFIG } from './sac.ts';
import { MBPO, MBPO_CONFIG } from './model-based/mbpo.ts';
import { ModelBasedPG, MBPG_CONFIG } from './model-based/mbpg.ts';
import { RecurrentPPO, RECURRENT_PPO_CONFIG } from './recurrent-ppo.ts';

export * from './types.ts';
export * from './base.ts';
export * from './common.ts';
export * from './reinforce.ts';
export * from './ppo.ts';
export * from './trpo.ts';
export * from './offpolicy-pg.ts';
export * from './sac-learner.ts';
export * from './sac.ts';
export * from './model-based/mbpo.ts';
export * from './model-based/mbpg.ts';
export * from './recurrent-ppo.ts';

export interface AlgorithmEntry {
  name: string;
  description: string;
  /** Documented defaults; keys a config may set (validated by resolveConfig). */
  defaults: Record<string, unknown>;
  /** The config schema the defaults come from: ranges and descriptions for --help and the docs (src/config/schema.ts). */
  schema?: ConfigSchema;
  /** Action spaces the algorithm can act in. */
  actionSpaces: ('discrete' | 'continuous')[];
  create(config: Record<string, unknown>): Algorithm;
}

// One entry of the same shape per algorithm: a registry is a table, read as one.
export const ALGORITHMS: Record<string, AlgorithmEntry> = {
  reinforce: {
    name: 'reinforce',
    description: 'REINFORCE / vanilla policy gradient: full or reward-to-go returns, none/mean/optimal/value baselines, GAE',
    defaults: REINFORCE_CONFIG.defaults,
    schema: REINFORCE_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new Reinforce(config),
  },
  ppo: {
    name: 'ppo',
    description: 'Proximal Policy Optimization: clipped surrogate or adaptive KL penalty, GAE, minibatch epochs',
    defaults: PPO_CONFIG.defaults,
    schema: PPO_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new PPO(config),
  },
  trpo: {
    name: 'trpo',
    description: 'Trust Region Policy Optimization: natural gradient by conjugate gradient on exact Fisher-vector products, KL line search',
    defaults: TRPO_CONFIG.defaults,
    schema: TRPO_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new TRPO(config),
  },
  npg: {
    name: 'npg',
    description: 'Natural policy gradient: the TRPO step from the KL constraint, without line search',
    defaults: TRPO_CONFIG.defaults,
    schema: TRPO_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new NPG(config),
  },
  'offpolicy-pg': {
    name: 'offpolicy-pg',
    description: 'Importance-sampled policy gradient with sample reuse: whole-trajectory, per-decision or first-order weights',
    defaults: OFFPOLICY_PG_CONFIG.defaults,
    schema: OFFPOLICY_PG_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new OffPolicyPG(config),
  },
  sac: {
    name: 'sac',
    description: 'Soft Actor-Critic: twin Q with Polyak targets, tanh-Gaussian policy, automatic entropy temperature, replay buffer',
    defaults: SAC_CONFIG.defaults,
    schema: SAC_CONFIG,
    actionSpaces: ['continuous'],
    create: (config) => new SAC(config),
  },
  mbpo: {
    name: 'mbpo',
    description: 'Model-Based Policy Optimization: probabilistic ensemble, short branched model rollouts, SAC on mixed real/model data',
    defaults: MBPO_CONFIG.defaults,
    schema: MBPO_CONFIG,
    actionSpaces: ['continuous'],
    create: (config) => new MBPO(config),
  },
  mbpg: {
    name: 'mbpg',
    description: 'Model-based policy gradient (version 2.5): fit an ensemble, PPO epochs on long model rollouts',
    defaults: MBPG_CONFIG.defaults,
    schema: MBPG_CONFIG,
    actionSpaces: ['continuous'],
    create: (config) => new ModelBasedPG(config),
  },
  'recurrent-ppo': {
    name: 'recurrent-ppo',
    description: 'PPO with LSTM/GRU policy and value: state carried through rollouts, truncated BPTT over minibatches of sequences',
    defaults: RECURRENT_PPO_CONFIG.defaults,
    schema: RECURRENT_PPO_CONFIG,
    actionSpaces: ['discrete', 'continuous'],
    create: (config) => new RecurrentPPO(config),
  },
};

export function registerAlgorithm(entry: AlgorithmEntry): void {
  ALGORITHMS[entry.name] = entry;
}
