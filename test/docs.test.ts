// The docs (docs/**/*.md, and README.md's links) stay true: every relative link resolves to a file
// (and a #anchor to a heading of the linked page); every `path:lines` code reference points inside
// the file and, when a code span of text follows it (`src/x.ts:10-20` `someName`), at lines holding
// that text, so a reference the code has moved away from fails and says where the text is now; every
// `npx ascent` command in docs/ runs; every ```ts block runs as a program, and the ```ts blocks of
// README.md and docs/ type-check against lib/index.d.ts. How commands and samples are shortened is
// described in test/doc-commands.ts. `npm run docs` (TypeDoc, 20-50 s here) is too slow for this
// file; CI runs it as its own step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT, fencedBlocks, runAscentCommands, runTsSample, shellCommands } from './doc-commands.ts';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? markdownFiles(p) : p.endsWith('.md') ? [p] : [];
    });
}

const DOCS = markdownFiles(join(ROOT, 'docs'));
const PAGES = [join(ROOT, 'README.md'), ...DOCS];
const rel = (p: string) => relative(ROOT, p);
const read = (p: string) => readFileSync(p, 'utf8');

/** Markdown without its fenced code blocks and code spans (links inside code are not links). */
function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'. */
export function headingAnchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = m[1]
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets [text](target) of a page, without external URLs. */
export function relativeLinks(md: string): string[] {
  return [...prose(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

test('headingAnchors and relativeLinks follow GitHub on a hand-made page', () => {
  const md =
    '# Getting started\n## The `ascent` command: train, eval\n## Train\n## Train\n```sh\n# not a heading\n```\n' +
    '[a](b.md) [c](https://x.org) [d](#train-1) `[e](f.md)` [g](../h.md#top "title")\n';
  assert.deepEqual([...headingAnchors(md)], ['getting-started', 'the-ascent-command-train-eval', 'train', 'train-1']);
  assert.deepEqual(relativeLinks(md), ['b.md', '#train-1', '../h.md#top']);
});

test('every relative link in README.md and docs/ resolves to a file, and every #anchor to a heading', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    for (const link of relativeLinks(read(page))) {
      const [path, anchor] = link.split('#');
      const target = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
      if (!existsSync(target)) {
        broken.push(`${rel(page)}: ${link} (no such file)`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !headingAnchors(read(target)).has(anchor)) broken.push(`${rel(page)}: ${link} (no heading #${anchor})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('every `file:lines` reference in docs/ points inside the file, at lines holding the quoted text', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const page of DOCS) {
    const md = read(page).replace(/^```[\s\S]*?^```/gm, '');
    for (const m of md.matchAll(/`((?:src|test|bench|examples|scripts|presets)\/[\w./-]+):(\d+)(?:-(\d+))?`(?:,?\s*`([^`]+)`)?/g)) {
      const [, file, a, b, anchor] = m;
      const where = `${rel(page)}: ${file}:${a}${b ? `-${b}` : ''}`;
      if (!existsSync(join(ROOT, file))) {
        problems.push(`${where}: no such file`);
        continue;
      }
      const lines = read(join(ROOT, file)).split('\n');
      const from = Number(a),
        to = Number(b ?? a);
      if (!(from >= 1 && from <= to && to <= lines.length)) {
        problems.push(`${where}: the file has ${lines.length} lines`);
        continue;
      }
      if (
        anchor &&
        !lines
          .slice(from - 1, to)
          .join('\n')
          .includes(anchor)
      ) {
        const now = lines.flatMap((l, i) => (l.includes(anchor) ? [i + 1] : []));
        problems.push(`${where}: does not contain \`${anchor}\` (${now.length ? `found at line ${now.join(', ')}` : 'not in the file'})`);
      }
      checked++;
    }
  }
  assert.deepEqual(problems, [], 'code moved under a reference: `npm run docs:lines` moves each reference to its quoted text');
  assert.ok(checked >= 40, `only ${checked} code references found in docs/`);
});

test('the sh blocks of docs/ hold only `npx ascent` commands and the npm scripts CI runs', () => {
  const allowed = new Set(['npm install', 'npm test', 'npm run build', 'npm run docs', 'npm pack']);
  for (const page of DOCS) {
    for (const c of shellCommands(read(page))) {
      const text = c.join(' ');
      assert.ok((c[0] === 'npx' && c[1] === 'ascent') || allowed.has(text), `${rel(page)}: a command this test cannot run: ${text}`);
    }
  }
});

for (const page of DOCS) {
  const commands = shellCommands(read(page)).filter((c) => c[0] === 'npx');
  if (commands.length === 0) continue;
  test(`every \`npx ascent\` command in ${rel(page)} runs as written`, { timeout: 600_000 }, async () => {
    await runAscentCommands(commands, { steps: 2048, page: rel(page) });
  });
}

for (const page of DOCS) {
  fencedBlocks(read(page), 'ts').forEach((code, i) => {
    test(`${rel(page)}: code sample ${i + 1} runs against the package entry`, { timeout: 300_000 }, (t) => {
      if (!existsSync(join(ROOT, 'lib/index.js'))) {
        t.skip("lib/ is missing: run `npm run build`, since the samples import 'ascent-rl'");
        return;
      }
      assert.match(code, /from 'ascent-rl'/, 'a sample imports the package as a user would');
      const r = runTsSample(code, { steps: 4096, name: `${rel(page)}-${i}` });
      assert.equal(r.status, 0, `${rel(page)} sample ${i + 1} failed:\n${r.stderr}`);
    });
  });
}

test('the ```ts samples of README.md and docs/ type-check against the published types (lib/index.d.ts)', { timeout: 120_000 }, (t) => {
  if (!existsSync(join(ROOT, 'lib/index.d.ts'))) {
    t.skip("lib/ is missing: run `npm run build`, since the samples import 'ascent-rl'");
    return;
  }
  const dir = join(ROOT, `.doc-typecheck-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = PAGES.flatMap((page) =>
      fencedBlocks(read(page), 'ts').map((code, i) => {
        const f = join(dir, `${rel(page).replace(/\W+/g, '-')}-${i + 1}.mts`);
        writeFileSync(f, code);
        return f;
      }),
    );
    assert.ok(files.length >= 3, `only ${files.length} samples found`);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--types',
        'node',
        ...files,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `a sample does not type-check (the file names say which page and sample):\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
