/**
 * `ascent train` loads only what training needs (issue 12: the CLI's CPU time within 5% of the
 * library's). A module-resolution hook, preloaded into the command's process, lists every module
 * it resolves; Redis and BullMQ (sweep, worker), the dashboard's server, the exporters and the lab
 * must not be among them, nor the terminal progress bar when the output is plain lines. Commands whose modules load lazily still show their own help.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ascent, tempDir, userEnv } from './helpers.ts';

// Runs on the loader thread: each resolved URL, one a line, to $ASCENT_TEST_MODULES.
const HOOK = `import { appendFileSync } from 'node:fs';
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.ASCENT_TEST_MODULES, r.url + '\\n'); return r; }`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`,
)}`;

/** Modules of the other commands (from src/ or the compiled lib/). */
const NOT_FOR_TRAIN =
  /node_modules\/(bullmq|ioredis|cli-progress)\/|\/(src|lib)\/(web|export|lab|distributed)\/|\/(src|lib)\/cli\/(sweep|worker|dashboard|export|eval|plot|list|lab|record)\.[jt]s$/;

test('ascent train loads neither Redis, BullMQ, the dashboard, the exporters nor the lab', () => {
  const cwd = tempDir();
  const list = join(cwd, 'modules.txt');
  const args = [
    'train',
    'ppo',
    'CartPole-v1',
    '--steps',
    '64',
    '--set',
    'nSteps=8',
    '--set',
    'batchSize=64',
    '--eval-every',
    '0',
    '--eval-episodes',
    '1',
    '--plain',
  ];
  const r = spawnSync(process.execPath, ['--import', REGISTER, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: userEnv({ ASCENT_TEST_MODULES: list }),
  });
  assert.equal(r.status, 0, r.stderr);
  const urls = [...new Set(readFileSync(list, 'utf8').trim().split('\n'))];
  // The hook saw the command's own modules: the check below is not vacuous.
  assert.ok(
    urls.some((u) => /\/(src|lib)\/cli\/train\.[jt]s$/.test(u)),
    `the hook did not see cli/train: ${urls.slice(0, 5).join(', ')}`,
  );
  assert.ok(
    urls.some((u) => /\/(src|lib)\/algos\/ppo\.[jt]s$/.test(u)),
    'the hook did not see algos/ppo',
  );
  assert.deepEqual(
    urls.filter((u) => NOT_FOR_TRAIN.test(u)),
    [],
  );
});

test('lazily loaded commands still show their help: sweep --help and help sweep print the sweep file format', () => {
  const cwd = tempDir();
  for (const args of [
    ['sweep', '--help'],
    ['help', 'sweep'],
  ]) {
    const r = ascent(args, cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^A sweep file \(YAML; grid: every combination/m, args.join(' '));
    assert.match(r.stdout, /--redis <url>/);
  }
});
