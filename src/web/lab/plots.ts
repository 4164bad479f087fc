/**
 * Small SVG plots for the lab page (no library): scatter, horizontal bars with error whiskers,
 * overlaid histograms, and a heatmap with paths. Each writes what it drew into data-* attributes,
 * which the browser test reads.
 */
const NS = 'http://www.w3.org/2000/svg';

export interface Frame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function el(tag: string, attrs: Record<string, string | number>, parent?: Element): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function text(parent: Element, x: number, y: number, s: string, attrs: Record<string, string | number> = {}): void {
  el('text', { x, y, 'font-size': 11, fill: '#444', ...attrs }, parent).textContent = s;
}

export function niceTicks(a: number, b: number, n = 5): number[] {
  const span = b - a || 1;
  const raw = span / n,
    mag = 10 ** Math.floor(Math.log10(raw)),
    f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + 1e-12 * span; v += step) out.push(+v.toPrecision(12));
  return out;
}

export const short = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(3)));

/** Axes in an SVG of size w x h; returns the data-to-pixel maps. */
export function axes(svg: SVGSVGElement, f: Frame, o: { xLabel?: string; yLabel?: string; logX?: boolean } = {}) {
  svg.replaceChildren();
  const w = svg.clientWidth || 560,
    h = svg.clientHeight || 320;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const L = 56,
    R = 12,
    T = 14,
    B = 34;
  const X = (x: number) => L + ((x - f.x0) / (f.x1 - f.x0)) * (w - L - R);
  const Y = (y: number) => h - B - ((y - f.y0) / (f.y1 - f.y0)) * (h - T - B);
  const g = el('g', {}, svg);
  for (const v of niceTicks(f.y0, f.y1)) {
    el('line', { x1: L, x2: w - R, y1: Y(v), y2: Y(v), stroke: '#e5e5e5' }, g);
    text(g, 4, Y(v) + 4, short(v));
  }
  for (const v of niceTicks(f.x0, f.x1, 6)) {
    el('line', { x1: X(v), x2: X(v), y1: T, y2: h - B, stroke: '#e5e5e5' }, g);
    text(g, X(v) - 10, h - B + 14, o.logX ? short(10 ** v) : short(v));
  }
  el('rect', { x: L, y: T, width: w - L - R, height: h - T - B, fill: 'none', stroke: '#bbb' }, g);
  if (o.xLabel) text(g, w - R, h - 4, o.xLabel, { 'text-anchor': 'end' });
  if (o.yLabel) text(g, L + 4, T + 12, o.yLabel);
  return { X, Y, w, h, L, R, T, B, g };
}

export function scatter(
  svg: SVGSVGElement,
  pts: ArrayLike<number>,
  marks: { x: number; y: number; label: string; color: string }[],
  f: Frame,
  o: { xLabel?: string; yLabel?: string } = {},
): void {
  const { X, Y, g } = axes(svg, f, o);
  let shown = 0;
  for (let i = 0; i + 1 < pts.length; i += 2) {
    const x = pts[i],
      y = pts[i + 1];
    if (x < f.x0 || x > f.x1 || y < f.y0 || y > f.y1) continue;
    el('circle', { cx: X(x), cy: Y(y), r: 2.2, fill: '#4a7bd0', 'fill-opacity': 0.45 }, g);
    shown++;
  }
  marks.forEach((m, k) => {
    el('path', { d: `M${X(m.x) - 7},${Y(m.y)}h14M${X(m.x)},${Y(m.y) - 7}v14`, stroke: m.color, 'stroke-width': 3 }, g);
    text(g, X(f.x1) - 8, 30 + 14 * k, `+ ${m.label}`, { fill: m.color, 'text-anchor': 'end' });
  });
  svg.dataset.points = String(pts.length / 2);
  svg.dataset.shown = String(shown);
}

export interface Bar {
  label: string;
  value: number;
  lo: number;
  hi: number;
  color: string;
}

/** Horizontal bars on a log10 axis (values > 0), whiskers lo..hi. */
export function logBars(svg: SVGSVGElement, bars: Bar[], xLabel: string): void {
  const vals = bars.flatMap((b) => [b.value, b.lo, b.hi]).filter((v) => v > 0);
  const x0 = Math.floor(Math.log10(Math.min(...vals)) * 2) / 2 - 0.5,
    x1 = Math.ceil(Math.log10(Math.max(...vals)) * 2) / 2;
  const w = svg.clientWidth || 560,
    h = svg.clientHeight || 320;
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const L = 170,
    R = 14,
    T = 8,
    B = 30;
  const X = (v: number) => L + ((Math.log10(Math.max(v, 10 ** x0)) - x0) / (x1 - x0 || 1)) * (w - L - R);
  const rowH = (h - T - B) / bars.length;
  for (let e = Math.ceil(x0); e <= x1; e++) {
    el('line', { x1: X(10 ** e), x2: X(10 ** e), y1: T, y2: h - B, stroke: '#ddd' }, svg);
    text(svg, X(10 ** e) - 8, h - B + 14, short(10 ** e));
  }
  text(svg, w - R, h - 4, xLabel, { 'text-anchor': 'end' });
  bars.forEach((b, i) => {
    const y = T + i * rowH;
    el('rect', { x: L, y: y + rowH * 0.2, width: Math.max(1, X(b.value) - L), height: rowH * 0.6, fill: b.color }, svg);
    el(
      'path',
      { d: `M${X(b.lo)},${y + rowH / 2}H${X(b.hi)}M${X(b.lo)},${y + rowH * 0.3}v${rowH * 0.4}M${X(b.hi)},${y + rowH * 0.3}v${rowH * 0.4}`, stroke: '#222' },
      svg,
    );
    text(svg, 4, y + rowH / 2 + 4, b.label);
  });
  svg.dataset.bars = JSON.stringify(bars.map((b) => [b.label, b.value]));
}

