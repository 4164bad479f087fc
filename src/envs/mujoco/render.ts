/**
 * rgb_array frames of a MuJoCo scene without OpenGL: our own flat-shaded rasteriser of MuJoCo's geom
 * types (plane, sphere, capsule, ellipsoid, cylinder, box) with a depth buffer, seen from
 * Gymnasium's default camera for the task. Meant for GIFs of episodes, not for pixel-exact
 * agreement with MuJoCo's renderer (no textures, shadows, reflections or specular light).
 *
 * Camera (gymnasium/envs/mujoco/mujoco_rendering.py): a free camera whose lookat starts at the
 * median of the geom positions and whose distance starts at the model's extent, then the task's
 * default_camera_config overrides them (MuJoCo's defaults: azimuth 90, elevation -45). A
 * `trackbodyid` > 0 keeps the camera over that body: lookat follows its subtree centre of mass in
 * x and y, so a walker stays in the frame.
 */
import type { RgbFrame } from '../env.ts';
import type { MjSim } from './sim.ts';

/** Gymnasium's DEFAULT_CAMERA_CONFIG of each v5 task (model-facts.json, gymnasium_default_camera_config). */
export interface CameraConfig {
  trackbodyid?: number;
  distance?: number;
  lookat?: readonly [number, number, number];
  elevation?: number;
  azimuth?: number;
}

export const DEFAULT_CAMERAS: Record<string, CameraConfig> = {
  'InvertedPendulum-v5': { trackbodyid: 0, distance: 2.04 },
  'InvertedDoublePendulum-v5': {},
  'Reacher-v5': { trackbodyid: 0 },
  'Pusher-v5': { trackbodyid: -1, distance: 4.0 },
  'Swimmer-v5': {},
  'Hopper-v5': { trackbodyid: 2, distance: 3.0, lookat: [0, 0, 1.15], elevation: -20 },
  'Walker2d-v5': { trackbodyid: 2, distance: 4.0, lookat: [0, 0, 1.15], elevation: -20 },
  'HalfCheetah-v5': { distance: 4.0 },
  'Ant-v5': { distance: 4.0 },
  'Humanoid-v5': { trackbodyid: 1, distance: 4.0, lookat: [0, 0, 2.0], elevation: -20 },
  'HumanoidStandup-v5': { trackbodyid: 1, distance: 4.0, lookat: [0, 0, 0.8925], elevation: -20 },
};

/** mjtGeom values. */
const PLANE = 0,
  SPHERE = 2,
  CAPSULE = 3,
  ELLIPSOID = 4,
  CYLINDER = 5,
  BOX = 6;
/** Gymnasium's MujocoRenderer default size. */
export const RENDER_SIZE = 480;
export const FOVY_DEG = 45; // vis.global.fovy of every v5 model (model-facts.json)
const NEAR = 0.02;
const SEG = 16; // segments around a round geom
const RINGS = 8; // rings from pole to pole of a sphere
/** Half-width of the floor drawn around the camera's lookat (m), and the checker tile size. */
const FLOOR_HALF = 12,
  TILE = 1;

type V3 = [number, number, number];
/** Triangles as flat [x0, y0, z0, x1, ..., z2] in the geom's frame. */
type Mesh = Float64Array;

function tri(out: number[], a: V3, b: V3, c: V3): void {
  out.push(a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]);
}

/** A unit sphere's point at latitude index i (0..RINGS) and longitude j, scaled by (rx, ry, rz) and lifted by dz. */
function spherePoint(i: number, j: number, rx: number, ry: number, rz: number, dz = 0): V3 {
  const th = (Math.PI * i) / RINGS,
    ph = (2 * Math.PI * j) / SEG;
  return [rx * Math.sin(th) * Math.cos(ph), ry * Math.sin(th) * Math.sin(ph), rz * Math.cos(th) + dz];
}

function ellipsoidMesh(rx: number, ry: number, rz: number): Mesh {
  const t: number[] = [];
  for (let i = 0; i < RINGS; i++) {
    for (let j = 0; j < SEG; j++) {
      const a = spherePoint(i, j, rx, ry, rz),
        b = spherePoint(i + 1, j, rx, ry, rz);
      const c = spherePoint(i + 1, j + 1, rx, ry, rz),
        d = spherePoint(i, j + 1, rx, ry, rz);
      if (i > 0) tri(t, a, b, d);
      if (i < RINGS - 1) tri(t, b, c, d);
    }
  }
  return Float64Array.from(t);
}

