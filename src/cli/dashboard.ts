/** `ascent dashboard [runs-dir]`: serve the live dashboard of a runs directory (and with --redis, a sweep queue's sweeps) until Ctrl-C. */
import { startDashboard, type Dashboard } from '../web/server.ts';
import { ConfigError } from '../train/setup.ts';
import type { RedisFlags, RedisTarget } from '../distributed/redis.ts';

/** Errors of listen() that mean the user's --host or --port cannot be used: usage errors (exit 2). */
const BAD_ADDRESS: Record<string, string> = {
  ENOTFOUND: 'is not a known host name or address',
  EAI_AGAIN: 'cannot be resolved now',
  EADDRNOTAVAIL: 'is not an address of this machine',
  EACCES: 'needs privileges for this port',
  EADDRINUSE: 'is in use',
};

export async function dashboardCommand(runsDir: string | undefined, f: { port: number; host: string; redis?: string } & RedisFlags): Promise<void> {
  let redis: RedisTarget | undefined;
  if (f.redis) {
    // A bad URL, an unreachable server or wrong credentials: one line and exit 2 before serving.
    const { connectRedis, redisTarget } = await import('../distributed/redis.ts');
    redis = redisTarget(f.redis, f);
    (await connectRedis(redis)).disconnect();
  }
  let d: Dashboard;
  try {
    d = await startDashboard({ runsDir: runsDir ?? 'runs', port: f.port, host: f.host, redis });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (/in use/.test((e as Error).message) ? 'EADDRINUSE' : '');
    if (code in BAD_ADDRESS) {
      throw new ConfigError(
        `dashboard: cannot serve on --host ${f.host} --port ${f.port}: ${code === 'EADDRINUSE' || code === 'EACCES' ? `port ${f.port}` : `'${f.host}'`} ${BAD_ADDRESS[code]}${code === 'EADDRINUSE' ? '; choose another with --port (0: any free port)' : ''}`,
      );
    }
    throw e;
  }
  process.stdout.write(`dashboard for ${d.runsDir}${redis ? ` and the sweeps on ${redis.shown}` : ''} at ${d.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await d.close();
}
