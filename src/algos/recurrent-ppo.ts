/**
 * Recurrent PPO: PPO (Schulman et al., 2017) with LSTM/GRU policies and values trained by truncated
 * backpropagation through time over whole sequences, as SB3-contrib's RecurrentPPO and CleanRL's
 * ppo_atari_lstm do.
 *
 *   repeat:
 *     collect nSteps per env, carrying the cells' state (zeroed at episode starts) and storing it
 *     cut each env's nSteps into sequences of seqLen steps; each starts from the stored state
 *     for each epoch, for each minibatch of batchSize / seqLen shuffled sequences:
 *       replay the sequences through the cells from their stored states (episode starts inside a
 *       sequence zero the state there), so pi and V see the history that acted
 *       L = L_clip + vfCoef E[(V - R)^2] - entCoef E[H]; one Adam step (gradient norm clipped)
 *
 * Sequences are cut at fixed lengths with episode-start masks inside, rather than split at episode
 * boundaries and padded (SB3-contrib): the masks give the same computation without padding. The
 * gradient is truncated at each sequence's start (its stored state is a constant).
 *
 * Defaults are SB3-contrib RecurrentPPO's where they exist (n_steps 128, batch 128, 10 epochs,
 * lr 3e-4, gamma 0.99, lambda 0.95, clip 0.2, vf 0.5, max grad norm 0.5) with rl-zoo's smaller
 * cells for classic control (lstm_hidden_size 64, net_arch pi=[64], vf=[64]).
 */
import { Rng } from '../rng/index.ts';
import { Tensor, mean, exp, sub } from '../tensor/index.ts';
import { Adam, makeSchedule, type Schedule } from '../nn/index.ts';
import { makeRecurrentPolicy, type RecurrentActorCritic } from '../policies/recurrent.ts';
import { RecurrentCollector, type RecurrentActor } from '../rollout/recurrent.ts';
import { gae } from '../rollout/index.ts';
import { defineConfig, int, num, seed, steps, choice, group, widths, type ConfigOf, type Overrides } from '../config/schema.ts';
import { ACTIVATIONS, envField, envKwargs, normalization, ppoFields } from '../config/fields.ts';
import { standardize, makeTrainingEnvs, episodeLogFields, findObsNormalizer, evaluate, type EvalResult } from './common.ts';
import { OnPolicyAlgorithm } from './base.ts';
import { clippedSurrogateLoss, valueLoss, ppoLoss, explainedVariance, ratioStats, descend } from './ppo.ts';
import type { UpdateLog } from './types.ts';
import type { SyncVectorEnv } from '../vector/sync.ts';

/**
 * SB3-contrib's RecurrentPPO has PPO's parameters with the same defaults (but n_steps). What still
 * looks like PPO_CONFIG below (name, env, seed) is every schema's header, with this algorithm's values.
 */
const PPO_FIELDS = ppoFields('SB3-contrib', 128);

export const RECURRENT_PPO_CONFIG = defineConfig(
  'recurrent-ppo',
  {
    env: envField('CartPoleMaskedVelocity-v1'),
    envKwargs: envKwargs(),
    seed: seed(),
    ...PPO_FIELDS.rollout,
    seqLen: int(128, 'steps per sequence (the BPTT truncation); must divide nSteps'),
    batchSize: int(128, 'steps per minibatch; a multiple of seqLen, at most nSteps * numEnvs', { source: 'SB3-contrib batch_size' }),
    ...PPO_FIELDS.epochsAndGae,
    ...PPO_FIELDS.clip,
    ...PPO_FIELDS.step,
    ...normalization(),
    policy: group(
      {
        cell: choice(['lstm', 'gru'], 'lstm', 'recurrent cell shared by policy and value', {
          expected: 'must be "lstm" or "gru"',
          source: 'SB3-contrib (LSTM)',
        }),
        hiddenSize: int(64, "the cell's state size", { source: 'rl-zoo lstm_hidden_size 64 (classic control)' }),
        headHidden: widths([64], 'hidden layer widths of the policy and value heads on the cell', { source: 'rl-zoo net_arch pi=[64], vf=[64]' }),
        activation: choice(ACTIVATIONS, 'tanh', 'hidden-layer activation of the heads'),
        logStdInit: num(0, "Gaussian head: the log-std's initial value", 'any'),
      },
      'the recurrent actor-critic',
    ),
    totalSteps: steps(100_000),
  },
  [
    {
      says: 'seqLen divides nSteps',
      check: (c) => (c.nSteps % c.seqLen !== 0 ? `'seqLen' (${c.seqLen}) must divide 'nSteps' (${c.nSteps}) so every sequence has seqLen steps` : null),
    },
    {
      says: 'batchSize is a multiple of seqLen and <= nSteps * numEnvs',
      check: (c) =>
        c.batchSize % c.seqLen !== 0 || c.batchSize > c.nSteps * c.numEnvs
          ? `'batchSize' (${c.batchSize}) must be a multiple of 'seqLen' (${c.seqLen}) and at most nSteps * numEnvs = ${c.nSteps * c.numEnvs}`
          : null,
    },
  ],
);

