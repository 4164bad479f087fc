// A deterministic env for wrapper and vector tests: obs k = [k * scale, ...], reward k, terminates
// after `length` steps; records the actions it receives.
import { BaseEnv, Box, EMPTY_INFO, type ResetArgs, type ResetResult, type StepResult } from '../../src/envs/index.ts';

export class ScriptedEnv extends BaseEnv<Float32Array, Float32Array | number[]> {
  readonly observationSpace: Box<Float32Array>;
  readonly actionSpace = new Box<Float32Array | number[]>(-2, 2, [1]);
  readonly actions: number[] = [];
  resets = 0;
  seeds: (number | undefined)[] = [];
  private k = 0;
  private readonly o: Float32Array;

  constructor(
    readonly length = 3,
    readonly dim = 1,
    readonly base = 0,
  ) {
    super();
    this.observationSpace = new Box<Float32Array>(-1000, 1000, [dim]);
    this.o = new Float32Array(dim);
  }
  private write(): Float32Array {
    for (let i = 0; i < this.dim; i++) this.o[i] = this.base + this.k + i / 10;
    return this.o;
  }
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seeds.push(args.seed);
    this.resets++;
    this.k = 0;
    return { obs: this.write(), info: { resetInfo: this.resets } };
  }
  step(a: Float32Array | number[]): StepResult<Float32Array> {
    this.actions.push(a[0]);
    this.k++;
    return { obs: this.write(), reward: this.k, terminated: this.k >= this.length, truncated: false, info: EMPTY_INFO };
  }
}
