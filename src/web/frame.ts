/** Paint an env's RGB frame (H x W x 3 bytes) onto a canvas, resizing the canvas to the frame. */
import type { RgbFrame } from '../envs/index.ts';

let image: ImageData | null = null;

export function drawFrame(canvas: HTMLCanvasElement, frame: RgbFrame): void {
  const { width: w, height: h, data } = frame;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  if (!image || image.width !== w || image.height !== h) image = new ImageData(w, h);
  const px = image.data;
  for (let i = 0, j = 0; i < w * h; i++, j += 3) {
    px[4 * i] = data[j];
    px[4 * i + 1] = data[j + 1];
    px[4 * i + 2] = data[j + 2];
    px[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