/** Overlaid histograms of several samples over shared bins; heights are fractions of each sample. */
export function histograms(svg: SVGSVGElement, samples: { label: string; color: string; xs: ArrayLike<number> }[], bins: number, xLabel: string): void {
  let lo = Infinity,
    hi = -Infinity;
  for (const s of samples)
    for (let i = 0; i < s.xs.length; i++) {
      lo = Math.min(lo, s.xs[i]);
      hi = Math.max(hi, s.xs[i]);
    }
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = samples.map((s) => {
    const c = new Float64Array(bins);
    for (let i = 0; i < s.xs.length; i++) c[Math.min(bins - 1, Math.floor((s.xs[i] - lo) / width))] += 1 / s.xs.length;
    return c;
  });
  const top = Math.max(...counts.flatMap((c) => [...c]));
  const { X, Y, g } = axes(svg, { x0: lo, x1: hi, y0: 0, y1: top * 1.08 }, { xLabel, yLabel: 'fraction' });
  counts.forEach((c, k) => {
    let d = `M${X(lo)},${Y(0)}`;
    for (let b = 0; b < bins; b++) d += `V${Y(c[b])}H${X(lo + (b + 1) * width)}`;
    d += `V${Y(0)}`;
    el('path', { d, fill: samples[k].color, 'fill-opacity': 0.25, stroke: samples[k].color, 'stroke-width': 1.5 }, g);
    text(g, X(hi) - 8, 28 + 14 * k, samples[k].label, { fill: samples[k].color, 'text-anchor': 'end' });
  });
  svg.dataset.bins = String(bins);
}

/** A heatmap of a row-major grid (rows = y) with polylines and ellipses over it. */
export function heatmap(
  svg: SVGSVGElement,
  grid: { lo: [number, number]; hi: [number, number]; n: number; J: ArrayLike<number> },
  paths: { label: string; color: string; pts: [number, number][] }[],
  ellipses: { cx: number; cy: number; rx: number; ry: number; color: string }[],
  o: { xLabel?: string; yLabel?: string },
): void {
  const f = { x0: grid.lo[0], x1: grid.hi[0], y0: grid.lo[1], y1: grid.hi[1] };
  const { X, Y, g } = axes(svg, f, o);
  const { n, J } = grid;
  let jmin = Infinity,
    jmax = -Infinity;
  for (let i = 0; i < J.length; i++) {
    jmin = Math.min(jmin, J[i]);
    jmax = Math.max(jmax, J[i]);
  }
  const dx = (f.x1 - f.x0) / (n - 1),
    dy = (f.y1 - f.y0) / (n - 1);
  const cells = el('g', {}, g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const u = (J[i * n + j] - jmin) / (jmax - jmin || 1);
      // Light yellow (low J) to dark green (high J), in 10 bands so the level sets read as contours.
      const b = Math.floor(u * 9.999) / 9;
      const x = f.x0 + (j - 0.5) * dx,
        y = f.y0 + (i + 0.5) * dy;
      el(
        'rect',
        {
          x: X(Math.max(f.x0, x)),
          y: Y(Math.min(f.y1, y)),
          width: Math.abs(X(x + dx) - X(x)) + 0.5,
          height: Math.abs(Y(y) - Y(y + dy)) + 0.5,
          fill: `rgb(${Math.round(250 - 200 * b)},${Math.round(245 - 105 * b)},${Math.round(200 - 130 * b)})`,
        },
        cells,
      );
    }
  }
  g.appendChild(cells);
  g.insertBefore(cells, g.firstChild);
  // Paths and ellipses may leave the window: clip them to the plot area.
  const clipId = `clip-${svg.id || 'heat'}`;
  const defs = el('defs', {}, g);
  el('rect', { x: X(f.x0), y: Y(f.y1), width: X(f.x1) - X(f.x0), height: Y(f.y0) - Y(f.y1) }, el('clipPath', { id: clipId }, defs));
  const over = el('g', { 'clip-path': `url(#${clipId})` }, g);
  for (const e of ellipses)
    el(
      'ellipse',
      {
        cx: X(e.cx),
        cy: Y(e.cy),
        rx: Math.abs(X(e.cx + e.rx) - X(e.cx)),
        ry: Math.abs(Y(e.cy + e.ry) - Y(e.cy)),
        fill: 'none',
        stroke: e.color,
        'stroke-width': 2,
      },
      over,
    );
  paths.forEach((p, k) => {
    // Far outside the window (a saturating policy) points are pulled in to keep the SVG numbers sane.
    const c = ([x, y]: [number, number]) =>
      `${X(Math.max(f.x0 - 10 * (f.x1 - f.x0), Math.min(f.x1 + 10 * (f.x1 - f.x0), x)))},${Y(Math.max(f.y0 - 10 * (f.y1 - f.y0), Math.min(f.y1 + 10 * (f.y1 - f.y0), y)))}`;
    el('polyline', { points: p.pts.map(c).join(' '), fill: 'none', stroke: p.color, 'stroke-width': 2.5 }, over);
    for (const q of p.pts) {
      const [cx, cy] = c(q).split(',');
      el('circle', { cx, cy, r: 2.5, fill: p.color }, over);
    }
    const ly = Y(f.y0) - 24 - 16 * (paths.length - 1 - k);
    el('rect', { x: X(f.x0) + 4, y: ly - 11, width: 8 + 7 * p.label.length, height: 15, fill: '#fff', 'fill-opacity': 0.8 }, g);
    text(g, X(f.x0) + 8, ly, p.label, { fill: p.color, 'font-weight': 'bold' });
  });
  svg.dataset.cells = String(n * n);
}
