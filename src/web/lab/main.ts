/**
 * The lab page: one section per claim of the policy-gradient lectures. Each section's controls are
 * sent to its own module Web Worker (compute.ts runs the library's lab), the answer is drawn, and the
 * controls live in the URL query (?section.name=value) so a figure can be linked.
 * Results also go into data-json attributes, which the browser test compares with Node.
 */
import { drawChart, type Series } from '../chart.ts';
import { heatmap, histograms, logBars, scatter, type Bar } from './plots.ts';
import { ALPHA_SWEEP, DEFAULTS, GAE_SWEEP, HORIZON_SWEEP } from './compute-constants.ts';
import type { LabRequest, LabResponse, SectionId } from './protocol.ts';
import type { EssHorizonRow, ImportanceLabReport, ImportanceWeightsResult, LabReport, NaturalGradientResult, ScatterResult } from '../../lab/index.ts';
import type { ClipCurve, ClipRunRow } from '../../lab/ppo-clip.ts';
import type { ModelBasedResult } from '../../lab/model-based.ts';
import type { AttentionRow, AttentionVariant } from '../../lab/hard-attention.ts';

/**
 * Where a code or guide path links: served by `ascent dashboard`, to the dashboard's /source/ route
 * (the package's sources and docs as text); in the docs site (`npm run docs`, which marks the page
 * with <meta name="ascent-site" content="docs">), guides to their built pages and code as plain text.
 */
function linkFor(path: string): string | null {
  const inDocsSite = document.querySelector('meta[name="ascent-site"]')?.getAttribute('content') === 'docs';
  if (!inDocsSite) return `/source/${path}`;
  const doc = /^docs\/(.+)\.md$/.exec(path);
  return doc ? `../documents/${doc[1].replace(/\//g, '_')}.html` : null;
}
const SECTIONS: SectionId[] = ['scatter', 'compare', 'importance', 'natural', 'ppo', 'model', 'attention'];
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
type Params = Record<string, number | string>;

const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;
const sectionEl = (s: SectionId) => $(`section[data-section=${s}]`);
const inputs = (s: SectionId) => Array.from(sectionEl(s).querySelectorAll<HTMLInputElement | HTMLSelectElement>('.controls [name]'));

function showError(msg: string | null): void {
  const e = $('#error');
  e.hidden = !msg;
  e.textContent = msg ?? '';
}

function readParams(s: SectionId): Params {
  const p: Params = {};
  for (const i of inputs(s)) {
    const v = i.value;
    p[i.name] = i.dataset.pow2 ? 2 ** Number(v) : i.type === 'range' || i.type === 'number' ? Number(v) : v;
  }
  return p;
}

function writeInput(i: HTMLInputElement | HTMLSelectElement, v: string): void {
  i.value = i.dataset.pow2 ? String(Math.round(Math.log2(Number(v)))) : v;
  showOutput(i);
}

function showOutput(i: HTMLInputElement | HTMLSelectElement): void {
  const out = i.parentElement?.querySelector('output');
  if (out) out.textContent = i.dataset.pow2 ? String(2 ** Number(i.value)) : i.value;
}

/** The URL keeps every control that differs from its default. */
function saveUrl(): void {
  const q = new URLSearchParams();
  for (const s of SECTIONS) {
    const p = readParams(s);
    for (const [k, v] of Object.entries(p)) if (String(v) !== String(DEFAULTS[s][k])) q.set(`${s}.${k}`, String(v));
  }
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

function loadUrl(): void {
  const q = new URLSearchParams(location.search);
  for (const [key, v] of q) {
    const [s, name] = key.split('.');
    const i = SECTIONS.includes(s as SectionId) ? inputs(s as SectionId).find((x) => x.name === name) : undefined;
    if (i) writeInput(i, v);
  }
}

// One worker per section: sections compute in parallel, and a section whose controls move while it
// computes restarts its worker instead of queueing stale work.
const workers = new Map<SectionId, { w: Worker; busy: boolean }>();
let nextId = 1;
const latest = new Map<SectionId, number>();

function worker(s: SectionId): Worker {
  const cur = workers.get(s);
  if (cur && !cur.busy) return cur.w;
  cur?.w.terminate();
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onerror = (e) => {
    showError(`the ${s} worker failed: ${e.message || 'could not start (see the console)'}`);
    workers.get(s)!.busy = false;
    while (queue.length && active() < CONCURRENT) start(queue[0]);
  };
  w.onmessage = (e: MessageEvent<LabResponse>) => onResult(e.data);
  workers.set(s, { w, busy: false });
  return w;
}

// At most CONCURRENT sections compute at once (this machine class has two cores): with all seven
// started together each one's computation took up to twice as long; queued in page order, the first
// screen's sections finish first and no computation shares its core.
const CONCURRENT = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 2));
const queue: SectionId[] = [];

