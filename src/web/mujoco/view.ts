/**
 * Draws a MuJoCo simulation on a canvas with three.js (WebGL): `show(sim, envId)` builds the scene
 * of a model (scene.ts), `draw()` moves it to the simulation's current state and renders. One
 * WebGL renderer per canvas for the page's lifetime (browsers cap live WebGL contexts); a new
 * model replaces the previous scene and frees its GPU buffers.
 */
import { WebGLRenderer } from 'three';
import { DEFAULT_CAMERAS } from '../../envs/mujoco/render.ts';
import type { MjSim } from '../../envs/mujoco/sim.ts';
import { MujocoScene } from './scene.ts';

export class MujocoView {
  private readonly renderer: WebGLRenderer;
  private current: MujocoScene | null = null;

  constructor(readonly canvas: HTMLCanvasElement) {
    // preserveDrawingBuffer: the picture stays readable (screenshots, tests) after the frame is shown.
    this.renderer = new WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setSize(canvas.width, canvas.height, false);
  }

  /** Shows `sim` (of the task `envId`, whose default camera is used) from now on. */
  show(sim: MjSim, envId: string): MujocoScene {
    this.current?.dispose();
    this.current = new MujocoScene(sim, DEFAULT_CAMERAS[envId] ?? {}, this.canvas.width / this.canvas.height);
    return this.current;
  }

  /** Renders the shown simulation's current state. */
  draw(): void {
    if (!this.current) return;
    this.current.update();
    this.renderer.render(this.current.scene, this.current.camera);
  }

  /** Forgets the shown simulation (its owner frees it) and frees the scene's GPU buffers. */
  clear(): void {
    this.current?.dispose();
    this.current = null;
    this.renderer.clear();
  }
}
