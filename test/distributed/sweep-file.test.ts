/** Sweep files, connection URLs, result checksums and the score table: unit tests against hand-computed values. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseSweep, sweepJobs, sweepConfigs, trainArgs, flatten } from '../../src/distributed/sweep-file.ts';
import { redisTarget } from '../../src/distributed/redis.ts';
import { readRunFiles, resultChecksum, uploadLimit, verifyResult, writeRunFiles, sha256, type JobResult } from '../../src/distributed/run-job.ts';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmEntry, buildConfig, createAlgorithm } from '../../src/train/setup.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { SWEEP_HELP } from '../../src/cli/sweep.ts';
import { summarize, sweepId, statusText } from '../../src/distributed/sweep.ts';
import type { StoredSweep } from '../../src/distributed/queue.ts';

const GRID = `
algo: ppo
env: CartPole-v1
steps: 2000
seeds: [4, 7]
set: { policy: { hidden: [16, 16] }, epochs: 2 }
params:
  lr: [1.0e-3, 3.0e-4]
  gamma: [0.9, 0.99, 0.999]
run: { evalEpisodes: 3, threshold: none }
`;

test('a grid expands into configurations x seeds, configuration-major, in file order', () => {
  const s = parseSweep(GRID, 'dir/my sweep.yaml');
  assert.equal(s.name, 'my-sweep');
  const jobs = sweepJobs(s);
  assert.equal(jobs.length, 2 * 3 * 2);
  assert.deepEqual(
    jobs.slice(0, 4).map((j) => [j.key, j.params]),
    [
      ['c0-s4', { lr: 1e-3, gamma: 0.9 }],
      ['c0-s7', { lr: 1e-3, gamma: 0.9 }],
      ['c1-s4', { lr: 1e-3, gamma: 0.99 }],
      ['c1-s7', { lr: 1e-3, gamma: 0.99 }],
    ],
  );
  assert.deepEqual(jobs.at(-1), { index: 11, key: 'c5-s7', config: 5, seed: 7, params: { lr: 3e-4, gamma: 0.999 } });
  // checkpointEvery defaults to a twentieth of the run, so a killed job loses at most 5% of it.
  assert.equal(s.run.checkpointEvery, 100);
});

test("a job's train arguments carry the fixed and swept settings as --set with JSON values", () => {
  const s = parseSweep(GRID, 'g.yaml');
  const job = sweepJobs(s)[3];
  assert.deepEqual(trainArgs(s, job, '/o'), [
    'train',
    'ppo',
    'CartPole-v1',
    '--seed',
    '7',
    '--steps',
    '2000',
    '--out',
    '/o',
    '--plain',
    '--set',
    'policy.hidden=[16,16]',
    '--set',
    'epochs=2',
    '--set',
    'lr=0.001',
    '--set',
    'gamma=0.99',
    '--eval-episodes',
    '3',
    '--threshold',
    'none',
    '--checkpoint-every',
    '100',
  ]);
  assert.deepEqual(flatten({ a: { b: 1, c: { d: [1] } }, e: {} }), { 'a.b': 1, 'a.c.d': [1], e: {} });
});

test('a random search draws reproducibly from each distribution within its bounds', () => {
  const text = `
algo: ppo
env: CartPole-v1
steps: 100
seeds: 2
search: random
samples: 200
samplerSeed: 3
params:
  lr: { loguniform: [1.0e-5, 1.0e-2] }
  gamma: { uniform: [0.9, 0.99] }
  nSteps: { int: [16, 18] }
  clipRange: [0.1, 0.2]
  entCoef: { categorical: [0, 0.01] }
`;
  const s = parseSweep(text, 'r.yaml');
  const a = sweepConfigs(s);
  assert.deepEqual(a, sweepConfigs(parseSweep(text, 'r.yaml')));
  assert.notDeepEqual(a, sweepConfigs(parseSweep(text.replace('samplerSeed: 3', 'samplerSeed: 4'), 'r.yaml')));
  assert.equal(a.length, 200);
  assert.equal(sweepJobs(s).length, 400);
  for (const c of a) {
    assert.ok((c.lr as number) >= 1e-5 && (c.lr as number) <= 1e-2);
    assert.ok((c.gamma as number) >= 0.9 && (c.gamma as number) <= 0.99);
    assert.ok([16, 17, 18].includes(c.nSteps as number));
    assert.ok([0.1, 0.2].includes(c.clipRange as number));
    assert.ok([0, 0.01].includes(c.entCoef as number));
  }
  // Every int and categorical value is drawn; log-uniform puts about half the draws below the geometric mean 3.16e-4.
  assert.deepEqual(new Set(a.map((c) => c.nSteps)), new Set([16, 17, 18]));
  const below = a.filter((c) => (c.lr as number) < Math.sqrt(1e-5 * 1e-2)).length;
  assert.ok(below > 70 && below < 130, `${below} of 200 below the geometric mean`);
});

test('malformed sweep files are one-line errors naming the key and the expected form', () => {
  const base = 'algo: ppo\nenv: CartPole-v1\nsteps: 100\nseeds: 2\n';
  const cases: [string, RegExp][] = [
    ['- 1\n- 2\n', /^f\.yaml: expected a mapping with algo, env, steps, seeds and params, got \[1,2\]$/],
    ['algo: ppo\nenv: CartPole-v1\nseeds: 2\n', /^f\.yaml: 'steps' is missing/],
    [base.replace('steps: 100', 'steps: 1.5'), /^f\.yaml: 'steps' must be an integer in 1\.\.1000000000000, got 1\.5$/],
    [base.replace('seeds: 2', 'seeds: [1, 1]'), /^f\.yaml: 'seeds' lists a seed twice: \[1,1\]$/],
    [base.replace('seeds: 2', 'seeds: []'), /^f\.yaml: 'seeds' must be a count or a non-empty list of seeds, got \[\]$/],
    [`${base}search: bayes\n`, /^f\.yaml: 'search' must be 'grid' or 'random', got "bayes"$/],
    [`${base}samples: 3\n`, /^f\.yaml: 'samples' is for search: random/],
    [`${base}params:\n  lr: []\n`, /^f\.yaml: params 'lr' is an empty list$/],
    [`${base}params:\n  __proto__.x: [1]\n`, /^f\.yaml: config key '__proto__\.x' is not allowed/],
    [`${base}search: random\nsamples: 2\nparams:\n  lr: { normal: [0, 1] }\n`, /^f\.yaml: params 'lr' must be a list of values or one of \{categorical/],
    [`${base}search: random\nsamples: 2\nparams:\n  lr: { loguniform: [0, 1] }\n`, /^f\.yaml: params 'lr'\.loguniform needs 0 < lo <= hi, got \[0,1\]$/],
    [
      `${base}search: random\nsamples: 2\nparams:\n  lr: { uniform: [2, 1] }\n`,
      /^f\.yaml: params 'lr'\.uniform must be \[lo, hi\] with finite numbers lo <= hi, got \[2,1\]$/,
    ],
    [`${base}run: { every: 3 }\n`, /^f\.yaml: unknown run key 'every'/],
    [`${base}run: { threshold: high }\n`, /^f\.yaml: 'run\.threshold' must be a number or none, got "high"$/],
    [`${base}name: "a b"\n`, /^f\.yaml: 'name' must be 1-64 letters, digits, '-' or '_', got "a b"$/],
    [
      `${base}params:\n  a: [1,2,3,4,5,6,7,8,9,10]\n  b: [1,2,3,4,5,6,7,8,9,10]\n  c: [1,2,3,4,5,6,7,8,9,10]\n  d: [1,2,3,4,5,6,7,8,9,10]\n`,
      /^f\.yaml: 20000 jobs .* is more than 10000$/,
    ],
  ];
  for (const [text, re] of cases)
    assert.throws(
      () => parseSweep(text, 'f.yaml'),
      (e: Error) => e.name === 'ConfigError' && re.test(e.message) && !e.message.includes('\n'),
      text,
    );
});

test('the sweep id is the name and a hash of the jobs: the same file gives the same id, any change another', () => {
  const s = parseSweep(GRID, 'g.yaml');
  const id = sweepId(s, sweepJobs(s));
  assert.match(id, /^g-[0-9a-f]{8}$/);
  assert.equal(sweepId(parseSweep(GRID, 'g.yaml'), sweepJobs(s)), id);
  const t = parseSweep(GRID.replace('steps: 2000', 'steps: 2001'), 'g.yaml');
  assert.notEqual(sweepId(t, sweepJobs(t)), id);
});

test('Redis URLs: host, port, database, user and password, TLS with rediss://, the password from the environment', () => {
  const a = redisTarget('redis://alice:p%40ss@example.org:6390/3', {}, {});
  assert.deepEqual(a.options, { host: 'example.org', port: 6390, db: 3, username: 'alice', password: 'p@ss' });
  assert.equal(a.shown, 'redis://alice:***@example.org:6390/3');
  const b = redisTarget('rediss://10.0.0.2', { tlsInsecure: true }, { ASCENT_REDIS_PASSWORD: 'env-pw' });
  assert.deepEqual(b.options, { host: '10.0.0.2', port: 6379, db: 0, password: 'env-pw', tls: { rejectUnauthorized: false } });
  assert.equal(b.shown, 'rediss://10.0.0.2');
  const c = redisTarget('rediss://cache.internal:6380', {}, {});
  assert.deepEqual(c.options.tls, { servername: 'cache.internal', rejectUnauthorized: true });
  for (const [url, re] of [
    ['localhost:6379', /'localhost:' URLs are not Redis/],
    ['not a url', /'not a url' is not a URL/],
    ['redis://h/db1', /database 'db1' must be a number/],
  ] as const)
    assert.throws(() => redisTarget(url, {}, {}), re);
  assert.throws(() => redisTarget('redis://h', { tlsCa: 'ca.pem' }, {}), /--tls-\* options need a rediss:\/\/ URL/);
  assert.throws(() => redisTarget('rediss://h', { tlsCa: '/nonexistent/ca.pem' }, {}), /--tls-ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
});

function result(key: string, config: number, seed: number, mean: number | null, best: number | null): JobResult {
  const data = Buffer.from(`run ${key}`).toString('base64');
  const r: Omit<JobResult, 'checksum'> = {
    sweep: 's-0',
    key,
    index: 0,
    config,
    seed,
    params: {},
    algo: 'ppo',
    env: 'CartPole-v1',
    steps: 10,
    reason: 'steps',
    final: mean === null ? null : { mean, std: 0, episodes: 1, solved: null },
    best: best === null ? null : { mean: best, steps: 5 },
    seconds: 1,
    resumed: 0,
    host: 'h',
    finishedAt: 't',
    run: { run: 'r', steps: 10, files: { 'progress.csv': { sha256: sha256(Buffer.from(`run ${key}`)), data } } },
  };
  return { ...r, checksum: resultChecksum(r) };
}

test('results carry checksums: a changed value or file is caught', () => {
  const r = result('c0-s0', 0, 0, 10, 12);
  verifyResult(r);
  assert.throws(() => verifyResult({ ...r, final: { ...r.final!, mean: 11 } }), /result of job s-0\/c0-s0: checksum mismatch/);
  const files = { 'progress.csv': { ...r.run.files['progress.csv'], data: Buffer.from('run c0-s1').toString('base64') } };
  const tampered = { ...r, run: { ...r.run, files } };
  assert.throws(() => verifyResult({ ...tampered, checksum: resultChecksum(tampered) }), /progress\.csv does not match its SHA-256/);
});

test('the score table: mean and std over seeds of the final return per configuration, and the best configuration', () => {
  const s = parseSweep('algo: ppo\nenv: CartPole-v1\nsteps: 10\nseeds: 2\nparams:\n  lr: [0.1, 0.2, 0.3]\n', 't.yaml');
  const sweep: StoredSweep = { id: 's-0', spec: s, jobs: sweepJobs(s), submittedAt: '' };
  // c0: 10 and 30 (mean 20, population std 10); c1: 40 and 20 (mean 30, std 10); c2: one of two seeds, 25.
  const rs = [
    result('c0-s0', 0, 0, 10, 15),
    result('c0-s1', 0, 1, 30, 31),
    result('c1-s0', 1, 0, 40, 44),
    result('c1-s1', 1, 1, 20, 20),
    result('c2-s0', 2, 0, 25, null),
  ];
  const { rows, best } = summarize(sweep, rs);
  assert.deepEqual(
    rows.map((r) => [r.config, r.done, r.seeds, r.mean, r.std, r.best]),
    [
      [0, 2, 2, 20, 10, 31],
      [1, 2, 2, 30, 10, 44],
      [2, 1, 2, 25, 0, null],
    ],
  );
  assert.equal(best?.config, 1);
  const text = statusText(sweep, rs, { 'c2-s1': 'ascent train exited with 1: boom' }, {});
  assert.match(
    text,
    /^sweep s-0: ppo on CartPole-v1, 10 steps, 3 configurations x 2 seeds = 6 jobs\n5\/6 finished, 0 running, 1 failed\n {2}failed c2-s1: ascent train exited with 1: boom\n/,
  );
  assert.match(text, /\nc1 +lr=0\.2 +2\/2 +30\.00 ± 10\.00 +44\.00\n/);
  assert.match(text, /best configuration: c1 lr=0\.2: final return 30\.00 ± 10\.00 over 2 seeds\n$/);
});

test('files over the upload limit travel as their hash only: the result verifies and the copy leaves them out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-upload-'));
  const run = join(dir, 'job', 'run-1');
  mkdirSync(join(run, 'checkpoints'), { recursive: true });
  // A real checkpoint (readRunFiles reads its step count) and a small progress file.
  const algo = createAlgorithm(algorithmEntry('reinforce'), buildConfig(algorithmEntry('reinforce'), 'CartPole-v1', { sets: { batchSteps: 64 } }));
  const info = {
    algo: 'reinforce',
    env: 'CartPole-v1',
    config: {},
    run: { totalSteps: 64, evalEvery: 0, evalEpisodes: 1, evalSeed: 0, threshold: null, checkpointEvery: 0 },
  };
  const driver = { nextEval: null, nextCheckpoint: null, bestMean: null, bestSteps: null, evaluations: 0, lastEval: null };
  const ck = encodeCheckpoint({ kind: 'last', state: algo.getState(), driver, steps: 0 }, info);
  algo.close();
  writeFileSync(join(run, 'checkpoints', 'last.ascent'), ck);
  writeFileSync(join(run, 'progress.csv'), 'steps\n64\n');
  const small = readRunFiles(run, ck.length - 1);
  assert.equal(small.files['checkpoints/last.ascent'].data, null);
  assert.equal(small.files['checkpoints/last.ascent'].sha256, sha256(ck));
  assert.equal(Buffer.from(small.files['progress.csv'].data!, 'base64').toString(), 'steps\n64\n');
  assert.notEqual(readRunFiles(run, ck.length).files['checkpoints/last.ascent'].data, null);
  const { checksum: _, ...rest } = { ...result('c0-s0', 0, 0, 1, 1), run: small };
  verifyResult({ ...rest, checksum: resultChecksum(rest) });
  const copy = writeRunFiles(join(dir, 'elsewhere'), small);
  assert.deepEqual(readdirSync(copy).sort(), ['checkpoints', 'progress.csv']);
  assert.deepEqual(readdirSync(join(copy, 'checkpoints')), []);
  assert.throws(() => uploadLimit({ ASCENT_SWEEP_UPLOAD_MB: 'lots' }), /ASCENT_SWEEP_UPLOAD_MB must be a number of megabytes in 0\.\.384, got 'lots'/);
  assert.equal(uploadLimit({}), 64 * 1024 * 1024);
});

test("the sweep file in 'ascent sweep --help' is a valid sweep", () => {
  const text = SWEEP_HELP.trim().split('\n\n')[0].split('\n').slice(1).join('\n');
  const s = parseSweep(text, 'lr.yaml');
  assert.deepEqual(
    [s.algo, s.env, s.steps, s.seeds, s.params, s.set, s.run.threshold],
    ['ppo', 'CartPole-v1', 100000, [0, 1, 2], { lr: [1e-3, 3e-4] }, { numEnvs: 8 }, 'none'],
  );
  assert.equal(sweepJobs(s).length, 6);
});
