/**
 * Return estimators over a time-major rollout: arrays of length T * numEnvs, index t * numEnvs + e.
 *
 * Episode boundaries follow Gymnasium: `terminated[i] = 1` means the MDP ended after step i (the value
 * of what follows is 0, never bootstrapped); `truncated[i] = 1` means a limit outside the MDP cut the
 * episode (bootstrap from V(s'_final), given per step in `finalValues[i]`, when a value function
 * exists). When both flags are set, terminated wins. The last step of a rollout with neither flag is
 * unfinished: it bootstraps from `lastValues[e]` where the function supports it.
 *
 * Pure functions, Float64 accumulation, no dependency on the tensor engine.
 */
import { meanStd } from '../util/math.ts';

/** Any array of numbers: Float32Array, Float64Array or number[]. */
export type Numbers = ArrayLike<number>;

/** A rollout's rewards and episode flags, time-major [T, numEnvs]. */
export interface RolloutSteps {
  rewards: Numbers;
  terminated: Uint8Array;
  truncated: Uint8Array;
  numEnvs: number;
}

/** Optional value bootstraps shared by the estimators. */
export interface Bootstrap {
  /** V(s'_final) per step, read only where truncated = 1 (length T * numEnvs). */
  finalValues?: Numbers;
  /** V(s_T) per env, for the last step of a rollout when it is neither terminated nor truncated. */
  lastValues?: Numbers;
}

/** y_t = x_t + gamma * y_{t+1} over one sequence (no episode boundaries). */
export function discountedCumsum(x: Numbers, gamma: number, out = new Float64Array(x.length)): Float64Array {
  checkGamma(gamma, 'discountedCumsum');
  let acc = 0;
  for (let t = x.length - 1; t >= 0; t--) {
    acc = x[t] + gamma * acc;
    out[t] = acc;
  }
  return out;
}

/**
 * Reward-to-go Q-hat(t) = sum_{t' >= t} gamma^(t'-t) r_t' within each episode (the discounted return
 * from step t). Terminated steps end the sum; truncated steps add gamma * finalValues[i] when given
 * (else 0); the unfinished last step adds gamma * lastValues[e] when given (else the observed partial
 * sum is returned).
 */
export function rewardToGo(steps: RolloutSteps, gamma: number, boot: Bootstrap = {}): Float64Array {
  const { T, n } = checkSteps(steps, 'rewardToGo');
  checkGamma(gamma, 'rewardToGo');
  checkBootstrap(boot, T, n, 'rewardToGo');
  const { rewards, terminated, truncated } = steps;
  const out = new Float64Array(T * n);
  for (let e = 0; e < n; e++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      let tail: number;
      if (terminated[i]) tail = 0;
      else if (truncated[i]) tail = boot.finalValues ? finalValue(boot.finalValues, i, 'rewardToGo') : 0;
      else if (t === T - 1) tail = boot.lastValues ? boot.lastValues[e] : 0;
      else tail = next;
      next = rewards[i] + gamma * tail;
      out[i] = next;
    }
  }
  return out;
}

export interface EpisodeReturnOptions extends Bootstrap {
  /**
   * What to do with an episode the batch does not hold whole (its last step is neither terminated nor
   * truncated, or it began before the batch, see `continuing`):
   * - 'error' (default): throw, naming the env and step;
   * - 'exclude': give its steps mask 0 and return 0 for them;
   * - 'bootstrap': close an unfinished end with gamma^L * lastValues[e] (an episode that began before
   *   the batch still throws: its start is not in the batch).
   */
  unfinished?: 'error' | 'exclude' | 'bootstrap';
  /** Per env: 1 when the env's first step in this batch continues an episode begun earlier. */
  continuing?: Numbers;
}

export interface EpisodeReturns {
  /** r(tau) = sum_k gamma^k r_k of the step's episode (k counted from the episode's first step). */
  returns: Float64Array;
  /** 1 where the step belongs to an episode that was included. */
  mask: Uint8Array;
  /** Number of episodes included. */
  numEpisodes: number;
}

