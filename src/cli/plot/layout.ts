/**
 * The geometry of a learning-curve figure in pixels (y down), shared by the SVG writer and the PNG
 * rasteriser so both show the same thing in the same typeface (font.ts): one panel per environment
 * (returns of different envs do not share a scale), each with axes and round ticks, per algo+env
 * group a mean line, a ±1 std band across runs and each run as a faint line, a cross on the last
 * point of a run that failed, and a legend. Text items carry their top-left corner.
 */
import { niceTicks, tickLabel, type Group } from './data.ts';
import { CAP_H, FONT_SCALE, GLYPH_H, textWidth } from './font.ts';

export type Rgb = [number, number, number];

/** Matplotlib's tab10 colours. */
export const COLORS: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export type Pt = [number, number];

export interface SeriesLayout {
  label: string;
  color: Rgb;
  runs: { name: string; points: Pt[]; failed: boolean }[];
  mean: Pt[];
  /** Closed polygon: upper edge left to right, then lower edge right to left. */
  band: Pt[];
  nRuns: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextItem {
  text: string;
  /** Top-left of the text; for vertical text (reading upwards) the bottom-left. */
  x: number;
  y: number;
  /** For the SVG's classes: title, panel-title, tick x, tick y, label x, label y, legend. */
  cls: string;
  vertical?: boolean;
  bold?: boolean;
}

export interface Panel {
  env: string;
  area: { x0: number; y0: number; x1: number; y1: number };
  xTicks: { px: number; label: string }[];
  yTicks: { py: number; label: string }[];
  series: SeriesLayout[];
  /** Legend swatches (row centre y); their text is in Layout.texts. */
  legend: { x: number; y: number; color: Rgb }[];
}

export interface Layout {
  width: number;
  height: number;
  title: string;
  panels: Panel[];
  texts: TextItem[];
}

/** One line of text: the font at FONT_SCALE, descenders included, and 4 px between lines. */
export const LEGEND_ROW = GLYPH_H * FONT_SCALE + 4;
const CHAR = textWidth('x', FONT_SCALE) + FONT_SCALE;
/** Height of the figure title band, and of a panel title band when there are several panels. */
const TITLE_BAND = 34,
  PANEL_TITLE = 24;

/**
 * The plot area of a panel: margins for tick labels, axis labels, the title (or the panel's title)
 * and `legendRows` legend lines. The default box is the whole figure (one panel).
 */
export function plotArea(
  width: number,
  height: number,
  legendRows: number,
  box: Box = { x: 0, y: 0, w: width, h: height },
  top = TITLE_BAND + 6,
  left = 90,
): { x0: number; y0: number; x1: number; y1: number } {
  return { x0: box.x + left, y0: box.y + top + LEGEND_ROW * legendRows + 12, x1: box.x + box.w - 20, y1: box.y + box.h - 54 };
}

/** Words of `text` in lines of at most `max` characters (a longer word gets a line of its own). */
export function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && cur.length + 1 + w.length > max) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** The legend text of a group: what the mean covers when its runs end at different x, and its failed runs. */
export function legendText(g: Group, name: string): string {
  const usable = g.runs.filter((r) => r.xs.length > 0);
  const n = g.runs.length;
  let t = `${name}: ${n} run${n === 1 ? '' : 's'}`;
  if (n > 1) {
    t += ', mean ± std';
    const ends = usable.map((r) => r.xs[r.xs.length - 1]);
    // groupCurves averages only where every run has data: say where the mean stops and why.
    if (g.grid.length && Math.min(...ends) < Math.max(...ends)) t += ` to ${tickLabel(g.grid[g.grid.length - 1])} (shortest run)`;
  }
  const failed = g.runs.filter((r) => r.failed).length;
  if (failed) t += `; ${failed} failed ×`;
  return t;
}

