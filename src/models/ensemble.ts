/**
 * Probabilistic ensemble dynamics model (PETS: Chua et al. 2018, arXiv:1805.12114; as used by MBPO,
 * Janner et al. 2019, arXiv:1906.08253).
 *
 * Each member is an MLP on the normalised input x = [s, a] with two heads: the mean and the log-variance
 * of a diagonal Gaussian over the normalised target y = [s' - s, r]. The log-variance is bounded softly
 * between learned per-dimension bounds (PETS appendix A.1):
 *   logvar = maxLV - softplus(maxLV - raw);  logvar = minLV + softplus(logvar - minLV)
 * Loss per member: the Gaussian NLL  1/2 [(y - mu)^2 exp(-logvar) + logvar]  averaged over batch and
 * dimensions, plus 0.01 (sum maxLV - sum minLV) so the bounds tighten (PETS' code, mbrl-lib).
 * Each member trains on its own bootstrap resample of the training split; a held-out split (never
 * trained on) drives early stopping (MBPO: stop when no member improved its held-out MSE by more than
 * 1% for `patience` epochs, keep each member's best weights) and elite selection (lowest held-out MSE).
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, grad, add, sub, mul, mean, exp, square, softplus, slice, sum, concat } from '../tensor/index.ts';
import { Adam, MLP, checkLoss, type Activation } from '../nn/index.ts';
import { HALF_LOG_2PI } from '../util/math.ts';

export interface EnsembleOptions {
  /** Members (PETS/MBPO: 7, mbrl-lib cart-pole: 7 with 5 elites). */
  ensembleSize: number;
  numElites: number;
  hidden: number[];
  activation: Activation;
  lr: number;
  weightDecay: number;
  /** Initial soft bounds of the log-variance (PETS: 0.5 and -10). */
  maxLogVarInit: number;
  minLogVarInit: number;
}

export const ENSEMBLE_DEFAULTS: EnsembleOptions = {
  ensembleSize: 7,
  numElites: 5,
  hidden: [200, 200, 200, 200],
  activation: 'elu',
  lr: 1e-3,
  weightDecay: 5e-5,
  maxLogVarInit: 0.5,
  minLogVarInit: -10,
};

export interface FitOptions {
  /** Fraction held out for validation (mbrl-lib: 0.2). */
  validationRatio?: number;
  batchSize?: number;
  /** Upper bound on epochs; early stopping usually ends sooner. */
  maxEpochs?: number;
  /** Epochs without a > 1% held-out improvement before stopping (mbrl-lib cart-pole: 5). */
  patience?: number;
  /** Resample each member's training split with replacement (PETS' bootstrap). */
  bootstrap?: boolean;
}

export interface FitResult {
  epochs: number;
  trainNll: number;
  /** Per member: held-out MSE (normalised targets) and held-out NLL per dimension, of the kept weights. */
  holdoutMse: number[];
  holdoutNll: number[];
  elites: number[];
}

/** Transitions to fit: flat rows of obs, action, next obs and reward. */
export interface TransitionData {
  n: number;
  obs: Float32Array;
  actions: Float32Array;
  nextObs: Float32Array;
  rewards: ArrayLike<number>;
}

/** Per-dimension mean and std (std < 1e-12 replaced by 1, as PETS' normaliser). */
export class Standardizer {
  mean: Float32Array;
  std: Float32Array;
  constructor(readonly dim: number) {
    this.mean = new Float32Array(dim);
    this.std = new Float32Array(dim).fill(1);
  }

  fit(x: Float32Array, n: number): void {
    const d = this.dim;
    this.mean.fill(0);
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) this.mean[j] += x[i * d + j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v[j] += (x[i * d + j] - this.mean[j]) ** 2 / n;
    for (let j = 0; j < d; j++) this.std[j] = v[j] < 1e-24 ? 1 : Math.sqrt(v[j]);
  }
}

class Member {
  readonly net: MLP;
  readonly maxLogVar: Tensor;
  readonly minLogVar: Tensor;
  readonly params: Tensor[];
  readonly opt: Adam;
  constructor(
    inDim: number,
    readonly outDim: number,
    rng: Rng,
    o: EnsembleOptions,
  ) {
    this.net = new MLP([inDim, ...o.hidden, 2 * outDim], rng, { activation: o.activation, init: 'xavier' });
    this.maxLogVar = Tensor.param(new Float32Array(outDim).fill(o.maxLogVarInit), [1, outDim], 'maxLogVar');
    this.minLogVar = Tensor.param(new Float32Array(outDim).fill(o.minLogVarInit), [1, outDim], 'minLogVar');
    this.params = [...this.net.parameters(), this.maxLogVar, this.minLogVar];
    this.opt = new Adam(this.params, { lr: o.lr, weightDecay: o.weightDecay });
  }

