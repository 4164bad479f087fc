import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { ascent, tempDir, onlyRun, readJson, BIN, userEnv } from './helpers.ts';
import { spawnSync } from 'node:child_process';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { parseCsv, parseJsonl, tensorboardScalars } from '../../src/train/progress.ts';
import { parseRecords, decodeEvent } from '../../src/train/tfevents.ts';

const cwd = tempDir();
const TRAIN = ['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '1024', '--eval-every', '512', '--eval-episodes', '5', '--seed', '3'];
const r = ascent(TRAIN, cwd);
const r0 = r;
const dir = r.code === 0 ? onlyRun(join(cwd, 'runs')) : '';

test('a short training run exits 0, reports the evaluation and where it saved', () => {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /step budget reached: 1024 steps, 4 updates/);
  assert.match(r.stdout, /evaluation \(5 episodes, greedy, seed 1003\): return [\d.]+ ± [\d.]+ \(threshold 475: not reached\)/);
  assert.match(r.stdout, new RegExp(`run saved to runs/${basename(dir)}`));
  // Not a terminal: plain progress lines on stderr.
  assert.match(r.stderr, /\[100%\] steps 1024\/1024 .*steps\/s.*return/);
});

test('the run directory holds config, progress, events, checkpoints, eval and status', () => {
  assert.match(basename(dir), /^reinforce-CartPole-v1-s3-\d{8}-\d{6}$/);
  const files = readdirSync(dir).sort();
  for (const f of ['checkpoints', 'config.json', 'eval.json', 'progress.csv', 'progress.jsonl', 'status.json']) assert.ok(files.includes(f), f);
  assert.ok(files.some((f) => /^events\.out\.tfevents\.\d+\.\S+$/.test(f)));
  const cfg = readJson(join(dir, 'config.json'));
  assert.equal(cfg.algo, 'reinforce');
  assert.equal(cfg.env, 'CartPole-v1');
  assert.equal(cfg.config.batchSteps, 256);
  assert.equal(cfg.config.totalSteps, 1024);
  assert.equal(cfg.config.seed, 3);
  assert.equal(cfg.preset.file, 'presets/reinforce.yaml');
  assert.match(cfg.preset.source, /REINFORCE_DEFAULTS/);
  assert.match(cfg.ascentVersion, /^\d+\.\d+\.\d+/);
  assert.equal(cfg.node, process.version);
  assert.ok(!Number.isNaN(Date.parse(cfg.startTime)));
  assert.deepEqual(cfg.run, { totalSteps: 1024, evalEvery: 512, evalEpisodes: 5, evalSeed: 1003, threshold: 475, checkpointEvery: 0 });
  const status = readJson(join(dir, 'status.json'));
  assert.equal(status.state, 'finished');
  assert.equal(status.steps, 1024);
  for (const k of ['last', 'best']) {
    const ck = decodeCheckpoint(new Uint8Array(readFileSync(join(dir, 'checkpoints', `${k}.ascent`))));
    assert.equal(ck.algo, 'reinforce');
    assert.ok(ck.state.tensors.some(([n]) => n === 'pi.0.weight'));
  }
  const ev = readJson(join(dir, 'eval.json'));
  assert.equal(ev.steps, 1024);
  assert.equal(ev.episodes, 5);
  assert.equal(ev.returns.length, 5);
  assert.equal(ev.deterministic, true);
});

test('progress.csv and progress.jsonl agree row for row, with evaluation columns where evaluations ran', () => {
  const jl = parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8'));
  const csv = parseCsv(readFileSync(join(dir, 'progress.csv'), 'utf8'));
  assert.equal(jl.length, 4);
  assert.deepEqual(csv, jl);
  assert.deepEqual(
    jl.map((x) => x.steps),
    [256, 512, 768, 1024],
  );
  assert.deepEqual(
    jl.map((x) => x.evalMean !== null),
    [false, true, false, true],
  );
  for (const k of ['iteration', 'seconds', 'returnMean', 'policyLoss', 'valueLoss', 'entropy', 'evalStd']) assert.ok(k in jl[0], k);
  assert.equal(jl[3].evalMean, readJson(join(dir, 'eval.json')).mean);
});

