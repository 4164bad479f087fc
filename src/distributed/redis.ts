/**
 * Redis connections from a URL: redis://[user:password@]host[:port][/db] or rediss:// (TLS), with
 * the password also from ASCENT_REDIS_PASSWORD (kept out of `ps`) and TLS options from flags.
 * Node-only. A connection is probed before anything is enqueued, so that an unreachable server or
 * wrong credentials is one line and exit 2.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../train/setup.ts';

export interface RedisFlags {
  /** TLS: a PEM file of the certificate authority that signed the server's certificate. */
  tlsCa?: string;
  /** TLS: accept any server certificate (testing only). */
  tlsInsecure?: boolean;
  /** TLS: the server name checked against its certificate (default: the URL's host). */
  tlsServername?: string;
}

export interface RedisTarget {
  options: RedisOptions;
  /** The URL without its password, for messages. */
  shown: string;
}

/** Connection options for `url`; a malformed URL is a ConfigError naming it. */
export function redisTarget(url: string, flags: RedisFlags = {}, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`--redis: '${url}' is not a URL; expected redis://[user:password@]host[:port][/db] or rediss://... for TLS`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ConfigError(`--redis: '${u.protocol}' URLs are not Redis; expected redis://[user:password@]host[:port][/db] or rediss://... for TLS`);
  if (!u.hostname) throw new ConfigError(`--redis: '${url}' names no host; expected redis://host[:port]`);
  const db = u.pathname.replace(/^\//, '');
  if (db && !/^\d{1,2}$/.test(db)) throw new ConfigError(`--redis: database '${db}' must be a number (redis://host:port/0)`);
  const tls = u.protocol === 'rediss:';
  if (!tls && (flags.tlsCa || flags.tlsInsecure || flags.tlsServername)) throw new ConfigError('--tls-* options need a rediss:// URL');
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db: db ? Number(db) : 0,
  };
  if (u.username) options.username = decodeURIComponent(u.username);
  const password = u.password ? decodeURIComponent(u.password) : env.ASCENT_REDIS_PASSWORD;
  if (password) options.password = password;
  if (tls) {
    // SNI carries host names only (RFC 6066): none for an address.
    const servername = flags.tlsServername ?? (isIP(options.host!) ? undefined : options.host);
    options.tls = { ...(servername ? { servername } : {}), rejectUnauthorized: !flags.tlsInsecure };
    if (flags.tlsCa) {
      try {
        options.tls.ca = readFileSync(flags.tlsCa);
      } catch (e) {
        throw new ConfigError(`--tls-ca: cannot read ${flags.tlsCa} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
  }
  const auth = u.username || u.password ? `${u.username}${u.password ? ':***' : ''}@` : '';
  return { options, shown: `${u.protocol}//${auth}${u.host}${db ? `/${db}` : ''}` };
}

/** The reason a connection failed, in words a user acts on. */
export function describeRedisError(e: unknown, shown: string): string {
  const err = e as NodeJS.ErrnoException;
  const msg = (err?.message ?? String(e)).split('\n')[0];
  if (/NOAUTH/.test(msg)) return `Redis at ${shown} requires a password (redis://:password@host:port, or ASCENT_REDIS_PASSWORD)`;
  if (/WRONGPASS|invalid password|NOPERM|invalid username/i.test(msg)) return `Redis at ${shown} refused the credentials (${msg})`;
  if (/certificate|CERT_|self[- ]signed/i.test(`${err?.code ?? ''} ${msg}`))
    return `the TLS certificate of Redis at ${shown} is not accepted (${msg}); give its authority with --tls-ca <file.pem> (or --tls-servername)`;
  if (err?.code === 'ECONNREFUSED') return `cannot reach Redis at ${shown}: connection refused (is redis-server running there?)`;
  if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') return `cannot reach Redis at ${shown}: unknown host`;
  if (err?.code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) return `cannot reach Redis at ${shown}: connection timed out`;
  return `cannot use Redis at ${shown}: ${msg}`;
}

/**
 * A connected client, or a ConfigError (exit 2) when the server cannot be reached or refuses the
 * credentials. `persistent`: reconnect forever and queue commands while the server is away (a
 * worker and a waiting submitter outlive a Redis restart); otherwise fail fast.
 */
export async function connectRedis(t: RedisTarget, { persistent = false, timeoutMs = 5000 } = {}): Promise<Redis> {
  const probe = new Redis({
    ...t.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The cause (refused, WRONGPASS, a TLS failure) arrives as an 'error' event; connect() then only says the connection closed.
  let cause: unknown = null;
  probe.on('error', (e) => (cause ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    throw new ConfigError(describeRedisError(cause ?? e, t.shown));
  }
  if (!persistent) return probe;
  probe.disconnect();
  const r = new Redis({ ...persistentOptions(t), lazyConnect: true });
  r.on('error', () => {});
  await r.connect();
  return r;
}

/** Options of the long-lived connections (BullMQ's too): reconnect with a capped backoff, never give up on a command. */
export function persistentOptions(t: RedisTarget): RedisOptions {
  return { ...t.options, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * n, 2000) };
}
