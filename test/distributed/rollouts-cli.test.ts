/**
 * `ascent train ppo CartPole-v1 --redis URL --rollout-workers 2` against a private redis-server:
 * it reaches the greedy threshold (475) that single-process PPO reaches with the same preset and
 * seed; a rollout worker killed with SIGKILL mid-run is replaced and the run finishes; bad input is
 * one line and exit 2; a learner without workers fails after --rollout-timeout.
 * Skips when redis-server is not installed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascent, ascentAsync, onlyRun, tempDir } from '../cli/helpers.ts';
import { freePort, SKIP_REDIS, TestRedis } from './redis-server.ts';

const stepsAt = (out: string) => Number(/: (\d+) steps, \d+ updates/.exec(out)?.[1]);

test('distributed rollouts from the command line', { skip: SKIP_REDIS, timeout: 180_000 }, async (t) => {
  const redis = await TestRedis.start();
  t.after(() => redis.stop());

  await t.test('PPO with 2 rollout-worker processes reaches greedy 475 on CartPole, as single-process PPO does', async () => {
    const cwd = tempDir('ascent-rollouts-');
    // The preset (RL Zoo: 8 envs x 32 steps, evaluation every 10k steps) and the env's threshold 475, both ways.
    const dist = await ascentAsync(
      ['train', 'ppo', 'CartPole-v1', '--seed', '1', '--plain', '--out', 'dist', '--redis', redis.url, '--rollout-workers', '2'],
      cwd,
    ).done;
    assert.equal(dist.code, 0, dist.stderr);
    assert.match(dist.stderr, /2 chunks of 4 envs per update, on-policy/);
    assert.match(dist.stdout, /threshold 475 from the env registry reached/, dist.stdout);
    assert.match(dist.stdout, /\(threshold 475: solved\)/);
    const single = await ascentAsync(['train', 'ppo', 'CartPole-v1', '--seed', '1', '--plain', '--out', 'single'], cwd).done;
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, /\(threshold 475: solved\)/);
    t.diagnostic(`steps to 475: distributed ${stepsAt(dist.stdout)}, single-process ${stepsAt(single.stdout)}`);
    // Progress rows carry the rollout statistics: on-policy, so never stale.
    const rows = readFileSync(join(onlyRun(join(cwd, 'dist')), 'progress.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rows.length > 0 && rows.every((r) => r.staleMax === 0 && r.version === r.iteration), JSON.stringify(rows[0]));
  });

  await t.test('a rollout worker killed with SIGKILL is replaced and the run finishes', async () => {
    const cwd = tempDir('ascent-rollouts-kill-');
    const run = ascentAsync(
      [
        'train',
        'ppo',
        'CartPole-v1',
        '--plain',
        '--redis',
        redis.url,
        '--rollout-workers',
        '2',
        '--steps',
        '24000',
        '--threshold',
        'none',
        '--eval-every',
        '0',
      ],
      cwd,
    );
    let err = '';
    run.child.stderr!.on('data', (d) => (err += d));
    const t0 = Date.now();
    // After the first update (a progress row), kill worker 1 while the run goes on.
    while (!/steps [1-9]\d*\/24000/.test(err)) {
      assert.ok(Date.now() - t0 < 60_000, `no progress: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = Number(/rollout worker 1: pid (\d+)/.exec(err)![1]);
    process.kill(pid, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`rollout worker 1 \\(pid ${pid}\\) exited with SIGKILL; starting a replacement`));
    assert.match(r.stdout, /step budget reached: 24\d{3} steps/);
  });

  await t.test('a learner killed with SIGKILL takes its local workers with it', async () => {
    const run = ascentAsync(
      [
        'train',
        'ppo',
        'CartPole-v1',
        '--plain',
        '--redis',
        redis.url,
        '--rollout-workers',
        '1',
        '--steps',
        '500000',
        '--threshold',
        'none',
        '--eval-every',
        '0',
      ],
      tempDir('ascent-rollouts-learner-kill-'),
    );
    let err = '';
    run.child.stderr!.on('data', (d) => (err += d));
    const t0 = Date.now();
    while (!/steps [1-9]\d*\/500000/.test(err)) {
      assert.ok(Date.now() - t0 < 60_000, `no progress: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = Number(/rollout worker 1: pid (\d+)/.exec(err)![1]);
    run.child.kill('SIGKILL');
    await run.done;
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const t1 = Date.now();
    while (alive() && Date.now() - t1 < 15_000) await new Promise((r) => setTimeout(r, 100));
    const left = alive();
    if (left) process.kill(pid, 'SIGKILL');
    assert.equal(left, false, `rollout worker ${pid} outlived its learner by 15 s`);
  });

  await t.test('bad input: one line, exit 2', async () => {
    const cwd = tempDir('ascent-rollouts-bad-');
    const cases: [string[], RegExp][] = [
      [['train', 'ppo', 'CartPole-v1', '--rollout-workers', '2'], /^ascent: --rollout-workers need --redis <url> \(distributed rollouts\)\n$/],
      [['train', 'trpo', 'CartPole-v1', '--redis', redis.url], /^ascent: --redis: distributed rollouts train ppo, reinforce, sac or mbpo, not 'trpo'\n$/],
      [
        ['train', 'reinforce', 'CartPole-v1', '--redis', redis.url, '--max-staleness', '1'],
        /^ascent: --max-staleness: only ppo corrects stale rollouts; reinforce needs 0\n$/,
      ],
      [
        ['train', 'ppo', 'CartPole-v1', '--redis', `redis://127.0.0.1:${await freePort()}`],
        /^ascent: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/,
      ],
      [
        ['train', 'ppo', 'CartPole-v1', '--redis', redis.url, '--envs-per-worker', '3'],
        /^ascent: --envs-per-worker 3 must divide the batch's numEnvs \(8\)\n$/,
      ],
    ];
    for (const [args, want] of cases) {
      const r = ascent(args, cwd);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(existsSync(join(cwd, 'runs')), false, 'bad input made a run directory');
  });

  await t.test('a learner without workers fails after --rollout-timeout, naming what arrived', async () => {
    const r = await ascentAsync(['train', 'ppo', 'CartPole-v1', '--plain', '--redis', redis.url, '--rollout-timeout', '2'], tempDir('ascent-rollouts-none-'))
      .done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ascent: error: rollout run ppo-CartPole-v1-s0-[\w.-]+: no usable rollout for 2 s \(0 of 1 chunks of version 0 arrived/);
    assert.match(r.stderr, /start workers with: ascent worker --role rollout --redis redis:\/\/127\.0\.0\.1:\d+ --run /);
  });
});