/**
 * The full trajectory return r(tau) assigned to every step of its episode: the weight of plain
 * REINFORCE. A truncated episode adds gamma^L * V(s'_final) when `finalValues` is given; without it,
 * truncation counts as the episode's end.
 */
export function episodeReturns(steps: RolloutSteps, gamma: number, opts: EpisodeReturnOptions = {}): EpisodeReturns {
  const { T, n } = checkSteps(steps, 'episodeReturns');
  checkGamma(gamma, 'episodeReturns');
  checkBootstrap(opts, T, n, 'episodeReturns');
  const mode = opts.unfinished ?? 'error';
  if (mode !== 'error' && mode !== 'exclude' && mode !== 'bootstrap') {
    throw new RangeError(`episodeReturns: unfinished must be 'error', 'exclude' or 'bootstrap', got ${JSON.stringify(mode)}`);
  }
  if (mode === 'bootstrap' && !opts.lastValues) {
    throw new RangeError(`episodeReturns: unfinished: 'bootstrap' needs lastValues (length ${n})`);
  }
  if (opts.continuing && opts.continuing.length !== n) {
    throw new RangeError(`episodeReturns: continuing must have length numEnvs = ${n}, got ${opts.continuing.length}`);
  }
  const { rewards, terminated, truncated } = steps;
  const returns = new Float64Array(T * n);
  const mask = new Uint8Array(T * n);
  let numEpisodes = 0;
  for (let e = 0; e < n; e++) {
    let start = 0;
    while (start < T) {
      // Walk one episode forward from `start`, summing discounted rewards.
      let sum = 0;
      let disc = 1;
      let t = start;
      let finished = false;
      for (; t < T; t++) {
        const i = t * n + e;
        sum += disc * rewards[i];
        disc *= gamma;
        if (terminated[i]) {
          finished = true;
          break;
        }
        if (truncated[i]) {
          if (opts.finalValues) sum += disc * finalValue(opts.finalValues, i, 'episodeReturns');
          finished = true;
          break;
        }
      }
      const end = Math.min(t, T - 1);
      const begunEarlier = start === 0 && !!opts.continuing?.[e];
      let include = true;
      if (begunEarlier) {
        if (mode !== 'exclude') {
          throw new Error(`episodeReturns: env ${e} continues an episode begun before this batch; its full return is unknown (use unfinished: 'exclude')`);
        }
        include = false;
      } else if (!finished) {
        if (mode === 'error') {
          throw new Error(
            `episodeReturns: env ${e}'s episode starting at step ${start} did not finish within the batch (T = ${T}); ` +
              `collect whole episodes, or pass unfinished: 'exclude' or 'bootstrap' (with lastValues)`,
          );
        }
        if (mode === 'exclude') include = false;
        else sum += disc * opts.lastValues![e];
      }
      if (include) {
        numEpisodes++;
        for (let k = start; k <= end; k++) {
          returns[k * n + e] = sum;
          mask[k * n + e] = 1;
        }
      }
      start = end + 1;
    }
  }
  return { returns, mask, numEpisodes };
}

export interface GaeOptions extends Bootstrap {
  gamma: number;
  lambda: number;
}

export interface GaeResult {
  /** A_t = sum_l (gamma lambda)^l delta_{t+l}, within the episode. */
  advantages: Float64Array;
  /** Value targets: advantages + values (the lambda-return). */
  returns: Float64Array;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016, arXiv:1506.02438):
 * delta_t = r_t + gamma * V(s_{t+1}) - V(s_t), with V(s_{t+1}) = 0 after termination, finalValues[i]
 * after truncation, lastValues[e] after the unfinished last step; A_t accumulates deltas with
 * gamma * lambda until the episode's end.
 */
