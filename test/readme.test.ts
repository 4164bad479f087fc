// Every command the README shows runs as written, so that a broken README fails CI. The `sh` blocks
// are read from README.md; each `npx ascent ...` runs in one scratch directory, in order, with two
// changes that keep it short: training commands get `--steps 2048 --eval-every 1024` appended (so
// that `plot --y evalMean` has evaluations to draw), and the dashboard `--port 0`. Placeholders
// (`<run-dir>`) become a run the earlier commands made. `npm install` and `npm test` are what .ci/run
// itself runs. The `ts` example runs with its step count cut. The runner is test/doc-commands.ts,
// shared with test/docs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, fencedBlocks, runAscentCommands, runTsSample, shellCommands } from './doc-commands.ts';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const STEPS = 2048;
const blocks = (lang: string) => fencedBlocks(README, lang);
const commands = shellCommands(README);

test('the README shows its two set-up commands and the ascent commands', () => {
  const text = commands.map((c) => c.join(' '));
  assert.ok(text.includes('npm install'), 'npm install');
  assert.ok(text.includes('npm test'), 'npm test');
  assert.ok(commands.filter((c) => c[0] === 'npx' && c[1] === 'ascent').length >= 8);
  for (const c of commands) assert.ok(['npm', 'npx'].includes(c[0]), `unexpected command in the README: ${c.join(' ')}`);
});

test('every `npx ascent` command in the README runs as written', { timeout: 600_000 }, async () => {
  const { resumed } = await runAscentCommands(
    commands.filter((c) => c[0] === 'npx'),
    { steps: STEPS, page: 'README.md' },
  );
  assert.ok(resumed, 'the README resumes a run');
});

test("the README's code example runs against the package entry", { timeout: 300_000 }, () => {
  const [code] = blocks('ts');
  assert.match(code, /from 'ascent-rl'/);
  assert.match(code, /totalSteps: 100_000/);
  const r = runTsSample(code, { steps: STEPS, name: 'readme' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /mean/);
});

test("`npx ascent` finds the command in a checkout (what the README's first line relies on)", () => {
  const r = spawnSync('npx', ['--no-install', 'ascent', '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\d+\.\d+\.\d+/);
});
