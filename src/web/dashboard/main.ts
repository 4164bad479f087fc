/**
 * The runs dashboard: the list of runs (live over server-sent events), their learning curves
 * overlaid, and a checkpoint's policy played on a canvas (fetched, decoded and run in the page).
 * MuJoCo tasks load mujoco-js (../mujoco/mujoco_wasm.js) when first played and are drawn with
 * three.js on a WebGL canvas of their own (web/mujoco/view.ts). Sweeps in the runs directory get a
 * section of their own (sweeps.ts); a sweep job's run is named <sweep>/<job>.
 */
import { drawChart, type Series } from '../chart.ts';
import { downsampleMinMax } from '../downsample.ts';
import { Player } from '../player.ts';
import { Playback } from '../animate.ts';
import type { Row, RunSummary } from '../runs.ts';
import { ensureEnv } from '../../envs/registry.ts';
import { isMujocoId } from '../../envs/mujoco/ids.ts';
import { decodeCheckpoint } from '../../train/checkpoint.ts';
import { MujocoView } from '../mujoco/view.ts';
import type { SweepView } from '../../distributed/sweep-view.ts';
import { clearSweeps, removeSweep, renderSweeps, setRedis, setSweep } from './sweeps.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#78716c', '#ca8a04'];

interface RunView {
  summary: RunSummary;
  rows: Row[];
  color: string;
  shown: boolean;
}
const runs = new Map<string, RunView>();
let colorIndex = 0;
// #run=<name> (repeated: #run=a&run=b) shows only those runs' curves.
const wanted = new URLSearchParams(location.hash.slice(1)).getAll('run');
/** A run's API path: a sweep job's name <sweep>/<job> stays two path segments. */
const runPath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

function showError(msg: string | null, box = $('error')): void {
  box.hidden = !msg;
  box.textContent = msg ?? '';
}
// The page-wide banner holds two independent problems: the runs directory's and the addressed run's.
const problems: { dir: string | null; run: string | null } = { dir: null, run: null };
function showProblem(kind: keyof typeof problems, msg: string | null): void {
  problems[kind] = msg;
  showError([problems.dir, problems.run].filter(Boolean).join('\n') || null);
}
const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : String(+v.toFixed(1)));
const lastOf = (rows: Row[], k: string) => {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i][k] != null) return rows[i][k];
  return null;
};
const maxOf = (rows: Row[], k: string) => rows.reduce<number | null>((m, r) => (r[k] != null && (m === null || r[k]! > m) ? r[k] : m), null);

// Rendering is batched to one pass per animation frame however many events arrive.
let queued = false;
function render(): void {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    renderTable();
    renderMetrics();
    renderChart();
    renderPlayChoices();
    renderSweeps($('sweeps-panel'), $('sweeps'), $('sweeps-source'));
  });
}

function renderTable(): void {
  const body = $('runs');
  body.replaceChildren(
    ...[...runs.values()].map((r) => {
      const s = r.summary;
      const tr = document.createElement('tr');
      tr.dataset.run = s.name;
      tr.dataset.rows = String(r.rows.length);
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: r.shown });
      box.onchange = () => {
        r.shown = box.checked;
        render();
      };
      const cell = (text: string, cls = '') => Object.assign(document.createElement('td'), { textContent: text, className: cls });
      const name = document.createElement('td');
      name.innerHTML = `<span class="swatch" style="background:${r.color}"></span>`;
      name.append(
        s.name,
        Object.assign(document.createElement('div'), {
          className: 'muted',
          textContent: [s.algo, s.env, s.seed !== null ? `seed ${s.seed}` : ''].filter(Boolean).join(' · '),
        }),
      );
      if (s.errors.length) name.append(Object.assign(document.createElement('div'), { className: 'err run-error', textContent: s.errors.join('\n') }));
      const first = document.createElement('td');
      first.append(box);
      tr.append(
        first,
        name,
        cell(s.state === 'running' && s.live === false ? 'dead' : (s.state ?? '?')),
        cell(`${s.steps ?? '-'}${s.totalSteps ? ` / ${s.totalSteps}` : ''}`),
        cell(fmt(lastOf(r.rows, 'returnMean'))),
        cell(fmt(maxOf(r.rows, 'evalMean'))),
      );
      if (s.errors.length) tr.classList.add('has-error');
      if (s.state === 'failed') {
        // A failed run stands out in the table as in the chart's legend.
        tr.classList.add('failed');
        tr.children[2].className = 'err';
      }
      return tr;
    }),
  );
  $('no-runs').hidden = runs.size > 0;
}

