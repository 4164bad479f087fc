/**
 * A three.js scene of a compiled MuJoCo model: one group per body, holding that body's geoms at
 * their fixed poses in the body frame (geom_pos, geom_quat), so that a frame only moves the body
 * groups (xpos, xquat from mjData). Seen from Gymnasium's default tracking camera for the task
 * (the same TrackingCamera as the Node rasteriser, envs/mujoco/render.ts). Builds without a DOM or
 * WebGL, so Node tests check its geometry; view.ts draws it on a canvas.
 *
 * MuJoCo's frames are z-up and its quaternions are (w, x, y, z); three.js's are (x, y, z, w), and its
 * capsules and cylinders lie along y, rotated here onto MuJoCo's local z.
 */
import {
  AmbientLight,
  BoxGeometry,
  type BufferGeometry,
  CapsuleGeometry,
  Color,
  CylinderGeometry,
  DataTexture,
  DirectionalLight,
  DoubleSide,
  Group,
  Mesh,
  MeshLambertMaterial,
  NearestFilter,
  PerspectiveCamera,
  PlaneGeometry,
  RepeatWrapping,
  RGBAFormat,
  Scene,
  SphereGeometry,
  SRGBColorSpace,
  Vector3,
} from 'three';
import { FOVY_DEG, TrackingCamera, type CameraConfig } from '../../envs/mujoco/render.ts';
import type { MjSim } from '../../envs/mujoco/sim.ts';

/** mjtGeom values drawn here. */
export const GEOM = { plane: 0, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6 } as const;
/** Segments around round geoms. */
const SEG = 24;
/** An infinite plane (size 0) is drawn this many metres across; the checker tiles are 1 m. */
const FLOOR_EXTENT = 200,
  TILE = 1;
/** MuJoCo's default geom colour: a geom with a material and this rgba takes the material's. */
const DEFAULT_RGBA = [0.5, 0.5, 0.5, 1];
/**
 * MuJoCo's colours are shown as they are (no gamma), so they are taken as sRGB here, which three.js
 * converts to its linear working space and back on output.
 */
const srgb = (r: number, g: number, b: number) => new Color().setRGB(r, g, b, SRGBColorSpace);
/** The rasteriser's background at mid-height (MuJoCo's default gradient skybox, flat). */
export const BACKGROUND = srgb(66 / 255, 83 / 255, 103 / 255);

/** The geometry of a geom in its own frame (three's y-axis shapes turned onto MuJoCo's z), or null. */
export function geomGeometry(type: number, size: ArrayLike<number>): BufferGeometry | null {
  switch (type) {
    case GEOM.sphere:
      return new SphereGeometry(size[0], SEG, SEG / 2);
    case GEOM.ellipsoid:
      return new SphereGeometry(1, SEG, SEG / 2).scale(size[0], size[1], size[2]);
    case GEOM.capsule:
      return new CapsuleGeometry(size[0], 2 * size[1], SEG / 4, SEG).rotateX(Math.PI / 2);
    case GEOM.cylinder:
      return new CylinderGeometry(size[0], size[0], 2 * size[1], SEG).rotateX(Math.PI / 2);
    case GEOM.box:
      return new BoxGeometry(2 * size[0], 2 * size[1], 2 * size[2]);
    default:
      return null;
  }
}

/** A two-colour checker texture (rgba and 0.8 of it, as the rasteriser's floor), tiled `repeat` times. */
function checker(rgba: number[], repeatX: number, repeatY: number): DataTexture {
  const px = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const dark = i === 1 || i === 2 ? 0.8 : 1;
    for (let c = 0; c < 3; c++) px[4 * i + c] = Math.round(255 * rgba[c] * dark);
    px[4 * i + 3] = 255;
  }
  const t = new DataTexture(px, 2, 2, RGBAFormat);
  t.magFilter = NearestFilter;
  t.minFilter = NearestFilter;
  t.wrapS = t.wrapT = RepeatWrapping;
  t.repeat.set(repeatX / 2, repeatY / 2);
  t.colorSpace = SRGBColorSpace;
  t.needsUpdate = true;
  return t;
}

export class MujocoScene {
  readonly scene = new Scene();
  readonly camera: PerspectiveCamera;
  /** One group per body (index = body id); body 0 is the world. */
  readonly bodies: Group[] = [];
  /** One mesh per drawn geom (index = geom id), null for geoms not drawn. */
  readonly geoms: (Mesh | null)[] = [];
  private readonly tracking: TrackingCamera;

