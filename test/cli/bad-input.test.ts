import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync, unlinkSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, tempDir, onlyRun, snapshotTree } from './helpers.ts';

const cwd = tempDir();
const base = ascent(['train', 'reinforce', 'CartPole-v1', '--set', 'batchSteps=256', '--steps', '512', '--eval-every', '0', '--eval-episodes', '2'], cwd);
const run = base.code === 0 ? onlyRun(join(cwd, 'runs')) : '';
writeFileSync(join(cwd, 'bad-type.yaml'), 'lr: fast\n');
writeFileSync(join(cwd, 'bad-key.yaml'), 'policy:\n  hiden: [32]\n');
writeFileSync(join(cwd, 'not-a-mapping.yaml'), `${'a long line that is not a setting '.repeat(20)}\n`);

/** Run a bad command: exit 2, exactly one line on stderr matching `message`, nothing on stdout, nothing changed on disk. */
function rejects(args: string[], message: RegExp): void {
  const before = snapshotTree(cwd);
  const r = ascent(args, cwd);
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  assert.match(lines[0], message);
  assert.equal(r.stdout, '');
  assert.deepEqual(snapshotTree(cwd), before, `${args.join(' ')} wrote nothing`);
}

test('the base run for the resume cases trained', () => {
  assert.equal(base.code, 0, base.stderr);
});

test('unknown algorithm or environment: the closest names', () => {
  rejects(['train', 'reinforc', 'CartPole-v1'], /^ascent: unknown algorithm 'reinforc'; closest: reinforce/);
  rejects(['train', 'ppo', 'Cartpole-v1'], /^ascent: unknown environment 'Cartpole-v1'; closest: CartPole-v1, CartPole-v0/);
});

test('unknown config key: the dotted path and the valid keys', () => {
  rejects(
    ['train', 'reinforce', 'CartPole-v1', '--set', 'lrr=1e-3'],
    /unknown config key 'lrr' \(did you mean 'lr'\?\); valid keys: env, envKwargs, seed, numEnvs,.* totalSteps$/,
  );
  rejects(
    ['train', 'reinforce', 'CartPole-v1', '--config', 'bad-key.yaml'],
    /unknown config key 'policy\.hiden' \(did you mean 'policy\.hidden'\?\); valid keys: policy\.kind, policy\.hidden/,
  );
});

test('a value of the wrong type or range', () => {
  rejects(['train', 'reinforce', 'CartPole-v1', '--config', 'bad-type.yaml'], /reinforce: 'lr' must be a number, got "fast"/);
  // Env options: the env's own words, after the algorithm's.
  rejects(
    ['train', 'reinforce', 'CartPole-v1', '--set', 'envKwargs.foo=1'],
    /^ascent: reinforce: envKwargs: CartPole-v1: unknown option "foo"; the options are renderMode, suttonBartoReward, renderWidth, renderHeight$/,
  );
  rejects(
    ['train', 'reinforce', 'CartPole-v1', '--set', 'envKwargs=[1]'],
    /^ascent: reinforce: 'envKwargs' must be a mapping of option names to values, or null, got \[1\]$/,
  );
  // A file of another kind is quoted in short, not whole.
  rejects(
    ['train', 'reinforce', 'CartPole-v1', '--config', 'not-a-mapping.yaml'],
    /^ascent: --config not-a-mapping\.yaml: expected a mapping of settings, got "a long line.{40,80}…$/,
  );
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'gamma=1.5'], /reinforce: 'gamma' must be in \[0, 1\], got 1\.5/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'returns=sometimes'], /'returns' must be one of "full", "rewardToGo", got "sometimes"/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--steps', '-5'], /--steps must be an integer in 1\.\.1000000000000, got '-5'/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--threshold', 'high'], /--threshold must be a number \(or 'none'\), got 'high'/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--bogus'], /unknown option '--bogus'/);
});