function renderMetrics(): void {
  const sel = $<HTMLSelectElement>('metric');
  const keys = new Set<string>(['returnMean', 'evalMean']);
  for (const r of runs.values()) for (const k of Object.keys(r.rows.at(-1) ?? {})) if (!['iteration', 'steps'].includes(k)) keys.add(k);
  if (keys.size !== sel.options.length) {
    const cur = sel.value;
    sel.replaceChildren(...[...keys].map((k) => new Option(k, k, false, k === cur)));
  }
}

/**
 * Legend names: algo, env and seed first ("ppo CartPole-v1 s0"), so runs of different algorithms on
 * one env differ at a glance; runs that would share a name add what is left of their directory name.
 */
export function legendNames(summaries: RunSummary[]): string[] {
  // A sweep job's run (<sweep>/c<config>-s<seed>) goes by its job, which holds its seed; twins (one job of two sweeps) add the sweep.
  const job = (s: RunSummary) => /^([^/]+)\/(c\d+-s\d+)$/.exec(s.name);
  const base = summaries.map((s) => (s.algo && s.env ? `${s.algo} ${s.env}${job(s) ? ` ${job(s)![2]}` : s.seed !== null ? ` s${s.seed}` : ''}` : s.name));
  const rest = summaries.map((s) => s.name.replace(`${s.algo}-${s.env}-s${s.seed}-`, ''));
  return base.map((b, i) => {
    const s = summaries[i];
    const twins = base.flatMap((x, j) => (x === b ? [j] : []));
    if (b === s.name || twins.length === 1) return b;
    if (job(s)) return `${b} ${job(s)![1]}`;
    if (rest[i] === s.name) return `${b} (${s.name})`;
    // The run directory's <YYYYmmdd-HHMMSS>: the time alone when the twins share the day.
    const m = /^(\d{8})-(\d\d)(\d\d)(\d\d)(.*)$/.exec(rest[i]);
    const sameDay = m && twins.every((j) => rest[j].startsWith(m[1]));
    return `${b} ${m && sameDay ? `${m[2]}:${m[3]}:${m[4]}${m[5]}` : rest[i]}`;
  });
}

function renderChart(): void {
  const metric = $<HTMLSelectElement>('metric').value || 'returnMean';
  const shown = [...runs.values()].filter((r) => r.shown);
  const names = legendNames(shown.map((r) => r.summary));
  const series: Series[] = shown.map((r, i) => ({
    label: r.summary.name,
    legend: names[i],
    failed: r.summary.state === 'failed',
    color: r.color,
    dots: metric.startsWith('eval'),
    // Long histories are drawn from at most MAX_CHART_POINTS points (min/max per bucket, the last kept).
    points: downsampleMinMax(r.rows.filter((row) => row[metric] != null && row.steps != null).map((row) => [row.steps!, row[metric]!] as [number, number])) as [
      number,
      number,
    ][],
  }));
  drawChart($<HTMLCanvasElement>('chart'), series, { xLabel: 'env steps', yLabel: metric, empty: runs.size ? `no ${metric} values yet` : 'no runs' });
}
$('metric').onchange = render;
addEventListener('resize', render);

function renderPlayChoices(): void {
  const runSel = $<HTMLSelectElement>('play-run');
  const withCk = [...runs.values()].filter((r) => r.summary.checkpoints.length > 0).map((r) => r.summary.name);
  if (runSel.options.length !== withCk.length || Array.from(runSel.options).some((o, i) => o.value !== withCk[i])) {
    const cur = runSel.value || wanted[0] || '';
    runSel.replaceChildren(...withCk.map((n) => new Option(n, n, false, n === cur)));
  }
  const ckSel = $<HTMLSelectElement>('play-ckpt');
  const cks = runs.get(runSel.value)?.summary.checkpoints ?? [];
  if (ckSel.options.length !== cks.length || Array.from(ckSel.options).some((o, i) => o.value !== cks[i])) {
    const cur = ckSel.value || 'best.ascent';
    ckSel.replaceChildren(...cks.map((c) => new Option(c.replace(/\.ascent$/, ''), c, false, c === cur)));
  }
}
$('play-run').onchange = render;

