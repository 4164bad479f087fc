/**
 * The training page: pick an env and an algorithm, train in a module worker, watch the return
 * curve and the current policy playing, pause, save (download / IndexedDB), load and play.
 * MuJoCo tasks load mujoco-js when chosen (here and in the worker) and play in 3D (three.js).
 * Policies with memory: recurrent-ppo (an LSTM or GRU, the Memory choice) and REINFORCE with
 * Memory LSTM/GRU (its policy.cell) train here too; the player carries their state through each
 * episode, as evaluation does.
 */
import { ensureEnv, pendingIds, registeredIds, spec } from '../../envs/index.ts';
import { isMujocoId } from '../../envs/mujoco/ids.ts';
import { decodeCheckpoint } from '../../train/checkpoint.ts';
import { MujocoView } from '../mujoco/view.ts';
import { ALGORITHMS } from '../../algos/index.ts';
import type { Evaluation } from '../../train/driver.ts';
import { drawChart, type Series } from '../chart.ts';
import { Player } from '../player.ts';
import { Playback } from '../animate.ts';
import { presetFor } from '../presets.ts';
import { savePolicy, listPolicies, loadPolicy } from './store.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const envSel = $<HTMLSelectElement>('env'),
  algoSel = $<HTMLSelectElement>('algo'),
  memSel = $<HTMLSelectElement>('memory');
const stepsIn = $<HTMLInputElement>('steps'),
  seedIn = $<HTMLInputElement>('seed'),
  thrIn = $<HTMLInputElement>('threshold');
const btn = (id: string) => $<HTMLButtonElement>(id);
const errBox = $('error'),
  chart = $<HTMLCanvasElement>('chart');

function showError(msg: string | null): void {
  errBox.hidden = !msg;
  errBox.textContent = msg ?? '';
  if (msg) setStatus('error');
}
function setStatus(s: string): void {
  $('status').textContent = s;
  document.body.dataset.status = s;
}
const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : String(+v.toFixed(1)));

// Env and algorithm choices: every registered env (MuJoCo's load when chosen), the algorithms that act in its action space.
for (const id of [...registeredIds(), ...pendingIds()]) envSel.add(new Option(id, id, false, id === 'CartPole-v1'));
for (const name of ['ppo', 'recurrent-ppo', 'reinforce', 'trpo', 'npg']) if (ALGORITHMS[name]) algoSel.add(new Option(name, name, false, name === 'ppo'));

/**
 * The cells each algorithm can have (its policy.cell choices): recurrent-ppo always has one,
 * REINFORCE optionally, the others none. The Memory select offers only those.
 */
function cellChoices(algo: string): string[] {
  const cell = (ALGORITHMS[algo]?.defaults as { policy?: { cell?: string } }).policy?.cell;
  if (cell === undefined) return ['none'];
  return algo === 'recurrent-ppo' ? ['lstm', 'gru'] : ['none', 'lstm', 'gru'];
}
function fillMemory(): void {
  const ok = cellChoices(algoSel.value);
  for (const o of Array.from(memSel.options)) o.disabled = !ok.includes(o.value);
  if (!ok.includes(memSel.value)) memSel.value = ok[0];
  memSel.disabled = ok.length === 1;
}
/** The config keys the Memory choice sets (none for algorithms without a cell). */
function memoryOverrides(): { policy: { cell: string } } | undefined {
  return cellChoices(algoSel.value).length > 1 ? { policy: { cell: memSel.value } } : undefined;
}
/** Loads the env's family (MuJoCo's WebAssembly module) in this page if it is not loaded yet. */
async function loadEnv(id: string): Promise<void> {
  if (registeredIds().includes(id)) return;
  setStatus('loading MuJoCo…');
  await ensureEnv(id);
  setStatus('idle');
}
function fillDefaults(): void {
  if (!registeredIds().includes(envSel.value)) {
    // spec() needs the env registered: load it, then fill in.
    const id = envSel.value;
    btn('train').disabled = true;
    loadEnv(id)
      .then(() => {
        btn('train').disabled = false;
        if (envSel.value === id) fillDefaults();
      })
      .catch((e) => showError(`cannot load ${id}: ${(e as Error).message}`));
    return;
  }
  fillMemory();
  const p = presetFor(algoSel.value, envSel.value);
  const defaults = ALGORITHMS[algoSel.value].defaults as { totalSteps?: number };
  stepsIn.value = String(p?.config.totalSteps ?? defaults.totalSteps ?? 100_000);
  const thr = p?.run?.threshold !== undefined ? p.run.threshold : spec(envSel.value).rewardThreshold;
  thrIn.value = thr === null || thr === undefined ? '' : String(thr);
  const masked = /MaskedVelocity/.test(envSel.value) && memSel.value === 'none';
  $('source').textContent =
    (p ? `preset: ${p.source}` : `no tuned preset for ${algoSel.value} on ${envSel.value}: the algorithm's defaults`) +
    (masked ? '. This task hides the velocities: a policy with memory (recurrent-ppo, or reinforce with Memory LSTM) can infer them.' : '');
}
envSel.onchange = algoSel.onchange = memSel.onchange = fillDefaults;
fillDefaults();