/** SB3-contrib RecurrentPPO's defaults with rl-zoo's smaller cells (see the file comment); every key is in RECURRENT_PPO_CONFIG. */
export type RecurrentPpoConfig = ConfigOf<typeof RECURRENT_PPO_CONFIG>;
export const RECURRENT_PPO_DEFAULTS: RecurrentPpoConfig = RECURRENT_PPO_CONFIG.defaults;

export class RecurrentPPO extends OnPolicyAlgorithm<RecurrentPpoConfig, RecurrentCollector> {
  readonly name = 'recurrent-ppo';
  readonly config: RecurrentPpoConfig;
  readonly env: SyncVectorEnv;
  readonly policy: RecurrentActorCritic;
  readonly collector: RecurrentCollector;
  private readonly opt: Adam;
  private readonly params: Tensor[];
  private readonly lrAt: Schedule;
  private readonly clipAt: Schedule;
  private readonly rng: Rng;

  constructor(config: Overrides<RecurrentPpoConfig> = {}) {
    super();
    const c = (this.config = RECURRENT_PPO_CONFIG.resolve(config));
    const rng = new Rng(c.seed);
    this.env = makeTrainingEnvs(c.env, c.numEnvs, { envKwargs: c.envKwargs, normalizeObs: c.normalizeObs, normalizeReward: c.normalizeReward, gamma: c.gamma });
    this.policy = makeRecurrentPolicy(this.env.singleObservationSpace, this.env.singleActionSpace, rng.split(), c.policy);
    this.collector = new RecurrentCollector(this.env, this.policy, rng.split(), c.seed);
    this.rng = rng.split();
    this.params = this.policy.parameters();
    this.opt = new Adam(this.params, { lr: c.lr, eps: 1e-5 });
    this.lrAt = makeSchedule(c.lrSchedule === 'constant' ? c.lr : { kind: c.lrSchedule, start: c.lr }, 'recurrent-ppo.lr');
    this.clipAt = makeSchedule(c.clipSchedule === 'constant' ? c.clipRange : { kind: 'linear', start: c.clipRange }, 'recurrent-ppo.clipRange');
  }

