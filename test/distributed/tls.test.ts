/**
 * rediss:// end to end: a redis-server that speaks TLS only, with a certificate from a test
 * authority. With --tls-ca the sweep is enqueued and read back; without it the certificate is
 * refused in one line (exit 2); --tls-insecure accepts it. Skips without redis-server or openssl.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, tempDir, userEnv } from '../cli/helpers.ts';
import { makeTestCertificates, SKIP_REDIS, TestRedis } from './redis-server.ts';

const certs = SKIP_REDIS ? null : makeTestCertificates(mkdtempSync(join(tmpdir(), 'ascent-tls-')));
const SKIP = SKIP_REDIS || (certs ? false : 'openssl could not make test certificates');

test('rediss:// with --tls-ca enqueues and reads back; an untrusted certificate is one line, exit 2', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const redis = await TestRedis.start({ tls: certs!, password: 'pw' });
  t.after(() => redis.stop());
  const cwd = tempDir('ascent-tls-sweep-');
  writeFileSync(join(cwd, 't.yaml'), 'algo: reinforce\nenv: CartPole-v1\nsteps: 256\nseeds: 2\n');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: userEnv() });
  assert.match(redis.url, /^rediss:\/\/:pw@localhost:\d+$/);
  const sub = run(['sweep', 't.yaml', '--redis', redis.url, '--tls-ca', certs!.ca, '--no-wait']);
  assert.equal(sub.status, 0, sub.stderr);
  const id = sub.stdout.trim();
  assert.match(id, /^t-[0-9a-f]{8}$/);
  const status = run(['sweep', 'status', id, '--redis', redis.url, '--tls-ca', certs!.ca]);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /0\/2 finished, 0 running, 0 failed/);
  const untrusted = run(['sweep', 'status', id, '--redis', redis.url]);
  assert.equal(untrusted.status, 2);
  assert.match(
    untrusted.stderr,
    /^ascent: the TLS certificate of Redis at rediss:\/\/:\*\*\*@localhost:\d+ is not accepted \(.*\); give its authority with --tls-ca <file\.pem>.*\n$/,
  );
  const insecure = run(['sweep', 'status', id, '--redis', redis.url, '--tls-insecure']);
  assert.equal(insecure.status, 0, insecure.stderr);
});