test('--resume of a missing or corrupted checkpoint', () => {
  rejects(['train', '--resume', 'runs/nothing-here'], /--resume: no such run directory runs\/nothing-here/);
  // A run directory without its checkpoint.
  const copy = join(cwd, 'runs', 'copy');
  cpSync(run, copy, { recursive: true });
  unlinkSync(join(copy, 'checkpoints', 'last.ascent'));
  rejects(['train', '--resume', copy], /has no checkpoint \(checkpoints\/last\.ascent is missing\)/);
  // One flipped bit in the parameter data: the CRC-32 catches it.
  const ck = join(run, 'checkpoints', 'last.ascent');
  const good = readFileSync(ck);
  const bad = Buffer.from(good);
  bad[bad.length - 10] ^= 0x10;
  writeFileSync(ck, bad);
  try {
    rejects(['train', '--resume', run], /checkpoint .*last\.ascent is unusable: parameter file: checksum mismatch .*corrupted/);
    rejects(['eval', run], /checkpoint .*last\.ascent is unusable: parameter file: checksum mismatch/);
    writeFileSync(ck, good.subarray(0, good.length - 100));
    rejects(['train', '--resume', run], /unusable: parameter file: expected \d+ bytes.*found \d+: truncated or corrupted/);
  } finally {
    writeFileSync(ck, good);
  }
  rejects(['train', '--resume', run, '--seed', '1'], /--resume continues a run with its saved config; --seed cannot change it/);
  rejects(
    ['train', '--resume', run, '--set', 'batchSteps=128'],
    /--resume: 'batchSteps' cannot change in a resumed run \(256 -> 128\): it shapes what the run saved; start a new run to change it \(a resume can change gaeLambda, normalizeAdvantages, gamma, lr, lrSchedule, maxGradNorm, valueLr, valueIters\)$/,
  );
  rejects(['train', '--resume', run, '--set', 'lrr=1'], /reinforce: unknown config key 'lrr' \(did you mean 'lr'\?\)/);
  rejects(['train', '--resume', run, '--set', 'lr=fast'], /reinforce: 'lr' must be a number, got "fast"/);
});

