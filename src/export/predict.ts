/**
 * predict(): the library's own greedy outputs for raw observations, through the trained networks'
 * inference path (MLP.predict, Policy.act) with the run's observation normalisation applied as
 * NormalizeObservation does. Every exported model is checked against this.
 */
import { Rng } from '../rng/index.ts';
import { Tensor, noGrad } from '../tensor/index.ts';
import type { Algorithm } from '../algos/types.ts';
import type { ValueModel } from '../policies/index.ts';
import { describePolicy, type ActionHead, type ObsNormalization, type RecurrentSpec } from './spec.ts';

export interface Prediction {
  /** Greedy actions: [batch] (discrete, with Discrete.start added) or [batch * D]. */
  action: Float32Array;
  /** Categorical: [batch * K]. */
  logits?: Float32Array;
  /** Gaussian: the mean; tanh-Gaussian: the mean before the tanh. [batch * D]. */
  mean?: Float32Array;
  logStd?: Float32Array;
  /** tanh-Gaussian: tanh(mean). */
  squashedMean?: Float32Array;
  /** V(o) when the algorithm has a state-value function. [batch]. */
  value?: Float32Array;
  /** Recurrent policies: the packed state after this step [batch * stateSize]. */
  state?: Float32Array;
}

/** Greedy outputs of one algorithm's policy; construct once, call predict per batch. */
export class Predictor {
  readonly obsDim: number;
  private readonly norm: ObsNormalization | null;
  private readonly head: ActionHead;
  private readonly hasValue: boolean;
  private readonly recurrent: RecurrentSpec | null;
  private readonly rng = new Rng(0);
  private readonly scratch: { buf: Float32Array } = { buf: new Float32Array(0) };

  constructor(private readonly algo: Algorithm) {
    const d = describePolicy(algo);
    this.obsDim = d.obsDim;
    this.norm = d.obsNorm;
    this.head = d.head;
    this.hasValue = d.value !== null;
    this.recurrent = d.recurrent;
  }

  /** The observations the policy sees: normalised and clipped as in training (a reused buffer). */
  normalize(obs: Float32Array, batch: number): Float32Array {
    const n = this.obsDim;
    if (obs.length !== batch * n) throw new RangeError(`predict: expected ${batch} x ${n} = ${batch * n} observation values, got ${obs.length}`);
    const z = this.norm;
    if (!z) return obs;
    if (this.scratch.buf.length !== obs.length) this.scratch.buf = new Float32Array(obs.length);
    const x = this.scratch.buf,
      c = z.clip;
    for (let i = 0; i < x.length; i++) {
      const v = Math.fround(Math.fround(obs[i] - z.mean[i % n]) / z.std[i % n]);
      x[i] = v < -c ? -c : v > c ? c : v;
    }
    return x;
  }

  /** The greedy action only (what an embedded policy needs): a buffer reused by the next call. */
  act(obs: Float32Array, batch = 1): Float32Array {
    const a = this.algo.policy.act(this.normalize(obs, batch), batch, this.rng, true).actions;
    if (this.head.kind === 'categorical' && this.head.start !== 0) for (let i = 0; i < batch; i++) a[i] += this.head.start;
    return a;
  }

  /**
   * Every output for a batch of raw observations. Recurrent policies step from `state` (the packed
   * state of the previous step; zeros, an episode's start, when omitted) and return the next one.
   */
  predict(obs: Float32Array, batch = 1, state?: Float32Array): Prediction {
    const x = this.normalize(obs, batch);
    const policy = this.algo.policy as any;
    const h = this.head;
    let out: Prediction;
    let raw: Float32Array;
    if (this.recurrent) {
      const S = this.recurrent.stateSize,
        H = this.recurrent.hiddenSize;
      const r = policy.step(x, batch, state ?? new Float32Array(batch * S), null, this.rng, true);
      // The actor's h' leads each row of the packed state: the head's input.
      const features = new Float32Array(batch * H);
      for (let b = 0; b < batch; b++) features.set(r.state.subarray(b * S, b * S + H), b * H);
      raw = Float32Array.from(policy.piHead.predict(features, batch));
      out = { action: Float32Array.from(r.actions), value: Float32Array.from(r.values), state: Float32Array.from(r.state) };
      if (h.kind === 'categorical' && h.start !== 0) for (let i = 0; i < batch; i++) out.action[i] += h.start;
    } else {
      out = { action: Float32Array.from(this.act(obs, batch)) };
      // MLP policies expose their network; others (CNN) give the parameters through their distribution.
      raw = policy.net
        ? Float32Array.from(policy.net.predict(x, batch))
        : noGrad(() => {
            const dist = policy.distribution(new Tensor(x, [batch, this.obsDim]));
            return Float32Array.from((h.kind === 'categorical' ? dist.logits : dist.mean).data);
          });
      if (this.hasValue) out.value = Float32Array.from((this.algo as unknown as { value: ValueModel }).value.predict(x, batch));
    }
    if (h.kind === 'categorical') out.logits = raw;
    else if (h.kind === 'gaussian') {
      out.mean = raw;
      out.logStd = Float32Array.from({ length: batch * h.actDim }, (_, i) => h.logStd[i % h.actDim]);
    } else {
      const D = h.actDim;
      out.mean = new Float32Array(batch * D);
      out.logStd = new Float32Array(batch * D);
      out.squashedMean = new Float32Array(batch * D);
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < D; j++) {
          const m = raw[b * 2 * D + j],
            ls = raw[b * 2 * D + D + j];
          out.mean[b * D + j] = m;
          out.logStd[b * D + j] = ls < h.logStdMin ? h.logStdMin : ls > h.logStdMax ? h.logStdMax : ls;
          out.squashedMean[b * D + j] = Math.tanh(m);
        }
      }
    }
    return out;
  }
}

/** Greedy outputs of a trained algorithm for raw observations [batch, obsDim]. */
export function predict(algo: Algorithm, obs: Float32Array, batch = 1): Prediction {
  return new Predictor(algo).predict(obs, batch);
}