  /** Normalised mean and bounded log-variance, on the tape. */
  forward(x: Tensor): { mu: Tensor; logVar: Tensor } {
    const out = this.net.forward(x),
      K = this.outDim;
    let lv = slice(out, 1, K, 2 * K);
    lv = sub(this.maxLogVar, softplus(sub(this.maxLogVar, lv)));
    lv = add(this.minLogVar, softplus(sub(lv, this.minLogVar)));
    return { mu: slice(out, 1, 0, K), logVar: lv };
  }

  /** The same off the tape into raw buffers [B, K] (reused by the MLP). */
  predictRaw(x: Float32Array, B: number, mu: Float32Array, logVar: Float32Array): void {
    const out = this.net.predict(x, B),
      K = this.outDim,
      hi = this.maxLogVar.data,
      lo = this.minLogVar.data;
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < K; k++) {
        mu[i * K + k] = out[i * 2 * K + k];
        let lv = out[i * 2 * K + K + k];
        lv = hi[k] - softplusNum(hi[k] - lv);
        logVar[i * K + k] = lo[k] + softplusNum(lv - lo[k]);
      }
    }
  }

  snapshot(): Float32Array[] {
    return this.params.map((p) => Float32Array.from(p.data));
  }

  restore(s: Float32Array[]): void {
    this.params.forEach((p, i) => p.data.set(s[i]));
  }
}