export function gae(steps: RolloutSteps, values: Numbers, opts: GaeOptions): GaeResult {
  const { T, n } = checkSteps(steps, 'gae');
  const { gamma, lambda } = opts;
  checkGamma(gamma, 'gae');
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`gae: lambda must be in [0, 1], got ${lambda}`);
  if (values.length !== T * n) throw new RangeError(`gae: values must have length T * numEnvs = ${T * n}, got ${values.length}`);
  checkBootstrap(opts, T, n, 'gae');
  const { rewards, terminated, truncated } = steps;
  const advantages = new Float64Array(T * n);
  const returns = new Float64Array(T * n);
  for (let e = 0; e < n; e++) {
    let nextAdv = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      let nextValue: number;
      let carry = 0; // 1 when the episode continues into step t + 1 of this batch
      if (terminated[i]) nextValue = 0;
      else if (truncated[i]) {
        if (!opts.finalValues) throw new Error(`gae: step ${t} of env ${e} is truncated but no finalValues were given to bootstrap from`);
        nextValue = finalValue(opts.finalValues, i, 'gae');
      } else if (t === T - 1) {
        if (!opts.lastValues) throw new Error(`gae: env ${e}'s last step is unfinished but no lastValues were given to bootstrap from`);
        nextValue = opts.lastValues[e];
      } else {
        nextValue = values[i + n];
        carry = 1;
      }
      const delta = rewards[i] + gamma * nextValue - values[i];
      nextAdv = delta + gamma * lambda * carry * nextAdv;
      advantages[i] = nextAdv;
      returns[i] = nextAdv + values[i];
    }
  }
  return { advantages, returns };
}

function checkSteps(steps: RolloutSteps, fn: string): { T: number; n: number } {
  const { rewards, terminated, truncated, numEnvs } = steps;
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`${fn}: numEnvs must be a positive integer, got ${numEnvs}`);
  if (rewards.length % numEnvs !== 0) {
    throw new RangeError(`${fn}: rewards length ${rewards.length} is not a multiple of numEnvs = ${numEnvs} (layout [T, numEnvs])`);
  }
  if (!(terminated instanceof Uint8Array) || terminated.length !== rewards.length) {
    throw new RangeError(`${fn}: terminated must be a Uint8Array of length ${rewards.length}, got ${describe(terminated)}`);
  }
  if (!(truncated instanceof Uint8Array) || truncated.length !== rewards.length) {
    throw new RangeError(`${fn}: truncated must be a Uint8Array of length ${rewards.length}, got ${describe(truncated)}`);
  }
  return { T: rewards.length / numEnvs, n: numEnvs };
}

function checkBootstrap(boot: Bootstrap, T: number, n: number, fn: string): void {
  if (boot.finalValues && boot.finalValues.length !== T * n) {
    throw new RangeError(`${fn}: finalValues must have length T * numEnvs = ${T * n}, got ${boot.finalValues.length}`);
  }
  if (boot.lastValues && boot.lastValues.length !== n) {
    throw new RangeError(`${fn}: lastValues must have length numEnvs = ${n}, got ${boot.lastValues.length}`);
  }
}

function checkGamma(gamma: number, fn: string): void {
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${fn}: gamma must be in [0, 1], got ${gamma}`);
}

function finalValue(finalValues: Numbers, i: number, fn: string): number {
  const v = finalValues[i];
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: finalValues[${i}] is ${v} at a truncated step; expected a finite V(s'_final)`);
  return v;
}

/**
 * Standardise in place to mean 0 and standard deviation 1 (advantage normalisation, as SB3 and
 * CleanRL do per minibatch): the scale of the step no longer depends on the scale of the rewards.
 */
export function standardize(w: Float32Array): void {
  const { mean: m, std } = meanStd(w);
  const s = 1 / (std + 1e-8);
  for (let i = 0; i < w.length; i++) w[i] = (w[i] - m) * s;
}

function describe(x: unknown): string {
  if (x && typeof x === 'object' && 'length' in x) return `${(x as object).constructor.name} of length ${(x as { length: number }).length}`;
  return String(x);
}
