/**
 * The dashboard server (Node only): serves the dashboard and training pages (the browser build in
 * dist/web) on 127.0.0.1, a JSON API over the run directories in runsDir, and server-sent events
 * that push new progress rows and run changes as training writes them (polling file sizes, which
 * works the same on every platform and filesystem).
 *
 *   GET /api/runs                               { runsDir, error, runs: RunSummary[] }
 *   GET /api/runs/<run>                         { run: RunSummary, rows }
 *   GET /api/runs/<run>/checkpoints/<f>.ascent  the checkpoint bytes (played in the browser)
 *   GET /api/sweeps                             { runsDir, redis, sweeps: SweepView[] }
 *   GET /api/sweeps/<sweep>                     SweepView: jobs and their states, scores per configuration, the best
 *   GET /api/events                             SSE: dir, run, rows, removed, sweep, sweep-removed, redis
 *
 * A sweep directory (<runsDir>/<sweep>/ with sweep.json, as `ascent sweep` writes it) is no run
 * itself: each of its jobs' run directories (<sweep>/<job>/<run>/) is a run named '<sweep>/<job>',
 * addressed in the API as the two segments /api/runs/<sweep>/<job>. With a Redis queue (options.redis)
 * its sweeps are shown too, their jobs' states from the queue (and their runs from runsDir, where
 * the submitter collects them); `redis` says { url, error } of the queue (null without one).
 *
 * Only the runs listed (by name) and files inside the assets dir are served: a path segment
 * that decodes to '..', '.', or holds a slash, backslash or NUL is refused with 403, and a resolved
 * path (symlinks followed) outside its root is refused too, and so is a request whose Host header
 * is not a local name for this server (DNS rebinding).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RunReader, UnsafeFileError, listRunNames, readRegularInside, type Row, type RunSummary } from './runs.ts';
import { LocalSweepReader, RedisSweepReader, listSweepDirs, sweepRunDirs, type SweepView } from '../distributed/sweep-view.ts';
import type { RedisTarget } from '../distributed/redis.ts';

export interface DashboardOptions {
  /** Directory holding run directories (the CLI's runs/ or --out). It may not exist yet: the page then says so. */
  runsDir: string;
  /** Default 8050; 0 picks a free port (see Dashboard.port). */
  port?: number;
  /** Default 127.0.0.1 (local only); '0.0.0.0' serves the network and lifts the Host check. */
  host?: string;
  /** The browser build; default dist/web of this package, built on first start if missing. */
  assetsDir?: string;
  /** How often run directories are checked for new rows, in ms (default 500). */
  pollMs?: number;
  /** Progress rows per server-sent event (default ROWS_PER_EVENT). */
  rowsPerEvent?: number;
  /** Bytes of events a slow client may have waiting before it is disconnected (default CLIENT_QUEUE_BYTES). */
  clientQueueBytes?: number;
  /** A Redis sweep queue (`ascent dashboard --redis`): its sweeps are shown live beside the runs directory's. */
  redis?: RedisTarget;
  /** How often the queue is read, in ms (default 1000). */
  redisPollMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  runsDir: string;
  /** Event-stream subscribers, and the bytes held for them (Node's socket buffers plus queued events). */
  streams(): { clients: number; bufferedBytes: number; disconnected: number };
  close(): Promise<void>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ascent': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The largest file served (a checkpoint with a replay buffer can be tens of MB). */
const MAX_SERVED_BYTES = 1 << 30;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Decode one URL path segment, refusing anything that could step out of a directory. */
function segment(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw new Refused(400, `malformed percent-encoding in '${raw}'`);
  }
  if (s === '..' || s === '.' || /[/\\\0]/.test(s)) throw new Refused(403, `refused: '${raw}' would leave the served directory`);
  return s;
}

/** root/parts, refused unless it (symlinks resolved) stays inside root. */
function inside(root: string, parts: string[]): string {
  const p = resolve(root, ...parts);
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  const real = existsSync(p) ? realpathSync(p) : p;
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new Refused(403, 'refused: path outside the served directory');
  return p;
}

