/**
 * One training process per run directory (Node-only). `ascent train` holds `<run>/train.lock`
 * while it trains: a JSON line { pid, host, startedAt }, created with O_EXCL ('wx') so that of two
 * processes exactly one gets it. A lock whose process is gone (same host, pid not running) is
 * stale and is taken over; a second process meanwhile refuses to start. Readers use the same lock
 * to tell a live run from one whose process was killed before it could record its end.
 */
import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../setup.ts';

export const LOCK_FILE = 'train.lock';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process `pid` started (ms since the epoch), from Linux's /proc (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot, plus btime of /proc/stat); null elsewhere.
 */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/** The lock's text, if it is a small regular file: readers such as the dashboard must not block on a FIFO planted there. */
function readLockText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 4096) return null;
    const buf = Buffer.alloc(st.size);
    const n = readSync(fd, buf, 0, st.size, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readLockText(path) ?? '');
    return h && typeof h.pid === 'number' && typeof h.host === 'string' ? { pid: h.pid, host: h.host, startedAt: String(h.startedAt) } : null;
  } catch {
    return null;
  }
}

/**
 * true: the holder runs (on this host); false: the holder is gone; null: held on another host,
 * which this process cannot check. An unreadable lock is live while young (its creator may be
 * between creating and writing it), stale after a minute.
 */
function holderAlive(path: string, h: LockHolder | null): boolean | null {
  if (!h) {
    try {
      return Date.now() - statSync(path).mtimeMs < 60_000;
    } catch {
      return false;
    }
  }
  if (h.host !== hostname()) return null;
  if (!pidAlive(h.pid)) return false;
  // A pid reused by a process that started after the lock was taken (a restarted container) is not the holder.
  const started = processStartMs(h.pid),
    locked = Date.parse(h.startedAt);
  return !(started !== null && Number.isFinite(locked) && started > locked + 2000);
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Remove the lock if it is still ours (idempotent). */
  release(): void;
}

/**
 * Take `<dir>/train.lock` or throw a one-line ConfigError naming the directory and the holder's pid.
 * A stale lock is first renamed aside (only one process can rename a given file), checked to be
 * the stale one that was judged, and removed; then the lock is created with 'wx' as usual.
 */
export function acquireRunLock(dir: string, now = new Date()): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } catch (e) {
        // A full disk: leave no empty lock behind.
        closeSync(fd);
        unlinkSync(path);
        throw e;
      }
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const h = readHolder(path);
        if (h && h.pid === me.pid && h.startedAt === me.startedAt) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      };
      return { path, holder: me, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(path);
    const alive = holderAlive(path, holder);
    if (alive !== false) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}` : 'a process that is starting';
      const other = alive === null ? `; if that process is gone, delete ${path}` : '';
      throw new ConfigError(`${dir} is in use by another training process (${who})${other}`);
    }
    const aside = `${path}.${process.pid}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // someone else moved it first: try again
    }
    const moved = readHolder(aside);
    if (holder && (!moved || moved.pid !== holder.pid || moved.startedAt !== holder.startedAt)) {
      // We moved a fresh lock another process took in the meantime: put it back (link fails if a third one exists).
      try {
        linkSync(aside, path);
      } catch {
        /* the newer lock stays */
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      /* gone */
    }
  }
  throw new ConfigError(`${dir}: could not take ${LOCK_FILE} (other processes keep taking it)`);
}

export interface RunLiveness {
  /** true: a training process holds the run; false: none does (finished, or killed); null: held on another host. */
  live: boolean | null;
  holder: LockHolder | null;
}

/** Whether a training process is working in `dir` now, from its lock (for the CLI and the dashboard). */
export function runLiveness(dir: string): RunLiveness {
  const path = join(dir, LOCK_FILE);
  let exists = true;
  try {
    statSync(path);
  } catch {
    exists = false;
  }
  if (!exists) return { live: false, holder: null };
  const holder = readHolder(path);
  return { live: holderAlive(path, holder), holder };
}

/** Files atomicWrite leaves behind when its process is killed mid-write: `.<name>.<pid>.tmp`. */
const TEMP_RE = /^\.(.+)\.(\d+)\.tmp$/;

/**
 * Remove atomicWrite's temporary files in `dirs` left by processes that are gone (or by this
 * process's pid, reused, or older than `maxAgeMs`); other files are never touched. Returns the removed paths.
 */
export function removeStaleTempFiles(dirs: string[], maxAgeMs = 24 * 3600_000): string[] {
  const removed: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_RE.exec(name);
      if (!m) continue;
      const p = join(d, name),
        pid = Number(m[2]);
      let old = false;
      try {
        const st = statSync(p);
        if (!st.isFile()) continue;
        old = Date.now() - st.mtimeMs > maxAgeMs;
      } catch {
        continue;
      }
      if (pid === process.pid || !pidAlive(pid) || old) {
        try {
          unlinkSync(p);
          removed.push(p);
        } catch {
          /* gone already */
        }
      }
    }
  }
  return removed;
}
