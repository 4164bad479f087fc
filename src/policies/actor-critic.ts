/**
 * The actor and critics of Soft Actor-Critic (Haarnoja et al. 2018, arXiv:1812.05905), as policy
 * modules: a tanh-squashed Gaussian policy pi(a|s) whose mean and log-std come from one MLP, and
 * twin soft Q-functions Q_1, Q_2 on [s, a]. The losses that train them are in src/algos/sac-learner.ts.
 */
import type { Rng } from '../rng/index.ts';
import { type Tensor, slice, clip } from '../tensor/index.ts';
import { MLP, Module, type Activation } from '../nn/index.ts';
import { SquashedGaussian } from '../distributions/index.ts';
import { HALF_LOG_2PI, logDetTanh } from '../util/math.ts';
import type { Policy, ActResult } from './policy.ts';

export interface ActorOptions {
  hidden: number[];
  activation: Activation;
  /** Bounds of the state-dependent log-std (SB3: LOG_STD_MIN = -20, LOG_STD_MAX = 2). */
  logStdMin: number;
  logStdMax: number;
}

/**
 * pi(a|s) = tanh(N(mu(s), sigma(s)^2)) on [-1, 1]^D, with mu and log sigma from one MLP's two heads.
 * act() returns actions rescaled to the env's Box [low, high] (what the env and evaluation need);
 * distribution() and sampleUnit() stay in [-1, 1] (what the losses and the replay buffer use).
 */
export class SquashedGaussianActor extends Module implements Policy {
  readonly kind = 'gaussian';
  readonly net: MLP;
  // Scratch declared like SacLearner's reused buffers (same shape, other contents).
  private actions = new Float32Array(0);
  private logps = new Float32Array(0);
  private unit = new Float32Array(0);

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly low: Float32Array,
    readonly high: Float32Array,
    rng: Rng,
    readonly opts: ActorOptions,
  ) {
    super();
    this.net = new MLP([obsDim, ...opts.hidden, 2 * actDim], rng, { activation: opts.activation, outputGain: 0.01 });
  }

  distribution(obs: Tensor): SquashedGaussian {
    return this.distributionOf(this.net.forward(obs));
  }

  /** The distribution from the network's output [batch, 2 D] (mean, then log-std before clipping). */
  distributionOf(out: Tensor): SquashedGaussian {
    const D = this.actDim;
    return new SquashedGaussian(slice(out, 1, 0, D), clip(slice(out, 1, D, 2 * D), this.opts.logStdMin, this.opts.logStdMax));
  }

  /**
   * Off the tape: actions in [-1, 1] into `actions` and log pi(a|s) into `logProbs` (mean action
   * tanh(mu) when deterministic, with the log-density of that point).
   */
  sampleUnit(obs: Float32Array, batch: number, rng: Rng, deterministic: boolean, actions: Float32Array, logProbs: Float32Array): void {
    this.sampleUnitFrom(this.net.predict(obs, batch), batch, rng, deterministic, actions, logProbs);
  }

  /** sampleUnit from the network's output [batch, 2 D] computed elsewhere (e.g. nn's forwardAndPredict). */
  sampleUnitFrom(out: Float32Array, batch: number, rng: Rng, deterministic: boolean, actions: Float32Array, logProbs: Float32Array): void {
    const D = this.actDim,
      lo = this.opts.logStdMin,
      hi = this.opts.logStdMax;
    for (let i = 0; i < batch; i++) {
      let lp = 0;
      for (let d = 0; d < D; d++) {
        const m = out[i * 2 * D + d];
        let ls = out[i * 2 * D + D + d];
        ls = ls < lo ? lo : ls > hi ? hi : ls;
        const z = deterministic ? 0 : rng.normal();
        const u = m + Math.exp(ls) * z;
        actions[i * D + d] = Math.tanh(u);
        lp += -0.5 * z * z - ls - HALF_LOG_2PI - logDetTanh(u);
      }
      logProbs[i] = lp;
    }
  }

  /** Unit actions [-1, 1] -> the env's bounds: low + (a + 1) (high - low) / 2 (SB3 unscale_action). */
  toEnv(unit: Float32Array, batch: number, out: Float32Array): Float32Array {
    const D = this.actDim;
    for (let i = 0; i < batch * D; i++) {
      const d = i % D;
      out[i] = this.low[d] + 0.5 * (unit[i] + 1) * (this.high[d] - this.low[d]);
    }
    return out;
  }

  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    const n = batch * this.actDim;
    if (this.unit.length !== n) {
      this.unit = new Float32Array(n);
      this.actions = new Float32Array(n);
      this.logps = new Float32Array(batch);
    }
    this.sampleUnit(obs, batch, rng, deterministic, this.unit, this.logps);
    return { actions: this.toEnv(this.unit, batch, this.actions), logProbs: this.logps };
  }

  namedParameters(): [string, Tensor][] {
    return this.net.namedParameters().map(([n, p]) => [`pi.${n}`, p] as [string, Tensor]);
  }
}

/** Twin soft Q networks Q_1, Q_2 on [s, a]. */
export class TwinQ extends Module {
  readonly q1: MLP;
  readonly q2: MLP;

  constructor(
    readonly inDim: number,
    hidden: number[],
    activation: Activation,
    rng: Rng,
  ) {
    super();
    this.q1 = new MLP([inDim, ...hidden, 1], rng, { activation });
    this.q2 = new MLP([inDim, ...hidden, 1], rng, { activation });
  }

  namedParameters(): [string, Tensor][] {
    return [
      ...this.q1.namedParameters().map(([n, p]) => [`q1.${n}`, p] as [string, Tensor]),
      ...this.q2.namedParameters().map(([n, p]) => [`q2.${n}`, p] as [string, Tensor]),
    ];
  }
}
