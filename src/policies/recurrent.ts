/**
 * Recurrent policies and values: pi(a_t | o_1..o_t) and V(o_1..o_t) through LSTM or GRU cells, for
 * partially observed environments (a policy on the observation history, as the lecture puts it).
 *
 * The layout is SB3-contrib's RecurrentPPO default (MlpLstmPolicy): the actor and the critic each
 * have their own cell (enable_critic_lstm, not shared), followed by an MLP head. The state of one
 * env is packed into one row of numbers [actor state, critic state] so rollouts, checkpoints and
 * the collector can hold it as a flat Float32Array.
 *
 * Every method takes `starts` (1 where the observation is the first of an episode): the incoming
 * state of such rows is zeroed before the step, during collection and when sequences are replayed
 * for training alike, so training sees the exact computation that acted.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor, reshape, noGrad } from '../tensor/index.ts';
import { MLP, Module, makeCell, maskState, type Activation, type CellKind, type RecurrentCell, type RecurrentState } from '../nn/index.ts';
import { Categorical, DiagGaussian, type Distribution } from '../distributions/index.ts';
import { Box, Discrete, type Space } from '../envs/index.ts';
import type { ActResult, Policy } from './policy.ts';

export interface RecurrentPolicyOptions {
  cell?: CellKind;
  /** Units of each cell (default 64, rl-zoo's RecurrentPPO setting for the NoVel tasks). */
  hiddenSize?: number;
  /** Hidden layers of the heads after the cells (default [64], rl-zoo's net_arch pi=[64], vf=[64]). */
  headHidden?: number[];
  activation?: Activation;
  /** Gaussian heads: initial log standard deviation (default 0). */
  logStdInit?: number;
}

export interface RecurrentStep {
  /** Discrete: one index per row; continuous: B * D values. */
  actions: Float32Array;
  logProbs: Float32Array;
  values: Float32Array;
  /** The state after this step, packed [B * stateSize]. */
  state: Float32Array;
}

export class RecurrentActorCritic extends Module implements Policy {
  readonly kind: 'categorical' | 'gaussian';
  readonly actDim: number;
  readonly actor: RecurrentCell;
  readonly critic: RecurrentCell;
  readonly piHead: MLP;
  readonly vfHead: MLP;
  readonly logStd: Tensor | null;
  /** Numbers per env in a packed state: the actor's then the critic's. */
  readonly stateSize: number;
  /** The state `act` (the stateless Policy method) carries between calls; see resetState. */
  private carried: Float32Array | null = null;

  constructor(
    readonly obsDim: number,
    action: { discrete: number } | { continuous: number },
    rng: Rng,
    readonly opts: RecurrentPolicyOptions = {},
  ) {
    super();
    const H = opts.hiddenSize ?? 64,
      cell = opts.cell ?? 'lstm';
    const head = opts.headHidden ?? [64],
      activation = opts.activation ?? 'tanh';
    if ('discrete' in action) {
      this.kind = 'categorical';
      this.actDim = 1;
    } else {
      this.kind = 'gaussian';
      this.actDim = action.continuous;
    }
    const out = 'discrete' in action ? action.discrete : action.continuous;
    this.actor = makeCell(cell, obsDim, H, rng);
    this.critic = makeCell(cell, obsDim, H, rng);
    this.piHead = new MLP([H, ...head, out], rng, { activation, outputGain: 0.01 });
    this.vfHead = new MLP([H, ...head, 1], rng, { activation, outputGain: 1 });
    this.logStd = this.kind === 'gaussian' ? Tensor.param(new Float32Array(out).fill(opts.logStdInit ?? 0), [out], 'logStd') : null;
    this.stateSize = this.actor.stateSize + this.critic.stateSize;
  }

  /** Zero state for B envs, packed. */
  initialState(B: number): Float32Array {
    return new Float32Array(B * this.stateSize);
  }

