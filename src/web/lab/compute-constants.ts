/** The lab page's default controls and sweeps, shared by the page, its worker and the tests (no library code here, so main.js stays small). */
import type { SectionId } from './protocol.ts';

type Params = Record<string, number | string>;

/** Default controls of each section (the page's initial state and the test's reference). */
export const DEFAULTS: Record<SectionId, Params> = {
  scatter: { estimator: 'full', N: 16, M: 300, seed: 0 },
  compare: { mdp: 'random', N: 16, M: 1000, lambda: 0.95, seed: 0 },
  importance: { alpha: 0.5, horizon: 8, N: 16, M: 300, seed: 0 },
  natural: { scale: 10, lr: 0.05, delta: 0.02, steps: 25 },
  ppo: { eps: 0.2, epochs: 10, updates: 10, seed: 0 },
  model: { transitions: 2000, epochs: 15, maxHorizon: 50, draws: 12, seed: 0 },
  attention: { K: 6, steps: 400, batch: 64, seed: 0 },
};

export const GAE_SWEEP = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 1];
export const ALPHA_SWEEP = [0, 0.1, 0.25, 0.5, 0.75, 1, 1.5];
export const HORIZON_SWEEP = [2, 5, 10, 20, 40];

export const MODEL_HORIZONS = [1, 2, 5, 10, 20, 50, 100];
