/**
 * A private redis-server for tests and benches: a free port on 127.0.0.1 only, append-only
 * persistence with an fsync per write (a restart keeps every acknowledged result), a temporary
 * directory, and an optional password. Skips (returns null) when Debian's redis-server is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => spawnSync(p, ['--version']).status === 0) ?? null;

export const SKIP_REDIS = REDIS_SERVER ? false : 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * A certificate authority and a server certificate for localhost and 127.0.0.1, made with openssl
 * in `dir`; null when openssl is missing or fails.
 */
export function makeTestCertificates(dir: string): TlsFiles | null {
  const run = (args: string[]) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' }).status === 0;
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const ok =
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ascent-test-ca']) &&
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']) &&
    run([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]);
  return ok ? { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') } : null;
}

export class TestRedis {
  proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | null,
    readonly bind: string[],
    readonly tls: TlsFiles | null,
  ) {}

  /** `bind`: the addresses to listen on (default 127.0.0.1 only); the port is free on 127.0.0.1. */
  /** `tls`: serve TLS only (rediss://localhost:port) with this certificate. */
  static async start(opts: { password?: string; bind?: string[]; tls?: TlsFiles } = {}): Promise<TestRedis> {
    const r = new TestRedis(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'ascent-redis-')),
      opts.password ?? null,
      opts.bind ?? ['127.0.0.1'],
      opts.tls ?? null,
    );
    await r.startProcess();
    return r;
  }

  get url(): string {
    if (this.tls) return `rediss://${this.password ? `:${this.password}@` : ''}localhost:${this.port}`;
    return `redis://${this.password ? `:${this.password}@` : ''}${this.bind[0]}:${this.port}`;
  }

  async startProcess(): Promise<void> {
    const port = this.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          this.tls.cert,
          '--tls-key-file',
          this.tls.key,
          '--tls-ca-cert-file',
          this.tls.ca,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(this.port)];
    const args = [...port, '--bind', ...this.bind, '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    if (this.password) args.push('--requirepass', this.password);
    const p = spawn(REDIS_SERVER!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d;
        if (/Ready to accept connections/.test(out)) resolve();
      };
      p.stdout!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
      setTimeout(() => reject(new Error(`redis-server did not start in 10 s: ${out.slice(-500)}`)), 10_000).unref();
    });
  }

  /** Stop the server (SIGTERM: it finishes its append-only file) and wait for it. */
  async stopProcess(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
    this.proc = null;
  }

  async restart(): Promise<void> {
    await this.stopProcess();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * SIGSTOP the process training in `run` (its train.lock names it) and return its pid; the run must
 * still be going (a run that already finished would make the test prove nothing).
 */
export function freezeRun(run: string): number {
  let pid: number;
  try {
    pid = JSON.parse(readFileSync(join(run, 'train.lock'), 'utf8')).pid;
  } catch {
    throw new Error(`${run} has no train.lock: the job finished before the test could stop it mid-way`);
  }
  process.kill(pid, 'SIGSTOP');
  const st = JSON.parse(readFileSync(join(run, 'status.json'), 'utf8'));
  assert.equal(st.state, 'running', `${run} finished before the test could stop it mid-way`);
  return pid;
}
