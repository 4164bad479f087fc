import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProgressBuffer } from '../../src/train/progress-buffer.ts';
import { csvLine, progressRow, tensorboardScalars } from '../../src/train/progress.ts';
import { scalarRecord } from '../../src/train/tfevents.ts';
import { RunWriter } from '../../src/train/node/run-dir.ts';

// The rows as the writer made them before the columnar buffer (an object per row, issue 12): the
// buffer must write the same bytes to all three files.
const reference = (rows: { log: any; ev: any; wall: number }[], csvColumns: string[]) => {
  const objs = rows.map((r) => progressRow(r.log, r.ev));
  return {
    jsonl: objs.map((o) => JSON.stringify(o) + '\n').join(''),
    csv: objs.map((o) => csvLine(csvColumns, o) + '\n').join(''),
    events: Buffer.concat(objs.map((o, i) => scalarRecord(o.steps ?? 0, tensorboardScalars(o), rows[i].wall))),
  };
};

/** format()'s chunks joined, with their count. */
function formatAll(b: ProgressBuffer, csvColumns: string[] | null, chunkRows?: number) {
  const parts: { jsonl: string; csv: string; events: Uint8Array }[] = [];
  const columns = b.format(csvColumns, (f) => parts.push(f), chunkRows);
  if (columns === null) return null;
  return {
    csvColumns: columns,
    jsonl: parts.map((p) => p.jsonl).join(''),
    csv: parts.map((p) => p.csv).join(''),
    events: Buffer.concat(parts.map((p) => p.events)),
    chunks: parts.length,
  };
}

const ev = (k: number) => ({
  steps: 0,
  iteration: k,
  episodes: 3,
  seed: 0,
  deterministic: true,
  mean: 100 + k / 3,
  std: 0.1 * k,
  lengthMean: 7,
  returns: [],
  lengths: [],
});
// Values that format differently: integers, shortest round-trip doubles, exponents both ways, -0, non-finite, non-numbers.
const odd = [
  0,
  -0,
  1,
  -2.5,
  1 / 3,
  0.1 + 0.2,
  1e-7,
  -5.9117535519681574e-9,
  1e21,
  123456789012345680000,
  2 ** 53 + 2,
  NaN,
  Infinity,
  -Infinity,
  3.4e38,
  1e39,
  1e-46,
];

function rowsOf(n: number, shape: (k: number) => any) {
  return Array.from({ length: n }, (_, k) => ({ log: shape(k), ev: k % 5 === 2 ? ev(k) : null, wall: 1795700000 + k * 0.0123 }));
}

for (const keys of ['plain', 'escaped'] as const)
  test(`ProgressBuffer writes the same JSONL, CSV and TensorBoard bytes as one object per row (${keys} column names)`, () => {
    const shape = (k: number) => ({
      iteration: k + 1,
      steps: 32 * (k + 1) + (k === 7 ? 2 ** 33 : 0),
      seconds: 0.07351718299999993 * k,
      episodes: k % 3,
      returnMean: odd[k % odd.length],
      returnStd: odd[(k * 7) % odd.length],
      lengthMean: k % 4 ? 21.5 : NaN,
      policyLoss: odd[(k * 3 + 1) % odd.length],
      ...(keys === 'escaped' ? { 'we"ird,key': k / 7, '7': 1, 'back\\slash': 2 } : {}),
      λ: -k / 9,
      note: k % 2 ? 'text' : undefined,
    });
    const rows = rowsOf(150, shape); // past the first 64 rows of room
    const b = new ProgressBuffer();
    for (const r of rows) {
      if (!b.push(r.log, r.ev, r.wall)) {
        b.reshape(r.log);
        assert.ok(b.push(r.log, r.ev, r.wall));
      }
    }
    assert.equal(b.rows, 150);
    // Chunks of 7 rows (the writer's are larger): the same text as one piece, the header once.
    const f = formatAll(b, null, 7)!;
    assert.equal(f.chunks, Math.ceil(150 / 7));
    assert.equal(b.rows, 0, 'empty after the format');
    const cols = Object.keys(progressRow(rows[0].log, null));
    assert.deepEqual(f.csvColumns, cols);
    const ref = reference(rows, cols);
    assert.equal(f.jsonl, ref.jsonl);
    assert.equal(f.csv, cols.join(',') + '\n' + ref.csv);
    assert.deepEqual(f.events, ref.events);
    assert.equal(formatAll(b, null), null, 'nothing buffered: nothing to write');

    // An existing progress.csv's columns: cells by name, a column the rows lack stays empty.
    const csvCols = ['steps', 'missing', 'evalMean', 'iteration'];
    const again = rowsOf(3, shape);
    for (const r of again) assert.ok(b.push(r.log, r.ev, r.wall));
    assert.equal(formatAll(b, csvCols)!.csv, reference(again, csvCols).csv);
    assert.throws(() => b.format(null, () => {}, 0), /'chunkRows' must be an integer >= 1, got 0/);
  });

