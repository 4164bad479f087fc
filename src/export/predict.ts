/**
 * predict(): the library's own greedy outputs for raw observations, through the trained networks'
 * inference path (MLP.predict, Policy.act) with the run's observation normalisation applied as
 * NormalizeObservation does. Every exported model is checked against this.
 */
import { Rng } from '../rng/index.ts';
import type { Algorithm } from '../algos/types.ts';
import type { ValueModel } from '../policies/index.ts';
import { describePolicy, type ActionHead, type ObsNormalization } from './spec.ts';

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
}

/** Greedy outputs of one algorithm's policy; construct once, call predict per batch. */
export class Predictor {
  readonly obsDim: number;
  private readonly norm: ObsNormalization | null;
  private readonly head: ActionHead;
  private readonly hasValue: boolean;
  private readonly rng = new Rng(0);
  private readonly scratch: { buf: Float32Array } = { buf: new Float32Array(0) };

  constructor(private readonly algo: Algorithm) {
    const d = describePolicy(algo);
    this.obsDim = d.obsDim;
    this.norm = d.obsNorm;
    this.head = d.head;
    this.hasValue = d.value !== null;
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

  predict(obs: Float32Array, batch = 1): Prediction {
    const x = this.normalize(obs, batch);
    const policy = this.algo.policy as any;
    const out: Prediction = { action: Float32Array.from(this.act(obs, batch)) };
    const h = this.head;
    if (h.kind === 'categorical') out.logits = Float32Array.from(policy.net.predict(x, batch));
    else if (h.kind === 'gaussian') {
      out.mean = Float32Array.from(policy.net.predict(x, batch));
      out.logStd = Float32Array.from({ length: batch * h.actDim }, (_, i) => h.logStd[i % h.actDim]);
    } else {
      const D = h.actDim,
        raw = policy.net.predict(x, batch) as Float32Array;
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
    if (this.hasValue) out.value = Float32Array.from((this.algo as unknown as { value: ValueModel }).value.predict(x, batch));
    return out;
  }
}

/** Greedy outputs of a trained algorithm for raw observations [batch, obsDim]. */
export function predict(algo: Algorithm, obs: Float32Array, batch = 1): Prediction {
  return new Predictor(algo).predict(obs, batch);
}