/** Capsule (half-length h along z, radius r: two hemispheres joined by a tube) or cylinder (flat caps). */
function roundMesh(r: number, h: number, capsule: boolean): Mesh {
  const t: number[] = [];
  const ring = (j: number, z: number): V3 => [r * Math.cos((2 * Math.PI * j) / SEG), r * Math.sin((2 * Math.PI * j) / SEG), z];
  for (let j = 0; j < SEG; j++) {
    tri(t, ring(j, -h), ring(j + 1, -h), ring(j + 1, h));
    tri(t, ring(j, -h), ring(j + 1, h), ring(j, h));
    if (!capsule) {
      tri(t, [0, 0, h], ring(j, h), ring(j + 1, h));
      tri(t, [0, 0, -h], ring(j + 1, -h), ring(j, -h));
    }
  }
  if (capsule) {
    const half = RINGS / 2;
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < SEG; j++) {
        // upper hemisphere (rings 0..half) lifted by h, lower (half..RINGS) lowered by h
        for (const [i0, dz] of [
          [i, h],
          [i + half, -h],
        ] as const) {
          const a = spherePoint(i0, j, r, r, r, dz),
            b = spherePoint(i0 + 1, j, r, r, r, dz);
          const c = spherePoint(i0 + 1, j + 1, r, r, r, dz),
            d = spherePoint(i0, j + 1, r, r, r, dz);
          if (i0 > 0) tri(t, a, b, d);
          if (i0 < RINGS - 1) tri(t, b, c, d);
        }
      }
    }
  }
  return Float64Array.from(t);
}

function boxMesh(x: number, y: number, z: number): Mesh {
  const t: number[] = [];
  const p = (sx: number, sy: number, sz: number): V3 => [sx * x, sy * y, sz * z];
  // each face as two triangles: (axis, sign)
  for (const s of [-1, 1]) {
    tri(t, p(s, -1, -1), p(s, 1, -1), p(s, 1, 1));
    tri(t, p(s, -1, -1), p(s, 1, 1), p(s, -1, 1));
    tri(t, p(-1, s, -1), p(1, s, -1), p(1, s, 1));
    tri(t, p(-1, s, -1), p(1, s, 1), p(-1, s, 1));
    tri(t, p(-1, -1, s), p(1, -1, s), p(1, 1, s));
    tri(t, p(-1, -1, s), p(1, 1, s), p(-1, 1, s));
  }
  return Float64Array.from(t);
}

/** The mesh of geom `g` of type `type` and size (3 numbers), or null for types drawn otherwise. */
export function geomMesh(type: number, size: ArrayLike<number>): Mesh | null {
  switch (type) {
    case SPHERE:
      return ellipsoidMesh(size[0], size[0], size[0]);
    case ELLIPSOID:
      return ellipsoidMesh(size[0], size[1], size[2]);
    case CAPSULE:
      return roundMesh(size[0], size[1], true);
    case CYLINDER:
      return roundMesh(size[0], size[1], false);
    case BOX:
      return boxMesh(size[0], size[1], size[2]);
    default:
      return null;
  }
}

/** Camera position and its orthonormal frame (MuJoCo's mjv_updateCamera for a free camera). */
export interface CameraPose {
  pos: V3;
  forward: V3;
  up: V3;
  right: V3;
}

export function freeCamera(lookat: readonly number[], distance: number, azimuthDeg: number, elevationDeg: number): CameraPose {
  const az = (azimuthDeg * Math.PI) / 180,
    el = (elevationDeg * Math.PI) / 180;
  const ca = Math.cos(az),
    sa = Math.sin(az),
    ce = Math.cos(el),
    se = Math.sin(el);
  const forward: V3 = [ce * ca, ce * sa, se];
  const up: V3 = [-se * ca, -se * sa, ce];
  const right: V3 = [forward[1] * up[2] - forward[2] * up[1], forward[2] * up[0] - forward[0] * up[2], forward[0] * up[1] - forward[1] * up[0]];
  const pos: V3 = [lookat[0] - distance * forward[0], lookat[1] - distance * forward[1], lookat[2] - distance * forward[2]];
  return { pos, forward, up, right };
}