/** Rows per 'rows' event: a long history goes out in many bounded messages, never one. */
export const ROWS_PER_EVENT = 1000;
/**
 * Bytes of events one client may have waiting (beyond what its socket buffers hold) before it is
 * disconnected; its EventSource reconnects and starts from a fresh snapshot.
 */
export const CLIENT_QUEUE_BYTES = 1 << 20;

/**
 * One event-stream subscriber. Events are written while the socket accepts them (res.write's
 * return value) and queued otherwise; progress rows are not queued at all but generated from the
 * shared readers as the socket drains (`sent` counts the rows of each run this client has), so a
 * client that never reads costs a bounded amount however long the histories are.
 */
class Client {
  private queue: string[] = [];
  private queued = 0;
  private blocked = false;
  closed = false;
  /** Rows of each run already sent to this client; a run missing here gets a reset first. */
  readonly sent = new Map<string, number>();

  constructor(
    readonly res: ServerResponse,
    private readonly store: RunStore,
  ) {
    res.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    res.on('close', () => this.close());
    res.on('error', () => this.close()); // a reset connection: nothing more to send
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.blocked) {
      this.queue.push(text);
      this.queued += text.length;
      if (this.queued > this.store.clientQueueBytes) {
        // A reader this slow would hold ever more memory: drop it (it reconnects to a fresh snapshot).
        this.store.disconnected++;
        this.res.destroy();
        this.close();
      }
      return;
    }
    this.blocked = !this.res.write(text);
  }

  /** Write queued events, then progress rows, while the socket takes them. */
  flush(): void {
    while (!this.blocked && !this.closed && this.queue.length) {
      const text = this.queue.shift()!;
      this.queued -= text.length;
      this.blocked = !this.res.write(text);
    }
    while (!this.blocked && !this.closed) {
      const next = this.store.nextRows(this);
      if (!next) break;
      this.send('rows', next);
    }
  }

  /** Bytes held for this client: Node's write buffer and the queued events. */
  buffered(): number {
    return this.res.writableLength + this.queued;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.store.clients.delete(this);
  }
}

class RunStore {
  readonly readers = new Map<string, RunReader>();
  readonly summaries = new Map<string, string>();
  readonly sweepReaders = new Map<string, LocalSweepReader>();
  /** Each sweep's view as last sent (JSON), by id. */
  readonly sweeps = new Map<string, string>();
  /** The queue's sweeps as last read (kept while the queue cannot be reached), and its state. */
  redisViews: SweepView[] = [];
  redis: { url: string; error: string | null } | null = null;
  dirError: string | null = null;
  readonly clients = new Set<Client>();
  disconnected = 0;

  constructor(
    readonly runsDir: string,
    readonly rowsPerEvent = ROWS_PER_EVENT,
    readonly clientQueueBytes = CLIENT_QUEUE_BYTES,
  ) {}

  broadcast(event: string, data: unknown): void {
    for (const c of this.clients) c.send(event, data);
  }

  /** The next bounded chunk of rows this client lacks (a reset first for a run it has none of), or null. */
  nextRows(c: Client): { name: string; reset: boolean; rows: Row[] } | null {
    for (const [name, r] of this.readers) {
      if (!this.summaries.has(name)) continue; // its 'run' event goes first
      const sent = c.sent.get(name);
      if (sent !== undefined && sent >= r.rows.length) continue;
      const from = sent ?? 0;
      const rows = r.rows.slice(from, from + this.rowsPerEvent);
      c.sent.set(name, from + rows.length);
      return { name, reset: sent === undefined, rows };
    }
    return null;
  }

