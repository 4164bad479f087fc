/**
 * One progress row per update: the algorithm's UpdateLog plus evaluation columns when an
 * evaluation ran at that update. The same row goes to progress.jsonl (non-finite numbers and
 * missing evaluations as null) and progress.csv (as empty cells), and to TensorBoard as scalars.
 */
import type { UpdateLog } from '../algos/types.ts';
import type { Evaluation } from './driver.ts';

export type ProgressRow = Record<string, number | null>;

/** Evaluation columns, present (possibly null) in every row. */
export const EVAL_COLUMNS = ['evalMean', 'evalStd', 'evalLengthMean', 'evalEpisodes'] as const;

export function progressRow(log: UpdateLog, ev: Evaluation | null): ProgressRow {
  const row: ProgressRow = {};
  for (const [k, v] of Object.entries(log)) row[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  row.evalMean = ev ? ev.mean : null;
  row.evalStd = ev ? ev.std : null;
  row.evalLengthMean = ev ? ev.lengthMean : null;
  row.evalEpisodes = ev ? ev.episodes : null;
  return row;
}

export function csvCell(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

export function csvLine(columns: string[], row: ProgressRow): string {
  return columns.map((c) => csvCell(row[c])).join(',');
}

/** Parse progress.csv back to rows (empty cells as null); the inverse of csvLine under a header. */
export function parseCsv(text: string): ProgressRow[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const cols = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const row: ProgressRow = {};
    cols.forEach((c, i) => (row[c] = cells[i] === undefined || cells[i] === '' ? null : Number(cells[i])));
    return row;
  });
}

/** A progress.jsonl line that is not a JSON object; the message names the file and the line. */
export class ProgressFileError extends Error {
  override name = 'ProgressFileError';
}

/** One progress.jsonl line (1-based `lineNo`) as a row; throws a ProgressFileError naming file and line. */
export function parseProgressLine(line: string, file: string, lineNo: number): ProgressRow {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (e) {
    throw new ProgressFileError(`${file} line ${lineNo} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new ProgressFileError(`${file} line ${lineNo} is not a JSON object`);
  return row as ProgressRow;
}

export interface ProgressText {
  rows: ProgressRow[];
  /** The torn last line that was skipped (1-based line number), or null. */
  torn: { line: number; text: string } | null;
}

/**
 * Rows of a progress.jsonl text. A run killed mid-write or a full disk can cut the last line
 * short: a bad LAST line is skipped and reported (in `torn` and through `warn`), since the rows
 * before it are whole. A bad line anywhere else is damage, not a torn write, and throws a
 * ProgressFileError naming the file and the line. Blank lines are ignored.
 */
export function readProgressJsonl(text: string, file = 'progress.jsonl', warn?: (message: string) => void): ProgressText {
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  const rows: ProgressRow[] = [];
  let torn: ProgressText['torn'] = null;
  for (let i = 0; i <= last; i++) {
    if (lines[i].trim() === '') continue;
    try {
      rows.push(parseProgressLine(lines[i], file, i + 1));
    } catch (e) {
      if (i !== last) throw e;
      torn = { line: i + 1, text: lines[i] };
      warn?.(`${file} line ${i + 1}: skipped a torn last line (an incomplete write: the disk filled up or the process was killed)`);
    }
  }
  return { rows, torn };
}

/** Rows of a progress.jsonl text, every line whole (a bad line throws, naming the file and the line). */
export function parseJsonl(text: string, file = 'progress.jsonl'): ProgressRow[] {
  return text.split('\n').flatMap((l, i) => (l.trim().length > 0 ? [parseProgressLine(l, file, i + 1)] : []));
}

/** TensorBoard tags, SB3-style groups: rollout/ for episode statistics, eval/ for evaluations, train/ for the rest. */
export function tensorboardScalars(row: ProgressRow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in row) {
    const v = row[k];
    if (v === null) continue;
    const tag = tensorboardTag(k);
    if (tag !== null) out[tag] = v;
  }
  return out;
}

/** Progress column to TensorBoard tag, kept: a row's column names repeat every update (issue 12). */
const tags = new Map<string, string | null>();

/** The tag of a progress column (null: not a scalar of its own, like steps and iteration). */
export function tensorboardTag(k: string): string | null {
  let tag = tags.get(k);
  if (tag === undefined) {
    if (k === 'steps' || k === 'iteration') tag = null;
    else if (k === 'returnMean' || k === 'returnStd' || k === 'lengthMean' || k === 'episodes') tag = `rollout/${k}`;
    else if (k.startsWith('eval')) tag = `eval/${k.slice(4, 5).toLowerCase()}${k.slice(5)}`;
    else if (k === 'seconds') tag = 'time/seconds';
    else tag = `train/${k}`;
    if (tags.size < 1024) tags.set(k, tag);
  }
  return tag;
}
