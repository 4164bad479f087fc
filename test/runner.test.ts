// The test runner itself: a run in which nothing was tested must fail, so a green CI always tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function runner(files: Record<string, string>): { status: number | null; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ascent-runner-'));
  try {
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // set by the outer runner; the inner one must run as a top-level run
    const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', '--root', dir, '.test.ts'], { encoding: 'utf8', env });
    return { status: r.status, err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PASSING = "import { test } from 'node:test';\ntest('ok', () => {});\n";
const SKIPPED = "import { test } from 'node:test';\ntest('later', { skip: 'not here' }, () => {});\n";

test('a run with a passing test passes', () => {
  assert.equal(runner({ 'a.test.ts': PASSING, 'b.test.ts': SKIPPED }).status, 0);
});

test('a run in which every test skipped fails', () => {
  const r = runner({ 'b.test.ts': SKIPPED });
  assert.equal(r.status, 1);
  assert.match(r.err, /no test ran/);
});

test('a test file that registers no test fails the run', () => {
  const r = runner({ 'a.test.ts': PASSING, 'empty.test.ts': 'export const x = 1;\n' });
  assert.equal(r.status, 1);
  assert.match(r.err, /empty\.test\.ts registered no test/);
});

test('a failing test fails the run', () => {
  const r = runner({ 'a.test.ts': "import { test } from 'node:test';\ntest('no', () => { throw new Error('x'); });\n" });
  assert.equal(r.status, 1);
});
