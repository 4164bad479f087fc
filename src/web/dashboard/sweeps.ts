/**
 * The dashboard's sweep view: for each sweep in the runs directory, its jobs (settings, seed,
 * state, progress) and a table of final returns per configuration (mean ± std over seeds) with the
 * best configuration highlighted, as `ascent sweep status` prints them. The views arrive over the
 * page's event stream ('sweep', 'sweep-removed'); each job's run links to its curves (#run=<name>).
 */
import type { SweepJobView, SweepView } from '../../distributed/sweep-view.ts';

const sweeps = new Map<string, SweepView>();
/** Job lists the user opened or folded (kept across re-renders); by default a list is open up to 24 jobs. */
const jobsOpen = new Map<string, boolean>();
/** Sweeps changed since the last render: only those are drawn again (a sweep can have thousands of jobs). */
const dirty = new Set<string>();

/** The Redis queue the server also reads (`ascent dashboard --redis`), and why it cannot be read now. */
let redis: { url: string; error: string | null } | null = null;
export function setRedis(r: { url: string; error: string | null }): void {
  redis = r;
}

export function setSweep(v: SweepView): void {
  sweeps.set(v.id, v);
  dirty.add(v.id);
}
export function removeSweep(id: string): void {
  sweeps.delete(id);
  dirty.add(id);
}
export function clearSweeps(): void {
  for (const id of sweeps.keys()) dirty.add(id);
  sweeps.clear();
  redis = null;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};
const fmt = (x: number | null | undefined, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
/** The swept settings as `ascent sweep status` writes them: lr=0.0003 gamma=0.99. */
export const paramText = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : JSON.stringify(v)}`)
    .join(' ') || '(no swept settings)';
/** The page focused on these runs' curves. */
const runsLink = (names: string[]) => `#${names.map((n) => `run=${encodeURIComponent(n)}`).join('&')}`;
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function jobRow(j: SweepJobView): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset.job = j.key;
  tr.dataset.state = j.state;
  const progress = el('td');
  if (j.state !== 'queued' && j.steps !== null) {
    const total = j.totalSteps ?? j.steps;
    progress.append(el('progress', { max: total || 1, value: Math.min(j.steps, total) }), ` ${j.steps}/${total}`);
  }
  const run = el('td');
  if (j.run) run.append(el('a', { href: runsLink([j.run]), textContent: 'curves' }));
  const state = el('td', { textContent: j.state, className: `state-${j.state}` });
  if (j.error) state.append(el('div', { className: 'err job-error', textContent: j.error }));
  tr.append(
    el('td', { textContent: j.key }),
    el('td', { textContent: paramText(j.params) }),
    el('td', { textContent: String(j.seed) }),
    state,
    progress,
    el('td', { textContent: fmt(j.final) }),
    run,
  );
  return tr;
}

function sweepElement(v: SweepView): HTMLElement {
  const box = el('div', { className: 'sweep' });
  box.dataset.sweep = v.id;
  const runs = v.jobs.flatMap((j) => (j.run ? [j.run] : []));
  const title = el('h3', {}, v.id);
  if (runs.length) title.append(' ', el('a', { href: runsLink(runs), textContent: 'curves', className: 'muted' }));
  box.append(title);
  if (v.error) {
    box.append(el('div', { className: 'err sweep-error', textContent: v.error }));
    return box;
  }
  const configs = v.configurations.length;
  box.append(
    el('div', {
      className: 'muted',
      textContent: `${v.algo} on ${v.env}, ${v.steps} steps, ${plural(configs, 'configuration')} x ${plural(v.seeds.length, 'seed')} = ${plural(v.jobs.length, 'job')}${v.source === 'redis' ? ' (from the queue)' : ''}`,
    }),
  );
  const c = v.counts;
  const counts = el('div', {
    className: 'sweep-counts',
    textContent: `${c.done}/${v.jobs.length} done, ${c.running} running, ${c.queued} queued, ${c.failed} failed${c.stopped ? `, ${c.stopped} stopped` : ''}`,
  });
  box.append(counts);
  // Final scores per configuration; the best one highlighted.
  const table = el(
    'table',
    { className: 'sweep-configs' },
    el(
      'thead',
      {},
      el('tr', {}, ...['config', 'settings', 'done', 'final return (mean ± std over seeds)', 'best eval', ''].map((h) => el('th', { textContent: h }))),
    ),
  );
  const body = el('tbody');
  for (const r of v.configurations) {
    if (!r) continue;
    const tr = el('tr');
    tr.dataset.config = String(r.config);
    if (r.config === v.best) tr.className = 'best';
    const seedsRuns = v.jobs.filter((j) => j.config === r.config && j.run).map((j) => j.run!);
    const link = el('td');
    if (seedsRuns.length) link.append(el('a', { href: runsLink(seedsRuns), textContent: 'curves' }));
    tr.append(
      el('td', { textContent: `c${r.config}${r.config === v.best ? ' ★' : ''}` }),
      el('td', { textContent: paramText(r.params) }),
      el('td', { textContent: `${r.done}/${r.seeds}` }),
      el('td', { className: 'score', textContent: r.mean === null ? '-' : `${fmt(r.mean)} ± ${fmt(r.std)}` }),
      el('td', { textContent: fmt(r.best) }),
      link,
    );
    body.append(tr);
  }
  table.append(body);
  box.append(table);
  const best = v.best === null ? null : v.configurations[v.best];
  box.append(
    el('div', {
      className: 'sweep-best',
      textContent: best
        ? `best configuration: c${best.config} ${paramText(best.params)}: final return ${fmt(best.mean)} ± ${fmt(best.std)} over ${plural(best.done, 'seed')}`
        : 'best configuration: none yet (no job has finished)',
    }),
  );
  // The jobs, folded when there are many; the fold stays as the user left it.
  const details = el('details', { open: jobsOpen.get(v.id) ?? v.jobs.length <= 24 });
  details.ontoggle = () => jobsOpen.set(v.id, details.open);
  details.append(
    el('summary', { textContent: `jobs (${v.jobs.length})` }),
    el(
      'table',
      { className: 'sweep-jobs' },
      el('thead', {}, el('tr', {}, ...['job', 'settings', 'seed', 'state', 'progress', 'final return', ''].map((h) => el('th', { textContent: h })))),
      el('tbody', {}, ...v.jobs.map(jobRow)),
    ),
  );
  box.append(details);
  return box;
}

/** Draw the sweeps that changed; the panel is hidden while there are none and no queue is read. */
export function renderSweeps(panel: HTMLElement, list: HTMLElement, source: HTMLElement): void {
  source.hidden = !redis;
  source.replaceChildren();
  if (redis) {
    source.append(`sweeps on the queue at ${redis.url}${sweeps.size ? '' : ': none yet'}`);
    if (redis.error) source.append(el('div', { className: 'err redis-error', textContent: redis.error }));
  }
  for (const id of dirty) {
    const old = list.querySelector(`:scope > [data-sweep="${CSS.escape(id)}"]`);
    const v = sweeps.get(id);
    if (!v) {
      old?.remove();
      continue;
    }
    const fresh = sweepElement(v);
    if (old) old.replaceWith(fresh);
    else {
      // In id order, as the server lists them.
      const next = Array.from(list.children).find((c) => ((c as HTMLElement).dataset.sweep ?? '') > id);
      list.insertBefore(fresh, next ?? null);
    }
  }
  dirty.clear();
  panel.hidden = sweeps.size === 0 && !redis;
}
