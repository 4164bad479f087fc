// What a user gets from `import ... from 'ascent-rl'`: the package entry (src/index.ts, compiled to
// lib/index.js, which package.json's exports map points at) must carry the vector envs, the vector
// factory and everything a hand-written training loop needs. Issue 20: the vector envs were missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as entry from '../src/index.ts';
import * as exportFace from '../src/export/index.ts';
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

/**
 * The public API, name by name (src/index.ts chooses each one): adding or dropping an export is a
 * decision this list records. Types are checked by the compiler, not here; src/export's names come
 * from its own index.
 */
const PUBLIC = `
  ALGORITHMS AcrobotEnv Adam AddRenderObservation AntEnv AsyncVectorEnv BaseAlgorithm BaseEnv Bernoulli Box
  BufferArena CHECKPOINT_VERSION Canvas CartPoleEnv CatchDictEnv CatchEnv Categorical CategoricalPolicy
  ChannelsFirstObservation ClipAction CnnEncoder CnnPolicy CnnValueFunction Collector CombinedEncoder
  ConfigError ContinuousCartPoleEnv Conv2d DiagGaussian Dict Discrete DivergenceError EMPTY_INFO
  ENSEMBLE_DEFAULTS EpisodeTracker FlatDictBox FlattenObservation FrameStackObservation GRUCell
  GaussianEnsemble GaussianPolicy GrayscaleObservation HalfCheetahEnv HopperEnv HumanoidEnv HumanoidStandupEnv
  InvertedDoublePendulumEnv InvertedPendulumEnv LSTMCell Linear MBPG_CONFIG MBPG_DEFAULTS MBPO MBPO_CONFIG
  MBPO_DEFAULTS MLP MUJOCO_IDS MaskVelocity MjSim ModelBasedPG Module ModuleDict MountainCarContinuousEnv
  MountainCarEnv MujocoEnv MultiBinary MultiDiscrete MultiInputPolicy MultiInputValueFunction NPG
  NormalizeObservation NormalizeReward NumpyGenerator OFFPOLICY_PG_CONFIG OFFPOLICY_PG_DEFAULTS OffPolicyPG
  OnPolicyAlgorithm OptimalBaseline OrderEnforcing PARAM_BOUND PPO PPO_CONFIG PPO_DEFAULTS PendulumEnv
  PusherEnv RECURRENT_PPO_CONFIG RECURRENT_PPO_DEFAULTS REINFORCE_CONFIG REINFORCE_DEFAULTS ReacherEnv
  RecordEpisodeStatistics RecurrentActorCritic RecurrentCell RecurrentCollector RecurrentPPO Reinforce
  ReplayBuffer RescaleAction ResizeObservation Rng RunningMeanStd SAC SAC_CONFIG SAC_DEFAULTS SGD SacLearner
  ScaleObservation SnapshotUnsupportedError Space SquashedGaussian SquashedGaussianActor SwimmerEnv
  SyncVectorEnv TERMINATION_FNS TRPO TRPO_CONFIG TRPO_DEFAULTS Tensor TimeLimit TransformAction
  TransformObservation TransformReward Tuple TwinQ ValueFunction Walker2dEnv Wrapper abs add atanh avgPool2d
  branchedRollout broadcastTo buildConfig checkDivergence checkEnv checkGradients checkLoss clip clipGradNorm
  clippedSurrogateLoss concat conjugateGradient constantSchedule conv2d cosineSchedule createAlgorithm
  crossEntropy decodeCheckpoint decodeNumber decodeNumbers descend deserializeParams discountedCumsum div elu
  encodeCheckpoint encodeNumber encodeNumbers ensureEnv envName episodeReturns equal evaluate exp
  explainedVariance fisherVectorProduct flatdim flatten flattenSpace gae gather globalNorm grad gradients
  greater greaterEqual hessianVectorProduct huber importanceCoefficients isGradEnabled lab learnLoop less
  lessEqual likelihoodRatioGradient linear linearSchedule loadAllEnvs loadMujoco loadParamsInto log log1p
  logSoftmax logSumExp make makeCell makeEnv makePolicy makeRecurrentPolicy makeSchedule makeTrainingEnvs
  makeValueFunction makeVec matmul max maxPool2d maximum mean minimum mse mul neg noGrad oneHot orthogonal
  parseJsonl pathwiseGradient pathwiseReturn pendingIds polyak pow ppoLoss putAlongAxis ratioStats
  readProgressJsonl register registerAlgorithm registeredIds reinforceWeights relu reshape rewardToGo
  runEvaluation runWorker scatterAdd scoreFunction serializeParams setCheckNumerics shapeStr sigmoid sign
  sizeOf slice softTarget softmax softplus spec sqrt square standardize sub sum takeAlongAxis tanh
  terminationFn train transpose trustRegionStep unflatten valueLoss variance weightDiagnostics where
  xavierNormal xavierUniform
`
  .trim()
  .split(/\s+/);

/** Implementation details that stay importable from their folders but are not the package's promise. */
const INTERNAL =
  'gatherRows optimizerToState optimizerFromState loadModule replayTensors restoreReplay ensembleState episodeLogFields meanStd pick gemm setWasmKernels allocData lstmGates crc32 crc32c csvLine encodeEvent parseAssignment deepMerge FORBIDDEN_KEYS estimateMemory logDetTanh resolveEncoder Standardizer'.split(
    ' ',
  );

test('the package entry exports exactly the chosen public names, and no internals', () => {
  // src/export/index.ts is the public face of the exporters (another folder's decision): all of it is re-exported.
  const fromExport = Object.keys(exportFace);
  assert.deepEqual(
    fromExport.filter((n) => !(n in entry)),
    [],
  );
  const names = Object.keys(entry)
    .filter((n) => !fromExport.includes(n))
    .sort();
  const extra = names.filter((n) => !PUBLIC.includes(n));
  const missing = PUBLIC.filter((n) => !names.includes(n));
  assert.deepEqual({ extra, missing }, { extra: [], missing: [] }, 'src/index.ts and PUBLIC disagree');
  assert.deepEqual(
    INTERNAL.filter((n) => n in entry),
    [],
  );
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
