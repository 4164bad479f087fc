/**
 * Progress rows kept between flushes as numbers, formatted once per flush (issue 12: the CLI at the
 * library's speed). A row is one stretch of a Float64Array against a column list shared by every
 * row of the same shape, so an update allocates nothing, and no row survives into V8's old
 * generation (an object per row kept until a flush once a second did: its GC cost more than the
 * row). The text is exactly what progressRow + JSON.stringify, csvLine and scalarRecord make.
 *
 * The formatting leans on JSON.stringify (C++, ~100 ns per number, where String(x) costs 350-1000
 * ns on this project's machine) and keeps its own loops small: a flush runs ~once a second, so
 * the code is rarely hot, and a large function with many loops cost more in TurboFan compiles and
 * deoptimisations (50-100 ms per recompile, on V8's worker threads) than the formatting itself.
 * Browser-safe.
 */
import type { UpdateLog } from '../algos/types.ts';
import type { Evaluation } from './driver.ts';
import { EVAL_COLUMNS, tensorboardTag } from './progress.ts';
import { encodeScalarRows } from './tfevents.ts';

export interface FormattedRows {
  /** progress.jsonl lines, each ending in a newline. */
  jsonl: string;
  /** progress.csv lines (the header first when `csvColumns` was null), each ending in a newline. */
  csv: string;
  /** The CSV columns in force (the first row's columns when none were given). */
  csvColumns: string[];
  /** TensorBoard event records, one per row. */
  events: Uint8Array;
}

/** One row's JSONL text: the values set on an object whose keys are the columns, in order (NaN and ±Infinity become null). */
function jsonRow(obj: Record<string, number>, cols: string[], v: Float64Array, base: number): string {
  for (let j = 0; j < cols.length; j++) obj[cols[j]] = v[base + j];
  return JSON.stringify(obj);
}

/** A column name JSON writes as is, between quotes (no quote, backslash or control character to escape). */
const plainKey = (c: string) => JSON.stringify(c) === `"${c}"` && !c.includes('"');

/** One row's cells in the CSV's column order (NaN for a column the row lacks: an empty cell). */
function csvCells(at: Int32Array, v: Float64Array, base: number): number[] {
  const cells = new Array<number>(at.length);
  for (let j = 0; j < at.length; j++) cells[j] = at[j] >= 0 ? v[base + at[j]] : NaN;
  return cells;
}

export class ProgressBuffer {
  /** Columns of the buffered rows: the log's keys in order, then the evaluation columns it lacks. */
  private columns: string[] | null = null;
  private logKeys = 0;
  /** Index of each of EVAL_COLUMNS in `columns`. */
  private evalAt = new Int32Array(EVAL_COLUMNS.length);
  private stride = 0;
  private values = new Float64Array(0);
  private wallTimes = new Float64Array(0);
  /** Rows buffered. */
  rows = 0;

  /**
   * Buffer one update's row. Returns false, storing nothing, when the log's keys (or their order)
   * differ from the buffered rows': the caller formats the buffered rows, then calls reshape(log).
   */
  push(log: UpdateLog, ev: Evaluation | null, wallTime: number): boolean {
    const cols = this.columns;
    if (cols === null) return false;
    let i = 0;
    for (const k in log) if (i >= this.logKeys || cols[i++] !== k) return false;
    if (i !== this.logKeys) return false;
    if (this.rows === this.wallTimes.length) this.grow();
    const v = this.values,
      base = this.rows * this.stride;
    i = 0;
    for (const k in log) {
      const x = log[k];
      // progressRow's rule: a number stays, anything else is null (NaN here, like every non-finite value).
      v[base + i++] = typeof x === 'number' ? x : NaN;
    }
    // Assigned after the log's own values, as progressRow does (a log's own 'evalMean' is overwritten).
    const e = this.evalAt;
    v[base + e[0]] = ev ? ev.mean : NaN;
    v[base + e[1]] = ev ? ev.std : NaN;
    v[base + e[2]] = ev ? ev.lengthMean : NaN;
    v[base + e[3]] = ev ? ev.episodes : NaN;
    this.wallTimes[this.rows++] = wallTime;
    return true;
  }

