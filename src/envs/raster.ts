/**
 * A small software rasteriser for rgb_array frames: filled polygons, circles and lines into an RGB
 * Uint8Array. Coordinates are y-up (row 0 of the image is the top, y = height - 1 - row), the
 * convention Gymnasium's classic-control renderers use before their final vertical flip.
 * Pixel (px, py) is covered by a polygon when its centre (px + 0.5, py + 0.5) is inside.
 */
import type { RgbFrame } from './env.ts';

export type Rgb = readonly [number, number, number];
export type Point = readonly [number, number];

export class Canvas implements RgbFrame {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 3);
    this.fill(background);
  }

  fill(c: Rgb): void {
    const d = this.data;
    for (let i = 0; i < d.length; i += 3) {
      d[i] = c[0];
      d[i + 1] = c[1];
      d[i + 2] = c[2];
    }
  }

  /** Set one pixel given y-up integer coordinates; outside pixels are ignored. */
  set(px: number, py: number, c: Rgb): void {
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = ((this.height - 1 - py) * this.width + px) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  private span(py: number, x0: number, x1: number, c: Rgb): void {
    const a = Math.max(0, x0),
      b = Math.min(this.width - 1, x1);
    for (let px = a; px <= b; px++) this.set(px, py, c);
  }

  /** Even-odd scanline fill of a simple polygon. */
  fillPolygon(pts: readonly Point[], c: Rgb): void {
    if (pts.length < 3) return;
    let ymin = Infinity,
      ymax = -Infinity;
    for (const p of pts) {
      ymin = Math.min(ymin, p[1]);
      ymax = Math.max(ymax, p[1]);
    }
    const y0 = Math.max(0, Math.floor(ymin)),
      y1 = Math.min(this.height - 1, Math.ceil(ymax));
    const xs: number[] = [];
    for (let py = y0; py <= y1; py++) {
      const yc = py + 0.5;
      xs.length = 0;
      for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
        const [xi, yi] = pts[i],
          [xj, yj] = pts[j];
        if (yi <= yc !== yj <= yc) xs.push(xi + ((yc - yi) * (xj - xi)) / (yj - yi));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) this.span(py, Math.ceil(xs[k] - 0.5), Math.floor(xs[k + 1] - 0.5), c);
    }
  }

  /** Filled disc of integer radius r around (cx, cy), like pygame.gfxdraw.filled_circle. */
  fillCircle(cx: number, cy: number, r: number, c: Rgb): void {
    cx = Math.trunc(cx);
    cy = Math.trunc(cy);
    for (let dy = -r; dy <= r; dy++) {
      const w = Math.floor(Math.sqrt(r * r - dy * dy));
      this.span(cy + dy, cx - w, cx + w, c);
    }
  }

  /** One-pixel line (Bresenham) between rounded endpoints. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    let ax = Math.round(x0),
      ay = Math.round(y0);
    const bx = Math.round(x1),
      by = Math.round(y1);
    const dx = Math.abs(bx - ax),
      dy = -Math.abs(by - ay);
    const sx = ax < bx ? 1 : -1,
      sy = ay < by ? 1 : -1;
    let err = dx + dy;
    for (let guard = 0; guard < 100000; guard++) {
      this.set(ax, ay, c);
      if (ax === bx && ay === by) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        ax += sx;
      }
      if (e2 <= dx) {
        err += dx;
        ay += sy;
      }
    }
  }

  polyline(pts: readonly Point[], c: Rgb): void {
    for (let i = 1; i < pts.length; i++) this.line(pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], c);
  }

  toFrame(): RgbFrame {
    return { width: this.width, height: this.height, data: this.data };
  }
}

/** pygame.math.Vector2.rotate_rad: counter-clockwise rotation by `a` radians, then translation. */
export function rotate(p: Point, a: number, tx = 0, ty = 0): Point {
  const c = Math.cos(a),
    s = Math.sin(a);
  return [p[0] * c - p[1] * s + tx, p[0] * s + p[1] * c + ty];
}

/** The box [l, r] x [b, t] as pygame draws it, corners (l, b), (l, t), (r, t), (r, b), rotated by `a` and moved. */
export function rotatedBox(l: number, r: number, t: number, b: number, a: number, tx: number, ty: number): Point[] {
  return [rotate([l, b], a, tx, ty), rotate([l, t], a, tx, ty), rotate([r, t], a, tx, ty), rotate([r, b], a, tx, ty)];
}
