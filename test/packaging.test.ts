// What `npm install ascent-rl` hands a user (issue 16): the published files, CommonJS consumers
// (`require('ascent-rl')` in a default `npm init -y` project), and an `engines` range that matches
// what the package needs. Node loads an ES module graph through require() from 20.19 and 22.12 on
// (unflagged "require(esm)"), provided the graph has no top-level await; 21.x and 22.0-22.11 need a
// flag, so the range excludes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Whether version `v` (e.g. "20.19.3") lies in one of the ranges this package writes: ^X.Y.Z or >=X.Y.Z, joined by ||. */
export function inRange(v: string, range: string): boolean {
  const num = (s: string) => s.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range
    .split('||')
    .map((r) => r.trim())
    .some((r) => {
      const m = /^(\^|>=)(\d+\.\d+\.\d+)$/.exec(r);
      if (!m) throw new Error(`engines range: expected ^X.Y.Z or >=X.Y.Z joined by ||, got ${JSON.stringify(r)}`);
      const lo = num(m[2]),
        x = num(v);
      return cmp(x, lo) >= 0 && (m[1] === '>=' || x[0] === lo[0]);
    });
}

test('engines admits exactly the Node versions that load the package by import and by require', () => {
  const range = pkg.engines.node as string;
  for (const v of ['20.19.0', '20.20.2', '22.12.0', '24.1.0']) assert.ok(inRange(v, range), `${v} should satisfy ${range}`);
  for (const v of ['18.20.0', '20.18.3', '21.7.3', '22.11.0']) assert.ok(!inRange(v, range), `${v} lacks unflagged require(esm) but satisfies ${range}`);
  assert.ok(inRange(process.versions.node, range), `the Node running the tests (${process.versions.node}) is outside engines ${range}`);
});

test('the exports map serves import, require and the types from lib/', () => {
  assert.deepEqual(pkg.exports['.'], { types: './lib/index.d.ts', import: './lib/index.js', default: './lib/index.js' });
  assert.equal(pkg.main, 'lib/index.js');
  assert.equal(pkg.type, 'module');
});

test('npm pack publishes the library, the command, the presets, the dashboard page and the licence, and no tests or runs', { timeout: 120_000 }, () => {
  // --ignore-scripts: pack must not rebuild lib/ (prepare) while other work is in the tree.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path);
  for (const f of [
    'LICENSE',
    'README.md',
    'package.json',
    'bin/ascent.mjs',
    'scripts/build.mjs',
    'scripts/build-web.mjs',
    'presets/ppo.yaml',
    'presets/reinforce.yaml',
    'presets/trpo.yaml',
    'presets/sac.yaml',
    'presets/mbpo.yaml',
    'src/index.ts',
  ]) {
    assert.ok(files.includes(f), `${f} is not in the package`);
  }
  if (existsSync(join(ROOT, 'lib/index.js'))) {
    for (const f of ['lib/index.js', 'lib/index.d.ts', 'lib/cli/main.js']) assert.ok(files.includes(f), `${f} is not in the package`);
  }
  // The dashboard's page is built with esbuild, a dev dependency: the package carries it prebuilt
  // (prepack builds it), so `ascent dashboard` works where esbuild is not installed.
  assert.equal(pkg.scripts.prepack, 'npm run build:web');
  if (existsSync(join(ROOT, 'dist/web/dashboard/main.js'))) {
    for (const f of ['dist/web/dashboard/main.js', 'dist/web/train/worker.js']) assert.ok(files.includes(f), `${f} is not in the package`);
  }
  const unwanted = files.filter(
    (f) => /^(test|bench|node_modules|runs|docs-site|examples|\.ci)\//.test(f) || /^scripts\/(record-|run-tests|test-audit)/.test(f) || f.startsWith('.'),
  );
  assert.deepEqual(unwanted, [], 'files that should not be published');
});

test("require('ascent-rl') works from a CommonJS file, and import() gives the same module", { timeout: 60_000 }, (t) => {
  if (!existsSync(join(ROOT, 'lib/index.js'))) {
    t.skip("lib/ is missing: run `npm run build` to check require('ascent-rl')");
    return;
  }
  // A .cjs file inside the repository resolves 'ascent-rl' to this package through "exports"
  // (self-reference), as a consumer's node_modules/ascent-rl would.
  const dir = join(ROOT, `.packaging-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'consumer.cjs');
  writeFileSync(
    file,
    `
const ascent = require('ascent-rl');
const agent = new ascent.PPO({ env: 'CartPole-v1', seed: 0, numEnvs: 2, nSteps: 16, batchSize: 32, epochs: 1 });
const log = agent.update();
agent.close();
import('ascent-rl').then((esm) => {
  console.log(JSON.stringify({ steps: log.steps, same: esm.PPO === ascent.PPO, version: require('ascent-rl/package.json').version }));
});
`,
  );
  try {
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ExperimentalWarning/, 'require(esm) warns on this Node');
    assert.deepEqual(JSON.parse(r.stdout), { steps: 32, same: true, version: pkg.version });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tsx and esbuild are dev dependencies: an installed package runs its compiled lib/ without them', (t) => {
  assert.ok(!pkg.dependencies?.tsx && pkg.devDependencies?.tsx, 'tsx is a dev dependency');
  assert.ok(!pkg.dependencies?.esbuild, 'esbuild is not a runtime dependency');
  if (!existsSync(join(ROOT, 'lib', 'cli', 'main.js'))) return t.skip('lib/ is not built (npm run build)');
  // A package root where tsx cannot be resolved: the bin copied, lib/ linked (its imports resolve
  // from the checkout, where the runtime dependencies are), no src/.
  const dir = mkdtempSync(join(tmpdir(), 'ascent-no-tsx-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'ascent.mjs'), join(dir, 'bin', 'ascent.mjs'));
    symlinkSync(join(ROOT, 'lib'), join(dir, 'lib'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'ascent.mjs'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
    rmSync(join(dir, 'lib'));
    const none = spawnSync(process.execPath, [join(dir, 'bin', 'ascent.mjs'), '--version'], { encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /lib is not built and tsx is not installed: run 'npm install'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