function active(): number {
  let n = 0;
  for (const { busy } of workers.values()) if (busy) n++;
  return n;
}

function run(s: SectionId): void {
  const el = sectionEl(s);
  el.dataset.state = 'busy';
  latest.set(s, nextId++);
  // A busy section restarts its worker in place (stale work is dropped); others wait their turn.
  if (workers.get(s)?.busy || active() < CONCURRENT) start(s);
  else {
    if (!queue.includes(s)) queue.push(s);
    $('.busy', el).textContent = 'queued…';
  }
}

function start(s: SectionId): void {
  const i = queue.indexOf(s);
  if (i >= 0) queue.splice(i, 1);
  const params = readParams(s);
  const id = latest.get(s)!;
  const w = worker(s);
  workers.get(s)!.busy = true;
  $('.busy', sectionEl(s)).textContent = 'computing…';
  const req: LabRequest = { id, section: s, params };
  w.postMessage(req);
}

function onResult(m: LabResponse): void {
  const entry = workers.get(m.section);
  if (entry) entry.busy = false;
  while (queue.length && active() < CONCURRENT) start(queue[0]);
  if (latest.get(m.section) !== m.id) return;
  const el = sectionEl(m.section);
  if (!m.ok) {
    el.dataset.state = 'error';
    $('.busy', el).textContent = `error: ${m.error}`;
    return;
  }
  try {
    RENDER[m.section](m.result as never, readParams(m.section));
    el.dataset.state = 'done';
    el.dataset.ms = String(Math.round(m.ms));
    el.dataset.runs = String(Number(el.dataset.runs ?? 0) + 1);
    $('.busy', el).textContent = `computed in ${(m.ms / 1000).toFixed(2)} s`;
  } catch (e) {
    el.dataset.state = 'error';
    showError(`drawing ${m.section}: ${(e as Error).stack ?? e}`);
  }
}

