/**
 * rgb_array pictures of the classic-control envs, laid out like Gymnasium's pygame renderers
 * (same sizes, geometry and colours; no anti-aliasing; Pendulum's torque image is drawn as an arc arrow).
 */
import type { RgbFrame } from '../env.ts';
import { Canvas, rotate, rotatedBox, type Point } from '../raster.ts';

const BLACK = [0, 0, 0] as const;

/**
 * CartPole as Gymnasium draws it on its 600x400 screen. A smaller `width` x `height` draws the same
 * picture with every coordinate scaled by (width / 600, height / 400), so that a small frame costs
 * little (pixel observations) and approximates the big one downscaled (test/envs/pixels-cartpole).
 */
export function drawCartPole(x: number, theta: number, xThreshold: number, halfLength: number, width = 600, height = 400): RgbFrame {
  const W = 600,
    H = 400;
  const sx = width / W,
    sy = height / H;
  const cv = new Canvas(width, height);
  const fit = (pts: readonly Point[]): Point[] => pts.map(([px, py]) => [px * sx, py * sy]);
  const scale = W / (xThreshold * 2);
  const polewidth = 10.0,
    polelen = scale * (2 * halfLength),
    cartwidth = 50.0,
    cartheight = 30.0;
  const cartx = x * scale + W / 2.0,
    carty = 100,
    axleoffset = cartheight / 4.0;
  const [l, r, t, b] = [-cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2];
  cv.fillPolygon(
    fit([
      [l + cartx, b + carty],
      [l + cartx, t + carty],
      [r + cartx, t + carty],
      [r + cartx, b + carty],
    ]),
    BLACK,
  );
  const pl = -polewidth / 2,
    pr = polewidth / 2,
    pt = polelen - polewidth / 2,
    pb = -polewidth / 2;
  const pole = rotatedBox(pl, pr, pt, pb, -theta, cartx, carty + axleoffset);
  cv.fillPolygon(fit(pole), [202, 152, 101]);
  cv.fillCircle(cartx * sx, (carty + axleoffset) * sy, Math.trunc((polewidth / 2) * Math.min(sx, sy)), [129, 132, 203]);
  cv.line(0, carty * sy, width, carty * sy, BLACK);
  return cv.toFrame();
}

export function drawAcrobot(s: ArrayLike<number>): RgbFrame {
  const D = 500;
  const cv = new Canvas(D, D);
  const scale = D / (2.2 * 2),
    offset = D / 2;
  const p1: Point = [-Math.cos(s[0]) * scale, Math.sin(s[0]) * scale];
  const p2: Point = [p1[0] - Math.cos(s[0] + s[1]) * scale, p1[1] + Math.sin(s[0] + s[1]) * scale];
  // Gymnasium swaps the coordinates of the joint positions ([:, ::-1]).
  const joints: Point[] = [
    [0, 0],
    [p1[1], p1[0]],
    [p2[1], p2[0]],
  ];
  const thetas = [s[0] - Math.PI / 2, s[0] + s[1] - Math.PI / 2];
  cv.line(-2.2 * scale + offset, scale + offset, 2.2 * scale + offset, scale + offset, BLACK);
  for (let k = 0; k < 2; k++) {
    const x = joints[k][0] + offset,
      y = joints[k][1] + offset;
    const llen = scale,
      t = 0.1 * scale,
      b = -0.1 * scale;
    const link = rotatedBox(0, llen, t, b, thetas[k], x, y);
    cv.fillPolygon(link, [0, 204, 204]);
    cv.fillCircle(x, y, Math.trunc(0.1 * scale), [204, 204, 0]);
  }
  return cv.toFrame();
}

const height = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;

