/**
 * A small POMDP that needs memory (bsuite's memory_len in miniature, Osband et al., 2020): the
 * first observation shows a cue (one of two), `delay` blank observations follow, then a prompt;
 * the action at the prompt earns +1 if it names the cue, else -1 (earlier actions earn 0). A policy
 * on the current observation sees the same prompt whatever the cue: its best is 0 on average.
 * Observations [cue is 0, cue is 1, prompt]; episodes last delay + 2 steps.
 */
import { BaseEnv, type ResetArgs, type ResetResult, type StepResult } from '../../src/envs/env.ts';
import { Box, Discrete } from '../../src/envs/spaces.ts';
import { register, registeredIds } from '../../src/envs/registry.ts';
import { checkInteger, stateObject, type Json } from '../../src/envs/snapshot.ts';

export class CueEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>(0, 1, [3]);
  readonly actionSpace = new Discrete(2);
  cue = 0;
  t = 0;
  private readonly obs = new Float32Array(3);

  constructor(readonly delay = 1) {
    super(null);
  }

  /** The observation at step t of an episode with this cue. */
  static observation(cue: number, t: number, delay: number): Float32Array {
    const o = new Float32Array(3);
    if (t === 0) o[cue] = 1;
    else if (t === delay + 1) o[2] = 1;
    return o;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.cue = this.seedRng(args.seed).int(2);
    this.t = 0;
    this.obs.set(CueEnv.observation(this.cue, 0, this.delay));
    return { obs: this.obs, info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    const last = this.t === this.delay + 1;
    const reward = last ? (action === this.cue ? 1 : -1) : 0;
    this.t++;
    // The observation after the prompt (a terminal one, never acted on) is blank.
    this.obs.set(last ? new Float32Array(3) : CueEnv.observation(this.cue, this.t, this.delay));
    return this.stepResult(this.obs, reward, last);
  }

  protected override snapshotSelf(): Json {
    return { cue: this.cue, t: this.t };
  }

  protected override restoreSelf(state: Json): void {
    const o = stateObject('CueEnv.restore', state);
    this.cue = checkInteger(o.cue, 'CueEnv.restore: state.cue', 0);
    this.t = checkInteger(o.t, 'CueEnv.restore: state.t', 0);
    this.obs.set(CueEnv.observation(this.cue, Math.min(this.t, this.delay + 1), this.delay));
  }
}

/** Registers Cue-v0 (delay 1, episodes of 3 steps) and Cue3-v0 (delay 3, 5 steps), once. */
export function registerCueEnvs(): void {
  if (registeredIds().includes('Cue-v0')) return;
  register({ id: 'Cue-v0', entryPoint: () => new CueEnv(1), rewardThreshold: 0.9, description: 'test POMDP: recall a cue after 1 blank step' });
  register({ id: 'Cue3-v0', entryPoint: () => new CueEnv(3), rewardThreshold: 0.9, description: 'test POMDP: recall a cue after 3 blank steps' });
}
