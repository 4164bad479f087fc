/**
 * Drive a Player on a canvas at about the env's real-time rate (Gymnasium renders CartPole,
 * MountainCar and Pendulum at 30-50 fps; 50 steps per second here) times a speed factor, one frame per
 * animation frame. A short pause after each episode lets the viewer see how it ended.
 */
import type { Player } from './player.ts';
import { drawFrame } from './frame.ts';

export interface PlaybackHooks {
  onStep?(player: Player): void;
  onEpisode?(player: Player): void;
  onError?(err: Error): void;
  /** Draws the player's state where it has no rgb_array frames (a MuJoCo task's three.js view). */
  onDraw?(player: Player): void;
}

export class Playback {
  player: Player | null = null;
  speed = 1;
  private raf = 0;
  private last = 0;
  private debt = 0;
  private holdUntil = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly hooks: PlaybackHooks = {},
  ) {}

  play(player: Player): void {
    this.player = player;
    const f = player.frame();
    if (f) drawFrame(this.canvas, f);
    this.hooks.onDraw?.(player);
    if (!this.raf) {
      this.last = performance.now();
      this.raf = requestAnimationFrame(this.tick);
    }
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  private tick = (now: number): void => {
    this.raf = requestAnimationFrame(this.tick);
    const p = this.player;
    if (!p || now < this.holdUntil) {
      this.last = now;
      return;
    }
    this.debt = Math.min(this.debt + ((now - this.last) / 1000) * 50 * this.speed, 200);
    this.last = now;
    try {
      while (this.debt >= 1) {
        this.debt--;
        const s = p.step();
        this.hooks.onStep?.(p);
        if (s.done) {
          this.hooks.onEpisode?.(p);
          this.holdUntil = now + 300;
          this.debt = 0;
          break;
        }
      }
      const f = p.frame();
      if (f) drawFrame(this.canvas, f);
      this.hooks.onDraw?.(p);
    } catch (err) {
      this.stop();
      this.hooks.onError?.(err as Error);
    }
  };
}
