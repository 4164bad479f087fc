/**
 * The geometry of a learning-curve figure in pixels (y down), shared by the SVG writer and the PNG
 * rasteriser so both show the same thing: axes with round ticks, per group a mean line, a ±1 std
 * band across runs, each run as a faint line, and a legend.
 */
import { niceTicks, tickLabel, type Group } from './data.ts';

export type Rgb = [number, number, number];

/** Matplotlib's tab10 colours. */
export const COLORS: Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export type Pt = [number, number];

export interface SeriesLayout {
  label: string;
  color: Rgb;
  runs: { name: string; points: Pt[] }[];
  mean: Pt[];
  /** Closed polygon: upper edge left to right, then lower edge right to left. */
  band: Pt[];
  nRuns: number;
}

/** The plot area: margins for tick labels, axis labels, the title and one legend row per group. */
export function plotArea(width: number, height: number, groups: number): { x0: number; y0: number; x1: number; y1: number } {
  return { x0: 70, y0: 40 + LEGEND_ROW * groups + 6, x1: width - 20, y1: height - 50 };
}

export const LEGEND_ROW = 16;

export interface Layout {
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  area: { x0: number; y0: number; x1: number; y1: number };
  xTicks: { px: number; label: string }[];
  yTicks: { py: number; label: string }[];
  series: SeriesLayout[];
  /** Legend rows above the plot area: swatch at (x, y) (row centre), text after it. */
  legend: { x: number; y: number; label: string; color: Rgb }[];
}

export function layoutPlot(groups: Group[], o: { width: number; height: number; title: string; xLabel: string; yLabel: string }): Layout {
  const area = plotArea(o.width, o.height, groups.length);
  const allX: number[] = [], allY: number[] = [];
  for (const g of groups) {
    for (const r of g.runs) { allX.push(...r.xs); allY.push(...r.ys); }
    g.mean.forEach((m, i) => { allY.push(m + g.std[i], m - g.std[i]); });
  }
  const xlo = Math.min(0, ...allX), xhi = allX.length ? Math.max(...allX) : 1;
  let ylo = allY.length ? Math.min(...allY) : 0, yhi = allY.length ? Math.max(...allY) : 1;
  if (yhi === ylo) { ylo -= 1; yhi += 1; }
  const yt = niceTicks(ylo, yhi), xt = niceTicks(xlo, xhi);
  const yMin = Math.min(ylo, yt[0]), yMax = Math.max(yhi, yt[yt.length - 1]);
  const xMin = Math.min(xlo, xt[0]), xMax = Math.max(xhi, xt[xt.length - 1], xMin + 1e-9);
  const X = (v: number) => area.x0 + ((v - xMin) / (xMax - xMin)) * (area.x1 - area.x0);
  const Y = (v: number) => area.y1 - ((v - yMin) / (yMax - yMin || 1)) * (area.y1 - area.y0);
  const series = groups.map((g, k): SeriesLayout => {
    const upper: Pt[] = g.grid.map((x, i) => [X(x), Y(g.mean[i] + g.std[i])]);
    const lower: Pt[] = g.grid.map((x, i) => [X(x), Y(g.mean[i] - g.std[i])]);
    return {
      label: g.label, color: COLORS[k % COLORS.length], nRuns: g.runs.length,
      runs: g.runs.map((r) => ({ name: r.name, points: r.xs.map((x, i) => [X(x), Y(r.ys[i])] as Pt) })),
      mean: g.grid.map((x, i) => [X(x), Y(g.mean[i])]),
      band: [...upper, ...lower.reverse()],
    };
  });
  return {
    width: o.width, height: o.height, title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, area,
    xTicks: xt.map((v) => ({ px: X(v), label: tickLabel(v) })),
    yTicks: yt.map((v) => ({ py: Y(v), label: tickLabel(v) })),
    series,
    legend: series.map((g, i) => ({
      x: area.x0 + 10, y: 40 + LEGEND_ROW * i + LEGEND_ROW / 2, color: g.color,
      label: `${g.label} (${g.nRuns} run${g.nRuns === 1 ? '' : 's'}${g.nRuns > 1 ? ', mean ± std' : ''})`,
    })),
  };
}
