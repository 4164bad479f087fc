// What a user gets from `import ... from 'ascent-rl'`: the package entry (src/index.ts, compiled to
// lib/index.js, which package.json's exports map points at) must carry the vector envs, the vector
// factory and everything a hand-written training loop needs. Issue 20: the vector envs were missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as entry from '../src/index.ts';
import type { VectorStepResult } from '../src/index.ts';

const root = new URL('..', import.meta.url).pathname;

/** The names a user's own training loop (or a Gymnasium script moved to Ascent) imports from the entry. */
const NEEDED = [
  // envs, spaces, wrappers
  'make',
  'register',
  'checkEnv',
  'BaseEnv',
  'Wrapper',
  'Box',
  'Discrete',
  'flatten',
  'unflatten',
  'flattenSpace',
  'TimeLimit',
  'RecordEpisodeStatistics',
  'NormalizeObservation',
  'NormalizeReward',
  'ClipAction',
  'RescaleAction',
  'FrameStackObservation',
  'FlattenObservation',
  // vector envs and the factory (gymnasium.vector, gymnasium.make_vec)
  'SyncVectorEnv',
  'AsyncVectorEnv',
  'makeVec',
  'runWorker',
  // rollouts, policies, algorithms, the training driver
  'Collector',
  'Rng',
  'Tensor',
  'Adam',
  'PPO',
  'Reinforce',
  'TRPO',
  'SAC',
  'ALGORITHMS',
  'train',
];

test('the package entry exports the vector envs, the vector factory and the algorithms', () => {
  const missing = NEEDED.filter((n) => !(n in entry));
  assert.deepEqual(missing, [], `missing from src/index.ts: ${missing.join(', ')}`);
});

test("package.json's exports map points the bare 'ascent-rl' at lib/, which the build compiles from src/index.ts", () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'ascent-rl');
  assert.deepEqual(pkg.exports['.'], { types: './lib/index.d.ts', import: './lib/index.js', default: './lib/index.js' });
  const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'lib'], 'src/index.ts compiles to lib/index.js');
  assert.ok(pkg.files.includes('lib'), 'lib/ is published');
});

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir).map((n) => {
      const p = join(dir, n);
      const s = statSync(p);
      return s.isDirectory() ? newestSource(p) : s.mtimeMs;
    }),
  );
}

test("import ... from 'ascent-rl' (the built lib/) exports the same names as src/index.ts", async (t) => {
  // `npm ci` (prepare) builds lib/ before the tests in CI; in a working tree lib/ may be older than src/.
  const stamp = join(root, 'lib/.build-stamp');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestSource(join(root, 'src'))) {
    t.skip('lib/ is missing or older than src/: run `npm run build` to check the built entry');
    return;
  }
  const spec = 'ascent-rl'; // a package imports itself by name through its exports map
  const built = (await import(spec)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(built).sort(), Object.keys(entry).sort());
  assert.equal(typeof built.SyncVectorEnv, 'function');
  assert.equal(typeof built.AsyncVectorEnv, 'function');
});

test('a training loop built from the entry alone: makeVec, SyncVectorEnv, AsyncVectorEnv, Collector-free stepping, an algorithm', async () => {
  const { makeVec, SyncVectorEnv, AsyncVectorEnv, make, RecordEpisodeStatistics, PPO } = entry;
  const sync = await makeVec('CartPole-v1', 2, { recordEpisodeStatistics: true });
  assert.ok(sync instanceof SyncVectorEnv);
  const direct = new SyncVectorEnv([0, 1].map(() => () => new RecordEpisodeStatistics(make('CartPole-v1'))));
  const asyncEnv = await makeVec('CartPole-v1', 2, { vectorizationMode: 'async', numWorkers: 1, recordEpisodeStatistics: true });
  assert.ok(asyncEnv instanceof AsyncVectorEnv);
  try {
    const a = sync.reset({ seed: [3, 4] }),
      b = direct.reset({ seed: 3 }),
      c = asyncEnv.reset({ seed: 3 });
    assert.deepEqual(Array.from(a.obs), Array.from(b.obs));
    assert.deepEqual(Array.from(c.obs), Array.from(b.obs));
    for (let t = 0; t < 20; t++) {
      const acts = [t % 2, (t + 1) % 2];
      const x: VectorStepResult = sync.step(acts),
        y: VectorStepResult = asyncEnv.step(acts);
      assert.deepEqual(Array.from(x.obs), Array.from(y.obs));
      assert.deepEqual(Array.from(x.rewards), Array.from(y.rewards));
    }
  } finally {
    await asyncEnv.close();
  }
  const agent = new PPO({ env: 'CartPole-v1', seed: 0, numEnvs: 2, nSteps: 32, batchSize: 32, epochs: 1 });
  const log = agent.update();
  assert.equal(agent.steps, 64);
  assert.equal(log.steps, 64);
  agent.close();
});
