// Replays every recorded Gymnasium 1.4.0 episode in ../shared/golden/ (relative to the repo root)
// through make(id): from the recorded initial/start state, with the recorded actions, comparing
// each step's obs, reward, terminated and truncated (including TimeLimit truncation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { make } from '../../src/envs/index.ts';
import { assertSpace, replay, type RecordedEpisode } from './replay.ts';

const dir = fileURLToPath(new URL('../../../shared/golden/', import.meta.url));
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];

interface GoldenEpisode extends RecordedEpisode {
  length: number;
  ended_by: 'terminated' | 'truncated' | 'cap';
}

if (files.length === 0) {
  test(
    'golden rollouts',
    { skip: `../shared/golden/ not found at ${dir}: golden tests skipped (test/envs/physics.test.ts still replays the transitions kept in the repository)` },
    () => {},
  );
}

for (const file of files) {
  const data = JSON.parse(readFileSync(dir + file, 'utf8')) as {
    env_id: string;
    max_episode_steps: number;
    observation_space: string;
    action_space: string;
    episodes: GoldenEpisode[];
  };
  const continuous = data.action_space.startsWith('Box');
  test(`golden ${file}: observation and action spaces are Gymnasium's (${data.observation_space})`, () => {
    const env = make(data.env_id);
    assertSpace(env.observationSpace, data.observation_space);
    assertSpace(env.actionSpace, data.action_space);
  });
  for (const ep of data.episodes) {
    test(`golden ${file} seed ${ep.seed} (${ep.length} steps, ${ep.ended_by})`, () => {
      assert.equal(make(data.env_id).spec?.maxEpisodeSteps, data.max_episode_steps);
      assert.equal(ep.steps.length, ep.length);
      replay(data.env_id, ep, continuous, `${file} seed ${ep.seed}`);
    });
  }
}
