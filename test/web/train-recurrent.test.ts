/**
 * Policies with memory on the training page, in Chromium: recurrent PPO (the preset for
 * PendulumMaskedVelocity-v1, an LSTM) trains two updates in the worker, its checkpoint saves, and
 * Play replays the run's last evaluation episode exactly, which needs the LSTM's state carried from
 * step to step (a player that restarted the state at every step would play another episode: the
 * test computes that one too and checks they differ). REINFORCE with Memory LSTM trains on
 * CartPoleMaskedVelocity-v1 and its checkpoint holds policy.cell 'lstm'; the Memory choice is
 * offered only to algorithms that have a cell.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/web/server.ts';
import { decodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint.ts';
import { algorithmEntry } from '../../src/train/setup.ts';
import { evaluate } from '../../src/algos/common.ts';
import { evaluateRecurrent } from '../../src/algos/recurrent-ppo.ts';
import type { RecurrentActorCritic } from '../../src/policies/recurrent.ts';
import { ARTIFACTS, closePage, openPage, skipBrowser } from './fixtures.ts';

const skip = skipBrowser();
// Two updates of 4 x 1024 steps with BPTT on a shared 2-core machine (about 30 s unloaded).
const TRAIN_BOUND_MS = 240_000;
let dash: Dashboard;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  ({ dash, browser, page } = await openPage({ errors: pageErrors }));
});
after(() => closePage({ browser, dash }));

/** Train with the page's controls until the step budget is spent; the saved checkpoint. */
async function trainAndSave(p: Page, steps: number, file: string): Promise<Checkpoint> {
  await p.fill('#steps', String(steps));
  await p.fill('#threshold', '');
  await p.click('#train');
  await p.waitForFunction(() => document.body.dataset.reason === 'steps', null, { timeout: TRAIN_BOUND_MS });
  assert.equal(await p.isHidden('#error'), true, (await p.textContent('#error')) ?? '');
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#save')]);
  const path = join(ARTIFACTS, file);
  await download.saveAs(path);
  return decodeCheckpoint(new Uint8Array(readFileSync(path)));
}

/** Play the trained policy from a fresh episode (evaluation's first seed) at 20x; the first episode's return. */
async function playFirstEpisode(p: Page): Promise<number> {
  await p.selectOption('#speed', '20');
  await p.click('#play');
  await p.waitForFunction(() => document.getElementById('played')!.dataset.returns !== undefined, null, { timeout: 60_000 });
  return JSON.parse((await p.getAttribute('#played', 'data-returns'))!)[0];
}

test('the Memory choice: recurrent-ppo has LSTM or GRU, REINFORCE may have one, PPO none', { skip }, async () => {
  await page.goto(`${dash.url}train/`);
  assert.equal(await page.inputValue('#memory'), 'none');
  assert.equal(await page.isDisabled('#memory'), true, 'PPO has no cell');
  await page.selectOption('#env', 'CartPoleMaskedVelocity-v1');
  assert.match((await page.textContent('#source')) ?? '', /hides the velocities/);
  await page.selectOption('#algo', 'recurrent-ppo');
  assert.equal(await page.inputValue('#memory'), 'lstm');
  assert.equal(await page.isDisabled('#memory'), false);
  assert.equal(await page.$eval('#memory option[value="none"]', (o) => (o as HTMLOptionElement).disabled), true);
  assert.match((await page.textContent('#source')) ?? '', /^preset: RL Baselines3 Zoo/);
  await page.selectOption('#algo', 'reinforce');
  assert.equal(await page.inputValue('#memory'), 'lstm', 'REINFORCE keeps the chosen cell');
  assert.equal(await page.$eval('#memory option[value="none"]', (o) => (o as HTMLOptionElement).disabled), false, 'and may be memoryless');
  await page.selectOption('#algo', 'ppo');
  assert.equal(await page.inputValue('#memory'), 'none');
  assert.equal(await page.isDisabled('#memory'), true);
});

