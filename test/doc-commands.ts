/**
 * Running the commands and code a markdown page shows (README.md, docs/*.md), shared by
 * test/readme.test.ts and test/docs.test.ts.
 *
 * Conventions the pages follow so that their samples run as written:
 * - ```sh blocks hold one command per line (`#` starts a comment; `a && b` is two commands; no
 *   quoting). `npx ascent ...` lines run in one scratch directory, in order, with two changes that
 *   keep them short: `ascent train <algo> <env>` gets `--steps <steps> --eval-every <steps/2>`
 *   appended (so `plot --y evalMean` has evaluations to draw), and `dashboard` gets `--port 0`.
 *   `runs/<run-dir>` stands for a run an earlier command made; `train --resume runs/<run-dir>`
 *   resumes a run paused the way a user pauses one (`--stop-at`).
 * - ```ts blocks are whole programs importing from 'ascent-rl'; they run with `totalSteps: <n>`
 *   cut to the test's step count.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ascent, ascentAsync, tempDir } from './cli/helpers.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The fenced blocks of one language (```lang exactly, nothing after it on the line), in order. */
export function fencedBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]);
}

/** Shell commands of the ```sh blocks: comments dropped, `a && b` split, split into words. */
export function shellCommands(markdown: string): string[][] {
  return fencedBlocks(markdown, 'sh')
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'))
    .flatMap((l) => l.split(' && '))
    .map((c) => c.trim().split(/\s+/));
}

/** The run directories under `out`, oldest first (by modification time). */
export function runsIn(out: string): string[] {
  if (!existsSync(out)) return [];
  return readdirSync(out)
    .map((d) => join(out, d))
    .filter((d) => statSync(d).isDirectory())
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

export interface RunOptions {
  /** Environment steps given to every `train` command. */
  steps: number;
  /** Names the page in failure messages. */
  page: string;
}

/**
 * Runs the `npx ascent` commands in order in a fresh scratch directory (see the conventions
 * above), checks each exits 0 and writes what it says it writes; returns the paused-and-resumed
 * run, or '' when the commands resume nothing. The scratch directory is removed on success.
 */
export async function runAscentCommands(commands: string[][], o: RunOptions): Promise<{ resumed: string }> {
  const cwd = tempDir('ascent-doc-');
  const STEPS = String(o.steps);
  let paused = ''; // a run stopped with --stop-at, for a --resume line
  let resumed = '';
  for (const c of commands) {
    assert.deepEqual(c.slice(0, 2), ['npx', 'ascent'], `${o.page} runs ${c.join(' ')}`);
    const args = c.slice(2);
    const shown = `${o.page}: ${c.join(' ')}`;
    if (args[0] === 'train' && args[1] === '--resume') {
      assert.ok(paused, `${shown}: no earlier train command to pause`);
      args[2] = resumed = paused;
    } else if (args[0] === 'train') {
      args.push('--steps', STEPS, '--eval-every', String(Math.floor(o.steps / 2)));
    } else if (args.some((a) => a.includes('<run-dir>'))) {
      const runs = runsIn(join(cwd, 'runs'));
      assert.ok(runs.length > 0, `no run for ${shown}`);
      for (let i = 0; i < args.length; i++) args[i] = args[i].replace(/^runs\/<run-dir>$/, runs[0]);
    }
    if (args[0] === 'dashboard') {
      const { child, done } = ascentAsync([...args, '--port', '0'], cwd);
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`${shown}: no URL printed: ${out}`)), 60_000);
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const res = await fetch(`${url}api/runs`);
      assert.equal(res.status, 200, shown);
      assert.ok(((await res.json()) as { runs: unknown[] }).runs.length > 0, `${shown}: the dashboard lists the runs`);
      child.kill('SIGINT');
      assert.equal((await done).code, 0, shown);
      continue;
    }
    const r = ascent(args, cwd);
    assert.equal(r.code, 0, `${shown} (run as ascent ${args.join(' ')}) exited ${r.code}:\n${r.stderr}`);
    if (args[0] === 'train' && args[1] !== '--resume' && !paused) {
      // The next --resume needs a paused run: make one the way a user would (Ctrl-C, or --stop-at).
      const p = ascent(['train', 'ppo', 'CartPole-v1', '--steps', STEPS, '--stop-at', String(Math.floor(o.steps / 4)), '--out', 'paused'], cwd);
      assert.equal(p.code, 0, p.stderr);
      paused = runsIn(join(cwd, 'paused'))[0];
      assert.equal(JSON.parse(readFileSync(join(paused, 'status.json'), 'utf8')).state, 'interrupted');
    }
    if (args.includes('--record')) assert.ok(existsSync(join(cwd, args[args.indexOf('--record') + 1])), `${shown} wrote its GIF`);
    if (args[0] === 'plot') assert.ok(existsSync(join(cwd, args[args.indexOf('--out') + 1])), `${shown} wrote its plot`);
    if (args.includes('--json')) assert.ok(existsSync(join(cwd, args[args.indexOf('--json') + 1])), `${shown} wrote its JSON`);
  }
  if (resumed) assert.equal(JSON.parse(readFileSync(join(resumed, 'status.json'), 'utf8')).state, 'finished', `${o.page}: the resumed run finished`);
  rmSync(cwd, { recursive: true, force: true });
  return { resumed };
}

/**
 * Runs one ```ts sample as a program (through tsx, so that TypeScript runs as written) from a
 * scratch folder inside the repository, where 'ascent-rl' resolves to this package through its
 * "exports" (self-reference). `totalSteps: <n>` is cut to `steps`.
 */
export function runTsSample(code: string, o: { steps: number; name: string }): { status: number | null; stdout: string; stderr: string } {
  const dir = join(ROOT, `.doc-sample-${process.pid}-${o.name.replace(/\W+/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sample.mts');
  writeFileSync(file, code.replace(/totalSteps: [\d_]+/g, `totalSteps: ${o.steps}`));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const readText = (p: string) => readFileSync(p, 'utf8');
