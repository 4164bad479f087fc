/**
 * `ascent sweep` without --redis: the jobs run on this machine's cores, each as `ascent train`; a
 * second run of the same file skips finished jobs; `ascent sweep status` reads the table back.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, ascentAsync, tempDir } from '../cli/helpers.ts';
import { verifyResult, type JobResult } from '../../src/distributed/run-job.ts';

// REINFORCE, 2 learning rates x 1 seed, 512 steps: a few seconds each.
const SWEEP = `
algo: reinforce
env: CartPole-v1
steps: 512
seeds: [3]
set: { batchSteps: 256 }
params:
  lr: [1.0e-2, 1.0e-3]
run: { evalEvery: 0, evalEpisodes: 2, threshold: none }
`;

test('a sweep without --redis trains every job here, writes run directories and results, and skips them when run again', { timeout: 120_000 }, () => {
  const cwd = tempDir('ascent-sweep-local-');
  writeFileSync(join(cwd, 'sw.yaml'), SWEEP);
  const r = ascent(['sweep', 'sw.yaml', '--jobs', '2', '--out', 'out'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const [id] = readdirSync(join(cwd, 'out'));
  assert.match(id, /^sw-[0-9a-f]{8}$/);
  assert.match(r.stdout, /2\/2 finished, 0 running, 0 failed/);
  assert.match(r.stdout, /best configuration: c[01] lr=0\.01?:/);
  for (const k of ['c0-s3', 'c1-s3']) {
    const res = JSON.parse(readFileSync(join(cwd, 'out', id, k, 'result.json'), 'utf8')) as JobResult;
    assert.equal(res.steps, 512);
    assert.equal(res.seed, 3);
    // result.json keeps the files' hashes; their bytes are the run directory beside it.
    const run = join(cwd, 'out', id, k, res.run.run);
    const withData = {
      ...res,
      run: {
        ...res.run,
        files: Object.fromEntries(Object.entries(res.run.files).map(([f, v]) => [f, { ...v, data: readFileSync(join(run, f)).toString('base64') }])),
      },
    };
    // The run directory on disk is the one the result's checksum covers.
    verifyResult(withData);
    const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.equal(cfg.config.lr, k === 'c0-s3' ? 1e-2 : 1e-3);
    assert.equal(cfg.config.batchSteps, 256);
    assert.equal(JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8')).mean, res.final!.mean);
  }
  // Run again: nothing to train, the same table.
  const again = ascent(['sweep', 'sw.yaml', '--jobs', '2', '--out', 'out'], cwd);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /starting/);
  assert.equal(again.stdout, r.stdout);
  const status = ascent(['sweep', 'status', 'sw.yaml', '--out', 'out'], cwd);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(status.stdout, r.stdout);
  const json = JSON.parse(ascent(['sweep', 'status', id, '--out', 'out', '--json'], cwd).stdout);
  assert.equal(json.results.length, 2);
  assert.equal(json.best.config, json.configurations[0].mean >= json.configurations[1].mean ? 0 : 1);
});

test('a local sweep stopped with Ctrl-C continues from its checkpoints when run again', { timeout: 120_000 }, async () => {
  const cwd = tempDir('ascent-sweep-local-stop-');
  // One long PPO job (2 epochs, 800 updates of 256 steps), checkpointed every 16 updates.
  writeFileSync(
    join(cwd, 'long.yaml'),
    'algo: ppo\nenv: CartPole-v1\nsteps: 204800\nseeds: [2]\nset: { epochs: 2 }\nrun: { evalEvery: 0, evalEpisodes: 1, threshold: none, checkpointEvery: 4096 }\n',
  );
  const { child, done } = ascentAsync(['sweep', 'long.yaml', '--out', 'out'], cwd);
  const jobDir = () => {
    const [id] = readdirSync(join(cwd, 'out'));
    return join(cwd, 'out', id, 'c0-s2');
  };
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    try {
      const run = readdirSync(jobDir())[0];
      if (existsSync(join(jobDir(), run, 'checkpoints', 'last.ascent'))) break;
    } catch {
      /* not there yet */
    }
  }
  child.kill('SIGINT');
  const stopped = await done;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /c0-s2: interrupted at \d+ steps \(run the sweep again to continue\)/);
  const run = join(jobDir(), readdirSync(jobDir())[0]);
  const at = JSON.parse(readFileSync(join(run, 'status.json'), 'utf8'));
  assert.equal(at.state, 'interrupted');
  assert.ok(at.steps > 0 && at.steps < 204_800);
  const again = ascent(['sweep', 'long.yaml', '--out', 'out'], cwd);
  assert.equal(again.code, 0, again.stderr);
  const res = JSON.parse(readFileSync(join(jobDir(), 'result.json'), 'utf8')) as JobResult;
  assert.equal(res.resumed, 1);
  assert.equal(res.steps, 204_800);
  assert.equal(res.run.run, run.split('/').pop());
  // One run directory: the resume continued it rather than starting over.
  assert.deepEqual(readdirSync(jobDir()).sort(), [res.run.run, 'result.json']);
  const rows = readFileSync(join(run, 'progress.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).steps as number);
  assert.deepEqual(
    rows,
    Array.from({ length: 800 }, (_, i) => 256 * (i + 1)),
  );
});