  private split(packed: ArrayLike<number>, B: number): { a: RecurrentState; c: RecurrentState } {
    if (packed.length !== B * this.stateSize) {
      throw new RangeError(`RecurrentActorCritic: a packed state for ${B} envs has ${B * this.stateSize} numbers, got ${packed.length}`);
    }
    const SA = this.actor.stateSize,
      SC = this.critic.stateSize,
      S = this.stateSize;
    const a = new Float32Array(B * SA),
      c = new Float32Array(B * SC);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < SA; j++) a[b * SA + j] = packed[b * S + j];
      for (let j = 0; j < SC; j++) c[b * SC + j] = packed[b * S + SA + j];
    }
    return { a: this.actor.unpackState(a, B), c: this.critic.unpackState(c, B) };
  }

  private join(a: RecurrentState, c: RecurrentState, B: number): Float32Array {
    const pa = this.actor.packState(a),
      pc = this.critic.packState(c);
    const SA = this.actor.stateSize,
      SC = this.critic.stateSize,
      S = this.stateSize;
    const out = new Float32Array(B * S);
    for (let b = 0; b < B; b++) {
      out.set(pa.subarray(b * SA, (b + 1) * SA), b * S);
      out.set(pc.subarray(b * SC, (b + 1) * SC), b * S + SA);
    }
    return out;
  }

  private dist(features: Tensor): Distribution {
    const out = this.piHead.forward(features);
    return this.kind === 'categorical' ? new Categorical(out) : new DiagGaussian(out, reshape(this.logStd!, [1, this.actDim]));
  }

  /**
   * One step of B envs off the tape: sample (or take the mode of) pi(. | history), V(history), and
   * the next packed state. `state` is the state before masking; rows with starts[b] = 1 begin anew.
   */
  step(obs: Float32Array, B: number, state: Float32Array, starts: ArrayLike<number> | null, rng: Rng, deterministic = false): RecurrentStep {
    return noGrad(() => {
      const { a, c } = this.split(state, B);
      const x = new Tensor(obs, [B, this.obsDim]);
      const a2 = this.actor.step(x, maskState(a, starts));
      const c2 = this.critic.step(x, maskState(c, starts));
      const d = this.dist(a2.h);
      const actions = Float32Array.from(deterministic ? d.mode() : d.sample(rng));
      const logProbs = Float32Array.from(d.logProb(actions).data);
      const values = Float32Array.from(this.vfHead.forward(c2.h).data);
      return { actions, logProbs, values, state: this.join(a2, c2, B) };
    });
  }

  /** V of observations that follow `state` (the final observation of a truncated episode, the last of a rollout). */
  predictValue(obs: Float32Array, B: number, state: Float32Array, starts: ArrayLike<number> | null): Float32Array {
    return noGrad(() => {
      const { c } = this.split(state, B);
      const c2 = this.critic.step(new Tensor(obs, [B, this.obsDim]), maskState(c, starts));
      return Float32Array.from(this.vfHead.forward(c2.h).data);
    });
  }

  /**
   * Replay sequences on the tape (truncated backpropagation through time): obs [T, B, obsDim]
   * time-major, the packed state before the first step [B * stateSize], starts [T * B]. Returns
   * the action distribution and values of all T * B rows (row t * B + b).
   */
  evaluateSequences(obs: Tensor, state0: Float32Array, starts: ArrayLike<number>): { dist: Distribution; values: Tensor } {
    const [T, B] = obs.shape;
    const { a, c } = this.split(state0, B);
    const fa = this.actor.forwardSequence(obs, a, starts).out;
    const fc = this.critic.forwardSequence(obs, c, starts).out;
    const H = this.actor.hiddenSize;
    return {
      dist: this.dist(reshape(fa, [T * B, H])),
      values: reshape(this.vfHead.forward(reshape(fc, [T * B, this.critic.hiddenSize])), [-1]),
    };
  }

  /**
   * Replay a whole rollout (time-major T * B rows, as the recurrent collector stores it) from the
   * state stored at its first step: backpropagation through every step of the rollout, with the
   * episode starts inside it zeroing the state. When the rollout begins at episode starts (whole
   * episodes), the gradient runs through whole episodes, untruncated.
   */
  evaluateRollout(ro: { T: number; numEnvs: number; obs: Float32Array; states: Float32Array; starts: Uint8Array }): { dist: Distribution; values: Tensor } {
    const { T, numEnvs: B } = ro;
    return this.evaluateSequences(new Tensor(ro.obs, [T, B, this.obsDim]), ro.states.subarray(0, B * this.stateSize), ro.starts);
  }

  /** V(o_1..o_t) of every row of a rollout, the critic alone replayed as in evaluateRollout. */
  valuesOfRollout(ro: { T: number; numEnvs: number; obs: Float32Array; states: Float32Array; starts: Uint8Array }): Tensor {
    const { T, numEnvs: B } = ro;
    const { c } = this.split(ro.states.subarray(0, B * this.stateSize), B);
    const fc = this.critic.forwardSequence(new Tensor(ro.obs, [T, B, this.obsDim]), c, ro.starts).out;
    return reshape(this.vfHead.forward(reshape(fc, [T * B, this.critic.hiddenSize])), [-1]);
  }

  /** The actor's parameters: its cell, head and log-std (what a policy-gradient step moves). */
  actorParameters(): Tensor[] {
    return [...this.actor.parameters(), ...this.piHead.parameters(), ...(this.logStd ? [this.logStd] : [])];
  }

  /** The critic's parameters: its cell and head. */
  criticParameters(): Tensor[] {
    return [...this.critic.parameters(), ...this.vfHead.parameters()];
  }

  /** Policy.distribution: one step from the zero state (each row a fresh episode). */
  distribution(obs: Tensor): Distribution {
    const B = obs.shape[0];
    return this.evaluateSequences(reshape(obs, [1, B, this.obsDim]), this.initialState(B), new Uint8Array(B)).dist;
  }

  /**
   * Policy.act for callers that know nothing of state: the state is carried between calls (and
   * started afresh when the batch size changes); call resetState() at episode starts.
   */
  act(obs: Float32Array, batch: number, rng: Rng, deterministic = false): ActResult {
    if (!this.carried || this.carried.length !== batch * this.stateSize) this.carried = this.initialState(batch);
    const r = this.step(obs, batch, this.carried, null, rng, deterministic);
    this.carried = r.state;
    return { actions: r.actions, logProbs: r.logProbs };
  }

  resetState(): void {
    this.carried = null;
  }

  namedParameters(): [string, Tensor][] {
    const pre = (p: string, m: Module) => m.namedParameters().map(([n, t]) => [`${p}.${n}`, t] as [string, Tensor]);
    return [
      ...pre('pi.cell', this.actor),
      ...pre('pi.head', this.piHead),
      ...(this.logStd ? [['pi.logStd', this.logStd] as [string, Tensor]] : []),
      ...pre('vf.cell', this.critic),
      ...pre('vf.head', this.vfHead),
    ];
  }
}

/** The recurrent actor-critic that fits an env's spaces. */
export function makeRecurrentPolicy(observationSpace: Space<any>, actionSpace: Space<any>, rng: Rng, opts: RecurrentPolicyOptions = {}): RecurrentActorCritic {
  if (!(observationSpace instanceof Box) || observationSpace.shape.length !== 1) {
    throw new RangeError(`makeRecurrentPolicy: observations must be a flat Box [n] (wrap the env in FlattenObservation), got ${observationSpace.toString()}`);
  }
  const obsDim = observationSpace.shape[0];
  if (actionSpace instanceof Discrete) return new RecurrentActorCritic(obsDim, { discrete: actionSpace.n }, rng, opts);
  if (actionSpace instanceof Box && actionSpace.shape.length === 1) return new RecurrentActorCritic(obsDim, { continuous: actionSpace.shape[0] }, rng, opts);
  throw new RangeError(`makeRecurrentPolicy: unsupported action space ${actionSpace.toString()} (expected Discrete or a flat Box)`);
}
