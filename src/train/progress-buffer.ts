/**
 * Progress rows kept between flushes as numbers, formatted once per flush (issue 12: the CLI at the
 * library's speed). A row is one stretch of a Float64Array against a column list shared by every
 * row of the same shape, so an update allocates nothing, and no row survives into V8's old
 * generation (an object per row kept until a flush once a second did: its GC cost more than the
 * row). The text is exactly what progressRow + JSON.stringify, csvLine and scalarRecord make; each
 * number is turned into text once for both files. Browser-safe.
 */
import type { UpdateLog } from '../algos/types.ts';
import type { Evaluation } from './driver.ts';
import { EVAL_COLUMNS, tensorboardTag } from './progress.ts';
import { encodeScalarRows } from './tfevents.ts';

export interface FormattedRows {
  /** progress.jsonl lines (UTF-8), each ending in a newline. Valid until the next format(). */
  jsonl: Uint8Array;
  /** progress.csv lines (the header first when `csvColumns` was null). Valid until the next format(). */
  csv: Uint8Array;
  /** The CSV columns in force (the first row's columns when none were given). */
  csvColumns: string[];
  /** TensorBoard event records, one per row. */
  events: Uint8Array;
}

const utf8 = new TextEncoder();
/** Longest JSON text of a double ("-2.2250738585072014e-308" is 24 characters) or "null". */
const MAX_NUMBER = 24;

/** A growable byte buffer, kept across flushes. */
class Bytes {
  buf = new Uint8Array(1 << 16);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(2 * this.buf.length, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  put(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
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
  private readonly jsonlBytes = new Bytes();
  private readonly csvBytes = new Bytes();
  private starts = new Int32Array(0);
  private src = new Uint8Array(0);

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
   * The buffered rows as file text and event bytes; the buffer is empty afterwards. `csvColumns`:
   * the columns of an existing progress.csv (cells by name; a column the rows lack stays empty),
   * or null to take the rows' own and write the header.
   */
  format(csvColumns: string[] | null): FormattedRows | null {
    const cols = this.columns;
    const n = this.rows;
    if (cols === null || n === 0) return null;
    this.rows = 0;
    const stride = this.stride,
      v = this.values;
    const jl = this.jsonlBytes,
      cs = this.csvBytes;
    jl.len = 0;
    cs.len = 0;
    if (csvColumns === null) {
      csvColumns = cols.slice();
      cs.put(utf8.encode(csvColumns.join(',') + '\n'));
    }
    // '{"key":' for the first column, ',"key":' for the rest (JSON.stringify's own escaping of the names).
    const keys = cols.map((c, j) => utf8.encode((j ? ',' : '{') + JSON.stringify(c) + ':'));
    const keyBytes = keys.reduce((a, k) => a + k.length, 0);
    const csvAt = csvColumns.map((c) => cols.indexOf(c));
    // Every number's text from one JSON.stringify of the whole buffer, copied byte by byte into the
    // two files: a String(x) per value costs 350-1000 ns on this project's machine against ~130 ns
    // here (Array.from and JSON.stringify), and a string per cell (and per concatenation) made the collector the largest cost of a
    // flush (issue 12). JSON's text of a finite number is Number::toString, csvCell's too; a
    // non-finite value comes out as null (an empty CSV cell).
    const cells = n * stride;
    const all = JSON.stringify(Array.from(v.subarray(0, cells)));
    // As bytes (ASCII: digits, signs, '.', 'e', 'null'): encodeInto costs ~2 ns per number, a
    // charCodeAt per character ~4 ns per character.
    if (this.src.length < all.length) this.src = new Uint8Array(2 * all.length);
    const src = this.src;
    utf8.encodeInto(all, src);
    if (this.starts.length < cells + 1) this.starts = new Int32Array(2 * cells + 1);
    const starts = this.starts;
    // starts[i]: where cell i's text begins; it ends one before starts[i + 1] (a comma or the closing bracket).
    for (let i = 0, p = 1; i < cells; i++) {
      starts[i] = p;
      while (src[p] !== 44 /* , */ && src[p] !== 93 /* ] */) p++;
      p++;
    }
    starts[cells] = all.length;
    const csvLast = csvAt.length - 1;
    for (let r = 0, base = 0; r < n; r++, base += stride) {
      jl.ensure(keyBytes + stride * MAX_NUMBER + 2);
      let b = jl.buf,
        o = jl.len;
      for (let j = 0; j < stride; j++) {
        const k = keys[j];
        for (let q = 0; q < k.length; q++) b[o++] = k[q];
        for (let q = starts[base + j], e = starts[base + j + 1] - 1; q < e; q++) b[o++] = src[q];
      }
      b[o++] = 125; // }
      b[o++] = 10; // newline
      jl.len = o;
      cs.ensure((csvLast + 1) * (MAX_NUMBER + 1) + 1);
      b = cs.buf;
      o = cs.len;
      for (let j = 0; j <= csvLast; j++) {
        const at = csvAt[j];
        if (j) b[o++] = 44; // ,
        if (at < 0) continue;
        const q0 = starts[base + at];
        if (src[q0] === 110 /* n: null */) continue;
        for (let q = q0, e = starts[base + at + 1] - 1; q < e; q++) b[o++] = src[q];
      }
      b[o++] = 10;
      cs.len = o;
    }
    const events = encodeScalarRows(
      cols.map((c) => tensorboardTag(c)),
      v,
      stride,
      n,
      cols.indexOf('steps'),
      this.wallTimes,
    );
    return { jsonl: jl.buf.subarray(0, jl.len), csv: cs.buf.subarray(0, cs.len), csvColumns, events };
  }
}
