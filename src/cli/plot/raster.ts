/** Learning curves rasterised into an RGB image with the envs' Canvas (then PNG-encoded). */
import { Canvas } from '../../envs/raster.ts';
import type { Layout, Pt, Rgb } from './layout.ts';
import { drawText, FONT_SCALE } from './font.ts';

const tint = (c: Rgb, a: number): Rgb => [Math.round(255 + (c[0] - 255) * a), Math.round(255 + (c[1] - 255) * a), Math.round(255 + (c[2] - 255) * a)];

export function renderRaster(l: Layout): Canvas {
  const cv = new Canvas(l.width, l.height, [255, 255, 255]);
  const H = l.height;
  // Layout is y-down; Canvas is y-up.
  const up = (p: Pt): [number, number] => [p[0], H - p[1]];
  const set = (c: Rgb) => (x: number, y: number) => cv.set(Math.round(x), H - 1 - Math.round(y), c);
  const line = (a: Pt, b: Pt, c: Rgb) => cv.line(a[0], H - 1 - a[1], b[0], H - 1 - b[1], c);
  const grid: Rgb = [230, 230, 230],
    ink: Rgb = [0, 0, 0];
  for (const p of l.panels) {
    const { x0, y0, x1, y1 } = p.area;
    const inside = (q: Pt): Pt => [Math.min(x1, Math.max(x0, q[0])), Math.min(y1, Math.max(y0, q[1]))];
    for (const t of p.yTicks) line([x0, t.py], [x1, t.py], grid);
    for (const t of p.xTicks) line([t.px, y0], [t.px, y1], grid);
    for (const g of p.series)
      if (g.band.length)
        cv.fillPolygon(
          g.band.map((q) => up(inside(q))),
          tint(g.color, 0.2),
        );
    for (const g of p.series) {
      for (const r of g.runs) for (let i = 1; i < r.points.length; i++) line(inside(r.points[i - 1]), inside(r.points[i]), tint(g.color, 0.45));
    }
    for (const g of p.series) {
      // A 2-pixel mean line: the polyline and a copy one pixel lower.
      for (const dy of [0, 1])
        for (let i = 1; i < g.mean.length; i++) {
          const a = inside(g.mean[i - 1]),
            b = inside(g.mean[i]);
          line([a[0], a[1] + dy], [b[0], b[1] + dy], g.color);
        }
    }
    // A failed run's last point: a cross 11 pixels wide, 3 thick.
    for (const g of p.series)
      for (const r of g.runs) {
        const last = r.failed ? r.points.at(-1) : undefined;
        if (!last) continue;
        const [cx, cy] = inside(last);
        for (const d of [-1, 0, 1]) {
          line([cx - 5 + d, cy - 5], [cx + 5 + d, cy + 5], g.color);
          line([cx - 5 + d, cy + 5], [cx + 5 + d, cy - 5], g.color);
        }
      }
    line([x0, y1], [x1, y1], ink);
    line([x0, y0], [x0, y1], ink);
    for (const e of p.legend)
      cv.fillPolygon(
        [
          [e.x, H - e.y + 2],
          [e.x + 18, H - e.y + 2],
          [e.x + 18, H - e.y - 2],
          [e.x, H - e.y - 2],
        ],
        e.color,
      );
  }
  for (const t of l.texts) drawText(set(ink), t.text, t.x, t.y, FONT_SCALE, t.vertical, t.bold);
  return cv;
}