  constructor(
    readonly sim: MjSim,
    cfg: CameraConfig,
    aspect = 1,
  ) {
    this.scene.background = BACKGROUND;
    this.camera = new PerspectiveCamera(FOVY_DEG, aspect, 0.02, 100);
    this.camera.up.set(0, 0, 1);
    this.tracking = new TrackingCamera(sim, cfg);
    // Lights as the rasteriser's: a headlight (carried by the camera) and a light from above.
    const head = new DirectionalLight(0xffffff, 1.6);
    head.position.set(0, 0, 1); // along the camera's view axis, pointing at its target (0, 0, -1)
    this.camera.add(head, head.target);
    head.target.position.set(0, 0, 0);
    const top = new DirectionalLight(0xffffff, 1.1);
    top.position.set(0, 0, 1);
    this.scene.add(this.camera, top, new AmbientLight(0xffffff, 0.8));

    const m = (f: string) => sim.m(f);
    const type = m('geom_type'),
      size = m('geom_size'),
      rgba = m('geom_rgba'),
      group = m('geom_group'),
      bodyOf = m('geom_bodyid'),
      gpos = m('geom_pos'),
      gquat = m('geom_quat'),
      matid = m('geom_matid'),
      matRgba = m('mat_rgba');
    const nbody = m('body_parentid').length;
    for (let b = 0; b < nbody; b++) {
      const g = new Group();
      g.name = `body ${b}`;
      this.bodies.push(g);
      this.scene.add(g);
    }
    for (let g = 0; g < type.length; g++) {
      let colour = Array.from(rgba.subarray(4 * g, 4 * g + 4));
      if (matid[g] >= 0 && colour.every((c, i) => c === DEFAULT_RGBA[i])) colour = Array.from(matRgba.subarray(4 * matid[g], 4 * matid[g] + 4));
      // Invisible, or outside MuJoCo's default visible geom groups 0-2 (as the rasteriser).
      if (colour[3] === 0 || group[g] > 2) {
        this.geoms.push(null);
        continue;
      }
      const material = new MeshLambertMaterial({ color: srgb(colour[0], colour[1], colour[2]), side: DoubleSide });
      if (colour[3] < 1) Object.assign(material, { transparent: true, opacity: colour[3] });
      let geometry: BufferGeometry | null;
      if (type[g] === GEOM.plane) {
        const w = size[3 * g] > 0 ? 2 * size[3 * g] : FLOOR_EXTENT,
          h = size[3 * g + 1] > 0 ? 2 * size[3 * g + 1] : FLOOR_EXTENT;
        geometry = new PlaneGeometry(w, h);
        material.color.set(0xffffff);
        material.map = checker(colour, w / TILE, h / TILE);
      } else geometry = geomGeometry(type[g], size.subarray(3 * g, 3 * g + 3));
      if (!geometry) {
        material.dispose();
        this.geoms.push(null);
        continue;
      }
      const mesh = new Mesh(geometry, material);
      mesh.name = `geom ${g}`;
      mesh.position.set(gpos[3 * g], gpos[3 * g + 1], gpos[3 * g + 2]);
      mesh.quaternion.set(gquat[4 * g + 1], gquat[4 * g + 2], gquat[4 * g + 3], gquat[4 * g]);
      this.bodies[bodyOf[g]].add(mesh);
      this.geoms.push(mesh);
    }
    this.update();
  }

  /** Moves the bodies to mjData's xpos/xquat and the camera to the tracking camera's pose. */
  update(): void {
    const xpos = this.sim.d('xpos'),
      xquat = this.sim.d('xquat');
    for (let b = 0; b < this.bodies.length; b++) {
      this.bodies[b].position.set(xpos[3 * b], xpos[3 * b + 1], xpos[3 * b + 2]);
      this.bodies[b].quaternion.set(xquat[4 * b + 1], xquat[4 * b + 2], xquat[4 * b + 3], xquat[4 * b]);
    }
    const pose = this.tracking.pose();
    this.camera.position.set(...pose.pos);
    this.camera.up.set(...pose.up);
    this.camera.lookAt(new Vector3(pose.pos[0] + pose.forward[0], pose.pos[1] + pose.forward[1], pose.pos[2] + pose.forward[2]));
    this.scene.updateMatrixWorld(true);
  }

  /** Frees the geometries, materials and textures (GPU memory is not garbage collected). */
  dispose(): void {
    for (const mesh of this.geoms) {
      if (!mesh) continue;
      mesh.geometry.dispose();
      const mat = mesh.material as MeshLambertMaterial;
      mat.map?.dispose();
      mat.dispose();
    }
  }
}
