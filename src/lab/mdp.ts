/**
 * Small finite-horizon tabular MDPs for the estimator lab: few enough states that J(theta) and its
 * gradient are exact by dynamic programming, stochastic enough that sampled estimators have variance.
 */
import { Rng } from '../rng/index.ts';

export interface TabularMDP {
  name: string;
  numStates: number;
  numActions: number;
  /** Steps per episode: t = 0 .. horizon-1, then the episode ends (terminated, value 0). */
  horizon: number;
  /** Discount in J = E[sum_t gamma^t r_t]. */
  gamma: number;
  /** rho_0(s), length numStates. */
  initial: Float64Array;
  /** P(s' | s, a) at index (s * numActions + a) * numStates + s'. */
  transitions: Float64Array;
  /** Expected reward R(s, a) at index s * numActions + a. */
  rewards: Float64Array;
  /** Std of Gaussian noise added to each sampled reward (0: deterministic rewards). */
  rewardNoise: number;
}

export interface RandomMDPOptions {
  numStates?: number;
  numActions?: number;
  horizon?: number;
  gamma?: number;
  seed?: number;
  /** Successor states per (s, a); fewer gives sparser, more decisive transitions. Default min(3, numStates). */
  branching?: number;
  rewardNoise?: number;
}

/** A seeded random MDP: each (s, a) moves to `branching` random successors with Dirichlet(1) weights; R(s,a) ~ U(0, 1). */
export function randomMDP(opts: RandomMDPOptions = {}): TabularMDP {
  const S = opts.numStates ?? 5;
  const A = opts.numActions ?? 3;
  const H = opts.horizon ?? 10;
  const seed = opts.seed ?? 0;
  const branching = opts.branching ?? Math.min(3, S);
  if (!Number.isInteger(branching) || branching < 1 || branching > S) {
    throw new RangeError(`randomMDP: branching must be an integer in [1, numStates = ${S}], got ${branching}`);
  }
  const rng = new Rng(seed, 7);
  const initial = new Float64Array(S);
  for (let s = 0; s < S; s++) initial[s] = -Math.log(1 - rng.random());
  normalise(initial, 0, S);
  const transitions = new Float64Array(S * A * S);
  for (let sa = 0; sa < S * A; sa++) {
    const succ = rng.permutation(S).subarray(0, branching);
    for (const s2 of succ) transitions[sa * S + s2] = -Math.log(1 - rng.random()); // Exp(1): normalised gives Dirichlet(1)
    normalise(transitions, sa * S, S);
  }
  const rewards = new Float64Array(S * A);
  for (let i = 0; i < rewards.length; i++) rewards[i] = rng.random();
  return checkMDP({
    name: `random(S=${S},A=${A},H=${H},seed=${seed})`,
    numStates: S,
    numActions: A,
    horizon: H,
    gamma: opts.gamma ?? 1,
    initial,
    transitions,
    rewards,
    rewardNoise: opts.rewardNoise ?? 0.1,
  });
}

/**
 * RiverSwim (Strehl & Littman 2008, "An analysis of model-based interval estimation"): a chain of n
 * states; 'left' (action 0) always moves left; 'right' (action 1) fights the current: it moves right
 * with prob 0.3 in the middle (0.6 at the left end), stays with prob 0.6, slips left with 0.1; at the
 * right end it stays with prob 0.6 and slips with 0.4. Rewards as in the paper: 5/1000 for 'left' at
 * the left end, 1 for 'right' at the right end. Starts at the left end (the paper starts at s1 or s2).
 */
