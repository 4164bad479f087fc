/**
 * The browser's checkpoint player with a policy that has memory (recurrent PPO, REINFORCE with an
 * LSTM): each played episode starts from a fresh state, so the played episodes are evaluate()'s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Player } from '../../src/web/player.ts';
import { algorithmEntry, buildConfig, createAlgorithm } from '../../src/train/setup.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { initialDriverState } from '../../src/train/driver.ts';
import type { RecurrentActorCritic } from '../../src/policies/recurrent.ts';
import { RUN } from './fixtures.ts';

function recurrentCheckpoint(algo: string, sets: Record<string, unknown>): Uint8Array {
  const entry = algorithmEntry(algo);
  const env = 'CartPoleMaskedVelocity-v1';
  const config = buildConfig(entry, env, { sets, flags: { seed: 2, steps: RUN.totalSteps } });
  const a = createAlgorithm(entry, config);
  // A policy head far from uniform: the greedy action then depends on the cell's state, so a
  // state carried over from the previous episode shows in the actions.
  for (const p of (a.policy as RecurrentActorCritic).piHead.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 300;
  const bytes = encodeCheckpoint({ kind: 'last', state: a.getState(), driver: initialDriverState(RUN), steps: a.steps }, { algo, env, config, run: RUN });
  a.close();
  return bytes;
}

const cases: [string, Record<string, unknown>][] = [
  ['recurrent-ppo', { nSteps: 32, seqLen: 32, batchSize: 32, policy: { hiddenSize: 8, headHidden: [8] } }],
  ['reinforce', { numEnvs: 1, batchSteps: 32, policy: { cell: 'lstm', hiddenSize: 8, hidden: [8] } }],
];

for (const [algo, sets] of cases) {
  test(`${algo} with memory: the player starts every episode from a fresh state, so it plays evaluate()'s episodes`, () => {
    const bytes = recurrentCheckpoint(algo, sets);
    const ck = decodeCheckpoint(bytes);
    const a = algorithmEntry(ck.algo).create(ck.config);
    a.setState(ck.state);
    const ev = a.evaluate({ episodes: 4, seed: RUN.evalSeed, deterministic: true });
    a.close();
    const player = new Player(bytes);
    assert.ok(new Set(ev.lengths).size > 1, `episodes differ (${ev.lengths}): the policy reacts to what it sees`);
    while (player.episodes.length < 4) player.step();
    assert.deepEqual(
      player.episodes.map((e) => e.length),
      ev.lengths,
    );
    assert.deepEqual(
      player.episodes.map((e) => e.return),
      ev.returns,
    );
    player.close();
  });
}
