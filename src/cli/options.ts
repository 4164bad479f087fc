/**
 * Parsers and checks for the command line's option values. Each failure is a ConfigError (one line,
 * exit 2) that names the option, the bad value and the expected form.
 */
import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../train/setup.ts';

/**
 * An integer option in min..max, exactly as written: '9007199254740993' is refused rather than
 * rounded to 2^53, '1e30' rather than accepted as an "integer" no counter can reach.
 */
export const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!/^\s*[+-]?\d+(e\d+)?\s*$/i.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`--${name} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? '2^53 - 1' : max}, got '${v}'`);
    }
    return n;
  };

export const num = (name: string) => (v: string) => {
  if (v === 'none' || v === 'off') return null;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${name} must be a number (or 'none'), got '${v}'`);
  return n;
};

// statfs(2) f_type values of kernel pseudo-filesystems (linux/magic.h): files there are not files.
const PSEUDO_FS: Record<number, string> = {
  40864: 'proc',
  1650812274: 'sysfs',
  2613483: 'cgroup',
  1667723888: 'cgroup2',
  1684170528: 'debugfs',
  1935894131: 'securityfs',
  7377: 'devpts',
  1953653091: 'tracefs',
  3405662737: 'bpf',
  1112100429: 'binfmt_misc',
};

/**
 * `--out <dir>`: a directory that exists, or can be created under the nearest existing ancestor,
 * writable, and not on a kernel pseudo-filesystem (/proc, /sys: creating directories there fails
 * slowly or never returns). Checked before anything is written. Returns the value unchanged.
 */
export function outDir(name: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new ConfigError(`--${name} must name a directory, got '' (use '.' for the current directory)`);
    writableDir(name, v, resolve(v), true);
    return v;
  };
}

/**
 * An output file option (`plot --out`, `eval --json`, `--record`): not a directory, in an existing
 * writable directory that is not a pseudo-filesystem. Returns the value unchanged.
 */
export function outFile(name: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new ConfigError(`--${name} must name a file, got ''`);
    const p = resolve(v);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      /* a new file */
    }
    if (isDir || /[/\\]$/.test(v)) throw new ConfigError(`--${name} must name a file, but ${v} is a directory`);
    const parent = dirname(p);
    try {
      if (!statSync(parent).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new ConfigError(`--${name} ${v}: ${parent} is not an existing directory`);
    }
    writableDir(name, v, parent, false);
    return v;
  };
}

/** outDir's checks on `p`, walking up to the nearest existing ancestor when `mayCreate`. */
function writableDir(name: string, v: string, p: string, mayCreate: boolean): void {
  let target = true;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ConfigError(`--${name} ${v}: cannot use ${p} (${code})`);
      const up = dirname(p);
      if (!mayCreate) throw new ConfigError(`--${name} ${v}: ${p} does not exist`);
      if (up === p) throw new ConfigError(`--${name} ${v}: no existing parent directory`);
      p = up;
      target = false;
      continue;
    }
    if (!st.isDirectory()) {
      throw new ConfigError(target && mayCreate ? `--${name} must be a directory, but ${v} is a file` : `--${name} ${v}: ${p} is not a directory`);
    }
    break;
  }
  let fsType: number | null = null;
  try {
    fsType = Number(statfsSync(p).type);
  } catch {
    /* statfs unsupported here: the access check still runs */
  }
  const pseudo = fsType !== null ? PSEUDO_FS[fsType] : undefined;
  if (pseudo || p === '/dev' || (p.startsWith('/dev/') && !p.startsWith('/dev/shm'))) {
    throw new ConfigError(`--${name} ${v}: ${p} is a special filesystem (${pseudo ?? 'devices'}), not a place for output`);
  }
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(`--${name} ${v}: ${p} is not writable`);
  }
}
