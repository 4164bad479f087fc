/**
 * Bad input to `ascent sweep` and `ascent worker`: an unreachable Redis, wrong or missing
 * credentials, a malformed sweep file, a bad URL. Each is one line on stderr, exit 2, and nothing
 * reaches the queue.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BIN, tempDir, userEnv, type CliResult } from '../cli/helpers.ts';
import { freePort, SKIP_REDIS, TestRedis } from './redis-server.ts';

const GOOD = 'algo: ppo\nenv: CartPole-v1\nsteps: 512\nseeds: 2\nparams:\n  lr: [1.0e-3, 3.0e-4]\n';

// Started together: each command is mostly the TypeScript loader's start-up.
function run(args: string[], cwd: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function oneLine(r: CliResult, pattern: RegExp, args: string[]): void {
  const what = `ascent ${args.join(' ')}: ${r.stderr}`;
  assert.equal(r.code, 2, what);
  assert.equal(r.stdout, '', what);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, what);
  assert.match(lines[0], pattern, what);
}

test(
  'unreachable Redis, wrong or missing credentials, bad URLs and malformed sweep files: one line, exit 2, nothing enqueued',
  { skip: SKIP_REDIS, timeout: 120_000 },
  async (t) => {
    const redis = await TestRedis.start({ password: 'right' });
    t.after(() => redis.stop());
    const cwd = tempDir('ascent-sweep-bad-');
    writeFileSync(join(cwd, 'good.yaml'), GOOD);
    const bad: Record<string, string> = {
      'notyaml.yaml': 'algo: ppo\n  env: [',
      'nosteps.yaml': 'algo: ppo\nenv: CartPole-v1\nseeds: 2\n',
      'badkey.yaml': `${GOOD}colour: blue\n`,
      'badsetting.yaml': 'algo: ppo\nenv: CartPole-v1\nsteps: 512\nseeds: 1\nparams:\n  lrr: [0.001]\n',
      'badvalue.yaml': 'algo: ppo\nenv: CartPole-v1\nsteps: 512\nseeds: 1\nparams:\n  lr: [0.001, -1]\n',
      'distingrid.yaml': 'algo: ppo\nenv: CartPole-v1\nsteps: 512\nseeds: 1\nparams:\n  lr: { loguniform: [1.0e-5, 1.0e-2] }\n',
      'badenv.yaml': 'algo: ppo\nenv: CartPol-v1\nsteps: 512\nseeds: 1\n',
    };
    for (const [f, text] of Object.entries(bad)) writeFileSync(join(cwd, f), text);
    const closed = await freePort();
    const at = (auth: string) => `redis://${auth}127.0.0.1:${redis.port}`;
    const cases: [string[], RegExp][] = [
      [['sweep', 'good.yaml', '--redis', `redis://127.0.0.1:${closed}`], /^ascent: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/],
      [['sweep', 'good.yaml', '--redis', at(':wrong@')], /^ascent: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS/],
      [['sweep', 'good.yaml', '--redis', at('')], /^ascent: Redis at redis:\/\/127\.0\.0\.1:\d+ requires a password/],
      [['worker', '--redis', at(':wrong@')], /^ascent: Redis at .* refused the credentials/],
      [['sweep', 'good.yaml', '--redis', 'http://127.0.0.1:6379'], /^ascent: --redis: 'http:' URLs are not Redis; expected redis:\/\//],
      [['sweep', 'good.yaml', '--redis', at(':right@'), '--tls-insecure'], /^ascent: --tls-\* options need a rediss:\/\/ URL$/],
      [['sweep', 'notyaml.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: notyaml\.yaml: not valid YAML/],
      [['sweep', 'nosteps.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: nosteps\.yaml: 'steps' is missing/],
      [['sweep', 'badkey.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: badkey\.yaml: unknown key 'colour'/],
      [['sweep', 'badsetting.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: badsetting\.yaml \(configuration c0: lrr=0\.001\): .*lrr/],
      [['sweep', 'badvalue.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: badvalue\.yaml \(configuration c1: lr=-1\): .*lr/],
      [['sweep', 'distingrid.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: distingrid\.yaml: params 'lr' must be a list of values in a grid search/],
      [['sweep', 'badenv.yaml', '--redis', at(':right@'), '--no-wait'], /^ascent: unknown environment 'CartPol-v1'; closest: CartPole-v1/],
      [['sweep', 'missing.yaml'], /^ascent: sweep: no such file missing\.yaml$/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args, cwd)));
    cases.forEach(([args, pattern], i) => oneLine(results[i], pattern, args));
    const db = new Redis({ port: redis.port, host: '127.0.0.1', password: 'right' });
    t.after(() => db.disconnect());
    assert.deepEqual(await db.keys('*'), [], 'something reached Redis');
  },
);