test("an algorithm that does not support the env's action space is refused", async () => {
  rejects(['train', 'sac', 'CartPole-v1'], /sac does not support CartPole-v1's discrete action space Discrete\(2\); it supports continuous actions/);
  const { checkActionSpace } = await import('../../src/train/setup.ts');
  const { ALGORITHMS } = await import('../../src/algos/index.ts');
  assert.throws(
    () => checkActionSpace({ ...ALGORITHMS.reinforce, name: 'discrete-only', actionSpaces: ['discrete'] }, 'MountainCarContinuous-v0'),
    /discrete-only does not support MountainCarContinuous-v0's continuous action space/,
  );
});

test('plot and eval bad input', () => {
  rejects(['plot', run, '--out', 'curves.jpg'], /--out must end in \.svg or \.png/);
  rejects(['plot', 'runs/none', '--out', 'c.svg'], /plot: no such run directory runs\/none/);
  rejects(['eval', run, '--record', 'x.mp4'], /--record writes a GIF/);
  assert.ok(!existsSync(join(cwd, 'curves.jpg')));
  assert.deepEqual(readdirSync(join(cwd, 'runs')).length, 2);
});

test("'__proto__', 'constructor' and 'prototype' are refused as keys wherever config is merged", async () => {
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', '__proto__.stopAt=512'], /config key '__proto__\.stopAt' is not allowed/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'policy.constructor.x=1'], /config key 'policy\.constructor\.x' is not allowed/);
  writeFileSync(join(cwd, 'proto.yaml'), '__proto__:\n  threshold: none\n');
  try {
    rejects(['train', 'reinforce', 'CartPole-v1', '--config', 'proto.yaml'], /config key '__proto__' is not allowed/);
  } finally {
    unlinkSync(join(cwd, 'proto.yaml'));
  }
  const { setDotted, deepMerge } = await import('../../src/train/overrides.ts');
  const { resolveConfig } = await import('../../src/train/config.ts');
  // JSON.parse makes '__proto__' an own key, as a config.json or checkpoint header would carry it.
  const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "policy": {"prototype": {"polluted": 1}}}');
  assert.throws(() => setDotted({}, '__proto__.polluted', 1), /'__proto__\.polluted' is not allowed/);
  assert.throws(() => setDotted({}, 'a.prototype', 1), /'a\.prototype' is not allowed/);
  assert.throws(() => deepMerge({}, hostile), /'__proto__' is not allowed/);
  assert.throws(() => deepMerge({}, { policy: hostile.policy }), /'policy\.prototype' is not allowed/);
  assert.throws(() => deepMerge({}, { list: [{ constructor: 1 }] }), /'list\[0\]\.constructor' is not allowed/);
  assert.throws(() => resolveConfig('t', { a: 1, free: null }, hostile), /'__proto__' is not allowed/);
  assert.throws(() => resolveConfig('t', { a: 1, free: null }, { free: hostile }), /'free\.__proto__' is not allowed/);
  // Keys inherited from Object.prototype are not settings either.
  assert.throws(() => resolveConfig('t', { a: 1 }, { toString: 1 } as never), /unknown config key 'toString'/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('seeds, step counts and ports must be exact integers in their documented ranges', async () => {
  rejects(['train', 'reinforce', 'CartPole-v1', '--seed', '9007199254740993'], /--seed must be an integer in 0\.\.4294967295, got '9007199254740993'/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'seed=1e30'], /reinforce: 'seed' must be an integer in 0\.\.4294967295 \(2\^32 - 1\), got 1e\+30/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'totalSteps=1e30'], /'totalSteps' must be an integer in 1\.\.1000000000000, got 1e\+30/);
  rejects(['dashboard', '--port', '99999'], /--port must be an integer in 0\.\.65535, got '99999'/);
  // The parsers themselves, in process.
  const { int } = await import('../../src/cli/options.ts');
  const seed = int('seed', 0, 2 ** 32 - 1);
  assert.equal(seed('4294967295'), 4294967295);
  assert.equal(seed('1e3'), 1000);
  for (const bad of ['1e30', '4294967296', '-1', '1.5', '0x10', '', ' ']) assert.throws(() => seed(bad), /--seed must be an integer in 0\.\.4294967295/, bad);
  assert.throws(() => int('steps', 1, 1e12)('1e30'), /--steps must be an integer in 1\.\.1000000000000, got '1e30'/);
  assert.throws(() => int('n')('9007199254740993'), /--n must be an integer in 0\.\.2\^53 - 1/);
  const { resolveConfig } = await import('../../src/train/config.ts');
  assert.throws(
    () => resolveConfig('t', { n: 1 }, { n: 1e300 }, { n: (v: number) => (Number.isSafeInteger(v) ? null : 'must be an integer') }),
    /'n' must be an integer, got 1e\+300/,
  );
  const { REINFORCE_DEFAULTS } = await import('../../src/algos/reinforce.ts');
  assert.throws(() => resolveConfig('reinforce', REINFORCE_DEFAULTS, { seed: 2 ** 32 }), /'seed' must be an integer in 0\.\.4294967295/);
});

test('--out must be a writable directory (or a file in one), refused before anything is written', async () => {
  writeFileSync(join(cwd, 'a-file'), 'x');
  try {
    rejects(['train', 'reinforce', 'CartPole-v1', '--out', ''], /--out must name a directory, got ''/);
    rejects(['train', 'reinforce', 'CartPole-v1', '--out', 'a-file'], /--out must be a directory, but a-file is a file/);
    if (existsSync('/proc/self'))
      rejects(['train', 'reinforce', 'CartPole-v1', '--out', '/proc/x'], /--out \/proc\/x: \/proc is a special filesystem \(proc\)/);
    const { outDir, outFile } = await import('../../src/cli/options.ts');
    const dir = outDir('out'),
      file = outFile('out');
    const at = (p: string) => join(cwd, p);
    assert.equal(dir(at('new/deeper')), at('new/deeper'), 'a directory that can be created');
    assert.throws(() => dir(at('a-file/sub')), /a-file is not a directory/);
    assert.equal(file(at('c.svg')), at('c.svg'));
    assert.throws(() => file(at('a-file/c.svg')), /a-file is not an existing directory/);
    assert.throws(() => file(at('no-dir/c.svg')), /no-dir is not an existing directory/);
    assert.throws(() => file(cwd), /--out must name a file, but .* is a directory/);
    assert.throws(() => file(''), /--out must name a file, got ''/);
    if (existsSync('/proc/self')) {
      assert.throws(() => file('/proc/c.svg'), /\/proc is a special filesystem \(proc\)/);
      assert.throws(() => dir('/sys/x'), /\/sys is a special filesystem \(sysfs\)/);
    }
    assert.throws(() => dir('/dev/x'), /\/dev is a special filesystem/);
  } finally {
    unlinkSync(join(cwd, 'a-file'));
  }
});

test('a diverging run (--set lr=1e9) stops at the update that diverged and exits non-zero', () => {
  const out = tempDir();
  const r = ascent(
    [
      'train',
      'reinforce',
      'CartPole-v1',
      '--set',
      'lr=1e9',
      '--set',
      'batchSteps=64',
      '--set',
      'policy.hidden=[8]',
      '--steps',
      '512',
      '--eval-every',
      '0',
      '--eval-episodes',
      '1',
      '--out',
      out,
      '--plain',
    ],
    cwd,
  );
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /ascent: error: training diverged at update 1 \(64 steps\): parameter \S+ is -?\d\S* \(\|value\| above the bound 1000000\)/);
  const status = JSON.parse(readFileSync(join(onlyRun(out), 'status.json'), 'utf8'));
  assert.equal(status.state, 'failed');
  assert.match(status.error, /diverged at update 1/);
});