export function riverSwim(n = 6, horizon = 20, gamma = 1): TabularMDP {
  if (!Number.isInteger(n) || n < 3) throw new RangeError(`riverSwim: n must be an integer >= 3, got ${n}`);
  const S = n,
    A = 2;
  const P = new Float64Array(S * A * S);
  const at = (s: number, a: number, s2: number) => (s * A + a) * S + s2;
  for (let s = 0; s < S; s++) {
    P[at(s, 0, Math.max(0, s - 1))] = 1;
    if (s === 0) {
      P[at(s, 1, 0)] = 0.4;
      P[at(s, 1, 1)] = 0.6;
    } else if (s === S - 1) {
      P[at(s, 1, s)] = 0.6;
      P[at(s, 1, s - 1)] = 0.4;
    } else {
      P[at(s, 1, s + 1)] = 0.3;
      P[at(s, 1, s)] = 0.6;
      P[at(s, 1, s - 1)] = 0.1;
    }
  }
  const R = new Float64Array(S * A);
  R[0 * A + 0] = 5 / 1000;
  R[(S - 1) * A + 1] = 1;
  const initial = new Float64Array(S);
  initial[0] = 1;
  return checkMDP({ name: `riverSwim(n=${n},H=${horizon})`, numStates: S, numActions: A, horizon, gamma, initial, transitions: P, rewards: R, rewardNoise: 0 });
}

/**
 * A two-state, two-action MDP small enough to solve by hand (horizon 2 by default). From either state,
 * action 0 stays with prob 0.8, action 1 switches with prob 0.9. R(0,0)=1, R(0,1)=0, R(1,0)=0, R(1,1)=2.
 * Starts in state 0 with prob 0.7.
 */
export function twoStateMDP(horizon = 2, gamma = 1): TabularMDP {
  const P = new Float64Array([
    0.8,
    0.2, // s0 a0
    0.1,
    0.9, // s0 a1
    0.2,
    0.8, // s1 a0
    0.9,
    0.1, // s1 a1
  ]);
  return checkMDP({
    name: `twoState(H=${horizon})`,
    numStates: 2,
    numActions: 2,
    horizon,
    gamma,
    initial: new Float64Array([0.7, 0.3]),
    transitions: P,
    rewards: new Float64Array([1, 0, 0, 2]),
    rewardNoise: 0,
  });
}

/** Validates shapes and that every distribution sums to 1; returns the MDP. */
export function checkMDP(m: TabularMDP): TabularMDP {
  const { numStates: S, numActions: A, horizon: H } = m;
  const posInt = (v: number, k: string) => {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`MDP ${m.name}: ${k} must be a positive integer, got ${v}`);
  };
  posInt(S, 'numStates');
  posInt(A, 'numActions');
  posInt(H, 'horizon');
  if (!(m.gamma >= 0 && m.gamma <= 1)) throw new RangeError(`MDP ${m.name}: gamma must be in [0, 1], got ${m.gamma}`);
  if (!(m.rewardNoise >= 0)) throw new RangeError(`MDP ${m.name}: rewardNoise must be >= 0, got ${m.rewardNoise}`);
  const len = (a: Float64Array, n: number, k: string) => {
    if (a.length !== n) throw new RangeError(`MDP ${m.name}: ${k} must have length ${n}, got ${a.length}`);
  };
  len(m.initial, S, 'initial');
  len(m.transitions, S * A * S, 'transitions');
  len(m.rewards, S * A, 'rewards');
  checkDistribution(m.initial, 0, S, `MDP ${m.name}: initial`);
  for (let sa = 0; sa < S * A; sa++) {
    checkDistribution(m.transitions, sa * S, S, `MDP ${m.name}: P(.|s=${Math.floor(sa / A)},a=${sa % A})`);
  }
  for (let i = 0; i < m.rewards.length; i++) {
    if (!Number.isFinite(m.rewards[i])) throw new RangeError(`MDP ${m.name}: rewards[${i}] is ${m.rewards[i]}`);
  }
  return m;
}

function checkDistribution(p: Float64Array, off: number, n: number, what: string): void {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!(p[off + i] >= 0)) throw new RangeError(`${what} has entry ${i} = ${p[off + i]}; expected probabilities >= 0`);
    sum += p[off + i];
  }
  if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`${what} sums to ${sum}; expected 1`);
}

function normalise(p: Float64Array, off: number, n: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[off + i];
  for (let i = 0; i < n; i++) p[off + i] /= sum;
}
