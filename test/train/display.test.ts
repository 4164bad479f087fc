import test from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ProgressDisplay } from '../../src/train/node/display.ts';

/** A terminal-like stream that records what the progress bar writes. */
function fakeTty() {
  const s = { out: '' };
  const stream = new Writable({
    write(c, _e, cb) {
      s.out += c.toString();
      cb();
    },
  }) as any;
  Object.assign(stream, { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, s };
}

const log = (steps: number) => ({ iteration: steps / 100, steps, seconds: 1, episodes: 2, returnMean: 10, returnStd: 0, lengthMean: 5 });
const evaluation = { steps: 500, iteration: 5, episodes: 2, seed: 0, deterministic: true, mean: 42, std: 1, lengthMean: 9, returns: [], lengths: [] };

test("a resumed run does not redraw the checkpoint's step count with empty values, and keeps its last evaluation", (t) => {
  const { stream, s } = fakeTty();
  const d = new ProgressDisplay({ totalSteps: 1000, stream });
  // A failed assertion must not leave the bar's timer holding the process.
  t.after(() => d.close());
  const ctx: any = { algo: { steps: 500 }, driver: { lastEval: evaluation } };
  d.onStart(ctx);
  assert.equal(s.out, '', 'nothing drawn before the first update');
  d.onUpdate(log(600) as any, ctx, null);
  d.close();
  assert.doesNotMatch(s.out, /500\/1000 steps/);
  assert.match(s.out, /600\/1000 steps .*\| eval 42\.00 \|/);
});

test('a new run draws its bar at once; after interrupt() nothing more is drawn', (t) => {
  const { stream, s } = fakeTty();
  const d = new ProgressDisplay({ totalSteps: 1000, stream });
  t.after(() => d.close());
  const ctx: any = { algo: { steps: 0 }, driver: { lastEval: null } };
  d.onStart(ctx);
  assert.match(s.out, /0\/1000 steps .*eval -/);
  d.onUpdate(log(100) as any, ctx, null);
  d.interrupt();
  const before = s.out;
  d.onUpdate(log(200) as any, ctx, null);
  d.close();
  assert.equal(s.out, before, 'the update after Ctrl-C draws no second bar under the message');
});

test('the recent return is the episode-weighted mean over the last `window` updates', () => {
  const { stream, s } = fakeTty();
  const d = new ProgressDisplay({ totalSteps: 1000, stream, plain: true, every: 0, window: 3 });
  const ctx: any = { algo: { steps: 0 }, driver: { lastEval: null } };
  d.onStart(ctx);
  const up = (steps: number, episodes: number, returnMean: number) => d.onUpdate({ ...log(steps), episodes, returnMean } as any, ctx, null);
  up(100, 1, 1000); // leaves the window after three more updates
  up(200, 1, 10);
  up(300, 0, NaN); // no episode finished: not counted
  assert.match(s.out.trim().split('\n').at(-1)!, / return 505\.0$/);
  up(400, 3, 30);
  // (10 * 1 + 30 * 3) / 4 = 25
  assert.match(s.out.trim().split('\n').at(-1)!, / return 25\.00$/);
  assert.throws(() => new ProgressDisplay({ totalSteps: 1, stream, window: 0 }), /'window' must be an integer >= 1, got 0/);
  d.close();
});
