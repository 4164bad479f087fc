/** Learning curves rasterised into an RGB image with the envs' Canvas (then PNG-encoded). */
import { Canvas } from '../../envs/raster.ts';
import type { Layout, Pt, Rgb } from './layout.ts';
import { drawText, textWidth, GLYPH_H } from './font.ts';

const tint = (c: Rgb, a: number): Rgb => [Math.round(255 + (c[0] - 255) * a), Math.round(255 + (c[1] - 255) * a), Math.round(255 + (c[2] - 255) * a)];

export function renderRaster(l: Layout): Canvas {
  const cv = new Canvas(l.width, l.height, [255, 255, 255]);
  const H = l.height;
  // Layout is y-down; Canvas is y-up.
  const up = (p: Pt): [number, number] => [p[0], H - p[1]];
  const set = (c: Rgb) => (x: number, y: number) => cv.set(Math.round(x), H - 1 - Math.round(y), c);
  const line = (a: Pt, b: Pt, c: Rgb) => cv.line(a[0], H - 1 - a[1], b[0], H - 1 - b[1], c);
  const { x0, y0, x1, y1 } = l.area;
  const inside = (p: Pt): Pt => [Math.min(x1, Math.max(x0, p[0])), Math.min(y1, Math.max(y0, p[1]))];
  const grid: Rgb = [230, 230, 230], ink: Rgb = [0, 0, 0];
  for (const t of l.yTicks) {
    line([x0, t.py], [x1, t.py], grid);
    drawText(set(ink), t.label, x0 - 6 - textWidth(t.label), t.py - 3);
  }
  for (const t of l.xTicks) {
    line([t.px, y0], [t.px, y1], grid);
    drawText(set(ink), t.label, t.px - textWidth(t.label) / 2, y1 + 8);
  }
  for (const g of l.series) {
    if (g.band.length) cv.fillPolygon(g.band.map((p) => up(inside(p))), tint(g.color, 0.2));
  }
  for (const g of l.series) {
    for (const r of g.runs) for (let i = 1; i < r.points.length; i++) line(inside(r.points[i - 1]), inside(r.points[i]), tint(g.color, 0.45));
  }
  for (const g of l.series) {
    // A 2-pixel mean line: the polyline and a copy one pixel lower.
    for (const dy of [0, 1]) for (let i = 1; i < g.mean.length; i++) {
      const a = inside(g.mean[i - 1]), b = inside(g.mean[i]);
      line([a[0], a[1] + dy], [b[0], b[1] + dy], g.color);
    }
  }
  line([x0, y1], [x1, y1], ink);
  line([x0, y0], [x0, y1], ink);
  drawText(set(ink), l.title, (l.width - textWidth(l.title, 2)) / 2, 10, 2);
  drawText(set(ink), l.xLabel, (x0 + x1) / 2 - textWidth(l.xLabel) / 2, l.height - 18);
  drawText(set(ink), l.yLabel, 12, (y0 + y1) / 2 + textWidth(l.yLabel) / 2, 1, true);
  for (const e of l.legend) {
    cv.fillPolygon([[e.x, H - e.y + 2], [e.x + 14, H - e.y + 2], [e.x + 14, H - e.y - 2], [e.x, H - e.y - 2]], e.color);
    drawText(set(ink), e.label, e.x + 20, e.y - Math.floor(GLYPH_H / 2));
  }
  return cv;
}
