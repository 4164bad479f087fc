// BaseAlgorithm: the loop, clock and checkpoint plumbing every algorithm now inherits (SAC and mbpg
// used to re-implement them). A toy algorithm with one module and one optimiser checks the
// checkpoint layout, exact restoration, the clock across a resume and learn()'s stopping rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseAlgorithm, type StatePart } from '../../src/algos/base.ts';
import type { UpdateLog } from '../../src/algos/types.ts';
import { Adam, Module, type Optimizer } from '../../src/nn/index.ts';
import { Tensor } from '../../src/tensor/index.ts';
import type { Policy } from '../../src/policies/index.ts';

class Weights extends Module {
  readonly w = Tensor.param(Float32Array.of(1, 2), [2], 'w');
  namedParameters(): [string, Tensor][] {
    return [['toy.w', this.w]];
  }
}

class Toy extends BaseAlgorithm<{ env: string; totalSteps: number; stepsPerUpdate: number }> {
  readonly name = 'toy';
  readonly config = { env: 'CartPole-v1', totalSteps: 10, stepsPerUpdate: 4 };
  readonly env = { closed: false, close: () => void (this.env.closed = true) };
  readonly net = new Weights();
  readonly policy = this.net as unknown as Policy;
  readonly opt = new Adam([this.net.w], { lr: 0.1 });
  envSteps = 0;
  buffer = Float32Array.of(0, 0, 0);
  note = '';

  get steps(): number {
    return this.envSteps;
  }

  update(): UpdateLog {
    this.envSteps += this.config.stepsPerUpdate;
    this.opt.step([new Tensor(Float32Array.of(1, -1), [2])]);
    this.buffer[this.iteration % 3] += 1;
    this.iteration++;
    return { ...this.counters(), episodes: 0, returnMean: NaN, returnStd: NaN, lengthMean: NaN };
  }

  protected checkpointParts(): { modules: Module[]; optimizers: [string, Optimizer][] } {
    return { modules: [this.net], optimizers: [['opt', this.opt]] };
  }

  protected override loopState(): StatePart {
    return { tensors: [['loop.buffer', new Tensor(this.buffer.slice(), [3])]], meta: { envSteps: this.envSteps } };
  }

  protected override restoreLoop(m: Record<string, any>, tensors: Map<string, Tensor>): void {
    this.envSteps = m.envSteps;
    this.buffer.set(tensors.get('loop.buffer')!.data);
  }

  protected override extraState(): Record<string, unknown> {
    return { note: this.note };
  }

  protected override extraTensors(): [string, Tensor][] {
    return [['extra.x', new Tensor(Float32Array.of(7), [1])]];
  }

  protected override restoreExtra(m: Record<string, any>): void {
    this.note = m.note;
  }
}

test('BaseAlgorithm checkpoints: modules, optimizers, loop, extra, in that order; JSON with the counters', () => {
  const a = new Toy();
  a.update();
  a.note = 'kept';
  const s = a.getState();
  assert.deepEqual(
    s.tensors.map(([n]) => n),
    ['toy.w', 'opt.0', 'opt.1', 'loop.buffer', 'extra.x'],
  );
  assert.deepEqual(Object.keys(s.meta), ['algo', 'config', 'iteration', 'seconds', 'optimizers', 'envSteps', 'note']);
  assert.equal(s.meta.algo, 'toy');
  assert.equal(s.meta.iteration, 1);
  assert.equal((s.meta.optimizers as Record<string, { step: number }>).opt.step, 1);
});

test('BaseAlgorithm setState restores parameters, optimizer moments, loop and extra state; the clock continues', () => {
  const a = new Toy();
  a.update();
  a.update();
  a.note = 'two updates';
  const s = a.getState();
  const meta = { ...JSON.parse(JSON.stringify(s.meta)), seconds: 1000 };
  const b = new Toy();
  b.setState({ tensors: s.tensors, meta });
  assert.deepEqual(Array.from(b.net.w.data), Array.from(a.net.w.data));
  assert.deepEqual(b.opt.getState(), a.opt.getState());
  assert.deepEqual([b.iteration, b.steps, b.note, Array.from(b.buffer)], [2, 8, 'two updates', [1, 1, 0]]);
  // The clock resumes from the checkpoint's seconds, so progress rows keep counting.
  const log = b.update();
  assert.ok(log.seconds >= 1000 && log.seconds < 1100, `seconds ${log.seconds}`);
  assert.equal(log.iteration, 3);
  assert.throws(() => b.setState({ tensors: s.tensors, meta: { ...meta, algo: 'ppo' } }), /checkpoint is for 'ppo', not 'toy'/);
  assert.throws(() => b.setState({ tensors: s.tensors.filter(([n]) => n !== 'toy.w'), meta }), /missing parameter 'toy.w'/);
});

test('BaseAlgorithm learn() updates until totalSteps or stop; trainedModules and close come from the parts', () => {
  const a = new Toy();
  const logs = a.learn();
  assert.deepEqual(
    logs.map((l) => l.steps),
    [4, 8, 12],
  );
  const b = new Toy();
  assert.equal(b.learn({ stop: (l) => l.iteration === 2 }).length, 2);
  assert.deepEqual(b.trainedModules(), [b.net]);
  b.close();
  assert.equal(b.env.closed, true);
});