/** A colour buffer with a depth buffer (inverse camera depth, larger is nearer). */
class Raster implements RgbFrame {
  readonly data: Uint8Array;
  private readonly invDepth: Float32Array;
  readonly focal: number;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3);
    this.invDepth = new Float32Array(width * height);
    this.focal = height / 2 / Math.tan((FOVY_DEG * Math.PI) / 360);
    // MuJoCo's default gradient skybox, lighter at the top
    for (let row = 0; row < height; row++) {
      const f = 1 - row / height;
      const c = [Math.round(30 + 72 * f), Math.round(40 + 87 * f), Math.round(50 + 103 * f)];
      for (let x = 0; x < width; x++) this.data.set(c, (row * width + x) * 3);
    }
  }

  /** Fill a screen triangle (x right, y down, w = 1 / depth) in colour c where it is nearest. */
  triangle(x0: number, y0: number, w0: number, x1: number, y1: number, w1: number, x2: number, y2: number, w2: number, c: readonly number[]): void {
    const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
    if (area === 0 || !Number.isFinite(area)) return;
    const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2))),
      maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2))),
      maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1, y2)));
    const inv = 1 / area;
    // barycentric weights are affine in x: step them along the row
    const d0 = -(y2 - y1) * inv,
      d1 = -(y0 - y2) * inv;
    const data = this.data,
      depth = this.invDepth,
      W = this.width;
    const r = c[0],
      g = c[1],
      b = c[2];
    for (let py = minY; py <= maxY; py++) {
      const y = py + 0.5,
        x = minX + 0.5;
      let b0 = ((x1 - x) * (y2 - y) - (x2 - x) * (y1 - y)) * inv;
      let b1 = ((x2 - x) * (y0 - y) - (x0 - x) * (y2 - y)) * inv;
      for (let px = minX; px <= maxX; px++, b0 += d0, b1 += d1) {
        const b2 = 1 - b0 - b1;
        if (b0 < 0 || b1 < 0 || b2 < 0) continue;
        const w = b0 * w0 + b1 * w1 + b2 * w2; // 1/z is affine in screen space
        const k = py * W + px;
        if (w <= depth[k]) continue;
        depth[k] = w;
        data[3 * k] = r;
        data[3 * k + 1] = g;
        data[3 * k + 2] = b;
      }
    }
  }
}

/**
 * Gymnasium's default free camera for one MjSim: set up on the first call (as Gymnasium's viewer
 * is, on its first frame) and then tracking `trackbodyid`. Shared by this rasteriser and the
 * browser's three.js view (src/web/mujoco/), so both frame a task the same way.
 */
export class TrackingCamera {
  private lookat: V3 | null = null;
  /** Distance from the lookat point (the model's extent unless the task's config sets it). */
  distance = 0;

  constructor(
    private readonly sim: MjSim,
    readonly cfg: CameraConfig,
  ) {}

  /** The camera for the current state. */
  pose(): CameraPose {
    if (this.lookat === null) {
      const xpos = this.sim.d('geom_xpos');
      const n = xpos.length / 3;
      const med = (axis: number) => {
        const v = Array.from({ length: n }, (_, g) => xpos[3 * g + axis]).sort((a, b) => a - b);
        return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      };
      this.lookat = [med(0), med(1), med(2)];
      this.distance = (this.sim.model as unknown as { stat: { extent: number } }).stat.extent;
      if (this.cfg.lookat) this.lookat = [...this.cfg.lookat];
      if (this.cfg.distance !== undefined) this.distance = this.cfg.distance;
    }
    const look: V3 = [...this.lookat];
    const body = this.cfg.trackbodyid ?? -1;
    if (body > 0) {
      const com = this.sim.d('subtree_com');
      look[0] = com[3 * body];
      look[1] = com[3 * body + 1];
    }
    return freeCamera(look, this.distance, this.cfg.azimuth ?? 90, this.cfg.elevation ?? -45);
  }
}

/** Renders one MjSim from a task's default camera. */
export class MujocoRenderer {
  private readonly meshes: (Mesh | null)[] = [];
  private readonly tracking: TrackingCamera;

  constructor(
    private readonly sim: MjSim,
    cfg: CameraConfig,
    readonly width = RENDER_SIZE,
    readonly height = RENDER_SIZE,
  ) {
    this.tracking = new TrackingCamera(sim, cfg);
    const type = sim.m('geom_type'),
      size = sim.m('geom_size');
    for (let g = 0; g < type.length; g++) this.meshes.push(geomMesh(type[g], size.subarray(3 * g, 3 * g + 3)));
  }

  /** The camera for the current state (initialised on the first frame, as Gymnasium's viewer is). */
  camera(): CameraPose {
    return this.tracking.pose();
  }

  render(): RgbFrame {
    const cam = this.camera();
    const out = new Raster(this.width, this.height);
    const type = this.sim.m('geom_type'),
      rgba = this.sim.m('geom_rgba'),
      group = this.sim.m('geom_group');
    const xpos = this.sim.d('geom_xpos'),
      xmat = this.sim.d('geom_xmat');
    const buf = new Float64Array(9);
    for (let g = 0; g < type.length; g++) {
      if (rgba[4 * g + 3] === 0 || group[g] > 2) continue; // invisible, or outside MuJoCo's default geom groups 0-2
      const colour = [rgba[4 * g], rgba[4 * g + 1], rgba[4 * g + 2]];
      if (type[g] === PLANE) {
        this.floor(out, cam, g, colour);
        continue;
      }
      const mesh = this.meshes[g];
      if (!mesh) continue;
      const R = xmat.subarray(9 * g, 9 * g + 9),
        p = xpos.subarray(3 * g, 3 * g + 3);
      for (let t = 0; t < mesh.length; t += 9) {
        for (let v = 0; v < 3; v++) {
          const x = mesh[t + 3 * v],
            y = mesh[t + 3 * v + 1],
            z = mesh[t + 3 * v + 2];
          buf[3 * v] = p[0] + R[0] * x + R[1] * y + R[2] * z;
          buf[3 * v + 1] = p[1] + R[3] * x + R[4] * y + R[5] * z;
          buf[3 * v + 2] = p[2] + R[6] * x + R[7] * y + R[8] * z;
        }
        this.worldTriangle(out, cam, buf, colour);
      }
    }
    return out;
  }