function table(cols: string[], rows: (string | number)[][]): string {
  const esc = (x: string | number) => String(x).replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const f = (x: number, d = 3) => (Number.isFinite(x) ? (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(d)) : String(x));

function setCli(s: SectionId, text: string): void {
  $('.cli', sectionEl(s)).textContent = text;
}

const RENDER: { [K in SectionId]: (r: never, p: Params) => void } = {
  scatter: ((r: ScatterResult, p: Params) => {
    const N = Number(p.N);
    // Fixed axes for a given estimator: the spread an N = 2 cloud has (variance scales as 1/N).
    const planeVar = r.planeVarianceFraction * r.stats.totalVariance;
    const R = Math.max(2.5 * Math.sqrt((planeVar * N) / 2), 1.2 * r.gradNorm);
    scatter(
      $<SVGSVGElement>('#scatter-plot'),
      r.points,
      [
        { x: r.gradNorm, y: 0, label: 'exact ∇J', color: '#d62728' },
        { x: r.mean[0], y: r.mean[1], label: `mean of ${r.points.length / 2} estimates`, color: '#222' },
      ],
      { x0: r.gradNorm - R, x1: r.gradNorm + R, y0: -R, y1: R },
      { xLabel: 'along ∇J', yLabel: 'largest spread ⟂ ∇J' },
    );
    const s = r.stats;
    const box = $('#scatter-numbers');
    box.innerHTML = table(
      ['quantity', 'value'],
      [
        ['estimator', r.name],
        ['exact J', f(r.J, 4)],
        ['exact ‖∇J‖', f(r.gradNorm, 4)],
        ['N trajectories per estimate', N],
        ['bias / SE (≈ 1: unbiased)', f(s.biasSE, 2)],
        ['max |z| over coordinates', f(s.maxZ, 2)],
        ['total variance tr Cov', f(s.totalVariance, 4)],
        ['N × tr Cov (flat in N)', f(N * s.totalVariance, 3)],
        ['mean cos(estimate, ∇J)', f(s.meanCosine, 3)],
        ['variance in this plane', `${(100 * r.planeVarianceFraction).toFixed(0)}%`],
      ],
    );
    box.dataset.json = JSON.stringify({ name: r.name, J: r.J, gradNorm: r.gradNorm, ...s });
    setCli('scatter', `ascent lab estimators --batch-size ${N} --batches ${p.M} --seed ${p.seed} --json lab.json   (row '${r.name}')`);
  }) as never,

  compare: ((r: LabReport & { chosen: string }, p: Params) => {
    const full = r.estimators.find((e) => e.name === 'full')!;
    const shown = r.estimators.filter((e) => !e.name.startsWith('gae(') || e.name === r.chosen);
    const bars: Bar[] = shown.map((e, k) => ({
      label: e.name,
      value: e.mse / full.mse,
      lo: Math.max(1e-9, (e.mse - e.mseSE) / full.mse),
      hi: (e.mse + e.mseSE) / full.mse,
      color: e.name.startsWith('gae(')
        ? '#2ca02c'
        : e.name.startsWith('rewardToGo')
          ? ['#ff7f0e', '#f5a55a', '#f8c48f'][k % 3]
          : ['#1f77b4', '#5a9bd0', '#8fbbe0'][k % 3],
    }));
    logBars($<SVGSVGElement>('#compare-bars'), bars, 'MSE / MSE of full REINFORCE (log scale, ±1 SE)');
    const gae = r.estimators
      .filter((e) => e.name.startsWith('gae('))
      .map((e) => [e.spec.lambda!, e] as const)
      .sort((a, b) => a[0] - b[0]);
    const lam = Number(p.lambda);
    drawChart(
      $<HTMLCanvasElement>('#compare-gae'),
      [
        { label: 'GAE(λ)', color: '#2ca02c', points: gae.map(([l, e]) => [l, e.totalVariance / full.totalVariance]) },
        {
          label: 'reward-to-go − V',
          color: '#ff7f0e',
          points: [0, 1].map((x): [number, number] => [x, r.estimators.find((e) => e.name === 'rewardToGo+value')!.totalVariance / full.totalVariance]),
        },
        {
          label: `λ = ${lam}`,
          color: '#d62728',
          dots: true,
          points: gae.filter(([l]) => l === lam).map(([l, e]) => [l, e.totalVariance / full.totalVariance]),
        },
      ],
      { xLabel: 'λ', yLabel: 'variance relative to full REINFORCE' },
    );
    const box = $('#compare-table');
    box.innerHTML =
      `<p class="muted">${r.mdp.name}; N = ${r.batchSize}, M = ${r.numBatches} batches, seed ${r.seed}; exact J = ${f(r.exact.J, 4)}, ‖∇J‖ = ${f(r.exact.gradNorm, 4)}. GAE(λ) for λ in ${GAE_SWEEP.join(', ')} are in the curve.</p>` +
      table(
        ['estimator', 'unbiased in theory', 'bias/SE', 'rel. bias', 'total variance', 'var / full', 'MSE ± SE', 'mean cos'],
        shown.map((e) => [
          e.name,
          e.unbiasedInTheory ? 'yes' : 'no',
          f(e.biasSE, 2),
          f(e.relativeBias, 3),
          f(e.totalVariance, 4),
          f(e.varianceRatio, 3),
          `${f(e.mse, 4)} ± ${f(e.mseSE, 4)}`,
          f(e.meanCosine, 3),
        ]),
      );
    box.dataset.json = JSON.stringify(
      Object.fromEntries(
        r.estimators.map((e) => [e.name, { totalVariance: e.totalVariance, biasSE: e.biasSE, mse: e.mse, mseSE: e.mseSE, varianceRatio: e.varianceRatio }]),
      ),
    );
    box.dataset.exact = JSON.stringify(r.exact);
    setCli(
      'compare',
      `ascent lab estimators${p.mdp === 'riverswim' ? ' --mdp riverswim' : ''} --batch-size ${p.N} --batches ${p.M} --seed ${p.seed} --json lab.json   (GAE rows for λ = 0, 0.5, 0.95)`,
    );
  }) as never,

  importance: ((r: { sweep: ImportanceLabReport; weights: ImportanceWeightsResult; ess: EssHorizonRow[] }, p: Params) => {
    const kinds = r.sweep.steps[0].estimators.map((e) => e.kind);
    drawChart(
      $<HTMLCanvasElement>('#importance-bias'),
      kinds.map(
        (k, j): Series => ({
          label: k,
          color: COLORS[j],
          points: r.sweep.steps.map((s) => [s.alpha, s.estimators[j].biasSE]),
        }),
      ),
      { xLabel: 'α (policy move)', yLabel: 'bias / SE' },
    );
    histograms(
      $<SVGSVGElement>('#importance-hist'),
      [
        { label: `whole trajectory W (H = ${r.weights.horizon})`, color: COLORS[0], xs: r.weights.trajectory },
        { label: 'per-decision W_t', color: COLORS[1], xs: r.weights.perDecision },
        { label: 'first-order ρ_t', color: COLORS[3], xs: r.weights.firstOrder },
      ],
      40,
      `log10 weight at α = ${r.weights.alpha}`,
    );
    drawChart(
      $<HTMLCanvasElement>('#importance-ess'),
      [
        { label: 'ESS/N exact', color: COLORS[0], points: r.ess.map((e) => [e.horizon, e.exactEssFraction]) },
        { label: 'ESS/N sampled', color: COLORS[1], dots: true, points: r.ess.map((e) => [e.horizon, e.essFraction]) },
      ],
      { xLabel: 'horizon H', yLabel: `ESS / N at α = ${p.alpha}` },
    );
    const at = r.sweep.steps.find((s) => s.alpha === Number(p.alpha))!;
    // A table of the same shape as the estimators section's: other columns from another report.
    const box = $('#importance-table');
    box.innerHTML =
      `<p class="muted">${r.sweep.mdp.name}; α = ${at.alpha}: trajectory KL ${f(at.klTrajectory, 4)}, ESS/N exact ${f(at.exactEssFraction, 3)}, sampled ${f(at.essFraction, 3)}, max/mean weight ${f(at.maxOverMean, 2)}. α sweep: ${ALPHA_SWEEP.join(', ')}; ESS horizons ${HORIZON_SWEEP.join(', ')}.</p>` +
      table(
        ['estimator', 'unbiased in theory', 'bias/SE', 'rel. bias', 'total variance', 'var / on-policy', 'mean cos'],
        at.estimators.map((e) => [
          e.kind,
          e.unbiasedInTheory ? 'yes' : 'no',
          f(e.biasSE, 2),
          f(e.relativeBias, 3),
          f(e.totalVariance, 4),
          f(e.varianceVsOnPolicy, 2),
          f(e.meanCosine, 3),
        ]),
      );
    box.dataset.json = JSON.stringify({
      alpha: at.alpha,
      exactEssFraction: at.exactEssFraction,
      essFraction: at.essFraction,
      estimators: at.estimators.map((e) => ({ kind: e.kind, biasSE: e.biasSE, totalVariance: e.totalVariance })),
      ess: r.ess,
    });
    setCli(
      'importance',
      Number(p.horizon) === 8
        ? `ascent lab importance --batch-size ${p.N} --batches ${p.M} --seed ${p.seed} --steps ${[...new Set([...ALPHA_SWEEP, Number(p.alpha)])].sort((a, b) => a - b).join(',')} --json imp.json   (the ESS table matches at α = 0.3)`
        : 'the CLI samples at horizon 8 only; set H = 8 to compare',
    );
  }) as never,

  natural: ((r: NaturalGradientResult, p: Params) => {
    const s = r.start;
    const delta = Number(p.delta),
      lr = Number(p.lr);
    const gn = Math.hypot(...s.grad);
    heatmap(
      $<SVGSVGElement>('#natural-plot'),
      r.grid,
      [
        { label: `vanilla gradient (lr ${lr})`, color: '#ff7f0e', pts: r.vanilla.map((q) => q.phi) },
        { label: `natural gradient (KL step δ = ${delta})`, color: '#1f4fd0', pts: r.natural.map((q) => q.phi) },
      ],
      [
        { cx: s.phi[0], cy: s.phi[1], rx: lr * gn, ry: lr * gn, color: '#ff7f0e' },
        { cx: s.phi[0], cy: s.phi[1], rx: Math.sqrt((2 * delta) / s.fisher[0]), ry: Math.sqrt((2 * delta) / s.fisher[1]), color: '#1f4fd0' },
      ],
      { xLabel: 'φ₀ (scale 1)', yLabel: `φ₁ (scale ${p.scale})` },
    );
    const v = r.vanilla[r.vanilla.length - 1],
      n = r.natural[r.natural.length - 1];
    const box = $('#natural-numbers');
    box.innerHTML = table(
      ['at the start φ = (' + s.phi.map((x) => f(x, 3)).join(', ') + ')', 'value'],
      [
        ['J', f(s.J, 4)],
        ['∇J (vanilla)', s.grad.map((x) => f(x, 4)).join(', ')],
        ['Fisher diag F', s.fisher.map((x) => f(x, 4)).join(', ')],
        ['F⁻¹∇J (natural)', s.natural.map((x) => f(x, 4)).join(', ')],
        [`J after ${p.steps} vanilla steps`, f(v.J, 4)],
        [`J after ${p.steps} natural steps`, f(n.J, 4)],
        ['best J on the grid', f(r.bestJ, 4)],
      ],
    );
    box.dataset.json = JSON.stringify({ start: s, vanillaJ: v.J, naturalJ: n.J, bestJ: r.bestJ });
  }) as never,

  ppo: ((r: { positive: ClipCurve; negative: ClipCurve; run: ClipRunRow[] }, p: Params) => {
    const pts = (c: ClipCurve, y: Float64Array) => Array.from(c.ratios, (x, i) => [x, y[i]] as [number, number]);
    drawChart(
      $<HTMLCanvasElement>('#ppo-curve'),
      [
        { label: 'L_clip, A = +1', color: COLORS[0], points: pts(r.positive, r.positive.objective) },
        { label: 'L_clip, A = −1', color: COLORS[3], points: pts(r.negative, r.negative.objective) },
        { label: 'slope, A = +1', color: '#9cc3ff', points: pts(r.positive, r.positive.slope) },
        { label: 'slope, A = −1', color: '#f0a0a0', points: pts(r.negative, r.negative.slope) },
      ],
      { xLabel: `ratio r (ε = ${p.eps})`, yLabel: 'objective and its slope' },
    );
    drawChart(
      $<HTMLCanvasElement>('#ppo-run'),
      [
        { label: 'clip fraction', color: COLORS[0], points: r.run.map((x) => [x.update, x.clipFraction]) },
        { label: 'approx KL', color: COLORS[1], points: r.run.map((x) => [x.update, x.approxKl]) },
      ],
      { xLabel: 'update', yLabel: `PPO on CartPole-v1, ${p.epochs} epochs per update` },
    );
    const box = $('#ppo-numbers');
    const mean = r.run.reduce((s, x) => s + x.clipFraction, 0) / r.run.length;
    box.innerHTML =
      `<p>mean clip fraction ${f(mean, 3)} over ${r.run.length} updates; last episode return mean ${f(r.run[r.run.length - 1].returnMean, 1)}</p>` +
      table(
        ['update', 'env steps', 'clip fraction', 'approx KL', 'return mean'],
        r.run.map((x) => [x.update, x.steps, f(x.clipFraction, 3), f(x.approxKl, 4), f(x.returnMean, 1)]),
      );
    box.dataset.json = JSON.stringify({ meanClipFraction: mean, run: r.run, slopeAtOne: r.positive.slope[80] });
  }) as never,

  model: ((r: ModelBasedResult) => {
    const rows = (e: string) => r.gradients.filter((g) => g.estimator === e);
    drawChart(
      $<HTMLCanvasElement>('#model-grad'),
      [
        { label: 'pathwise', color: COLORS[0], points: rows('pathwise').map((g) => [g.horizon, Math.log10(g.relStd)]) },
        { label: 'likelihood ratio', color: COLORS[1], points: rows('likelihood-ratio').map((g) => [g.horizon, Math.log10(g.relStd)]) },
      ],
      { xLabel: 'horizon H', yLabel: 'log10 (std of one draw / norm of the mean gradient)' },
    );
    drawChart(
      $<HTMLCanvasElement>('#model-error'),
      [
        { label: "the data's policy", color: COLORS[2], points: r.compounding.map((c) => [c.horizon, c.behaviour]) },
        { label: 'a changed policy', color: COLORS[3], points: r.compounding.map((c) => [c.horizon, c.changed]) },
      ],
      { xLabel: 'horizon H', yLabel: 'model vs real state distance' },
    );
    const box = $('#model-numbers');
    box.innerHTML =
      `<p class="muted">model: 3-member ensemble (64×64 ELU), ${r.fit.epochs} epochs, held-out MSE ${f(r.fit.holdoutMse, 4)}; computed in ${r.seconds.toFixed(1)} s</p>` +
      table(
        ['H', 'pathwise tr Cov', 'pathwise std/‖mean‖', 'LR tr Cov', 'LR std/‖mean‖', 'model error (data policy)', 'model error (changed)'],
        r.compounding.map((c) => {
          const pw = rows('pathwise').find((g) => g.horizon === c.horizon)!,
            lr = rows('likelihood-ratio').find((g) => g.horizon === c.horizon)!;
          return [c.horizon, f(pw.totalVariance, 4), f(pw.relStd, 3), f(lr.totalVariance, 4), f(lr.relStd, 3), f(c.behaviour, 4), f(c.changed, 4)];
        }),
      );
    box.dataset.json = JSON.stringify({ gradients: r.gradients, compounding: r.compounding, fit: r.fit });
  }) as never,

  attention: ((r: Record<AttentionVariant, AttentionRow[]>, p: Params) => {
    const names: [AttentionVariant, string, string][] = [
      ['leaveOneOut', 'score function, leave-one-out baseline', COLORS[0]],
      ['noBaseline', 'score function, no baseline', COLORS[1]],
      ['off', 'no score function (control)', '#888'],
    ];
    drawChart(
      $<HTMLCanvasElement>('#attention-cue'),
      names.map(([v, label, color]) => ({ label, color, points: r[v].map((x) => [x.step, x.attendsCue]) })),
      { xLabel: 'training step', yLabel: 'sampled glimpses on the cued slot' },
    );
    drawChart(
      $<HTMLCanvasElement>('#attention-acc'),
      names.map(([v, label, color]) => ({ label, color, points: r[v].map((x) => [x.step, x.accuracy]) })),
      { xLabel: 'training step', yLabel: 'greedy accuracy (fresh batch)' },
    );
    const first = (rows: AttentionRow[]) => rows.find((x) => x.attendsCue >= 0.9)?.step;
    const box = $('#attention-numbers');
    box.innerHTML = table(
      ['estimator for the choice', 'first step with ≥ 90% glimpses on the cue', 'final greedy accuracy'],
      names.map(([v, label]) => [label, first(r[v]) ?? `not within ${p.steps}`, f(r[v][r[v].length - 1].accuracy, 3)]),
    );
    box.dataset.json = JSON.stringify(r);
  }) as never,
};

function init(): void {
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[data-src]'))) {
    const href = linkFor(a.dataset.src!);
    if (href) a.href = href;
    else a.replaceWith(Object.assign(document.createElement('code'), { textContent: a.dataset.src }));
  }
  loadUrl();
  for (const s of SECTIONS) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    for (const i of inputs(s)) {
      showOutput(i);
      i.addEventListener('input', () => {
        showOutput(i);
        clearTimeout(timer);
        timer = setTimeout(() => {
          saveUrl();
          run(s);
        }, 200);
      });
    }
    run(s);
  }
}

addEventListener('error', (e) => showError(String(e.message)));
init();
// Offline once loaded (sw.ts caches the page's files). Not available from file:// or plain http off localhost.
if ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js').catch((e) => console.warn(`lab page: no offline copy (${e})`));