test("ProgressBuffer refuses a row of another shape, and a log's own evalMean is overwritten as progressRow does", () => {
  const b = new ProgressBuffer();
  const a = { iteration: 1, steps: 10, evalMean: 5, seconds: 1 };
  assert.equal(b.push(a as any, null, 0), false, 'no columns yet');
  b.reshape(a as any);
  assert.ok(b.push(a as any, ev(1), 1));
  assert.ok(b.push(a as any, null, 2));
  assert.equal(b.push({ iteration: 2, steps: 20, seconds: 1, evalMean: 5 } as any, null, 0), false, 'the same keys in another order');
  assert.equal(b.push({ iteration: 2, steps: 20, evalMean: 5 } as any, null, 0), false, 'a key fewer');
  assert.equal(b.push({ ...a, extra: 1 } as any, null, 0), false, 'a key more');
  assert.throws(() => b.reshape(a as any), /format the buffered rows first/);
  const rows = [
    { log: a, ev: ev(1), wall: 1 },
    { log: a, ev: null, wall: 2 },
  ];
  const f = formatAll(b, null)!;
  const ref = reference(rows, f.csvColumns);
  assert.equal(f.jsonl, ref.jsonl);
  assert.deepEqual(f.events, ref.events);
  assert.match(f.jsonl, /^\{"iteration":1,"steps":10,"evalMean":100.33333333333333,"seconds":1,"evalStd":0.1,/);
});

test('RunWriter: a log whose keys change mid-run keeps every row, each with its own keys, CSV under the first header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-pbuf-'));
  mkdirSync(join(dir, 'checkpoints'));
  const info = {
    algo: 'fake',
    env: 'E',
    config: {},
    run: { totalSteps: 1000, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 },
  };
  let clock = 0;
  const w = new RunWriter(dir, info, 0, { flushMs: 1000, now: () => clock });
  const ctx = { algo: { steps: 0 } as any, driver: {} as any, stop() {} };
  w.onStart(ctx);
  // Off-policy style: no losses before learning starts, then losses.
  const early = (k: number) => ({ iteration: k, steps: 10 * k, seconds: k, episodes: 0, returnMean: NaN, returnStd: NaN, lengthMean: NaN });
  const late = (k: number) => ({ ...early(k), qLoss: 1 / k, actorLoss: -k });
  const logs = [early(1), early(2), late(3), late(4), early(5)];
  for (const log of logs) {
    clock += 10;
    w.onUpdate(log, ctx, null);
  }
  assert.equal(
    existsSync(join(dir, 'progress.jsonl')) ? readFileSync(join(dir, 'progress.jsonl'), 'utf8').split('\n').length - 1 : 0,
    4,
    'the rows before each change of keys are written',
  );
  assert.equal(w.pendingRows, 1);
  w.onEnd({ reason: 'steps', steps: 50, updates: 5, final: null, driver: {} as any });
  const header = Object.keys(progressRow(early(1), null));
  const ref = reference(
    logs.map((log) => ({ log, ev: null, wall: 0 })),
    header,
  );
  assert.equal(readFileSync(join(dir, 'progress.jsonl'), 'utf8'), ref.jsonl);
  assert.equal(readFileSync(join(dir, 'progress.csv'), 'utf8'), header.join(',') + '\n' + ref.csv);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('events.out')).length, 1);
});