function layoutPanel(
  groups: Group[],
  colors: Rgb[],
  box: Box,
  top: number,
  env: string,
  names: string[],
  texts: TextItem[],
  o: { xLabel: string; yLabel: string },
): Panel {
  const labelRows = groups.map((g, k) => wrap(legendText(g, names[k]), Math.max(10, Math.floor((box.w - 54 - 20) / CHAR))));
  const legendRows = labelRows.reduce((a, r) => a + r.length, 0);
  const S = FONT_SCALE,
    capMid = (CAP_H * S) / 2,
    LINE = GLYPH_H * S + 2;
  // The y ticks depend only on the height; the left margin then fits their labels and the y label's lines.
  const v = plotArea(box.w, box.h, legendRows, box, top);
  const yLines = wrap(o.yLabel, Math.max(8, Math.floor((v.y1 - v.y0) / CHAR))).slice(0, 2);
  const allX: number[] = [],
    allY: number[] = [];
  for (const g of groups) {
    for (const r of g.runs) {
      allX.push(...r.xs);
      allY.push(...r.ys);
    }
    g.mean.forEach((m, i) => {
      allY.push(m + g.std[i], m - g.std[i]);
    });
  }
  const xlo = Math.min(0, ...allX),
    xhi = allX.length ? Math.max(...allX) : 1;
  let ylo = allY.length ? Math.min(...allY) : 0,
    yhi = allY.length ? Math.max(...allY) : 1;
  if (yhi === ylo) {
    ylo -= 1;
    yhi += 1;
  }
  // Fewer ticks where the panel is narrow: labels 12 px a character need room.
  const yt = niceTicks(ylo, yhi, Math.max(3, Math.min(8, Math.floor((v.y1 - v.y0) / 40))));
  const left = 8 + yLines.length * LINE + 8 + Math.max(...yt.map((t) => textWidth(tickLabel(t), S))) + 6;
  const area = plotArea(box.w, box.h, legendRows, box, top, left);
  const xt = niceTicks(xlo, xhi, Math.max(3, Math.min(8, Math.floor((area.x1 - area.x0) / 70))));
  const yMin = Math.min(ylo, yt[0]),
    yMax = Math.max(yhi, yt[yt.length - 1]);
  const xMin = Math.min(xlo, xt[0]),
    xMax = Math.max(xhi, xt[xt.length - 1], xMin + 1e-9);
  const X = (v: number) => area.x0 + ((v - xMin) / (xMax - xMin)) * (area.x1 - area.x0);
  const Y = (v: number) => area.y1 - ((v - yMin) / (yMax - yMin || 1)) * (area.y1 - area.y0);
  const series = groups.map((g, k): SeriesLayout => {
    const upper: Pt[] = g.grid.map((x, i) => [X(x), Y(g.mean[i] + g.std[i])]);
    const lower: Pt[] = g.grid.map((x, i) => [X(x), Y(g.mean[i] - g.std[i])]);
    return {
      label: g.label,
      color: colors[k],
      nRuns: g.runs.length,
      runs: g.runs.map((r) => ({ name: r.name, failed: r.failed, points: r.xs.map((x, i) => [X(x), Y(r.ys[i])] as Pt) })),
      mean: g.grid.map((x, i) => [X(x), Y(g.mean[i])]),
      band: [...upper, ...lower.reverse()],
    };
  });
  const xTicks = xt.map((v) => ({ px: X(v), label: tickLabel(v) })),
    yTicks = yt.map((v) => ({ py: Y(v), label: tickLabel(v) }));
  for (const t of yTicks) texts.push({ text: t.label, x: area.x0 - 6 - textWidth(t.label, S), y: Math.round(t.py - capMid), cls: 'tick y' });
  for (const t of xTicks) texts.push({ text: t.label, x: Math.round(t.px - textWidth(t.label, S) / 2), y: area.y1 + 8, cls: 'tick x' });
  texts.push({ text: o.xLabel, x: Math.round((area.x0 + area.x1) / 2 - textWidth(o.xLabel, S) / 2), y: box.y + box.h - 8 - CAP_H * S, cls: 'label x' });
  yLines.forEach((t, i) =>
    texts.push({ text: t, x: box.x + 8 + i * LINE, y: Math.round((area.y0 + area.y1) / 2 + textWidth(t, S) / 2), cls: 'label y', vertical: true }),
  );
  const legend: Panel['legend'] = [];
  let row = 0;
  groups.forEach((_, k) => {
    const y = box.y + top + LEGEND_ROW * row + LEGEND_ROW / 2;
    legend.push({ x: box.x + 30, y, color: colors[k] });
    for (const line of labelRows[k]) {
      texts.push({ text: line, x: box.x + 54, y: Math.round(box.y + top + LEGEND_ROW * row + LEGEND_ROW / 2 - capMid), cls: 'legend' });
      row++;
    }
  });
  return { env, area, xTicks, yTicks, series, legend };
}

/**
 * Groups of one environment share a panel; several environments get one panel each, in a grid
 * (side by side up to 3, then rows), each titled by its env, colours kept per algorithm.
 */
export function layoutPlot(groups: Group[], o: { width: number; height: number; title: string; xLabel: string; yLabel: string }): Layout {
  const envs = [...new Set(groups.map((g) => g.env))];
  const algos = [...new Set(groups.map((g) => g.algo))];
  const texts: TextItem[] = [];
  const S = FONT_SCALE;
  texts.push({ text: o.title, x: Math.round((o.width - textWidth(o.title, S)) / 2), y: 10, cls: 'title', bold: true });
  const panels: Panel[] = [];
  if (envs.length <= 1) {
    panels.push(
      layoutPanel(
        groups,
        groups.map((_, k) => COLORS[k % COLORS.length]),
        { x: 0, y: 0, w: o.width, h: o.height },
        TITLE_BAND + 6,
        envs[0] ?? '',
        groups.map((g) => g.label),
        texts,
        o,
      ),
    );
  } else {
    const cols = envs.length <= 3 ? envs.length : Math.ceil(Math.sqrt(envs.length));
    const rows = Math.ceil(envs.length / cols);
    const pw = Math.floor(o.width / cols),
      ph = Math.floor((o.height - TITLE_BAND) / rows);
    envs.forEach((env, i) => {
      const box = { x: (i % cols) * pw, y: TITLE_BAND + Math.floor(i / cols) * ph, w: pw, h: ph };
      const gs = groups.filter((g) => g.env === env);
      texts.push({ text: env, x: Math.round(box.x + 90 + (box.w - 110 - textWidth(env, S)) / 2), y: box.y + 4, cls: 'panel-title', bold: true });
      panels.push(
        layoutPanel(
          gs,
          gs.map((g) => COLORS[algos.indexOf(g.algo) % COLORS.length]),
          box,
          PANEL_TITLE + 4,
          env,
          gs.map((g) => g.algo),
          texts,
          o,
        ),
      );
    });
  }
  return { width: o.width, height: o.height, title: o.title, panels, texts };
}
