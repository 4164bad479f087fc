/**
 * What the learning benches share: one child process per (preset, seed), so that peak RSS is per
 * run; summaries (median and range); the machine's load; tables; atomic JSON results.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult, RunSpec } from './run-one.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = path.join(here, '..', 'results');

/**
 * Node flags for the children, e.g. LEARNING_NODE_FLAGS=--max-semi-space-size=1 (V8's young
 * generation is most of an Ascent run's RSS above the floor).
 */
export const NODE_FLAGS = (process.env.LEARNING_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** Run one spec in a fresh `node --import tsx` child; its last stdout line is the RunResult JSON. */
export function runChild(spec: RunSpec, log = true): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', path.join(here, 'run-one.ts'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (log) for (const line of chunk.split('\n')) if (line.startsWith('  ')) process.stdout.write(line + '\n');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (code !== 0 || !last) return reject(new Error(`run-one ${spec.name} seed ${spec.seed} exited with ${code}`));
      resolve(JSON.parse(last) as RunResult);
    });
  });
}

export interface Summary {
  median: number | null;
  min: number | null;
  max: number | null;
}

export function summarise(xs: number[]): Summary {
  if (xs.length === 0) return { median: null, min: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
}

/** "median [min-max]" with a fixed number of decimals; "-" when no run reached the threshold. */
export function fmtSummary(s: Summary, digits = 0, scale = 1): string {
  if (s.median === null) return '-';
  const f = (x: number) => (x / scale).toFixed(digits);
  return s.min === s.max ? f(s.median) : `${f(s.median)} [${f(s.min!)}..${f(s.max!)}]`;
}

/** Load and cores now: the machine is shared, so every result carries them. */
export function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memGB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    nodeFlags: NODE_FLAGS,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Write to a temporary file and rename: a crash never leaves a half-written result. */
export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}

/** `--seeds N`, `--only a,b`, `--budget-scale x` style flags. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