test('the TensorBoard event file parses back (framing and CRCs) to the logged scalars', () => {
  const file = readdirSync(dir).find((f) => f.startsWith('events.out.tfevents.'))!;
  const events = parseRecords(new Uint8Array(readFileSync(join(dir, file)))).map(decodeEvent);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const rows = parseJsonl(readFileSync(join(dir, 'progress.jsonl'), 'utf8'));
  const scalars = events.slice(1);
  assert.equal(scalars.length, rows.length);
  scalars.forEach((e, i) => {
    assert.equal(e.step, rows[i].steps);
    const want = tensorboardScalars(rows[i]);
    assert.deepEqual(Object.keys(e.scalars!).sort(), Object.keys(want).sort());
    for (const [tag, v] of Object.entries(want)) assert.equal(e.scalars![tag], Math.fround(v), tag);
  });
  assert.ok('eval/mean' in scalars[1].scalars! && !('eval/mean' in scalars[0].scalars!));
});

test('eval on the saved run reproduces the training-time evaluation', () => {
  const ev = ascent(['eval', basename(dir) ? join('runs', basename(dir)) : dir, '--json', 'again.json'], cwd);
  assert.equal(ev.code, 0, ev.stderr);
  const train = readJson(join(dir, 'eval.json'));
  const again = readJson(join(cwd, 'again.json'));
  assert.deepEqual(again.returns, train.returns);
  assert.equal(again.mean, train.mean);
  assert.equal(again.seed, 1003);
  assert.match(ev.stdout, new RegExp(`return ${train.mean.toFixed(2)} ± [\\d.]+ over 5 episodes \\(greedy, seeds 1003\\.\\.1007\\)`));
  // The checkpoint file path works too, and without --json the result lands in the run directory.
  const ev2 = ascent(['eval', join(dir, 'checkpoints', 'last.ascent'), '--episodes', '2', '--seed', '1003', '--stochastic'], cwd);
  assert.equal(ev2.code, 0, ev2.stderr);
  const out = join(dir, 'eval-last-stochastic-s1003-n2.json');
  assert.ok(existsSync(out));
  assert.equal(readJson(out).deterministic, false);
});

test('eval --record writes an animated GIF of one episode', () => {
  const ev = ascent(['eval', dir, '--episodes', '1', '--record', 'episode.gif', '--scale', '0.25'], cwd);
  assert.equal(ev.code, 0, ev.stderr);
  const m = /recorded episode \(seed 1003, return ([\d.]+), (\d+) steps, (\d+) frames\)/.exec(ev.stdout);
  assert.ok(m, ev.stdout);
  assert.equal(Number(m[3]), Number(m[2]) + 1, 'one frame after reset and one per step');
  const gif = readFileSync(join(cwd, 'episode.gif'));
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.equal(gif.readUInt16LE(6), 150);
  assert.equal(gif.readUInt16LE(8), 100);
  assert.equal(gif[gif.length - 1], 0x3b);
  // The recorded episode is the first evaluation episode: same seed, same greedy policy, same return.
  assert.equal(Number(m[1]), readJson(join(dir, 'eval.json')).returns[0]);
});

test('--threshold none trains to the step budget even when an evaluation scores well', () => {
  const d = tempDir();
  const res = ascent(
    ['train', 'ppo', 'CartPole-v1', '--steps', '1024', '--set', 'nSteps=32', '--eval-every', '256', '--eval-episodes', '2', '--threshold', 'none'],
    d,
  );
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /step budget reached: 1024 steps/);
  assert.doesNotMatch(res.stdout, /threshold/);
});