// Curves.
let rows: { steps: number; ret: number }[] = [];
let evals: Evaluation[] = [];
let chartQueued = false;
function redraw(): void {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    const series: Series[] = [
      { label: 'training episodes: mean return', color: '#2563eb', points: rows.map((r) => [r.steps, r.ret]) },
      { label: 'greedy evaluation', color: '#dc2626', points: evals.map((e) => [e.steps, e.mean]), dots: true },
    ];
    drawChart(chart, series, { xLabel: 'env steps', empty: 'press Train' });
  });
}
redraw();

// The policy on the canvas: live weights from the worker while training, or a loaded file.
let policyBytes: Uint8Array | null = null;
let liveMode = true;
const playback = new Playback($<HTMLCanvasElement>('env-canvas'), {
  onStep: (p) => {
    $('episode').textContent = String(p.episodes.length + 1);
    $('episode-return').textContent = fmt(p.episodeReturn);
  },
  onEpisode: (p) => {
    const last = p.episodes
      .slice(-5)
      .map((e) => fmt(e.return))
      .join(', ');
    $('played').textContent = `last returns: ${last}`;
    $('played').dataset.returns = JSON.stringify(p.episodes.map((e) => e.return));
  },
  onError: (e) => showError(`playing the policy failed: ${e.message}`),
  // physics() brings the player's view simulation to the current state; the 3D view draws it.
  onDraw: (p) => {
    if (view3d && p.physics()) view3d.draw();
  },
});
// The three.js view of MuJoCo tasks: made for the first MuJoCo policy played (one WebGL context).
let view3d: MujocoView | null = null;
function showCanvas(three: boolean): void {
  $('env-canvas').hidden = three;
  $('env-3d').hidden = !three;
}
$<HTMLSelectElement>('speed').onchange = (e) => (playback.speed = Number((e.target as HTMLSelectElement).value));

/** Plays a checkpoint (MuJoCo's module must be loaded here first: loadEnv). */
function playBytes(bytes: Uint8Array, label: string): void {
  const mujoco = isMujocoId(decodeCheckpoint(bytes).env);
  const player = new Player(bytes, { frames: mujoco ? 'physics' : 'rgb_array' });
  playback.stop();
  view3d?.clear();
  playback.player?.close();
  if (mujoco) {
    view3d ??= new MujocoView($<HTMLCanvasElement>('env-3d'));
    view3d.show(player.physics()!, player.checkpoint.env);
  }
  showCanvas(mujoco);
  policyBytes = bytes;
  $('policy-name').textContent = `${label}: ${player.checkpoint.algo} on ${player.checkpoint.env}, ${player.checkpoint.steps} steps`;
  $('played').textContent = '';
  delete $('played').dataset.returns;
  btn('play').disabled = false;
  playback.play(player);
}

