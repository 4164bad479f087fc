/** Running the `ascent` command as a subprocess, and reading what it writes. */
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ascent.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell: without the npm_* variables that `npm test` sets (the command
 * reads them to tell `npx ascent` from `ascent`), plus `extra`.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, FORCE_COLOR: '0', ...extra };
}

export function ascent(args: string[], cwd: string, extraEnv: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: userEnv(extraEnv) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start the command without waiting (for signals). */
export function ascentAsync(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function tempDir(prefix = 'ascent-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The single run directory under `out`. */
export function onlyRun(out: string): string {
  const runs = readdirSync(out);
  if (runs.length !== 1) throw new Error(`expected one run in ${out}, found ${runs.join(', ')}`);
  return join(out, runs[0]);
}

/** Every file under `dir` with its bytes, to prove that nothing changed. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

export const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
