// `npm run docs` builds the site (TypeDoc's API reference and the docs/ pages) without a broken
// {@link} or a warning (typedoc.json treats warnings as errors), so CI catches a docs break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the docs site builds with no warning, with the guides and the API reference', { timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'ascent-docs-site-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    for (const page of [
      'index.html',
      'documents/getting-started.html',
      'documents/algorithms_ppo.html',
      'classes/index.PPO.html',
      'classes/index.AsyncVectorEnv.html',
    ]) {
      assert.ok(existsSync(join(out, page)), `${page} was built`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