  poll(): void {
    let err: string | null = null;
    // Run name -> its directory: the runs directly inside runsDir, and each sweep job's run.
    const dirs = new Map<string, string>();
    let sweepIds: string[] = [];
    try {
      if (!existsSync(this.runsDir)) err = `runs directory ${this.runsDir} does not exist`;
      else if (!statSync(this.runsDir).isDirectory()) err = `${this.runsDir} is not a directory`;
      else {
        sweepIds = listSweepDirs(this.runsDir);
        for (const n of listRunNames(this.runsDir)) if (!sweepIds.includes(n)) dirs.set(n, join(this.runsDir, n));
        for (const id of sweepIds) for (const [k, run] of sweepRunDirs(join(this.runsDir, id))) dirs.set(`${id}/${k}`, join(this.runsDir, id, k, run));
      }
    } catch (e) {
      err = `cannot read runs directory ${this.runsDir}: ${(e as Error).message}`;
    }
    if (err !== this.dirError) {
      this.dirError = err;
      this.broadcast('dir', { runsDir: this.runsDir, error: err });
    }
    for (const [name, r] of [...this.readers]) {
      const dir = dirs.get(name);
      if (dir === r.dir) continue;
      this.readers.delete(name);
      this.summaries.delete(name);
      for (const c of this.clients) c.sent.delete(name);
      // A sweep job that started again in a new run directory keeps its name: its rows start over.
      if (dir === undefined) this.broadcast('removed', { name });
    }
    for (const [name, dir] of dirs) {
      let r = this.readers.get(name);
      if (!r) this.readers.set(name, (r = new RunReader(name, dir, this.runsDir)));
      let changes: ReturnType<RunReader['poll']>;
      try {
        changes = r.poll();
      } catch (e) {
        changes = { added: [], reset: false };
        console.error(`dashboard: reading ${name}: ${(e as Error).message}`);
      }
      const s = JSON.stringify(r.summary());
      if (s !== this.summaries.get(name)) {
        this.summaries.set(name, s);
        this.broadcast('run', JSON.parse(s));
      }
      // The file shrank (a resumed run): every client starts this run's rows again, with a reset.
      if (changes.reset) for (const c of this.clients) c.sent.delete(name);
    }
    this.pollSweeps(sweepIds);
    for (const c of this.clients) c.flush();
  }

  /** The queue's latest read: its sweeps, or why it cannot be read (the sweeps last read stay shown). */
  setRedis(url: string, views: SweepView[], error: string | null): void {
    if (!error) this.redisViews = views;
    if (this.redis?.error !== error || this.redis?.url !== url) {
      this.redis = { url, error };
      this.broadcast('redis', this.redis);
    }
  }

  private pollSweeps(ids: string[]): void {
    const views = new Map<string, SweepView>();
    for (const id of ids) {
      let r = this.sweepReaders.get(id);
      if (!r) this.sweepReaders.set(id, (r = new LocalSweepReader(this.runsDir, id)));
      try {
        views.set(id, r.view());
      } catch (e) {
        console.error(`dashboard: reading sweep ${id}: ${(e as Error).message}`);
      }
    }
    for (const id of [...this.sweepReaders.keys()]) if (!ids.includes(id)) this.sweepReaders.delete(id);
    // A queued sweep: the queue knows its jobs' states; runs collected into runsDir give the links to curves.
    for (const q of this.redisViews) {
      const local = views.get(q.id);
      if (local && !local.error && q.error) continue;
      const runs = new Map(local?.jobs.map((j) => [j.key, j.run]) ?? []);
      views.set(q.id, { ...q, jobs: q.jobs.map((j) => ({ ...j, run: j.run ?? runs.get(j.key) ?? null })) });
    }
    for (const id of [...this.sweeps.keys()]) {
      if (views.has(id)) continue;
      this.sweeps.delete(id);
      this.broadcast('sweep-removed', { id });
    }
    for (const [id, v] of views) {
      const s = JSON.stringify(v);
      if (s !== this.sweeps.get(id)) {
        this.sweeps.set(id, s);
        this.broadcast('sweep', v);
      }
    }
  }

  sweepList(): SweepView[] {
    return [...this.sweeps.values()].map((s) => JSON.parse(s));
  }

