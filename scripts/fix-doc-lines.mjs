#!/usr/bin/env node
// Moves every `file:lines` `quoted text` reference in docs/ to where the quoted text now stands, so
// that code changes above a referenced line need one command, not a hunt: `npm run docs:lines`. A
// range follows git's record of the edits to its file since the page was last committed; where that
// fails, the range moves by the least that brings the quoted text back inside it.
// A reference whose text is gone, or stands in several places outside its old range, is listed
// for a person to fix. test/docs.test.ts checks the same references.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Maps a line of `file` as it was at commit `rev` to the working tree, through `git diff -U0`'s hunks;
 * null when the line itself changed (or git cannot say).
 */
function lineMapper(rev, file) {
  let diff;
  try {
    diff = execFileSync('git', ['diff', '-U0', rev, '--', file], { encoding: 'utf8' });
  } catch {
    return () => null;
  }
  const hunks = [...diff.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)].map((m) => ({
    a: +m[1],
    b: m[2] === undefined ? 1 : +m[2],
    d: m[4] === undefined ? 1 : +m[4],
  }));
  return (n) => {
    let offset = 0;
    for (const { a, b, d } of hunks) {
      if (b === 0 ? n <= a : n < a) break;
      if (b > 0 && n <= a + b - 1) return null;
      offset += d - b;
    }
    return n + offset;
  };
}

/** The commit that last changed `page` (its references were checked then), or null. */
function lastCommit(page) {
  try {
    return execFileSync('git', ['log', '-1', '--format=%H', '--', page], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const REF = /`((?:src|test|bench|examples|scripts|presets)\/[\w./-]+):(\d+)(?:-(\d+))?`(,?\s*)`([^`]+)`/g;

function pages(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? pages(p) : p.endsWith('.md') ? [p] : [];
  });
}

const unresolved = [];
let moved = 0;
for (const page of pages('docs')) {
  const md = readFileSync(page, 'utf8');
  const rev = lastCommit(page);
  const out = md.replace(REF, (whole, file, a, b, sep, anchor) => {
    let lines;
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      unresolved.push(`${page}: ${file} (no such file)`);
      return whole;
    }
    const from = Number(a),
      to = Number(b ?? a);
    if (
      lines
        .slice(from - 1, to)
        .join('\n')
        .includes(anchor)
    )
      return whole;
    // First: follow the edits made to the file since the page was last committed.
    if (rev) {
      const map = lineMapper(rev, file);
      const nf = map(from),
        nt = map(to),
        len = to - from;
      // Lines inserted inside the range (or at its edge) stretch it: keep its length, anchored at the
      // start or else at the end, whichever holds the quoted text.
      const tries = [
        [nf, nt],
        [nf, nf === null ? null : nf + len],
        [nt === null ? null : nt - len, nt],
      ].filter(([f, t]) => f !== null && t !== null && f >= 1 && t - f === len);
      for (const [f, t] of tries) {
        if (
          lines
            .slice(f - 1, t)
            .join('\n')
            .includes(anchor)
        ) {
          moved++;
          return `\`${file}:${f}${b ? `-${t}` : ''}\`${sep}\`${anchor}\``;
        }
      }
    }
    // Else: the smallest shift that brings the quoted text back inside the range.
    // The smallest shift of the whole range that brings a line holding the text into it.
    const shifts = lines.flatMap((l, i) => (l.includes(anchor) ? [i + 1 < from ? i + 1 - from : i + 1 - to] : []));
    const best = Math.min(...shifts.map(Math.abs));
    const chosen = [...new Set(shifts.filter((d) => Math.abs(d) === best))];
    if (chosen.length !== 1) {
      unresolved.push(`${page}: ${file}:${a}${b ? `-${b}` : ''} \`${anchor}\` (${shifts.length ? 'found at several lines' : 'not in the file'})`);
      return whole;
    }
    const nf = from + chosen[0],
      nt = to + chosen[0];
    moved++;
    return `\`${file}:${nf}${b ? `-${nt}` : ''}\`${sep}\`${anchor}\``;
  });
  if (out !== md) writeFileSync(page, out);
}
console.log(`fix-doc-lines: ${moved} references moved`);
for (const u of unresolved) console.error(`fix-doc-lines: fix by hand: ${u}`);
process.exit(unresolved.length ? 1 : 0);
