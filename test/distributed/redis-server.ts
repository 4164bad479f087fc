/**
 * A private redis-server for tests and benches: a free port on 127.0.0.1 only, append-only
 * persistence with an fsync per write (a restart keeps every acknowledged result), a temporary
 * directory, and an optional password. Skips (returns null) when Debian's redis-server is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

export class TestRedis {
  proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | null,
    readonly bind: string[],
  ) {}

  /** `bind`: the addresses to listen on (default 127.0.0.1 only); the port is free on 127.0.0.1. */
  static async start(opts: { password?: string; bind?: string[] } = {}): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'ascent-redis-')), opts.password ?? null, opts.bind ?? ['127.0.0.1']);
    await r.startProcess();
    return r;
  }

  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}${this.bind[0]}:${this.port}`;
  }

  async startProcess(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', ...this.bind, '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
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