// Live data.
function connect(): void {
  const es = new EventSource('/api/events');
  const on = (ev: string, f: (d: any) => void) => es.addEventListener(ev, (e) => f(JSON.parse((e as MessageEvent).data)));
  es.onopen = () => {
    $('conn').textContent = 'live';
    document.body.dataset.live = '1';
  };
  es.onerror = () => {
    $('conn').textContent = 'disconnected: retrying…';
    delete document.body.dataset.live;
  };
  // 'dir' opens every (re)connection's snapshot: start from a clean slate.
  on('dir', (d: { runsDir: string; error: string | null }) => {
    runs.clear();
    clearSweeps();
    $('runs-dir').textContent = d.runsDir;
    showProblem('dir', d.error);
    render();
  });
  on('run', (s: RunSummary) => {
    const r = runs.get(s.name);
    if (r) r.summary = s;
    else runs.set(s.name, { summary: s, rows: [], color: PALETTE[colorIndex++ % PALETTE.length], shown: !wanted.length || wanted.includes(s.name) });
    render();
  });
  on('rows', (d: { name: string; reset: boolean; rows: Row[] }) => {
    const r = runs.get(d.name);
    if (!r) return;
    // Long histories arrive in bounded chunks: the first resets, the rest append (one push per row:
    // a spread of >130k rows overflows the call stack).
    if (d.reset) r.rows = d.rows;
    else for (const row of d.rows) r.rows.push(row);
    render();
  });
  on('removed', (d: { name: string }) => {
    runs.delete(d.name);
    render();
  });
  on('sweep', (v: SweepView) => {
    setSweep(v);
    render();
  });
  on('redis', (d: { url: string; error: string | null }) => {
    setRedis(d);
    render();
  });
  on('sweep-removed', (d: { id: string }) => {
    removeSweep(d.id);
    render();
  });
}
connect();

// A run named in the address (#run=<name>) that does not exist is an error on the page.
for (const name of wanted) {
  fetch(`/api/runs/${runPath(name)}`)
    .then(async (res) => {
      if (!res.ok) showProblem('run', (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))).error);
    })
    .catch((e) => showProblem('run', `cannot reach the dashboard server: ${e.message}`));
}

// Playing a checkpoint.
const playback = new Playback($<HTMLCanvasElement>('play-canvas'), {
  onStep: (p) => {
    $('episode').textContent = String(p.episodes.length + 1);
    $('episode-return').textContent = fmt(p.episodeReturn);
  },
  onEpisode: (p) => {
    $('played').textContent = `returns: ${p.episodes
      .slice(-5)
      .map((e) => fmt(e.return))
      .join(', ')}`;
    $('played').dataset.returns = JSON.stringify(p.episodes.map((e) => e.return));
  },
  onError: (e) => showError(`playing failed: ${e.message}`, $('play-error')),
  // physics() brings the player's view simulation to the current state; the view draws it.
  onDraw: (p) => {
    if (view3d && p.physics()) view3d.draw();
  },
});
// The three.js view of MuJoCo tasks: made on the first MuJoCo checkpoint played (one WebGL context).
// The same shape as train/main.ts's player hookup: two pages, two bundles, other element ids.
let view3d: MujocoView | null = null;
function showCanvas(three: boolean): void {
  $('play-canvas').hidden = three;
  $('play-3d').hidden = !three;
}
$<HTMLSelectElement>('speed').onchange = (e) => (playback.speed = Number((e.target as HTMLSelectElement).value));
$('play').onclick = async () => {
  const run = $<HTMLSelectElement>('play-run').value,
    ck = $<HTMLSelectElement>('play-ckpt').value;
  showError(null, $('play-error'));
  if (!run || !ck) return showError('no run with a checkpoint to play yet', $('play-error'));
  try {
    const res = await fetch(`/api/runs/${runPath(run)}/checkpoints/${encodeURIComponent(ck)}`);
    if (!res.ok) throw new Error((await res.json().catch(() => ({ error: `HTTP ${res.status}` }))).error);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const env = decodeCheckpoint(bytes).env;
    const mujoco = isMujocoId(env);
    if (mujoco) {
      $('play-name').textContent = `${run}/${ck}: loading MuJoCo…`;
      await ensureEnv(env);
      view3d ??= new MujocoView($<HTMLCanvasElement>('play-3d'));
    }
    const player = new Player(bytes, { frames: mujoco ? 'physics' : 'rgb_array' });
    playback.stop();
    view3d?.clear();
    playback.player?.close();
    if (mujoco) view3d!.show(player.physics()!, env);
    showCanvas(mujoco);
    $('played').textContent = '';
    delete $('played').dataset.returns;
    $('play-name').textContent = `${run}/${ck}: ${player.checkpoint.algo} on ${player.checkpoint.env}, ${player.checkpoint.steps} steps`;
    playback.play(player);
  } catch (e) {
    playback.stop();
    playback.player?.close();
    playback.player = null;
    view3d?.clear();
    showCanvas(false);
    const cv = $<HTMLCanvasElement>('play-canvas');
    cv.getContext('2d')!.clearRect(0, 0, cv.width, cv.height);
    showError(`cannot play ${run}/${ck}: ${(e as Error).message}`, $('play-error'));
  }
};

// The address names the run to focus on; a new one starts the page afresh.
addEventListener('hashchange', () => location.reload());