test('configs that cannot fit in memory are refused in one line before anything is allocated', () => {
  const t0 = Date.now();
  rejects(
    ['train', 'ppo', 'CartPole-v1', '--envs', '1e9'],
    /^ascent: ppo: this config needs about \S+ GiB of memory, more than the \S+ (GiB|MiB) available \(.*\); make it smaller$/,
  );
  rejects(['train', 'ppo', 'CartPole-v1', '--set', 'nSteps=1000000000'], /this config needs about .* \(.*over 8000000000 rows/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'policy.hidden=[4000000]'], /reinforce: this config needs about .*policy activations over \d+ rows/);
  rejects(['train', 'reinforce', 'CartPole-v1', '--set', 'policy.hidden=[100000,100000]'], /policy \[4, 100000, 100000, 2\] parameters: /);
  rejects(['train', 'sac', 'Pendulum-v1', '--set', 'bufferSize=10000000000'], /replay buffer of bufferSize 10000000000: /);
  // Fits in memory on a big machine, but no single tensor can hold a [256, 4000000] activation.
  rejects(
    ['train', 'ppo', 'CartPole-v1', '--set', 'policy.hidden=[4000000]'],
    /ppo: policy activations over 256 rows would need one array of 1024000000 numbers, more than the 536870912 \(2\^29\) one tensor can hold/,
  );
  assert.ok(Date.now() - t0 < 30_000, 'each refusal takes about a second, not the tens of seconds an out-of-memory crash took');
});

