/**
 * Player (the browser's checkpoint player) in Node: it replays evaluation exactly, takes newer
 * weights of the same run mid-episode, renders frames, and refuses bad files with clear messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Player } from '../../src/web/player.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { algorithmEntry, buildConfig, createAlgorithm } from '../../src/train/setup.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { initialDriverState } from '../../src/train/driver.ts';
import { RUN, ppoCheckpoint } from './fixtures.ts';
import { serializeParams } from '../../src/nn/serialize.ts';

test("the first played episodes are evaluate()'s episodes, step for step", () => {
  const bytes = ppoCheckpoint(3);
  const ck = decodeCheckpoint(bytes);
  const algo = algorithmEntry(ck.algo).create(ck.config);
  algo.setState(ck.state);
  const ev = algo.evaluate({ episodes: 3, seed: RUN.evalSeed, deterministic: true });
  const player = new Player(bytes);
  while (player.episodes.length < 3) player.step();
  assert.deepEqual(
    player.episodes.map((e) => e.return),
    ev.returns,
  );
  assert.deepEqual(
    player.episodes.map((e) => e.length),
    ev.lengths,
  );
  player.close();
  algo.close();
});

test('frames show the env; the last frame of an episode is its final state', () => {
  const player = new Player(ppoCheckpoint(0));
  const f = player.frame()!;
  assert.deepEqual([f.width, f.height, f.data.length], [600, 400, 600 * 400 * 3]);
  let s;
  do s = player.step();
  while (!s.done);
  // The untrained policy drops the pole: the final frame differs from the next episode's first.
  const last = player.frame()!.data.slice();
  player.step();
  assert.notDeepEqual(player.frame()!.data, last);
  player.close();
});

test("load() takes newer weights of the same run mid-episode and refuses another run's", () => {
  const player = new Player(ppoCheckpoint(0));
  for (let i = 0; i < 5; i++) player.step();
  player.load(ppoCheckpoint(2));
  assert.equal(player.episodeLength, 5, 'the episode goes on');
  assert.ok(player.checkpoint.steps > 0);
  const entry = algorithmEntry('reinforce');
  const config = buildConfig(entry, 'CartPole-v1', { flags: { steps: 1000 } });
  const other = createAlgorithm(entry, config);
  const bytes = encodeCheckpoint(
    { kind: 'last', state: other.getState(), driver: initialDriverState({}), steps: 0 },
    { algo: 'reinforce', env: 'CartPole-v1', config, run: RUN },
  );
  assert.throws(() => player.load(bytes), /checkpoint is reinforce on CartPole-v1, this player plays ppo on CartPole-v1/);
  other.close();
  player.close();
});

test('bad files: corrupt data, a parameter file without training state, an unknown algorithm', () => {
  const bytes = ppoCheckpoint(0);
  const bad = bytes.slice();
  bad[bad.length - 10] ^= 1;
  assert.throws(() => new Player(bad), /checksum mismatch/);
  assert.throws(() => new Player(bytes.slice(0, 20)), /parameter file/);
  const plain = serializeParams([], { note: 'weights only' });
  assert.throws(() => new Player(plain), /not an Ascent checkpoint/);
  const ck = decodeCheckpoint(bytes);
  const renamed = serializeParams(ck.state.tensors, {
    format: 'ascent-checkpoint',
    version: 1,
    algo: 'nope',
    env: ck.env,
    config: ck.config,
    run: ck.run,
    driver: ck.driver,
    state: ck.state.meta,
  });
  assert.throws(() => new Player(renamed), /checkpoint is for algorithm 'nope', which this build does not have/);
});