// The worker.
let worker: Worker | null = null;
let pendingSave: 'download' | 'idb' | null = null;
let started: (FromWorker & { type: 'started' }) | null = null;
let recent: [number, number][] = [];
let updates = 0;
function send(m: ToWorker): void {
  worker?.postMessage(m);
}
function newWorker(): Worker {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onerror = (e) => showError(`the training worker failed: ${e.message || 'could not start (see the console)'}`);
  w.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data);
  return w;
}

function onWorker(m: FromWorker): void {
  switch (m.type) {
    case 'started':
      started = m;
      setStatus('training');
      break;
    case 'update': {
      if (m.log.episodes > 0) rows.push({ steps: m.log.steps, ret: m.log.returnMean });
      if (m.evaluation) {
        evals.push(m.evaluation);
        $('eval-mean').textContent = fmt(m.evaluation.mean);
        $('eval-mean').dataset.value = String(m.evaluation.mean);
      }
      $('steps-done').textContent = String(m.log.steps);
      $('steps-done').dataset.value = String(m.log.steps);
      $('steps-done').dataset.updates = String(++updates);
      $('return-mean').textContent = fmt(rows.at(-1)?.ret);
      // Steps/s over the last few seconds (evaluations included), not since the click.
      const now = performance.now();
      recent.push([now, m.log.steps]);
      while (recent.length > 2 && now - recent[0][0] > 3000) recent.shift();
      const [ta, sa] = recent[0];
      if (now - ta > 500) $('sps').textContent = String(Math.round(((m.log.steps - sa) * 1000) / (now - ta)));
      redraw();
      break;
    }
    case 'checkpoint':
      if (m.purpose === 'live') {
        if (!liveMode) break;
        policyBytes = m.bytes;
        btn('save').disabled = btn('save-idb').disabled = false;
        try {
          const p = playback.player;
          if (
            p &&
            p.checkpoint.algo === started?.algo &&
            p.checkpoint.env === started?.env &&
            JSON.stringify(p.checkpoint.config) === JSON.stringify(started?.config)
          )
            p.load(m.bytes);
          else playBytes(m.bytes, 'training');
          $('policy-name').textContent = `training: ${started?.algo} on ${started?.env}, ${m.steps} steps`;
        } catch (err) {
          showError(`cannot play the live policy: ${(err as Error).message}`);
        }
      } else {
        const name = `${started?.algo}-${started?.env}-s${seedIn.value}-${m.steps}`;
        if (pendingSave === 'idb')
          savePolicy(name, m.bytes)
            .then(refreshStored)
            .then(() => setStatus(`saved '${name}' in this browser`))
            .catch((e) => showError(e.message));
        else download(`${name}.ascent`, m.bytes);
        pendingSave = null;
      }
      break;
    case 'paused':
      btn('pause').textContent = m.paused ? 'Resume' : 'Pause';
      setStatus(m.paused ? 'paused' : 'training');
      break;
    case 'done':
      setStatus(`done (${m.result.reason})`);
      document.body.dataset.reason = m.result.reason;
      btn('pause').disabled = true;
      break;
    case 'bench':
      break;
    case 'error':
      showError(m.message);
      btn('pause').disabled = true;
      break;
  }
}

function download(name: string, bytes: Uint8Array): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  setStatus(`downloaded ${name}`);
}

function startWorker(req: (ToWorker & { type: 'start' })['req']): void {
  worker?.terminate();
  worker = newWorker();
  rows = [];
  evals = [];
  liveMode = true;
  started = null;
  playback.player?.close();
  playback.player = null;
  $('eval-mean').textContent = '-';
  delete $('eval-mean').dataset.value;
  delete document.body.dataset.reason;
  recent = [];
  updates = 0;
  redraw();
  btn('pause').disabled = false;
  btn('pause').textContent = 'Pause';
  setStatus('starting');
  send({ type: 'start', req });
}

