/** gymnasium.vector.SyncVectorEnv: steps its envs one after another in this thread. */
import type { Env } from '../envs/env.ts';
import type { Space } from '../envs/spaces.ts';
import { SnapshotUnsupportedError, snapshotOrNull } from '../envs/snapshot.ts';
import { checkActions, resetPlan, stepResultView, VectorCore, type BatchArrays } from './core.ts';
import { checkVectorState, makeVectorState } from './state.ts';
import type { AutoresetMode, VectorEnv, VectorEnvState, VectorResetArgs, VectorResetResult, VectorStepResult } from './types.ts';

export interface SyncVectorEnvOptions {
  autoresetMode?: AutoresetMode;
}

// The fields repeat VectorEnv's (types.ts): a class must declare what the interface it implements lists.
export class SyncVectorEnv implements VectorEnv {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly singleObservationSpace: Space<any>;
  readonly singleActionSpace: Space<any>;
  readonly autoresetMode: AutoresetMode;
  readonly envs: Env<any, any>[];
  private readonly core: VectorCore;
  private readonly b: BatchArrays;
  private readonly result: VectorStepResult;

  constructor(envFns: (() => Env<any, any>)[], opts: SyncVectorEnvOptions = {}) {
    this.autoresetMode = opts.autoresetMode ?? 'next-step';
    this.envs = envFns.map((f) => f());
    this.core = new VectorCore(this.envs, 0, this.autoresetMode, 'SyncVectorEnv');
    this.numEnvs = this.envs.length;
    this.obsDim = this.core.obsDim;
    this.actDim = this.core.actDim;
    this.singleObservationSpace = this.envs[0].observationSpace;
    this.singleActionSpace = this.envs[0].actionSpace;
    const n = this.numEnvs;
    this.b = {
      obs: new Float32Array(n * this.obsDim),
      rewards: new Float64Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      finalObs: new Float32Array(n * this.obsDim),
      finalMask: new Uint8Array(n),
    };
    this.result = stepResultView(this.b, this.core.infos, this.core.finalInfos, this.autoresetMode);
  }

  /**
   * gymnasium.vector.SyncVectorEnv.reset: `seed` is one seed (sub-env i gets seed + i) or one per
   * sub-env; `options.reset_mask` (numEnvs booleans) resets only the selected sub-envs, the others
   * keep their last observation; the remaining options go to every reset sub-env.
   */
  reset(args: VectorResetArgs = {}): VectorResetResult {
    this.core.reset(this.b, resetPlan('SyncVectorEnv.reset', this.numEnvs, args));
    return { obs: this.b.obs, infos: this.core.infos };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    checkActions('SyncVectorEnv', actions, this.numEnvs * this.actDim);
    this.core.step(this.b, actions);
    return this.result;
  }

  /**
   * A JSON-serialisable snapshot of every env and of the batch (pending autoresets, last
   * observations): after setState on an identically built vector env, stepping continues bit for
   * bit. Returns null when some env cannot snapshot itself (a user env without snapshot()/restore(),
   * or a wrapper subclass without its own snapshotSelf()): callers such as the Collector then
   * resume approximately; snapshotUnsupported() says which env and why.
   */
  getState(): VectorEnvState | null {
    return snapshotOrNull(() => this.snapshot());
  }

  /** Like getState(), but throws SnapshotUnsupportedError naming the env that cannot snapshot itself. */
  snapshot(): VectorEnvState {
    const { autoreset, envs } = this.core.snapshot();
    return makeVectorState(this.autoresetMode, this.numEnvs, this.obsDim, this.b.obs, autoreset, envs);
  }

  /** Why getState() returns null (the first env that cannot snapshot itself), or null if it does not. */
  snapshotUnsupported(): string | null {
    try {
      this.core.snapshot();
      return null;
    } catch (e) {
      if (e instanceof SnapshotUnsupportedError) return e.message;
      throw e;
    }
  }

  /** Restores getState()'s output; a snapshot of another shape or env stack fails naming the env. */
  setState(s: VectorEnvState): void {
    const { obs, state } = checkVectorState('SyncVectorEnv.setState', s, this.autoresetMode, this.numEnvs, this.obsDim);
    this.core.restore(state);
    this.b.obs.set(obs);
  }

  close(): void {
    this.core.close();
  }
}