test(
  'recurrent PPO trains PendulumMaskedVelocity-v1 in the worker and plays its evaluation episode, state carried',
  { skip, timeout: TRAIN_BOUND_MS + 120_000 },
  async () => {
    await page.goto(`${dash.url}train/`);
    await page.selectOption('#env', 'PendulumMaskedVelocity-v1');
    await page.selectOption('#algo', 'recurrent-ppo');
    assert.equal(await page.inputValue('#steps'), '400000', "the preset's budget");
    assert.equal(await page.inputValue('#threshold'), '-250');
    const ck = await trainAndSave(page, 8192, 'train-recurrent-ppo.ascent');
    assert.equal(await page.getAttribute('#steps-done', 'data-updates'), '2');
    assert.equal(ck.algo, 'recurrent-ppo');
    assert.equal(ck.env, 'PendulumMaskedVelocity-v1');
    assert.deepEqual([ck.config.numEnvs, ck.config.nSteps, ck.config.seqLen], [4, 1024, 64], 'the preset travels with the policy');
    assert.equal((ck.config.policy as { cell: string }).cell, 'lstm');
    const lastEval = ck.driver.lastEval!;
    assert.equal(lastEval.steps, 8192, 'the final evaluation is of this very policy');

    const played = await playFirstEpisode(page);
    await page.screenshot({ path: join(ARTIFACTS, 'train-recurrent-played.png') });
    assert.equal(played, lastEval.returns[0], "Play replays the worker's evaluation episode");

    // The same checkpoint in Node: the episode with the state carried is the played one; with the
    // state restarted at every step it is another one.
    const algo = algorithmEntry(ck.algo).create(ck.config);
    algo.setState(ck.state);
    const policy = algo.policy as RecurrentActorCritic;
    const opts = { episodes: 1, seed: ck.run.evalSeed, deterministic: true };
    const carried = evaluateRecurrent(policy, ck.env, opts).returns[0];
    const memoryless = evaluate(
      {
        kind: policy.kind,
        act: (obs, batch, rng, det) => ({
          actions: policy.step(obs, batch, policy.initialState(batch), null, rng, det).actions,
          logProbs: new Float32Array(batch),
        }),
      },
      ck.env,
      opts,
    ).returns[0];
    algo.close();
    assert.ok(Math.abs(carried - played) < 1e-6, `Node's evaluation ${carried} vs played ${played}`);
    assert.ok(Math.abs(memoryless - played) > 1e-3, `a state restarted every step plays ${memoryless}, the page ${played}`);
    assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '');
  },
);

test(
  'REINFORCE with Memory LSTM trains CartPoleMaskedVelocity-v1; the checkpoint holds the cell and plays',
  { skip, timeout: TRAIN_BOUND_MS + 60_000 },
  async () => {
    await page.goto(`${dash.url}train/`);
    await page.selectOption('#env', 'CartPoleMaskedVelocity-v1');
    await page.selectOption('#algo', 'reinforce');
    await page.selectOption('#memory', 'lstm');
    assert.doesNotMatch((await page.textContent('#source')) ?? '', /hides the velocities/);
    const ck = await trainAndSave(page, 4096, 'train-reinforce-lstm.ascent');
    assert.equal(ck.algo, 'reinforce');
    assert.equal((ck.config.policy as { cell: string }).cell, 'lstm');
    assert.equal(ck.driver.lastEval!.steps, ck.steps);
    assert.equal(await playFirstEpisode(page), ck.driver.lastEval!.returns[0]);
    // A loaded checkpoint sets the Memory choice from its config.
    await page.goto(`${dash.url}train/`);
    await page.setInputFiles('#load-file', join(ARTIFACTS, 'train-reinforce-lstm.ascent'));
    await page.waitForFunction(() => /reinforce on CartPoleMaskedVelocity-v1/.test(document.getElementById('policy-name')!.textContent ?? ''));
    assert.equal(await page.inputValue('#memory'), 'lstm');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  },
);