/** Steps and threshold from the inputs, or null after showing what is wrong. */
function budget(): { steps: number; seed: number; threshold: number | null } | null {
  showError(null);
  const steps = Number(stepsIn.value),
    seed = Number(seedIn.value);
  if (!Number.isInteger(steps) || steps < 1) return showError(`Steps must be a positive whole number, got '${stepsIn.value}'`), null;
  if (!Number.isInteger(seed) || seed < 0) return showError(`Seed must be a whole number >= 0, got '${seedIn.value}'`), null;
  const threshold = thrIn.value.trim() === '' ? null : Number(thrIn.value);
  if (threshold !== null && !Number.isFinite(threshold)) return showError(`Stop at eval must be a number or empty, got '${thrIn.value}'`), null;
  return { steps, seed, threshold };
}

btn('train').onclick = () => {
  const b = budget();
  if (b) startWorker({ algo: algoSel.value, env: envSel.value, seed: b.seed, totalSteps: b.steps, threshold: b.threshold, overrides: memoryOverrides() });
};
btn('continue').onclick = () => {
  const b = budget();
  if (b && policyBytes) startWorker({ checkpoint: policyBytes.slice(), totalSteps: b.steps, threshold: b.threshold });
};
btn('pause').onclick = () => {
  const pause = btn('pause').textContent === 'Pause';
  if (pause) setStatus('pausing'); // the worker holds at the end of the current update and says so
  send({ type: pause ? 'pause' : 'resume' });
};
btn('save').onclick = () => {
  pendingSave = 'download';
  send({ type: 'save' });
};
btn('save-idb').onclick = () => {
  pendingSave = 'idb';
  send({ type: 'save' });
};
btn('play').onclick = () => {
  if (!policyBytes) return;
  try {
    liveMode = false;
    playBytes(policyBytes, 'playing');
  } catch (err) {
    showError((err as Error).message);
  }
};

async function loadBytes(bytes: Uint8Array, label: string): Promise<void> {
  try {
    showError(null);
    await loadEnv(decodeCheckpoint(bytes).env);
    liveMode = false;
    playBytes(bytes, label);
    setStatus(`loaded ${label}`);
    // Continuing trains the loaded run further: its env and algorithm, a budget beyond its steps.
    const ck = playback.player!.checkpoint;
    if (Array.from(envSel.options).some((o) => o.value === ck.env)) envSel.value = ck.env;
    if (Array.from(algoSel.options).some((o) => o.value === ck.algo)) algoSel.value = ck.algo;
    fillMemory();
    const cell = (ck.config.policy as { cell?: string } | undefined)?.cell;
    if (cell && cellChoices(ck.algo).includes(cell)) memSel.value = cell;
    stepsIn.value = String(ck.run.totalSteps > ck.steps ? ck.run.totalSteps : ck.steps + ck.run.totalSteps);
    thrIn.value = ck.run.threshold === null ? '' : String(ck.run.threshold);
    btn('continue').disabled = false;
  } catch (err) {
    showError(`cannot load ${label}: ${(err as Error).message}`);
  }
}
$<HTMLInputElement>('load-file').onchange = async (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) await loadBytes(new Uint8Array(await f.arrayBuffer()), f.name);
};
async function refreshStored(): Promise<void> {
  const sel = $<HTMLSelectElement>('stored');
  const names = await listPolicies();
  sel.length = 1;
  for (const n of names) sel.add(new Option(n, n));
}
btn('load-idb').onclick = async () => {
  const name = $<HTMLSelectElement>('stored').value;
  if (!name) return showError('choose a policy saved in this browser first');
  try {
    await loadBytes(await loadPolicy(name), name);
  } catch (err) {
    showError((err as Error).message);
  }
};
refreshStored().catch((e) => showError(`policies saved in this browser are unavailable: ${e.message}`));