  /** Take the columns of `log` for the rows from here on. Only when no rows are buffered. */
  reshape(log: UpdateLog): void {
    if (this.rows) throw new Error('ProgressBuffer.reshape: format the buffered rows first');
    const cols: string[] = [];
    for (const k in log) cols.push(k);
    this.logKeys = cols.length;
    EVAL_COLUMNS.forEach((c, j) => {
      let at = cols.indexOf(c);
      if (at < 0) at = cols.push(c) - 1;
      this.evalAt[j] = at;
    });
    this.columns = cols;
    this.stride = cols.length;
    this.values = new Float64Array(64 * this.stride);
    this.wallTimes = new Float64Array(64);
  }

  /** Room for twice the rows (kept across flushes: a steady run stops allocating). */
  private grow(): void {
    const cap = 2 * this.wallTimes.length;
    const v = new Float64Array(cap * this.stride);
    v.set(this.values);
    this.values = v;
    const w = new Float64Array(cap);
    w.set(this.wallTimes);
    this.wallTimes = w;
  }

  /**
   * The buffered rows as file text and event bytes, handed to `write` in chunks of `chunkRows`
   * rows; the buffer is empty afterwards. `csvColumns`: the columns of an existing progress.csv
   * (cells by name; a column the rows lack stays empty), or null to take the rows' own and write
   * the header with the first chunk. Returns the CSV columns in force (null: nothing buffered).
   *
   * Chunks keep every string small: V8 puts an object over ~128 KiB straight into the old
   * generation (large-object space), and a flush's megabyte-sized text then brought major GCs
   * that cost the CLI more than the formatting (issue 12); a chunk's strings die young.
   */
  format(csvColumns: string[] | null, write: (f: FormattedRows) => void, chunkRows = 128): string[] | null {
    if (!(Number.isInteger(chunkRows) && chunkRows >= 1)) throw new RangeError(`ProgressBuffer.format: 'chunkRows' must be an integer >= 1, got ${chunkRows}`);
    const cols = this.columns;
    const n = this.rows;
    if (cols === null || n === 0) return null;
    this.rows = 0;
    let header = '';
    if (csvColumns === null) {
      csvColumns = cols.slice();
      header = csvColumns.join(',') + '\n';
    }
    const at = Int32Array.from(csvColumns, (c) => cols.indexOf(c));
    // JSONL: one object, its keys set once in column order, its values per row (NaN and ±Infinity: null).
    const obj: Record<string, number> = {};
    for (const c of cols) obj[c] = 0;
    const keys = Object.keys(obj);
    // The CSV is the JSONL less its braces, keys and nulls when the object's own order is the
    // columns' (no integer-like or __proto__ key), the CSV's too, and every key is plain.
    const fromJsonl =
      keys.length === this.stride && keys.every((k, j) => k === cols[j]) && at.length === this.stride && at.every((a, j) => a === j) && cols.every(plainKey);
    const tags = cols.map((c) => tensorboardTag(c)),
      stepCol = cols.indexOf('steps');
    for (let r0 = 0; r0 < n; r0 += chunkRows) {
      write(this.chunk(obj, at, fromJsonl, tags, stepCol, r0, Math.min(n, r0 + chunkRows), header, csvColumns));
      header = '';
    }
    return csvColumns;
  }

  private chunk(
    obj: Record<string, number>,
    at: Int32Array,
    fromJsonl: boolean,
    tags: (string | null)[],
    stepCol: number,
    r0: number,
    r1: number,
    header: string,
    csvColumns: string[],
  ): FormattedRows {
    const cols = this.columns!;
    const stride = this.stride,
      v = this.values;
    const lines = new Array<string>(r1 - r0);
    for (let r = r0; r < r1; r++) lines[r - r0] = jsonRow(obj, cols, v, r * stride);
    const jsonl = lines.join('\n') + '\n';
    let csv: string;
    if (fromJsonl) {
      // Exact when no key holds a quote or backslash: the scan then never starts inside a key.
      csv = header + jsonl.replace(/[{}]|"[^"]*":|null/g, '');
    } else {
      // The cells in the CSV's column order as one JSON array of arrays: "[[1,null],[2,3]]" -> "1,\n2,3\n".
      const cells = new Array<number[]>(r1 - r0);
      for (let r = r0; r < r1; r++) cells[r - r0] = csvCells(at, v, r * stride);
      csv = header + JSON.stringify(cells).slice(2, -2).replaceAll('],[', '\n').replaceAll('null', '') + '\n';
    }
    const events = encodeScalarRows(tags, v.subarray(r0 * stride, r1 * stride), stride, r1 - r0, stepCol, this.wallTimes.subarray(r0, r1));
    return { jsonl, csv, csvColumns, events };
  }
}