test('the threshold in force is named at the start and, when it ends the run, in the final line', () => {
  const c = tempDir();
  const r = ascent(
    ['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '2048', '--eval-every', '256', '--eval-episodes', '1', '--threshold', '5'],
    c,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^threshold 5 from --threshold: training stops when a greedy evaluation reaches it \(--threshold none to train to the step budget\)$/m,
  );
  assert.match(r.stdout, /^stopped: threshold 5 from --threshold reached: 256 steps, 1 updates in [\d.]+ s \(--threshold none to train on\)$/m);
  assert.equal(readJson(join(onlyRun(join(c, 'runs')), 'config.json')).thresholdFrom, 'flag');
  // The registry's threshold (CartPole-v1: 475) and a preset's (Pendulum-v1 has none registered; the TRPO preset stops at -200).
  assert.match(r0.stderr, /^threshold 475 from the env registry: training stops/m);
  const p = ascent(['train', 'trpo', 'Pendulum-v1', '--stop-at', '1', '--set', 'nSteps=16', '--eval-episodes', '1'], c);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /^threshold -200 from the preset: training stops/m);
  // eval judges by the run's threshold too (Pendulum-v1 registers none).
  const trpoRun = join(c, 'runs', readdirSync(join(c, 'runs')).find((n) => n.startsWith('trpo-'))!);
  const ev = ascent(['eval', trpoRun, '--episodes', '1'], c);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /; threshold -200: (solved|not reached)$/m);

  const n = ascent(['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=64', '--steps', '64', '--eval-episodes', '1', '--threshold', 'none'], c);
  assert.match(n.stderr, /^no threshold: training runs to the step budget$/m);
});

test('a run shorter than evalEvery logs its final evaluation in the last progress row, so plot --y evalMean works', () => {
  const c = tempDir();
  const t = ascent(['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=128', '--steps', '256', '--eval-every', '0', '--eval-episodes', '2'], c);
  assert.equal(t.code, 0, t.stderr);
  const d = onlyRun(join(c, 'runs'));
  const jl = parseJsonl(readFileSync(join(d, 'progress.jsonl'), 'utf8'));
  assert.deepEqual(
    jl.map((x) => x.evalMean !== null),
    [false, true],
  );
  assert.equal(jl[1].evalMean, readJson(join(d, 'eval.json')).mean);
  assert.equal(jl[1].evalEpisodes, 2);
  const p = ascent(['plot', d, '--out', 'e.svg', '--y', 'evalMean'], c);
  assert.equal(p.code, 0, p.stderr);
});

test('the resume hint repeats how the command was run: npx ascent under npx, ascent otherwise', () => {
  const c = tempDir();
  const args = ['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=64', '--steps', '256', '--stop-at', '64', '--eval-episodes', '1'];
  const viaNpx = ascent(args, c, { npm_command: 'exec' });
  assert.equal(viaNpx.code, 0, viaNpx.stderr);
  assert.match(viaNpx.stdout, /^continue with: npx ascent train --resume runs\/reinforce-CartPole-v1-s0-\S+$/m);
  const direct = ascent(args, c);
  assert.match(direct.stdout, /^continue with: ascent train --resume runs\//m);
});

test('eval --record encodes frames as they come: a 201-frame Pendulum GIF (150 MB of RGB) does not raise peak RSS by that much', (t) => {
  if (!existsSync('/usr/bin/time')) return t.skip('needs /usr/bin/time for the peak RSS');
  const c = tempDir();
  const tr = ascent(['train', 'trpo', 'Pendulum-v1', '--stop-at', '1', '--set', 'nSteps=16', '--eval-episodes', '1'], c);
  assert.equal(tr.code, 0, tr.stderr);
  const d = onlyRun(join(c, 'runs'));
  // 500x500 RGB frames: 750 kB each, 151 MB for the episode; holding them measured 289 MB peak, streaming 146 MB.
  const r = spawnSync('/usr/bin/time', ['-f', 'peak %M kB', process.execPath, BIN, 'eval', d, '--episodes', '1', '--record', 'p.gif'], {
    cwd: c,
    encoding: 'utf8',
    env: userEnv(),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /recorded episode \(seed 1000, return [-\d.]+, 200 steps, 201 frames\)/);
  const peak = Number(/peak (\d+) kB/.exec(r.stderr)![1]);
  assert.ok(peak < 220_000, `peak RSS ${peak} kB`);
});