function softplusNum(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export class GaussianEnsemble {
  readonly inDim: number;
  /** Targets: obsDim state deltas, then the reward. */
  readonly outDim: number;
  readonly members: Member[];
  readonly inNorm: Standardizer;
  readonly outNorm: Standardizer;
  readonly opts: EnsembleOptions;
  elites: number[];
  /** True once fit() has run (predictions before that are meaningless). */
  fitted = false;
  private readonly rng: Rng;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    rng: Rng,
    opts: Partial<EnsembleOptions> = {},
  ) {
    const o = (this.opts = { ...ENSEMBLE_DEFAULTS, ...opts });
    if (!Number.isInteger(o.ensembleSize) || o.ensembleSize < 1)
      throw new RangeError(`GaussianEnsemble: ensembleSize must be a positive integer, got ${o.ensembleSize}`);
    if (!Number.isInteger(o.numElites) || o.numElites < 1 || o.numElites > o.ensembleSize) {
      throw new RangeError(`GaussianEnsemble: numElites must be an integer in [1, ensembleSize = ${o.ensembleSize}], got ${o.numElites}`);
    }
    for (const [k, v] of [
      ['obsDim', obsDim],
      ['actDim', actDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`GaussianEnsemble: ${k} must be a positive integer, got ${v}`);
    }
    if (!(o.maxLogVarInit > o.minLogVarInit))
      throw new RangeError(`GaussianEnsemble: maxLogVarInit (${o.maxLogVarInit}) must exceed minLogVarInit (${o.minLogVarInit})`);
    this.inDim = obsDim + actDim;
    this.outDim = obsDim + 1;
    this.rng = rng.split();
    this.members = Array.from({ length: o.ensembleSize }, () => new Member(this.inDim, this.outDim, rng.split(), o));
    this.inNorm = new Standardizer(this.inDim);
    this.outNorm = new Standardizer(this.outDim);
    this.elites = Array.from({ length: o.numElites }, (_, i) => i);
  }

  get size(): number {
    return this.members.length;
  }

  private checkBatch(where: string, obs: ArrayLike<number>, actions: ArrayLike<number>, B: number): void {
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`${where}: batch must be a positive integer, got ${B}`);
    if (obs.length !== B * this.obsDim) {
      throw new RangeError(`${where}: observations have ${obs.length} values; expected batch ${B} x obsDim ${this.obsDim} = ${B * this.obsDim}`);
    }
    if (actions.length !== B * this.actDim) {
      throw new RangeError(`${where}: actions have ${actions.length} values; expected batch ${B} x actDim ${this.actDim} = ${B * this.actDim}`);
    }
  }

  /** Normalised [s, a] rows. */
  private inputs(obs: ArrayLike<number>, actions: ArrayLike<number>, B: number, out = new Float32Array(B * this.inDim)): Float32Array {
    const D = this.obsDim,
      A = this.actDim,
      W = this.inDim,
      m = this.inNorm.mean,
      s = this.inNorm.std;
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < D; j++) out[i * W + j] = (obs[i * D + j] - m[j]) / s[j];
      for (let j = 0; j < A; j++) out[i * W + D + j] = (actions[i * A + j] - m[D + j]) / s[D + j];
    }
    return out;
  }

  /** Fit the normalisers on the training split, then train every member with early stopping. */
  fit(data: TransitionData, o: FitOptions = {}): FitResult {
    const n = data.n,
      D = this.obsDim,
      K = this.outDim;
    this.checkBatch('GaussianEnsemble.fit', data.obs.subarray(0, n * D), data.actions.subarray(0, n * this.actDim), n);
    const ratio = o.validationRatio ?? 0.2,
      batchSize = o.batchSize ?? 256,
      maxEpochs = o.maxEpochs ?? 1000,
      patience = o.patience ?? 5;
    if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`GaussianEnsemble.fit: validationRatio must be in [0, 1), got ${ratio}`);
    const nVal = Math.min(Math.floor(n * ratio), 5000);
    const nTrain = n - nVal;
    if (nTrain < 1) throw new RangeError(`GaussianEnsemble.fit: needs at least one training transition, got ${n} with validationRatio ${ratio}`);
    // Targets y = [s' - s, r].
    const x = this.rawInputs(data, n);
    const y = new Float32Array(n * K);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < D; j++) y[i * K + j] = data.nextObs[i * D + j] - data.obs[i * D + j];
      y[i * K + D] = data.rewards[i];
    }
    const perm = this.rng.permutation(n);
    const trainIdx = perm.subarray(nVal),
      valIdx = perm.subarray(0, nVal);
    this.inNorm.fit(gather(x, this.inDim, trainIdx), nTrain);
    this.outNorm.fit(gather(y, K, trainIdx), nTrain);
    normalizeRows(x, this.inDim, this.inNorm);
    normalizeRows(y, K, this.outNorm);
    const xVal = gather(x, this.inDim, valIdx),
      yVal = gather(y, K, valIdx);
    const boot = this.members.map(() => {
      if (o.bootstrap === false) return Int32Array.from(trainIdx);
      const b = new Int32Array(nTrain);
      for (let i = 0; i < nTrain; i++) b[i] = trainIdx[this.rng.int(nTrain)];
      return b;
    });

    const E = this.size;
    const best = this.members.map((m) => m.snapshot());
    const bestScore = new Array<number>(E).fill(Infinity);
    const score = (e: number) => (nVal > 0 ? this.holdout(e, xVal, yVal, nVal).mse : 0);
    for (let e = 0; e < E; e++) bestScore[e] = score(e);
    let epochs = 0,
      stale = 0,
      trainNll = 0;
    const B = Math.min(batchSize, nTrain);
    for (; epochs < maxEpochs; epochs++) {
      trainNll = 0;
      let steps = 0;
      for (let e = 0; e < E; e++) {
        const m = this.members[e],
          idx = boot[e];
        this.rng.shuffle(idx);
        for (let s = 0; s + B <= nTrain; s += B) {
          const rows = idx.subarray(s, s + B);
          const xb = new Tensor(gather(x, this.inDim, rows), [B, this.inDim]);
          const yb = new Tensor(gather(y, K, rows), [B, K]);
          const { mu, logVar } = m.forward(xb);
          const nll = mean(mul(add(mul(square(sub(mu, yb)), exp(mul(logVar, -1))), logVar), 0.5));
          const loss = add(nll, mul(sub(sum(m.maxLogVar), sum(m.minLogVar)), 0.01));
          checkLoss(loss, `ensemble member ${e} loss`, epochs);
          m.opt.step(grad(loss, m.params));
          trainNll += nll.item();
          steps++;
        }
      }
      trainNll /= Math.max(1, steps);
      if (nVal === 0) continue;
      let improved = false;
      for (let e = 0; e < E; e++) {
        const s = score(e);
        if ((bestScore[e] - s) / Math.abs(bestScore[e]) > 0.01) {
          bestScore[e] = s;
          best[e] = this.members[e].snapshot();
          improved = true;
        }
      }
      stale = improved ? 0 : stale + 1;
      if (stale >= patience) {
        epochs++;
        break;
      }
    }
    if (nVal > 0) this.members.forEach((m, e) => m.restore(best[e]));
    const ho = this.members.map((_, e) => (nVal > 0 ? this.holdout(e, xVal, yVal, nVal) : { mse: NaN, nll: NaN }));
    this.elites =
      nVal > 0
        ? ho
            .map((h, e) => [h.mse, e])
            .sort((a, b) => a[0] - b[0])
            .slice(0, this.opts.numElites)
            .map(([, e]) => e)
        : Array.from({ length: this.opts.numElites }, (_, i) => i);
    this.fitted = true;
    return { epochs, trainNll, holdoutMse: ho.map((h) => h.mse), holdoutNll: ho.map((h) => h.nll), elites: this.elites.slice() };
  }

  private rawInputs(data: TransitionData, n: number): Float32Array {
    const D = this.obsDim,
      A = this.actDim,
      W = this.inDim,
      x = new Float32Array(n * W);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < D; j++) x[i * W + j] = data.obs[i * D + j];
      for (let j = 0; j < A; j++) x[i * W + D + j] = data.actions[i * A + j];
    }
    return x;
  }

  /** Held-out MSE of the mean and Gaussian NLL per dimension (with the 1/2 log 2 pi), in normalised units. */
  private holdout(e: number, x: Float32Array, y: Float32Array, n: number): { mse: number; nll: number } {
    const K = this.outDim,
      mu = new Float32Array(n * K),
      lv = new Float32Array(n * K);
    this.members[e].predictRaw(x, n, mu, lv);
    let mse = 0,
      nll = 0;
    for (let i = 0; i < n * K; i++) {
      const d = y[i] - mu[i];
      mse += d * d;
      nll += 0.5 * (d * d * Math.exp(-lv[i]) + lv[i]) + HALF_LOG_2PI;
    }
    return { mse: mse / (n * K), nll: nll / (n * K) };
  }

  /**
   * Mean and variance of member e's prediction in original units, off the tape:
   * nextObs mean = s + delta mean, reward mean; variances [B, obsDim + 1].
   */
  predict(
    e: number,
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    B: number,
  ): { nextObsMean: Float32Array; rewardMean: Float32Array; variance: Float32Array } {
    this.checkBatch('GaussianEnsemble.predict', obs, actions, B);
    if (!Number.isInteger(e) || e < 0 || e >= this.size) throw new RangeError(`GaussianEnsemble.predict: member ${e} is not in [0, ${this.size})`);
    const D = this.obsDim,
      K = this.outDim,
      m = this.outNorm.mean,
      s = this.outNorm.std;
    const mu = new Float32Array(B * K),
      lv = new Float32Array(B * K);
    this.members[e].predictRaw(this.inputs(obs, actions, B), B, mu, lv);
    const nextObsMean = new Float32Array(B * D),
      rewardMean = new Float32Array(B),
      variance = new Float32Array(B * K);
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < K; k++) {
        const v = mu[i * K + k] * s[k] + m[k];
        variance[i * K + k] = Math.exp(lv[i * K + k]) * s[k] * s[k];
        if (k < D) nextObsMean[i * D + k] = obs[i * D + k] + v;
        else rewardMean[i] = v;
      }
    }
    return { nextObsMean, rewardMean, variance };
  }

  /**
   * Sample s' and r for each row from a random elite member per row (MBPO's "random model per step"),
   * into the given buffers. Returns nothing; obs and actions are read, nextObs and rewards written.
   */
  sampleStep(obs: Float32Array, actions: Float32Array, B: number, rng: Rng, nextObs: Float32Array, rewards: Float32Array, deterministic = false): void {
    this.checkBatch('GaussianEnsemble.sampleStep', obs, actions, B);
    const D = this.obsDim,
      K = this.outDim,
      m = this.outNorm.mean,
      s = this.outNorm.std;
    const x = this.inputs(obs, actions, B);
    const which = new Int32Array(B);
    for (let i = 0; i < B; i++) which[i] = this.elites[rng.int(this.elites.length)];
    const mu = new Float32Array(B * K),
      lv = new Float32Array(B * K);
    // Every elite predicts the whole batch (one matrix product each), and each row keeps its member's output.
    const muE = new Float32Array(B * K),
      lvE = new Float32Array(B * K);
    for (const e of new Set(which)) {
      this.members[e].predictRaw(x, B, muE, lvE);
      for (let i = 0; i < B; i++) {
        if (which[i] !== e) continue;
        for (let k = 0; k < K; k++) {
          mu[i * K + k] = muE[i * K + k];
          lv[i * K + k] = lvE[i * K + k];
        }
      }
    }
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < K; k++) {
        const z = deterministic ? 0 : rng.normal();
        const v = (mu[i * K + k] + Math.exp(0.5 * lv[i * K + k]) * z) * s[k] + m[k];
        if (k < D) nextObs[i * D + k] = obs[i * D + k] + v;
        else rewards[i] = v;
      }
    }
  }

  /**
   * Member e's mean prediction on the tape (a deterministic, differentiable model for pathwise
   * gradients): obs [B, obsDim], actions [B, actDim] -> next obs [B, obsDim], reward [B, 1].
   */
  meanForward(e: number, obs: Tensor, actions: Tensor): { nextObs: Tensor; reward: Tensor } {
    const D = this.obsDim,
      K = this.outDim,
      B = obs.shape[0];
    if (obs.rank !== 2 || obs.shape[1] !== D) throw new RangeError(`GaussianEnsemble.meanForward: obs must be [B, ${D}], got [${obs.shape}]`);
    if (actions.rank !== 2 || actions.shape[0] !== B || actions.shape[1] !== this.actDim) {
      throw new RangeError(`GaussianEnsemble.meanForward: actions must be [${B}, ${this.actDim}], got [${actions.shape}]`);
    }
    const inM = this.inNorm.mean,
      inS = this.inNorm.std;
    const xo = mul(
      sub(obs, new Tensor(inM.slice(0, D), [1, D])),
      new Tensor(
        inS.slice(0, D).map((v) => 1 / v),
        [1, D],
      ),
    );
    const xa = mul(
      sub(actions, new Tensor(inM.slice(D), [1, this.actDim])),
      new Tensor(
        inS.slice(D).map((v) => 1 / v),
        [1, this.actDim],
      ),
    );
    const { mu } = this.members[e].forward(concatCols(xo, xa));
    const y = add(mul(mu, new Tensor(this.outNorm.std.slice(), [1, K])), new Tensor(this.outNorm.mean.slice(), [1, K]));
    return { nextObs: add(obs, slice(y, 1, 0, D)), reward: slice(y, 1, D, K) };
  }

  /** All parameters with names (members' networks and log-variance bounds) for checkpoints. */
  namedParameters(): [string, Tensor][] {
    return this.members.flatMap((m, e) => [
      ...m.net.namedParameters().map(([n, p]) => [`model.${e}.${n}`, p] as [string, Tensor]),
      [`model.${e}.maxLogVar`, m.maxLogVar] as [string, Tensor],
      [`model.${e}.minLogVar`, m.minLogVar] as [string, Tensor],
    ]);
  }

  /** Each member's optimizer, named for checkpoints (fits continue from the previous weights and moments). */
  optimizers(): [string, Adam][] {
    return this.members.map((m, e) => [`model.${e}.opt`, m.opt] as [string, Adam]);
  }

  /** Normalisers, elites and the split RNG, for checkpoints. */
  getMeta(): Record<string, unknown> {
    return {
      inMean: Array.from(this.inNorm.mean),
      inStd: Array.from(this.inNorm.std),
      outMean: Array.from(this.outNorm.mean),
      outStd: Array.from(this.outNorm.std),
      elites: this.elites,
      fitted: this.fitted,
      rng: this.rng.getState(),
    };
  }

  setMeta(m: any): void {
    this.inNorm.mean.set(m.inMean);
    this.inNorm.std.set(m.inStd);
    this.outNorm.mean.set(m.outMean);
    this.outNorm.std.set(m.outStd);
    this.elites = m.elites;
    this.fitted = m.fitted;
    this.rng.setState(m.rng);
  }
}

function concatCols(a: Tensor, b: Tensor): Tensor {
  return concat([a, b], 1);
}

function gather(src: Float32Array, width: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * width);
  for (let j = 0; j < idx.length; j++) out.set(src.subarray(idx[j] * width, (idx[j] + 1) * width), j * width);
  return out;
}

function normalizeRows(x: Float32Array, width: number, s: Standardizer): void {
  for (let i = 0; i < x.length; i++) {
    const j = i % width;
    x[i] = (x[i] - s.mean[j]) / s.std[j];
  }
}
