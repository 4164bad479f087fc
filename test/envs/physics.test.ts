// The physics of every classic-control env against Gymnasium transitions kept in this repository
// (test/fixtures/physics, recorded by scripts/record-physics-facts.py), so that a clone without
// ../shared/golden still tests every constant, clip and termination rule. The longer golden replays
// in golden.test.ts run where ../shared is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replay, type RecordedEpisode } from './replay.ts';

const dir = fileURLToPath(new URL('../fixtures/physics/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the repository holds recorded transitions for every classic-control env', () => {
  assert.deepEqual(
    files.map((f) => f.replace(/\.json$/, '')),
    ['Acrobot-v1', 'CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'],
  );
});

for (const file of files) {
  const data = JSON.parse(readFileSync(dir + file, 'utf8')) as { env_id: string; continuous: boolean; episodes: RecordedEpisode[] };
  for (const ep of data.episodes) {
    test(`${data.env_id} from [${ep.start_state}] (${ep.steps.length} recorded steps)`, () => {
      replay(data.env_id, ep, data.continuous, `${file} episode ${ep.seed}`);
    });
  }
}
