/**
 * Replay buffer for off-policy learning (SAC, MBPO): a ring of transitions (o, a, r, o', terminated,
 * truncated). Terminated and truncated are kept apart because they mean different things for the
 * target: terminated = the MDP ended (no bootstrap), truncated = a time limit outside the MDP
 * (bootstrap from o'). The stored o' of a truncated or terminated step is the real final
 * observation, never the first observation of the next episode.
 */
import type { Rng } from '../rng/index.ts';
import { Tensor } from '../tensor/index.ts';

/** A sampled minibatch; the arrays are reused by the next sample() with the same batch size. */
export interface ReplayBatch {
  size: number;
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
}

export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Next slot to write. */
  private pos = 0;
  /** Transitions held (at most capacity). */
  size = 0;
  private batch: ReplayBatch | null = null;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    readonly capacity: number,
  ) {
    for (const [k, v] of [
      ['obsDim', obsDim],
      ['actDim', actDim],
      ['capacity', capacity],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`ReplayBuffer: ${k} must be a positive integer, got ${v}`);
    }
    this.obs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actDim);
    this.rewards = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
  }

  /** Store one transition (copied). Oldest transitions are overwritten once the buffer is full. */
  add(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): void {
    const D = this.obsDim,
      A = this.actDim;
    if (obs.length !== D || nextObs.length !== D) {
      throw new RangeError(`ReplayBuffer.add: observations must have ${D} values, got ${obs.length} and ${nextObs.length}`);
    }
    if (action.length !== A) throw new RangeError(`ReplayBuffer.add: action must have ${A} values, got ${action.length}`);
    if (!Number.isFinite(reward)) throw new RangeError(`ReplayBuffer.add: reward must be finite, got ${reward}`);
    const i = this.pos;
    for (let j = 0; j < D; j++) {
      this.obs[i * D + j] = obs[j];
      this.nextObs[i * D + j] = nextObs[j];
    }
    for (let j = 0; j < A; j++) this.actions[i * A + j] = action[j];
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.truncated[i] = truncated ? 1 : 0;
    this.pos = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Rows [start, start + n) of flat arrays, added in order (a batch of model rollout steps). */
  addBatch(
    n: number,
    obs: Float32Array,
    actions: Float32Array,
    rewards: ArrayLike<number>,
    nextObs: Float32Array,
    terminated: ArrayLike<number>,
    truncated?: ArrayLike<number>,
  ): void {
    const D = this.obsDim,
      A = this.actDim;
    for (let r = 0; r < n; r++) {
      this.add(
        obs.subarray(r * D, (r + 1) * D),
        actions.subarray(r * A, (r + 1) * A),
        rewards[r],
        nextObs.subarray(r * D, (r + 1) * D),
        terminated[r] !== 0,
        truncated ? truncated[r] !== 0 : false,
      );
    }
  }

  /** Uniform sample with replacement (as SB3's ReplayBuffer) into reused arrays. */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    if (this.size === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`ReplayBuffer.sample: batchSize must be a positive integer, got ${batchSize}`);
    const b = this.batchOf(batchSize);
    for (let k = 0; k < batchSize; k++) this.copyRow(rng.int(this.size), b, k);
    return b;
  }

  /** Copy stored transition i into row k of a batch. */
  copyRow(i: number, b: ReplayBatch, k: number): void {
    const D = this.obsDim,
      A = this.actDim;
    // Plain loops, not subarray + set: three views per row were ~2% of a small SAC run (issue 12).
    const bo = b.obs,
      bn = b.nextObs,
      ba = b.actions,
      so = this.obs,
      sn = this.nextObs,
      sa = this.actions;
    for (let j = 0, s = i * D, t = k * D; j < D; j++) {
      bo[t + j] = so[s + j];
      bn[t + j] = sn[s + j];
    }
    for (let j = 0, s = i * A, t = k * A; j < A; j++) ba[t + j] = sa[s + j];
    b.rewards[k] = this.rewards[i];
    b.terminated[k] = this.terminated[i];
    b.truncated[k] = this.truncated[i];
  }

  /** Reused batch arrays of the given size. */
  batchOf(n: number): ReplayBatch {
    if (!this.batch || this.batch.size !== n) {
      this.batch = {
        size: n,
        obs: new Float32Array(n * this.obsDim),
        actions: new Float32Array(n * this.actDim),
        rewards: new Float32Array(n),
        nextObs: new Float32Array(n * this.obsDim),
        terminated: new Uint8Array(n),
        truncated: new Uint8Array(n),
      };
    }
    return this.batch;
  }

  clear(): void {
    this.pos = 0;
    this.size = 0;
  }

  /** The held transitions and the write position (for checkpoints). */
  getState(): { pos: number; size: number } {
    return { pos: this.pos, size: this.size };
  }

  setState(s: { pos: number; size: number }): void {
    if (!(Number.isInteger(s.pos) && Number.isInteger(s.size) && s.size >= 0 && s.size <= this.capacity && s.pos >= 0 && s.pos < this.capacity)) {
      throw new RangeError(`ReplayBuffer.setState: pos ${s.pos} / size ${s.size} do not fit capacity ${this.capacity}`);
    }
    this.pos = s.pos;
    this.size = s.size;
  }
}

// Checkpoints: the held rows as tensors, the flags and the ring position as JSON (SAC, MBPO, mbpg).

/** A replay buffer's held rows as checkpoint tensors named `${prefix}.obs`, ... (the first `size` rows only). */
export function replayTensors(prefix: string, rb: ReplayBuffer): [string, Tensor][] {
  const n = rb.size,
    D = rb.obsDim,
    A = rb.actDim;
  return [
    [`${prefix}.obs`, new Tensor(rb.obs.slice(0, n * D), [n * D])],
    [`${prefix}.actions`, new Tensor(rb.actions.slice(0, n * A), [n * A])],
    [`${prefix}.rewards`, new Tensor(rb.rewards.slice(0, n), [n])],
    [`${prefix}.nextObs`, new Tensor(rb.nextObs.slice(0, n * D), [n * D])],
  ];
}

/** The JSON half of a replay buffer's checkpoint (see replayTensors). */
export function replayMeta(rb: ReplayBuffer): Record<string, unknown> {
  return {
    ...rb.getState(),
    capacity: rb.capacity,
    terminated: Array.from(rb.terminated.subarray(0, rb.size)),
    truncated: Array.from(rb.truncated.subarray(0, rb.size)),
  };
}

/** Refill a replay buffer from replayTensors' tensors and replayMeta's JSON (same capacity required). */
export function restoreReplay(prefix: string, rb: ReplayBuffer, tensors: Map<string, Tensor>, m: any): void {
  if (!m || m.capacity !== rb.capacity) throw new Error(`checkpoint: buffer '${prefix}' capacity ${m?.capacity} differs from this run's ${rb.capacity}`);
  for (const k of ['obs', 'actions', 'rewards', 'nextObs'] as const) {
    const t = tensors.get(`${prefix}.${k}`);
    if (!t) throw new Error(`checkpoint: missing buffer tensor '${prefix}.${k}'`);
    rb[k].set(t.data);
  }
  rb.terminated.set(m.terminated);
  rb.truncated.set(m.truncated);
  rb.setState(m);
}
