/** Biome (biome.jsonc) formats and lints the code; CI fails on any finding, not only on errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('biome ci: the code is formatted and passes the linter with no warnings', () => {
  const r = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'ci', '--error-on-warnings', '--max-diagnostics=20', '--colors=off'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `biome ci failed (npm run format fixes formatting):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout + r.stderr, /Checked \d+ files/);
});