export function drawMountainCar(pos: number, goal: number): RgbFrame {
  const W = 600,
    H = 400,
    minP = -1.2,
    maxP = 0.6;
  const cv = new Canvas(W, H);
  const scale = W / (maxP - minP);
  const curve: Point[] = [];
  for (let i = 0; i < 100; i++) {
    const x = minP + ((maxP - minP) * i) / 99;
    curve.push([(x - minP) * scale, height(x) * scale]);
  }
  cv.polyline(curve, BLACK);
  const clearance = 10,
    carwidth = 40,
    carheight = 20,
    ang = Math.cos(3 * pos);
  const cx = (pos - minP) * scale,
    cy = clearance + height(pos) * scale;
  const [l, r, t, b] = [-carwidth / 2, carwidth / 2, carheight, 0];
  cv.fillPolygon(rotatedBox(l, r, t, b, ang, cx, cy), BLACK);
  for (const w of [carwidth / 4, -carwidth / 4]) {
    const [wx, wy] = rotate([w, 0], ang, cx, cy);
    cv.fillCircle(Math.trunc(wx), Math.trunc(wy), Math.trunc(carheight / 2.5), [128, 128, 128]);
  }
  const flagx = Math.trunc((goal - minP) * scale),
    flagy1 = Math.trunc(height(goal) * scale),
    flagy2 = flagy1 + 50;
  cv.line(flagx, flagy1, flagx, flagy2, BLACK);
  cv.fillPolygon(
    [
      [flagx, flagy2],
      [flagx, flagy2 - 10],
      [flagx + 25, flagy2 - 5],
    ],
    [204, 204, 0],
  );
  return cv.toFrame();
}

/**
 * Torque indicator in place of Gymnasium's clockwise.png: a 3/4 arc around the axle whose radius
 * grows with |u|, with an arrowhead showing the direction (counter-clockwise for u > 0 in y-up).
 */
function drawTorqueArrow(cv: Canvas, cx: number, cy: number, u: number, scale: number): void {
  const r = (scale * Math.abs(u)) / 4;
  if (r < 2) return;
  const dir = u > 0 ? 1 : -1,
    a0 = -Math.PI / 2,
    span = 1.5 * Math.PI;
  const steps = Math.max(12, Math.ceil(span * r)); // about one dot per pixel of arc
  const grey = [60, 60, 60] as const;
  for (let k = 0; k <= steps; k++) {
    const a = a0 + (dir * span * k) / steps;
    cv.fillCircle(cx + r * Math.cos(a), cy + r * Math.sin(a), 1, grey);
  }
  const end = a0 + dir * span;
  const ex = cx + r * Math.cos(end),
    ey = cy + r * Math.sin(end);
  const tx = -Math.sin(end) * dir,
    ty = Math.cos(end) * dir; // tangent in the direction of travel
  const h = Math.max(4, r / 4);
  cv.fillPolygon(
    [
      [ex + tx * h, ey + ty * h],
      [ex - ty * h * 0.6, ey + tx * h * 0.6],
      [ex + ty * h * 0.6, ey - tx * h * 0.6],
    ],
    grey,
  );
}

export function drawPendulum(theta: number, lastU: number | null = null): RgbFrame {
  const D = 500;
  const cv = new Canvas(D, D);
  const scale = D / (2.2 * 2),
    offset = Math.floor(D / 2);
  const rodLength = scale,
    rodWidth = 0.2 * scale;
  const [l, r, t, b] = [0, rodLength, rodWidth / 2, -rodWidth / 2];
  const a = theta + Math.PI / 2;
  const red = [204, 77, 77] as const;
  cv.fillPolygon(rotatedBox(l, r, t, b, a, offset, offset), red);
  cv.fillCircle(offset, offset, Math.trunc(rodWidth / 2), red);
  const [ex, ey] = rotate([rodLength, 0], a, offset, offset);
  cv.fillCircle(Math.trunc(ex), Math.trunc(ey), Math.trunc(rodWidth / 2), red);
  if (lastU !== null) drawTorqueArrow(cv, offset, offset, lastU, scale);
  cv.fillCircle(offset, offset, Math.trunc(0.05 * scale), BLACK);
  return cv.toFrame();
}
