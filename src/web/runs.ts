/**
 * Reading run directories for the dashboard (Node only): tolerant of runs that are still being
 * written and of damaged files. A missing or corrupt file becomes an error message on that run,
 * never an exception; progress.jsonl is read incrementally (only the bytes appended since the last
 * read, holding back a line still being written). Format: docs/run-directory.md.
 *
 * Only regular files whose real path (symlinks resolved) lies inside the served root are read: a
 * FIFO named config.json blocked the whole server in a read that never returned, and a symlinked
 * progress.jsonl served a file from outside the runs directory.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { LOCK_FILE, runLiveness } from '../train/node/lock.ts';

/** A file the dashboard will not read: not a regular file, outside the root, or too large. */
export class UnsafeFileError extends Error {
  override name = 'UnsafeFileError';
}

/** The largest config.json or status.json read (they are a few KB). */
export const MAX_JSON_BYTES = 1 << 20;

/**
 * Open `path` for reading only if its real path is inside `root` and it is a regular file. The
 * type is checked on the open descriptor (fstat) and the open is non-blocking, so a FIFO, device
 * or socket (even one swapped in after a check) is refused at once instead of blocking. Returns the
 * descriptor and size; the caller closes it.
 */
export function openRegularInside(root: string, path: string, label = path): { fd: number; size: number } {
  const real = realpathSync(path);
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
    throw new UnsafeFileError(`${label} points outside the served directory; not read`);
  }
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(`${label} is not a regular file; not read`);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The whole of a regular file inside `root`, at most `maxBytes` (UnsafeFileError otherwise). */
export function readRegularInside(root: string, path: string, maxBytes: number, label = path): Buffer {
  const { fd, size } = openRegularInside(root, path, label);
  try {
    if (size > maxBytes) throw new UnsafeFileError(`${label} is ${size} bytes, more than the ${maxBytes} read`);
    const buf = Buffer.alloc(size);
    let n = 0;
    while (n < size) {
      const k = readSync(fd, buf, n, size - n, n);
      if (k === 0) break;
      n += k;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export type Row = Record<string, number | null>;

export interface RunSummary {
  name: string;
  algo: string | null;
  env: string | null;
  seed: number | null;
  state: string | null;
  steps: number | null;
  totalSteps: number | null;
  updatedAt: string | null;
  checkpoints: string[];
  rows: number;
  /**
   * For a run whose status says 'running': whether a training process holds its lock (false: it
   * was killed, status.json could not be updated; null: held on another host, or not running).
   */
  live: boolean | null;
  /** Problems reading this run (missing or corrupt files), one line each. */
  errors: string[];
}

function readJson(root: string, dir: string, file: string, errors: string[], required: boolean): any {
  const p = join(dir, file);
  if (!existsSync(p)) {
    if (required) errors.push(`${file} is missing`);
    return null;
  }
  let text: string;
  try {
    text = readRegularInside(root, p, MAX_JSON_BYTES, file).toString('utf8');
  } catch (e) {
    errors.push(e instanceof UnsafeFileError ? e.message : `${file} cannot be read: ${(e as Error).message}`);
    return null;
  }
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v;
  } catch (e) {
    errors.push(`${file} is corrupt: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** One run directory, followed over time. */
export class RunReader {
  readonly rows: Row[] = [];
  private offset = 0;
  private partial = '';
  private lineNo = 0;
  private progressError: string | null = null;
  private configMtime = -1;
  private config: any = null;
  private configErrors: string[] = [];

  /** `root`: the directory every file read must lie inside (the runs directory; default: dir's parent). */
  constructor(
    readonly name: string,
    readonly dir: string,
    readonly root = join(dir, '..'),
  ) {}

  /**
   * Re-read what changed. Returns the rows appended since the last call, or `reset` when the file
   * shrank (a resumed run drops rows after its checkpoint) and every row was read again.
   */
  poll(): { added: Row[]; reset: boolean } {
    const p = join(this.dir, 'progress.jsonl');
    let size = -1;
    try {
      size = statSync(p).size;
    } catch {
      size = -1;
    }
    let reset = false;
    if (size < this.offset) {
      this.rows.length = 0;
      this.offset = 0;
      this.partial = '';
      this.lineNo = 0;
      this.progressError = null;
      reset = true;
    }
    const added: Row[] = [];
    if (size > this.offset && !this.progressError) {
      let fd: number;
      try {
        ({ fd } = openRegularInside(this.root, p, 'progress.jsonl'));
      } catch (e) {
        this.progressError = e instanceof UnsafeFileError ? e.message : `progress.jsonl cannot be read: ${(e as Error).message}`;
        return { added, reset };
      }
      try {
        const buf = Buffer.alloc(size - this.offset);
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        this.offset += n;
        const text = this.partial + buf.subarray(0, n).toString('utf8');
        const lines = text.split('\n');
        this.partial = lines.pop()!; // a line without its newline is still being written
        for (const line of lines) {
          this.lineNo++;
          if (line.trim() === '') continue;
          try {
            const row = JSON.parse(line);
            if (row === null || typeof row !== 'object' || typeof row.steps !== 'number') throw new Error('expected an object with a numeric "steps"');
            added.push(row);
          } catch (e) {
            this.progressError = `progress.jsonl line ${this.lineNo} is corrupt (${(e as Error).message.split('\n')[0]}); rows after it are not shown`;
            break;
          }
        }
      } finally {
        closeSync(fd);
      }
      // One push per row: push(...added) overflows the call stack beyond ~130k rows.
      for (const row of added) this.rows.push(row);
    }
    return { added, reset };
  }

  summary(): RunSummary {
    const errors: string[] = [];
    if (!existsSync(this.dir)) {
      errors.push(`run directory ${this.dir} does not exist`);
    } else {
      let mtime = -2;
      try {
        mtime = statSync(join(this.dir, 'config.json')).mtimeMs;
      } catch {
        /* missing: readJson says so */
      }
      if (mtime !== this.configMtime) {
        this.configErrors = [];
        this.config = readJson(this.root, this.dir, 'config.json', this.configErrors, true);
        this.configMtime = mtime;
      }
      errors.push(...this.configErrors);
    }
    const status = existsSync(this.dir) ? readJson(this.root, this.dir, 'status.json', errors, false) : null;
    if (this.progressError) errors.push(this.progressError);
    let live: boolean | null = null;
    // Only a lock left behind proves a death: runs written before locks existed (or by other tools) have none.
    if (status?.state === 'running' && existsSync(join(this.dir, LOCK_FILE))) {
      try {
        live = runLiveness(this.dir).live;
      } catch {
        live = null;
      }
      if (live === false)
        errors.push(`status.json says 'running' but no process holds the run (${LOCK_FILE}): it was killed; continue it with 'ascent train --resume'`);
    }
    // A line without its newline is normally still being written; in a run that has stopped it
    // is a torn write (killed mid-line, disk full): skipped, and said so.
    if (this.partial.trim() !== '' && typeof status?.state === 'string' && (status.state !== 'running' || live === false)) {
      errors.push(`progress.jsonl line ${this.lineNo + 1} is incomplete (a torn write: the run stopped mid-line); skipped`);
    }
    let checkpoints: string[] = [];
    try {
      checkpoints = readdirSync(join(this.dir, 'checkpoints'))
        .filter((f) => f.endsWith('.ascent'))
        .sort();
    } catch {
      /* none yet */
    }
    const c = this.config;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      name: this.name,
      algo: str(c?.algo),
      env: str(c?.env),
      seed: num(c?.config?.seed),
      state: str(status?.state),
      steps: num(status?.steps) ?? num(this.rows.at(-1)?.steps),
      totalSteps: num(status?.totalSteps) ?? num(c?.run?.totalSteps),
      updatedAt: str(status?.updatedAt),
      checkpoints,
      rows: this.rows.length,
      live,
      errors,
    };
  }
}

/** The run directories directly inside runsDir (a run is a directory; files there are ignored). */
export function listRunNames(runsDir: string): string[] {
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}
