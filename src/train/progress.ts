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

export function parseJsonl(text: string): ProgressRow[] {
  return text.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l));
}

/** TensorBoard tags, SB3-style groups: rollout/ for episode statistics, eval/ for evaluations, train/ for the rest. */
export function tensorboardScalars(row: ProgressRow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || k === 'steps' || k === 'iteration') continue;
    if (k === 'returnMean' || k === 'returnStd' || k === 'lengthMean' || k === 'episodes') out[`rollout/${k}`] = v;
    else if (k.startsWith('eval')) out[`eval/${k.slice(4, 5).toLowerCase()}${k.slice(5)}`] = v;
    else if (k === 'seconds') out['time/seconds'] = v;
    else out[`train/${k}`] = v;
  }
  return out;
}