  update(): UpdateLog {
    const c = this.config;
    const progress = Math.min(1, this.collector.steps / c.totalSteps);
    this.opt.lr = this.lrAt(progress);
    const eps = this.clipAt(progress);
    const ro = this.collector.collect(c.nSteps);
    const { advantages, returns } = gae(ro, ro.values!, { gamma: c.gamma, lambda: c.gaeLambda, finalValues: ro.finalValues!, lastValues: ro.lastValues! });
    const n = ro.numEnvs,
      L = c.seqLen,
      od = ro.obsDim,
      ad = ro.actDim,
      S = ro.stateSize;
    const perEnv = c.nSteps / L,
      numSeqs = n * perEnv,
      M = c.batchSize / L;

    let approxKl = 0,
      clipFraction = 0,
      policyLoss = 0,
      vLossSum = 0,
      entropy = 0,
      gradNorm = 0,
      updates = 0;
    let stoppedAt = c.epochs;
    epochs: for (let epoch = 0; epoch < c.epochs; epoch++) {
      const perm = this.rng.permutation(numSeqs);
      for (let s = 0; s + M <= numSeqs; s += M) {
        // Gather M sequences time-major: row (t, j) of the minibatch is step k*L + t of env e.
        const obs = new Float32Array(L * M * od),
          act = new Float32Array(L * M * ad),
          starts = new Uint8Array(L * M);
        const adv = new Float32Array(L * M),
          ret = new Float32Array(L * M),
          vOld = new Float32Array(L * M),
          lpOld = new Float32Array(L * M);
        const state0 = new Float32Array(M * S);
        for (let j = 0; j < M; j++) {
          const q = perm[s + j],
            e = q % n,
            k = (q - e) / n;
          state0.set(ro.states.subarray((k * L * n + e) * S, (k * L * n + e + 1) * S), j * S);
          for (let t = 0; t < L; t++) {
            const src = (k * L + t) * n + e,
              dst = t * M + j;
            obs.set(ro.obs.subarray(src * od, (src + 1) * od), dst * od);
            act.set(ro.actions.subarray(src * ad, (src + 1) * ad), dst * ad);
            starts[dst] = ro.starts[src];
            adv[dst] = advantages[src];
            ret[dst] = returns[src];
            vOld[dst] = ro.values![src];
            lpOld[dst] = ro.logProbs[src];
          }
        }
        const B = L * M;
        if (c.normalizeAdvantages && B > 1) standardize(adv);
        const { dist, values } = this.policy.evaluateSequences(new Tensor(obs, [L, M, od]), state0, starts);
        const ratio = exp(sub(dist.logProb(act), new Tensor(lpOld, [B])));
        const stats = ratioStats(ratio.data, eps);
        approxKl = stats.approxKl;
        if (c.targetKl > 0 && approxKl > 1.5 * c.targetKl) {
          stoppedAt = epoch;
          break epochs;
        }
        const pg = clippedSurrogateLoss(ratio, new Tensor(adv, [B]), eps);
        const vLoss = valueLoss(values, ret, vOld, c.clipRangeVf);
        const ent = mean(dist.entropy());
        gradNorm = descend(ppoLoss(pg, vLoss, ent, c.vfCoef, c.entCoef), this.params, this.opt, c.maxGradNorm, 'recurrent-ppo loss', this.iteration);
        clipFraction += stats.clipFraction;
        policyLoss += pg.item();
        vLossSum += vLoss.item();
        entropy += ent.item();
        updates++;
      }
    }
    this.iteration++;
    const u = Math.max(1, updates);
    return {
      ...this.counters(),
      ...episodeLogFields(ro, this.collector),
      policyLoss: policyLoss / u,
      valueLoss: vLossSum / u,
      entropy: entropy / u,
      approxKl,
      clipFraction: clipFraction / u,
      explainedVariance: explainedVariance(ro.values!, returns),
      gradNorm,
      lr: this.opt.lr,
      clipRange: eps,
      epochs: stoppedAt,
    };
  }

  protected checkpointParts() {
    return { modules: [this.policy], optimizers: [['opt', this.opt]] as [string, Adam][] };
  }

  protected override extraState() {
    return { rng: this.rng.getState() };
  }

  protected override restoreExtra(m: Record<string, any>): void {
    this.rng.setState(m.rng);
  }

  /** Evaluation carries the cells' state through each episode (evaluateRecurrent), observation statistics frozen. */
  override evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}): EvalResult {
    const c = this.config;
    const norm = findObsNormalizer(this.env.envs[0]);
    return evaluateRecurrent(this.policy, c.env, { ...opts, envKwargs: c.envKwargs, normalizeObs: c.normalizeObs, obsStats: norm?.getStats() });
  }
}

/**
 * What evaluation needs of a recurrent policy: RecurrentActor's initialState and step (of whose
 * result it reads only the actions and the state), and the head's kind.
 */
export interface RecurrentStepper {
  readonly kind: 'categorical' | 'gaussian';
  initialState: RecurrentActor['initialState'];
  step(...args: Parameters<RecurrentActor['step']>): Pick<ReturnType<RecurrentActor['step']>, 'actions' | 'state'>;
}

/**
 * Episodes of a recurrent policy on a fresh env (seeds seed, seed + 1, ...): the state is carried
 * from step to step within an episode and starts from zero at each episode's first step. This is
 * common.evaluate with the state kept here, so both evaluations draw the same episodes.
 */
export function evaluateRecurrent(policy: RecurrentStepper, envId: string, opts: Parameters<typeof evaluate>[2] = {}): EvalResult {
  let state: Float32Array | null = null;
  return evaluate(
    {
      kind: policy.kind,
      act(obs, batch, rng, deterministic) {
        const out = policy.step(obs, batch, state ?? policy.initialState(batch), null, rng, deterministic);
        state = out.state;
        return { actions: out.actions, logProbs: new Float32Array(batch) };
      },
      resetState() {
        state = null;
      },
    },
    envId,
    opts,
  );
}