  /** A new subscriber first gets everything known so far (rows in bounded chunks), then the changes. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const c = new Client(res, this);
    this.clients.add(c);
    c.send('dir', { runsDir: this.runsDir, error: this.dirError });
    for (const name of this.readers.keys()) {
      const s = this.summaries.get(name);
      if (s) c.send('run', JSON.parse(s));
    }
    if (this.redis) c.send('redis', this.redis);
    for (const s of this.sweeps.values()) c.send('sweep', JSON.parse(s));
    c.flush();
  }

  list(): RunSummary[] {
    return [...this.summaries.values()].map((s) => JSON.parse(s));
  }
}

/**
 * `{...head, "rows": [...]}` written in bounded pieces as the socket accepts them, so that a long
 * history is never one string per request (a client that does not read holds one piece).
 */
function jsonRows(res: ServerResponse, head: Record<string, unknown>, rows: Row[], per: number): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  const open = JSON.stringify(head);
  let i = 0;
  const end = rows.length;
  const pump = (): void => {
    while (i < end && !res.destroyed) {
      const piece =
        (i === 0 ? '' : ',') +
        rows
          .slice(i, Math.min(end, i + per))
          .map((r) => JSON.stringify(r))
          .join(',');
      i += per;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(']}');
  };
  res.write(`${open.slice(0, -1)}${open.length > 2 ? ',' : ''}"rows":[`);
  pump();
}

/** The bundles the pages load; a build missing one (an older build, before the lab page) is redone. */
const BUNDLES = ['dashboard/main.js', 'train/worker.js', 'lab/main.js', 'lab/worker.js', 'lab/sw.js', 'mujoco/mujoco_wasm.js'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when every bundle exists and, in a checkout, none is older than the sources it bundles. */
function assetsCurrent(dir: string): boolean {
  if (!BUNDLES.every((b) => existsSync(join(dir, b)))) return false;
  const sources = join(ROOT, 'src');
  if (!existsSync(sources)) return true;
  const built = Math.min(...BUNDLES.map((b) => statSync(join(dir, b)).mtimeMs));
  return built >= newestMtime(sources);
}

async function ensureAssets(dir: string): Promise<string | null> {
  if (assetsCurrent(dir)) return null;
  try {
    const build = join(ROOT, 'scripts', 'build-web.mjs');
    const { buildWeb } = await import(pathToFileURL(build).href);
    await buildWeb({ outdir: dir, quiet: true });
    return null;
  } catch (e) {
    return `the dashboard page is not built (${dir}) and building it failed: ${(e as Error).message}. Run 'npm run build:web'.`;
  }
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const runsDir = resolve(opts.runsDir);
  const host = opts.host ?? '127.0.0.1';
  const assetsDir = resolve(opts.assetsDir ?? join(ROOT, 'dist', 'web'));
  const port = opts.port ?? 8050;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`dashboard: port must be an integer in 0..65535, got ${opts.port}`);
  const assetsError = await ensureAssets(assetsDir);
  const store = new RunStore(runsDir, opts.rowsPerEvent, opts.clientQueueBytes);
  store.poll();
  const timer = setInterval(() => store.poll(), opts.pollMs ?? 500);
  // The queue is read apart from the files (its answers are asynchronous); a read still going skips a turn.
  const queue = opts.redis ? new RedisSweepReader(opts.redis) : null;
  let reading: Promise<void> | null = null;
  const readQueue = () => {
    if (!queue || reading) return;
    reading = queue
      .read()
      .then(({ views, error }) => store.setRedis(queue.target.shown, views, error))
      .finally(() => (reading = null));
  };
  readQueue();
  const redisTimer = queue ? setInterval(readQueue, opts.redisPollMs ?? 1000) : null;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  let actualPort = port;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // DNS rebinding: a page from another site that resolves its own name to 127.0.0.1 sends its
    // own Host header; only local names (and the configured host) reach the runs.
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const allowed = [host, '127.0.0.1', 'localhost', '[::1]'].map((h) => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${actualPort}`.toLowerCase());
    const wildcard = host === '0.0.0.0' || host === '::'; // the user opted into serving the network
    if (!wildcard && !allowed.includes(hostHeader)) throw new Refused(403, `refused: Host '${req.headers.host ?? ''}' is not this dashboard's (${allowed[0]})`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refused(405, `method ${req.method} not allowed`);
    const path = (req.url ?? '/').split('?')[0];
    if (!path.startsWith('/')) throw new Refused(400, 'bad request path');
    const parts = path
      .split('/')
      .slice(1)
      .filter((p, i, a) => p !== '' || i === a.length - 1)
      .map(segment);
    if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) {
      res.writeHead(302, { location: '/dashboard/' });
      return res.end();
    }
    if (parts[0] === 'api') {
      if (parts[1] === 'events' && parts.length === 2) return store.subscribe(res);
      if (parts[1] === 'runs' && parts.length === 2) return json(res, 200, { runsDir, error: store.dirError, runs: store.list() });
      if (parts[1] === 'sweeps' && parts.length === 2) return json(res, 200, { runsDir, error: store.dirError, redis: store.redis, sweeps: store.sweepList() });
      if (parts[1] === 'sweeps' && parts.length === 3) {
        const s = store.sweeps.get(parts[2]);
        return s ? json(res, 200, JSON.parse(s)) : json(res, 404, { error: `no sweep '${parts[2]}' in ${runsDir}` });
      }
      if (parts[1] === 'runs' && parts.length >= 3) {
        // A sweep job's run is named by two segments, <sweep>/<job>.
        const two = parts.length >= 4 && store.readers.has(`${parts[2]}/${parts[3]}`);
        const name = two ? `${parts[2]}/${parts[3]}` : parts[2];
        const rest = parts.slice(two ? 4 : 3);
        const reader = store.readers.get(name);
        const rel = reader ? relative(runsDir, reader.dir).split(sep) : [name];
        const dir = inside(runsDir, rel);
        if (!reader || !existsSync(dir)) return json(res, 404, { error: `no run '${name}' in ${runsDir}` });
        if (rest.length === 0) return jsonRows(res, { run: reader.summary() }, reader.rows, store.rowsPerEvent);
        if (rest.length === 2 && rest[0] === 'checkpoints' && rest[1].endsWith('.ascent')) {
          const file = inside(runsDir, [...rel, 'checkpoints', rest[1]]);
          if (!existsSync(file)) return json(res, 404, { error: `run '${name}' has no checkpoints/${rest[1]}` });
          const bytes = readRegularInside(runsDir, file, MAX_SERVED_BYTES, `checkpoints/${rest[1]}`);
          res.writeHead(200, { 'content-type': TYPES['.ascent'], 'cache-control': 'no-store' });
          return res.end(bytes);
        }
      }
      return json(res, 404, { error: `no API route ${path}` });
    }
    if (parts[0] === 'source') {
      // The lab page's code and guide links: the package's own TypeScript sources and docs pages,
      // as plain text, and nothing else (regular files inside src/ or docs/, by extension).
      const rel = parts.slice(1);
      const top = rel[0];
      if (!(top === 'src' || top === 'docs') || !/\.(ts|md)$/.test(rel[rel.length - 1] ?? '')) throw new Refused(404, `no source ${path}`);
      const file = inside(ROOT, rel);
      if (!existsSync(file)) throw new Refused(404, `no source ${path}`);
      const bytes = readRegularInside(join(ROOT, top), file, MAX_SERVED_BYTES, path);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      return res.end(req.method === 'HEAD' ? undefined : bytes);
    }
    if (assetsError) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(assetsError);
    }
    let file = inside(
      assetsDir,
      parts.filter((p) => p !== ''),
    );
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!path.endsWith('/')) {
        res.writeHead(301, { location: `${path}/` });
        return res.end();
      }
      file = join(file, 'index.html');
    }
    if (!existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`not found: ${path}`);
    }
    const bytes = readRegularInside(assetsDir, file, MAX_SERVED_BYTES, path);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      const status = e instanceof Refused ? e.status : e instanceof UnsafeFileError ? 403 : 500;
      if (!res.headersSent) json(res, status, { error: (e as Error).message });
      else res.end();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      clearInterval(timer);
      if (redisTimer) clearInterval(redisTimer);
      void reading?.then(() => queue?.close());
      fail(e.code === 'EADDRINUSE' ? new Error(`dashboard: port ${port} on ${host} is in use; choose another with --port`) : e);
    });
    server.listen(port, host, ok);
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  actualPort = actual;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    port: actual,
    runsDir,
    streams: () => ({ clients: store.clients.size, bufferedBytes: [...store.clients].reduce((a, c) => a + c.buffered(), 0), disconnected: store.disconnected }),
    close: async () => {
      clearInterval(timer);
      if (redisTimer) clearInterval(redisTimer);
      await reading;
      await queue?.close();
      await new Promise<void>((ok) => {
        for (const c of store.clients) c.res.end();
        server.closeAllConnections?.();
        server.close(() => ok());
      });
    },
  };
}
