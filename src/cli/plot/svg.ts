/**
 * Learning curves as a hand-written SVG document (classes: axis, tick, run, mean, spread, legend,
 * failed). Text is drawn with the PNG's pixel font as paths (font.ts), so both files look the same;
 * each text path carries its string in data-text and aria-label.
 */
import type { Layout, Pt, Rgb } from './layout.ts';
import { FONT_SCALE, textRuns } from './font.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const rgb = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
const path = (pts: Pt[], close = false) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('') + (close ? 'Z' : '');

/** The font's pixel runs of `text` as one path in text-local coordinates (x along the text, y down). */
function textPath(text: string, bold = false): string {
  const s = FONT_SCALE;
  return textRuns(text, bold)
    .map(([c, r, n]) => `M${c * s},${r * s}h${n * s}v${s}h-${n * s}z`)
    .join('');
}

export function renderSvg(l: Layout): string {
  const s: string[] = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" shape-rendering="crispEdges">`);
  s.push(`<title>${esc(l.title)}</title>`);
  s.push(`<rect class="background" width="${l.width}" height="${l.height}" fill="white"/>`);
  l.panels.forEach((p, k) => {
    const { x0, y0, x1, y1 } = p.area;
    s.push(`<g class="panel" data-env="${esc(p.env)}">`);
    for (const t of p.yTicks) s.push(`<line class="grid" x1="${x0}" y1="${t.py.toFixed(1)}" x2="${x1}" y2="${t.py.toFixed(1)}" stroke="#e6e6e6"/>`);
    for (const t of p.xTicks) s.push(`<line class="grid" x1="${t.px.toFixed(1)}" y1="${y0}" x2="${t.px.toFixed(1)}" y2="${y1}" stroke="#e6e6e6"/>`);
    s.push(`<clipPath id="area${k}"><rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"/></clipPath>`);
    for (const g of p.series) {
      s.push(`<g class="group" data-label="${esc(g.label)}" clip-path="url(#area${k})" shape-rendering="auto">`);
      if (g.band.length) s.push(`<path class="spread" d="${path(g.band, true)}" fill="${rgb(g.color)}" fill-opacity="0.2" stroke="none"/>`);
      for (const r of g.runs)
        s.push(
          `<path class="run" data-run="${esc(r.name)}" d="${path(r.points)}" fill="none" stroke="${rgb(g.color)}" stroke-opacity="0.35" stroke-width="1"/>`,
        );
      if (g.mean.length) s.push(`<path class="mean" d="${path(g.mean)}" fill="none" stroke="${rgb(g.color)}" stroke-width="2.2"/>`);
      for (const r of g.runs) {
        const last = r.failed ? r.points.at(-1) : undefined;
        if (last)
          s.push(
            `<path class="failed" data-run="${esc(r.name)}" d="M${last[0] - 5},${last[1] - 5}l10,10M${last[0] - 5},${last[1] + 5}l10,-10" stroke="${rgb(g.color)}" stroke-width="3"/>`,
          );
      }
      s.push('</g>');
    }
    s.push(`<line class="axis x" x1="${x0}" y1="${y1}" x2="${x1}" y2="${y1}" stroke="black"/>`);
    s.push(`<line class="axis y" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="black"/>`);
    for (const e of p.legend) s.push(`<rect class="swatch" x="${e.x}" y="${e.y - 2}" width="18" height="4" fill="${rgb(e.color)}"/>`);
    s.push('</g>');
  });
  for (const t of l.texts) {
    const at = t.vertical ? `translate(${t.x},${t.y}) rotate(-90)` : `translate(${t.x},${t.y})`;
    s.push(`<path class="${t.cls}" data-text="${esc(t.text)}" aria-label="${esc(t.text)}" transform="${at}" d="${textPath(t.text, t.bold)}"/>`);
  }
  s.push('</svg>');
  return s.join('\n') + '\n';
}
