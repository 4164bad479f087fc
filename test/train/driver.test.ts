import test from 'node:test';
import assert from 'node:assert/strict';
import { train, type Callback, type Evaluation, type Snapshot } from '../../src/train/driver.ts';
import type { Algorithm, AlgorithmState, UpdateLog } from '../../src/algos/types.ts';
import { Tensor } from '../../src/tensor/index.ts';

/** A deterministic stand-in: 100 steps per update, greedy evaluation mean = steps / 10. */
class FakeAlgo implements Algorithm {
  readonly name = 'fake';
  readonly config = {};
  // No parameters: the driver's divergence check looks at the policy's.
  readonly policy = { namedParameters: () => [] } as any;
  steps = 0;
  iteration = 0;
  evalCalls: { episodes?: number; seed?: number; deterministic?: boolean }[] = [];
  update(): UpdateLog {
    this.steps += 100;
    this.iteration++;
    return {
      iteration: this.iteration,
      steps: this.steps,
      seconds: 0,
      episodes: 1,
      returnMean: this.steps,
      returnStd: 0,
      lengthMean: 1,
      loss: 1 / this.iteration,
    };
  }
  evaluate(opts: { episodes?: number; seed?: number; deterministic?: boolean } = {}) {
    this.evalCalls.push(opts);
    const m = this.steps / 10;
    return { returns: [m, m], lengths: [1, 1], mean: m, std: 0 };
  }
  getState(): AlgorithmState {
    return { tensors: [['w', new Tensor(new Float32Array([this.steps]), [1])]], meta: { steps: this.steps, iteration: this.iteration } };
  }
  setState(s: AlgorithmState): void {
    this.steps = (s.meta as any).steps;
    this.iteration = (s.meta as any).iteration;
  }
  close(): void {}
}

function recorder() {
  const events: string[] = [];
  const snaps: Snapshot[] = [];
  const evals: Evaluation[] = [];
  const cb: Callback = {
    onStart: () => void events.push('start'),
    onUpdate: (log, _c, ev) => void events.push(`update ${log.steps}${ev ? ' +eval' : ''}`),
    onEvaluation: (ev) => void (evals.push(ev), events.push(`eval ${ev.steps}`)),
    onCheckpoint: (s) => void (snaps.push(s), events.push(`ckpt ${s.kind} ${s.steps}`)),
    onEnd: (r) => void events.push(`end ${r.reason}`),
  };
  return { events, snaps, evals, cb };
}

test('the loop evaluates every evalEvery steps with the same seed, keeps best and last, and ends with an evaluation', async () => {
  const algo = new FakeAlgo();
  const r = recorder();
  const res = await train(algo, { totalSteps: 500, evalEvery: 200, evalEpisodes: 3, evalSeed: 42, threshold: null, callbacks: [r.cb] });
  assert.equal(res.reason, 'steps');
  assert.equal(res.steps, 500);
  assert.deepEqual(
    r.evals.map((e) => e.steps),
    [200, 400, 500],
  );
  assert.ok(algo.evalCalls.every((c) => c.seed === 42 && c.episodes === 3 && c.deterministic === true));
  assert.deepEqual(r.events, [
    'start',
    'update 100',
    'eval 200',
    'ckpt best 200',
    'update 200 +eval',
    'ckpt last 200',
    'update 300',
    'eval 400',
    'ckpt best 400',
    'update 400 +eval',
    'ckpt last 400',
    'eval 500',
    'ckpt best 500',
    'update 500 +eval',
    'ckpt last 500',
    'end steps',
  ]);
  assert.equal(res.final?.mean, 50);
  assert.equal(res.driver.bestMean, 50);
});

test('the final evaluation reaches onUpdate with the last update, also in a run shorter than evalEvery', async () => {
  const algo = new FakeAlgo();
  const r = recorder();
  const res = await train(algo, { totalSteps: 300, evalEvery: 10_000, threshold: null, callbacks: [r.cb] });
  assert.deepEqual(r.events, ['start', 'update 100', 'update 200', 'eval 300', 'ckpt best 300', 'update 300 +eval', 'ckpt last 300', 'end steps']);
  assert.equal(res.final?.steps, 300);
  assert.equal(res.final, res.driver.lastEval);
});

test('threshold stops at the first evaluation that reaches it, and that evaluation is the final one', async () => {
  const algo = new FakeAlgo();
  const r = recorder();
  const res = await train(algo, { totalSteps: 10_000, evalEvery: 100, threshold: 30, callbacks: [r.cb] });
  assert.equal(res.reason, 'threshold');
  assert.equal(res.steps, 300);
  assert.equal(r.evals.length, 3, 'the final evaluation reuses the threshold evaluation');
  assert.equal(res.final?.steps, 300);
});

