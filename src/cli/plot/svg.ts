/** Learning curves as a hand-written SVG document (classes: axis, tick, run, mean, spread, legend). */
import type { Layout, Pt, Rgb } from './layout.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const rgb = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
const path = (pts: Pt[], close = false) => pts.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('') + (close ? 'Z' : '');

export function renderSvg(l: Layout): string {
  const { x0, y0, x1, y1 } = l.area;
  const s: string[] = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" font-family="sans-serif" font-size="12">`);
  s.push(`<rect class="background" width="${l.width}" height="${l.height}" fill="white"/>`);
  s.push(`<text class="title" x="${l.width / 2}" y="22" text-anchor="middle" font-size="15">${esc(l.title)}</text>`);
  for (const t of l.yTicks) {
    s.push(`<line class="grid" x1="${x0}" y1="${t.py.toFixed(1)}" x2="${x1}" y2="${t.py.toFixed(1)}" stroke="#e6e6e6"/>`);
    s.push(`<text class="tick y" x="${x0 - 6}" y="${(t.py + 4).toFixed(1)}" text-anchor="end">${esc(t.label)}</text>`);
  }
  for (const t of l.xTicks) {
    s.push(`<line class="grid" x1="${t.px.toFixed(1)}" y1="${y0}" x2="${t.px.toFixed(1)}" y2="${y1}" stroke="#e6e6e6"/>`);
    s.push(`<text class="tick x" x="${t.px.toFixed(1)}" y="${y1 + 16}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  s.push(`<clipPath id="area"><rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}"/></clipPath>`);
  for (const g of l.series) {
    s.push(`<g class="group" data-label="${esc(g.label)}" clip-path="url(#area)">`);
    if (g.band.length) s.push(`<path class="spread" d="${path(g.band, true)}" fill="${rgb(g.color)}" fill-opacity="0.2" stroke="none"/>`);
    for (const r of g.runs) s.push(`<path class="run" data-run="${esc(r.name)}" d="${path(r.points)}" fill="none" stroke="${rgb(g.color)}" stroke-opacity="0.35" stroke-width="1"/>`);
    if (g.mean.length) s.push(`<path class="mean" d="${path(g.mean)}" fill="none" stroke="${rgb(g.color)}" stroke-width="2.2"/>`);
    s.push('</g>');
  }
  s.push(`<line class="axis x" x1="${x0}" y1="${y1}" x2="${x1}" y2="${y1}" stroke="black"/>`);
  s.push(`<line class="axis y" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="black"/>`);
  s.push(`<text class="label x" x="${(x0 + x1) / 2}" y="${l.height - 12}" text-anchor="middle">${esc(l.xLabel)}</text>`);
  s.push(`<text class="label y" transform="translate(16,${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${esc(l.yLabel)}</text>`);
  for (const e of l.legend) {
    s.push(`<g class="legend"><rect x="${e.x}" y="${e.y - 2}" width="14" height="4" fill="${rgb(e.color)}"/>` +
      `<text x="${e.x + 20}" y="${e.y + 4}">${esc(e.label)}</text></g>`);
  }
  s.push('</svg>');
  return s.join('\n') + '\n';
}
