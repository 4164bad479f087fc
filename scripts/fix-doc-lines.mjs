#!/usr/bin/env node
// Moves every `file:lines` `quoted text` reference in docs/ to where the quoted text now stands, so
// that code changes above a referenced line need one command, not a hunt: `npm run docs:lines`.
// A reference whose text is gone, or stands in several places outside its old range, is listed
// for a person to fix. test/docs.test.ts checks the same references.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  const out = md.replace(REF, (whole, file, a, b, sep, anchor) => {
    let lines;
    try { lines = readFileSync(file, 'utf8').split('\n'); } catch { unresolved.push(`${page}: ${file} (no such file)`); return whole; }
    const from = Number(a), to = Number(b ?? a);
    if (lines.slice(from - 1, to).join('\n').includes(anchor)) return whole;
    // The smallest shift of the whole range that brings a line holding the text into it.
    const shifts = lines.flatMap((l, i) => (l.includes(anchor) ? [i + 1 < from ? i + 1 - from : i + 1 - to] : []));
    const best = Math.min(...shifts.map(Math.abs));
    const chosen = [...new Set(shifts.filter((d) => Math.abs(d) === best))];
    if (chosen.length !== 1) {
      unresolved.push(`${page}: ${file}:${a}${b ? `-${b}` : ''} \`${anchor}\` (${shifts.length ? 'found at several lines' : 'not in the file'})`);
      return whole;
    }
    const nf = from + chosen[0], nt = to + chosen[0];
    moved++;
    return `\`${file}:${nf}${b ? `-${nt}` : ''}\`${sep}\`${anchor}\``;
  });
  if (out !== md) writeFileSync(page, out);
}
console.log(`fix-doc-lines: ${moved} references moved`);
for (const u of unresolved) console.error(`fix-doc-lines: fix by hand: ${u}`);
process.exit(unresolved.length ? 1 : 0);