test('checkpointEvery saves last on schedule; a callback returning true stops', async () => {
  const algo = new FakeAlgo();
  const r = recorder();
  const stopper: Callback = { onUpdate: (log) => log.steps >= 700 };
  const res = await train(algo, { totalSteps: 10_000, evalEvery: 0, checkpointEvery: 250, callbacks: [r.cb, stopper] });
  assert.equal(res.reason, 'callback');
  assert.deepEqual(
    r.snaps.filter((s) => s.kind === 'last').map((s) => s.steps),
    [300, 500, 700],
  );
  assert.deepEqual(
    r.evals.map((e) => e.steps),
    [700],
  );
});

test('an aborted signal stops at the next update boundary with reason interrupted and a last snapshot', async () => {
  const algo = new FakeAlgo();
  const r = recorder();
  const ac = new AbortController();
  const res = await train(algo, {
    totalSteps: 10_000,
    evalEvery: 0,
    signal: ac.signal,
    callbacks: [r.cb, { onUpdate: (l) => void (l.steps === 300 && ac.abort()) }],
  });
  assert.equal(res.reason, 'interrupted');
  assert.equal(res.steps, 300);
  assert.equal(res.final, null);
  assert.deepEqual(
    r.snaps.map((s) => `${s.kind} ${s.steps}`),
    ['last 300'],
  );
});

test('stopAt then resume with the saved driver state evaluates at the same steps as one uninterrupted run', async () => {
  const whole = recorder();
  await train(new FakeAlgo(), { totalSteps: 1000, evalEvery: 300, threshold: null, callbacks: [whole.cb] });
  const first = recorder();
  const a = new FakeAlgo();
  const part = await train(a, { totalSteps: 1000, evalEvery: 300, stopAt: 400, threshold: null, callbacks: [first.cb] });
  assert.equal(part.reason, 'stopAt');
  const last = first.snaps.at(-1)!;
  const b = new FakeAlgo();
  b.setState(last.state);
  const second = recorder();
  await train(b, { totalSteps: 1000, evalEvery: 300, threshold: null, resume: last.driver, callbacks: [second.cb] });
  assert.deepEqual(
    [...first.evals, ...second.evals].map((e) => e.steps),
    whole.evals.map((e) => e.steps),
  );
  assert.equal(b.steps, 1000);
});

test('bad driver options are rejected with the option name', async () => {
  await assert.rejects(train(new FakeAlgo(), { totalSteps: 0 }), /'totalSteps' must be an integer >= 1, got 0/);
  await assert.rejects(train(new FakeAlgo(), { totalSteps: 10, evalEvery: 1.5 }), /'evalEvery' must be an integer >= 0, got 1.5/);
});

test('short updates do not each wait for a timer, and a stop request from a timer still lands between updates', async () => {
  // Before issue 12 the loop awaited setTimeout(0) (>= 1 ms) after every update: 3000 updates took >= 3 s.
  const algo = new FakeAlgo();
  const t0 = performance.now();
  const res = await train(algo, { totalSteps: 300_000, evalEvery: 0, finalEval: false });
  assert.equal(res.updates, 3000);
  assert.ok(performance.now() - t0 < 2500, `3000 instant updates took ${(performance.now() - t0).toFixed(0)} ms`);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  const r2 = await train(new FakeAlgo(), { totalSteps: Number.MAX_SAFE_INTEGER - 1000, evalEvery: 0, signal: ac.signal });
  assert.equal(r2.reason, 'interrupted');
  await assert.rejects(train(new FakeAlgo(), { totalSteps: 100, yieldMs: -1 }), /'yieldMs' must be a number >= 0, got -1/);
});

test('in Node the loop yields through setImmediate, never a timer (a timer waits >= 1 ms)', async () => {
  const g = globalThis as { setTimeout: typeof setTimeout; setImmediate: typeof setImmediate };
  const [realTimeout, realImmediate] = [g.setTimeout, g.setImmediate];
  let timers = 0,
    immediates = 0;
  g.setTimeout = ((...a: Parameters<typeof setTimeout>) => (timers++, realTimeout(...a))) as typeof setTimeout;
  g.setImmediate = ((...a: Parameters<typeof setImmediate>) => (immediates++, realImmediate(...a))) as typeof setImmediate;
  try {
    // yieldMs 0: a yield after every one of the 50 updates.
    const r = await train(new FakeAlgo(), { totalSteps: 5000, evalEvery: 0, finalEval: false, yieldMs: 0 });
    assert.equal(r.updates, 50);
  } finally {
    [g.setTimeout, g.setImmediate] = [realTimeout, realImmediate];
  }
  assert.equal(timers, 0);
  assert.ok(immediates >= 49, `${immediates} setImmediate calls for 50 updates`);
});