  /** A plane as checker tiles around the lookat (size 0 = infinite in MuJoCo), in its own frame. */
  private floor(out: Raster, cam: CameraPose, g: number, colour: number[]): void {
    const R = this.sim.d('geom_xmat').subarray(9 * g, 9 * g + 9),
      p = this.sim.d('geom_xpos').subarray(3 * g, 3 * g + 3);
    const size = this.sim.m('geom_size');
    const hx = size[3 * g] > 0 ? size[3 * g] : Infinity,
      hy = size[3 * g + 1] > 0 ? size[3 * g + 1] : Infinity;
    const d = this.tracking.distance;
    const look = [cam.pos[0] + cam.forward[0] * d, cam.pos[1] + cam.forward[1] * d];
    const cx = Math.round(look[0] / TILE) * TILE,
      cy = Math.round(look[1] / TILE) * TILE;
    const dark = colour.map((c) => c * 0.8);
    const buf = new Float64Array(9);
    const put = (v: number, x: number, y: number) => {
      buf[3 * v] = p[0] + R[0] * x + R[1] * y;
      buf[3 * v + 1] = p[1] + R[3] * x + R[4] * y;
      buf[3 * v + 2] = p[2] + R[6] * x + R[7] * y;
    };
    for (let x = cx - FLOOR_HALF; x < cx + FLOOR_HALF; x += TILE) {
      for (let y = cy - FLOOR_HALF; y < cy + FLOOR_HALF; y += TILE) {
        const x0 = Math.max(x, -hx),
          x1 = Math.min(x + TILE, hx),
          y0 = Math.max(y, -hy),
          y1 = Math.min(y + TILE, hy);
        if (x0 >= x1 || y0 >= y1) continue;
        const c = (Math.round(x / TILE) + Math.round(y / TILE)) % 2 === 0 ? colour : dark;
        put(0, x0, y0);
        put(1, x1, y0);
        put(2, x1, y1);
        this.worldTriangle(out, cam, buf, c);
        put(0, x0, y0);
        put(1, x1, y1);
        put(2, x0, y1);
        this.worldTriangle(out, cam, buf, c);
      }
    }
  }

  /** Project, shade (headlight and MuJoCo's top light, both diffuse) and fill one world triangle. */
  private worldTriangle(out: Raster, cam: CameraPose, w: Float64Array, colour: number[]): void {
    const s = new Array<number>(9);
    for (let v = 0; v < 3; v++) {
      const dx = w[3 * v] - cam.pos[0],
        dy = w[3 * v + 1] - cam.pos[1],
        dz = w[3 * v + 2] - cam.pos[2];
      const zc = dx * cam.forward[0] + dy * cam.forward[1] + dz * cam.forward[2];
      if (zc < NEAR) return; // no clipping: triangles reaching behind the near plane are dropped
      const xc = dx * cam.right[0] + dy * cam.right[1] + dz * cam.right[2];
      const yc = dx * cam.up[0] + dy * cam.up[1] + dz * cam.up[2];
      s[3 * v] = out.width / 2 + (out.focal * xc) / zc;
      s[3 * v + 1] = out.height / 2 - (out.focal * yc) / zc;
      s[3 * v + 2] = 1 / zc;
    }
    // face normal (either side faces the viewer: meshes are drawn two-sided)
    const ax = w[3] - w[0],
      ay = w[4] - w[1],
      az = w[5] - w[2],
      bx = w[6] - w[0],
      by = w[7] - w[1],
      bz = w[8] - w[2];
    let nx = ay * bz - az * by,
      ny = az * bx - ax * bz,
      nz = ax * by - ay * bx;
    const len = Math.hypot(nx, ny, nz);
    if (len === 0) return;
    nx /= len;
    ny /= len;
    nz /= len;
    const head = Math.abs(nx * cam.forward[0] + ny * cam.forward[1] + nz * cam.forward[2]);
    const top = Math.abs(nz);
    const light = Math.min(1, 0.25 + 0.5 * head + 0.35 * top);
    const c = [
      Math.round(255 * Math.min(1, colour[0] * light)),
      Math.round(255 * Math.min(1, colour[1] * light)),
      Math.round(255 * Math.min(1, colour[2] * light)),
    ];
    out.triangle(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], c);
  }
}
