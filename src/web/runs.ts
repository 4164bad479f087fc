/**
 * Reading run directories for the dashboard (Node only): tolerant of runs that are still being
 * written and of damaged files. A missing or corrupt file becomes an error message on that run,
 * never an exception; progress.jsonl is read incrementally (only the bytes appended since the last
 * read, holding back a line still being written). Format: docs/run-directory.md.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
  /** Problems reading this run (missing or corrupt files), one line each. */
  errors: string[];
}

function readJson(dir: string, file: string, errors: string[], required: boolean): any {
  const p = join(dir, file);
  if (!existsSync(p)) {
    if (required) errors.push(`${file} is missing`);
    return null;
  }
  try {
    const v = JSON.parse(readFileSync(p, 'utf8'));
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

  constructor(readonly name: string, readonly dir: string) {}

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
      const fd = openSync(p, 'r');
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
      this.rows.push(...added);
    }
    return { added, reset };
  }

  summary(): RunSummary {
    const errors: string[] = [];
    if (!existsSync(this.dir)) {
      errors.push(`run directory ${this.dir} does not exist`);
    } else {
      let mtime = -2;
      try { mtime = statSync(join(this.dir, 'config.json')).mtimeMs; } catch { /* missing: readJson says so */ }
      if (mtime !== this.configMtime) {
        this.configErrors = [];
        this.config = readJson(this.dir, 'config.json', this.configErrors, true);
        this.configMtime = mtime;
      }
      errors.push(...this.configErrors);
    }
    const status = existsSync(this.dir) ? readJson(this.dir, 'status.json', errors, false) : null;
    if (this.progressError) errors.push(this.progressError);
    let checkpoints: string[] = [];
    try {
      checkpoints = readdirSync(join(this.dir, 'checkpoints')).filter((f) => f.endsWith('.ascent')).sort();
    } catch { /* none yet */ }
    const c = this.config;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      name: this.name, algo: str(c?.algo), env: str(c?.env), seed: num(c?.config?.seed),
      state: str(status?.state), steps: num(status?.steps) ?? num(this.rows.at(-1)?.steps), totalSteps: num(status?.totalSteps) ?? num(c?.run?.totalSteps),
      updatedAt: str(status?.updatedAt), checkpoints, rows: this.rows.length, errors,
    };
  }
}

/** The run directories directly inside runsDir (a run is a directory; files there are ignored). */
export function listRunNames(runsDir: string): string[] {
  return readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
}
