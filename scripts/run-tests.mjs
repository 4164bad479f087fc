#!/usr/bin/env node
// Runs every test/**/*.test.ts file with node's test runner (listed explicitly: Node 20 does not
// expand globs), then the engine's tests again on the JavaScript kernels (ASCENT_WASM=0), so both
// paths of every tensor op are tested. A pass fails when no test ran, when every test skipped, or
// when a file registered no test. Extra arguments narrow the run to matching paths (one pass);
// `--root DIR` searches DIR instead of test/ (the runner's own test uses it).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';

function find(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return find(p);
      return p.endsWith('.test.ts') ? [p] : [];
    });
}

const ENGINE = ['test/tensor/', 'test/nn/', 'test/distributions/'];
const argv = process.argv.slice(2);
const rootAt = argv.indexOf('--root');
const root = rootAt >= 0 ? argv.splice(rootAt, 2)[1] : 'test';
const filters = argv;
const all = find(root);
const passes =
  filters.length > 0
    ? [{ name: `tests matching ${filters.join(', ')}`, env: {}, files: all.filter((f) => filters.some((s) => f.includes(s))) }]
    : [
        { name: 'all tests', env: {}, files: all },
        {
          name: 'engine tests on the JavaScript kernels (ASCENT_WASM=0)',
          env: { ASCENT_WASM: '0' },
          files: all.filter((f) => ENGINE.some((d) => f.startsWith(d))),
        },
      ];

/** Runs one pass; resolves to a list of problems (empty when it passed). */
function run(pass) {
  if (pass.files.length === 0) return Promise.resolve([`no test files matched (${pass.name})`]);
  const tmp = mkdtempSync(join(tmpdir(), 'ascent-tests-'));
  const auditFile = join(tmp, 'audit.jsonl');
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./test-audit.mjs', import.meta.url).href}`,
    `--test-reporter-destination=${auditFile}`,
    ...pass.files,
  ];
  console.log(`\n# ${pass.name}: ${pass.files.length} files`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...pass.env } });
  return new Promise((done) =>
    child.on('close', (code) => {
      let events = [];
      try {
        events = readFileSync(auditFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      } catch {
        /* no events: reported below */
      }
      rmSync(tmp, { recursive: true, force: true });
      const problems = code === 0 ? [] : [`${pass.name}: the test runner exited with code ${code}`];
      const ran = events.filter((e) => !e.skip && !e.todo && !(e.nesting === 0 && e.name === e.file));
      for (const f of pass.files.map((p) => resolve(p))) {
        const mine = events.filter((e) => e.file === f);
        if (mine.length === 0 || mine.every((e) => e.nesting === 0 && e.name === f)) problems.push(`${f} registered no test`);
      }
      if (ran.length === 0) problems.push(`${pass.name}: no test ran (${events.length} skipped or empty)`);
      console.log(`# ${pass.name}: ${ran.length} ran, ${events.filter((e) => e.skip).length} skipped`);
      done(problems);
    }),
  );
}

const problems = [];
for (const pass of passes) problems.push(...(await run(pass)));
for (const p of problems) console.error(`run-tests: ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
