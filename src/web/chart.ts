/**
 * A small line chart on a canvas (no library): several series over a shared x axis (env steps),
 * round-number ticks, a legend. The canvas records how many points it drew in data-points (and per
 * series in data-series), which the browser tests read.
 */
export interface Series {
  /** The series' identity (a run's directory name). */
  label: string;
  /** The legend's text when it differs from label (e.g. "ppo CartPole-v1 s0"); cut at its end when too long. */
  legend?: string;
  /** A failed run: its legend is red and marked, and its last point gets a cross. */
  failed?: boolean;
  color: string;
  points: [number, number][];
  /** Draw dots instead of a line (sparse series such as evaluations). */
  dots?: boolean;
}

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : a >= 1e4 ? `${+(v / 1e3).toPrecision(3)}k` : String(+v.toPrecision(4));
}

export function drawChart(canvas: HTMLCanvasElement, series: Series[], opts: { xLabel?: string; yLabel?: string; empty?: string } = {}): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 600,
    cssH = canvas.clientHeight || 300;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  g.font = '11px system-ui, sans-serif';
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  canvas.dataset.points = String(pts.length);
  canvas.dataset.series = JSON.stringify(series.map((s) => ({ label: s.label, points: s.points.length, legend: legendText(s), failed: Boolean(s.failed) })));
  if (pts.length === 0) {
    g.fillStyle = '#888';
    g.fillText(opts.empty ?? 'no data yet', cssW / 2 - 30, cssH / 2);
    return;
  }
  // Loops, not Math.min(...pts): a spread of more than ~130k arguments overflows the call stack.
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const [x, y] of pts) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 1;
    y1 += 1;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const L = 52,
    R = 10,
    T = 12 + 16 * Math.ceil(series.length / 3) + (opts.yLabel ? 12 : 0),
    B = 32;
  const X = (x: number) => L + ((x - x0) / (x1 - x0)) * (cssW - L - R);
  const Y = (y: number) => cssH - B - ((y - y0) / (y1 - y0)) * (cssH - T - B);
  g.strokeStyle = '#ddd';
  g.fillStyle = '#555';
  g.lineWidth = 1;
  const ys = niceStep(y1 - y0, 5),
    xs = niceStep(x1 - x0, 6);
  for (let v = Math.ceil(y0 / ys) * ys; v <= y1; v += ys) {
    g.beginPath();
    g.moveTo(L, Y(v));
    g.lineTo(cssW - R, Y(v));
    g.stroke();
    g.fillText(fmt(v), 4, Y(v) + 4);
  }
  for (let v = Math.ceil(x0 / xs) * xs; v <= x1; v += xs) {
    g.beginPath();
    g.moveTo(X(v), T);
    g.lineTo(X(v), cssH - B);
    g.stroke();
    g.fillText(fmt(v), X(v) - 10, cssH - B + 14);
  }
  if (opts.xLabel) g.fillText(opts.xLabel, cssW - R - g.measureText(opts.xLabel).width, cssH - 4);
  if (opts.yLabel) g.fillText(opts.yLabel, L, T - 2);
  series.forEach((s, i) => {
    g.strokeStyle = g.fillStyle = s.color;
    g.lineWidth = 2;
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (s.dots) {
      for (const [x, y] of ok) {
        g.beginPath();
        g.arc(X(x), Y(y), 3, 0, 2 * Math.PI);
        g.fill();
      }
    } else {
      g.beginPath();
      ok.forEach(([x, y], k) => (k ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y))));
      g.stroke();
    }
    const last = ok.at(-1);
    if (s.failed && last) {
      const [cx, cy] = [X(last[0]), Y(last[1])];
      g.lineWidth = 2.5;
      g.beginPath();
      g.moveTo(cx - 5, cy - 5);
      g.lineTo(cx + 5, cy + 5);
      g.moveTo(cx - 5, cy + 5);
      g.lineTo(cx + 5, cy - 5);
      g.stroke();
    }
    // Legend: up to three columns above the plot, labels cut at their end to fit the column, so that
    // what tells runs apart (algo, env, seed) comes first and stays.
    const cols = Math.min(3, series.length),
      col = (cssW - L) / cols,
      lx = L + (i % cols) * col,
      ly = 4 + 16 * Math.floor(i / cols);
    g.fillRect(lx, ly, 10, 10);
    g.fillStyle = s.failed ? '#b91c1c' : '#222';
    let label = legendText(s);
    while (label.length > 4 && g.measureText(label).width > col - 22) label = `${label.slice(0, -2)}…`;
    g.fillText(label, lx + 14, ly + 9);
  });
}

/** The legend's text: the series' legend (or label), with "failed" for a failed run. */
export function legendText(s: Series): string {
  return `${s.failed ? '✗ ' : ''}${s.legend ?? s.label}${s.failed ? ' (failed)' : ''}`;
}
