/**
 * NormalizeObservation and NormalizeReward with Gymnasium 1.x's rules.
 * Observation: obs' = (obs - mean) / sqrt(var + epsilon), statistics updated with every obs (reset
 * and step) before normalising; for a float32 Box the statistics and this formula are float32, as in
 * Gymnasium (RunningMeanStd of the space's dtype), so the values match it bit for bit. Reward: G = G * gamma * (1 - terminated) + r,
 * statistics of G updated, r' = r / sqrt(var(G) + epsilon) (no mean subtraction, as in Gymnasium).
 * Set `updateRunningMean = false` to freeze the statistics (evaluation); getStats/setStats save them.
 */
import { Wrapper, type Env, type StepResult } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import { Box, FlatDictBox } from '../envs/spaces.ts';
import { checkBoolean, decodeNumber, encodeNumber, stateObject, type Json } from '../envs/snapshot.ts';
import { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.ts';

type Vec = Float32Array | Float64Array;

/** epsilon keeps sqrt(var + epsilon) away from 0; epsilon <= 0 gives NaN or infinite values (Gymnasium 1.4 raises too). */
function checkEpsilon(who: string, epsilon: number): void {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) throw new Error(`${who}: epsilon must be a finite number > 0, got ${epsilon}`);
}

export class NormalizeObservation<Act> extends ObservationWrapper<Float32Array, Act, Vec> {
  readonly obsRms: RunningMeanStd;
  updateRunningMean = true;
  /** When set, also gathers every observation the statistics take (a rollout worker's delta since its last sync). */
  deltaRms: RunningMeanStd | null = null;
  private readonly out: Float32Array;
  private readonly f32: boolean;

  constructor(
    env: Env<Vec, Act>,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    checkEpsilon('NormalizeObservation', epsilon);
    const space = env.observationSpace;
    if (!(space instanceof Box)) throw new Error(`NormalizeObservation: needs a Box observation space, got ${String(space)}`);
    // Normalising the flat row would hand the policy a plain Box: an image + vector Dict would silently train a flat MLP.
    if (space instanceof FlatDictBox) {
      throw new Error(`NormalizeObservation: a Dict observation (${String(space.dict)}) is not normalised; turn normalizeObs off for this env`);
    }
    this.f32 = space.dtype !== 'float64';
    this.obsRms = new RunningMeanStd(space.size, 1e-4, this.f32 ? 'float32' : 'float64');
    this.out = new Float32Array(space.size);
    this.observationSpace = new Box<Float32Array>(-Infinity, Infinity, space.shape, 'float32');
  }

  protected observation(obs: Vec): Float32Array {
    if (this.updateRunningMean) {
      this.obsRms.updateOne(obs);
      this.deltaRms?.updateOne(obs);
    }
    const { mean, var: v } = this.obsRms;
    if (this.f32) {
      // float32 throughout, as NumPy computes it for a float32 observation and float32 statistics
      const fr = Math.fround,
        eps = fr(this.epsilon);
      for (let i = 0; i < this.out.length; i++) this.out[i] = fr(obs[i] - mean[i]) / fr(Math.sqrt(fr(v[i] + eps)));
    } else {
      for (let i = 0; i < this.out.length; i++) this.out[i] = (obs[i] - mean[i]) / Math.sqrt(v[i] + this.epsilon);
    }
    return this.out;
  }

  getStats(): RunningMeanStdState {
    return this.obsRms.getState();
  }

  /** Snapshot: the statistics and whether they are updated. */
  protected override snapshotSelf(): Json {
    return { obsRms: this.obsRms.toJson(), updateRunningMean: this.updateRunningMean };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'NormalizeObservation.restore',
      o = stateObject(who, state);
    const update = checkBoolean(o.updateRunningMean, `${who}: state.updateRunningMean`);
    this.obsRms.fromJson(o.obsRms, `${who}: state.obsRms`);
    this.updateRunningMean = update;
  }
  setStats(s: RunningMeanStdState): void {
    this.obsRms.setState(s);
  }
}

export class NormalizeReward<Obs, Act> extends Wrapper<Obs, Act> {
  readonly returnRms = new RunningMeanStd(1);
  updateRunningMean = true;
  /** When set, also gathers every return the statistics take (a rollout worker's delta since its last sync). */
  deltaRms: RunningMeanStd | null = null;
  /** The discounted return accumulator G (Gymnasium's discounted_reward). */
  discountedReward = 0;
  private readonly g1 = new Float64Array(1);

  constructor(
    env: Env<Obs, Act>,
    readonly gamma = 0.99,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) throw new Error(`NormalizeReward: gamma must be a number in [0, 1], got ${gamma}`);
    checkEpsilon('NormalizeReward', epsilon);
  }

  override step(action: Act): StepResult<Obs> {
    const r = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) {
      this.g1[0] = this.discountedReward;
      this.returnRms.updateOne(this.g1);
      this.deltaRms?.updateOne(this.g1);
    }
    r.reward = r.reward / Math.sqrt(this.returnRms.var[0] + this.epsilon);
    return r;
  }

  /** Snapshot: the return statistics, the discounted return G and whether the statistics are updated. */
  protected override snapshotSelf(): Json {
    return { returnRms: this.returnRms.toJson(), discountedReward: encodeNumber(this.discountedReward), updateRunningMean: this.updateRunningMean };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'NormalizeReward.restore',
      o = stateObject(who, state);
    const update = checkBoolean(o.updateRunningMean, `${who}: state.updateRunningMean`);
    const g = decodeNumber(o.discountedReward, `${who}: state.discountedReward`);
    this.returnRms.fromJson(o.returnRms, `${who}: state.returnRms`);
    this.discountedReward = g;
    this.updateRunningMean = update;
  }

  getStats(): RunningMeanStdState & { discountedReward: number } {
    return { ...this.returnRms.getState(), discountedReward: this.discountedReward };
  }
  setStats(s: RunningMeanStdState & { discountedReward?: number }): void {
    this.returnRms.setState(s);
    if (typeof s.discountedReward === 'number') this.discountedReward = s.discountedReward;
  }
}