test('estimateMemory: hand-counted parameters, batches and buffers', async () => {
  const { estimateMemory, checkMemory } = await import('../../src/train/config.ts');
  const dims = { obsDim: 4, actDim: 1, actOutputs: 2, maxEpisodeSteps: 500 };
  const parts = Object.fromEntries(
    estimateMemory({ numEnvs: 2, nSteps: 16, frameStack: 1, batchSize: 8, policy: { hidden: [8] }, valueHidden: [3] }, dims).map((p) => [p.what, p.bytes]),
  );
  assert.equal(parts['2 environments'], 2 * 2048);
  assert.equal(parts['the rollout batch (numEnvs * nSteps = 2 * 16 steps)'], 32 * (2 * 5 * 4 + 64));
  assert.equal(parts['policy [4, 8, 2] parameters'], ((4 + 1) * 8 + (8 + 1) * 2) * 40);
  assert.equal(parts['policy activations over 32 rows'], 32 * (8 + 2) * 16);
  assert.equal(parts['value function [4, 3, 1] parameters'], ((4 + 1) * 3 + (3 + 1) * 1) * 40);
  const sac = Object.fromEntries(
    estimateMemory({ numEnvs: 1, bufferSize: 1000, batchSize: 4, hidden: [2] }, { ...dims, actOutputs: 1 }).map((p) => [p.what, p.bytes]),
  );
  assert.equal(sac['replay buffer of bufferSize 1000'], 1000 * ((2 * 4 + 1 + 1) * 4 + 2));
  assert.equal(sac['Q networks [5, 2, 1] parameters'], 4 * ((5 + 1) * 2 + (2 + 1)) * 40);
  // A recurrent policy: the cell's four gates as one [obs + h, 4h] matrix.
  const rec = Object.fromEntries(estimateMemory({ numEnvs: 1, nSteps: 8, policy: { hiddenSize: 3, headHidden: [] } }, dims).map((p) => [p.what, p.bytes]));
  assert.equal(rec['recurrent cell [7, 12] parameters'], (7 + 1) * 12 * 40);
  assert.equal(rec['policy head [3, 2] parameters'], (3 + 1) * 2 * 40);
  assert.throws(
    () => checkMemory('x', { numEnvs: 1000 }, dims, 1000 * 2048 - 1),
    /^RangeError: x: this config needs about 1\.95 MiB of memory, more than the 1\.95 MiB available \(1000 environments: 1\.95 MiB\)/,
  );
  checkMemory('x', { numEnvs: 1000 }, dims, 1000 * 2048);
  // One tensor holds at most 2^29 numbers: rows * width of an activation, or a weight matrix.
  checkMemory('x', { policy: { hidden: [2 ** 26] }, batchSize: 8 }, dims, Infinity);
  assert.throws(
    () => checkMemory('x', { policy: { hidden: [2 ** 27] }, batchSize: 8 }, dims, Infinity),
    /policy activations over 8 rows would need one array of 1073741824 numbers/,
  );
  assert.throws(
    () => checkMemory('x', { policy: { hidden: [2 ** 27 + 1] }, batchSize: 1 }, dims, Infinity),
    /policy \[4, 134217729, 2\] parameters would need one array of 536870916 numbers/,
  );
});

test('usage errors exit 2 everywhere: an unusable --host or a --port in use, counts past a sane maximum', async () => {
  rejects(
    ['dashboard', '--host', '999.1.1.1', '--port', '0'],
    /^ascent: dashboard: cannot serve on --host 999\.1\.1\.1 --port 0: '999\.1\.1\.1' is not a known host name or address$/,
  );
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  const port = (busy.address() as { port: number }).port;
  try {
    // Asynchronously: the busy port's server must keep answering while the command runs.
    const { ascentAsync } = await import('./helpers.ts');
    const r = await ascentAsync(['dashboard', cwd, '--port', String(port)], cwd).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^ascent: dashboard: cannot serve on --host 127\\.0\\.0\\.1 --port ${port}: port ${port} is in use; choose another with --port`),
    );
  } finally {
    busy.close();
  }
  rejects(['lab', 'estimators', '--horizon', '1e9'], /--horizon must be an integer in 1\.\.1000, got '1e9'/);
});
