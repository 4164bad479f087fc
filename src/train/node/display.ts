/**
 * Training progress on the terminal: a live bar on a TTY (steps, steps/s, ETA, recent mean return,
 * last losses), plain periodic lines otherwise (CI logs, pipes). Node-only; writes to stderr so
 * that stdout stays for results.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { UpdateLog } from '../../algos/types.ts';
import type { Callback, Evaluation, TrainContext, TrainResult } from '../driver.ts';

export interface DisplayOptions {
  totalSteps: number;
  stream?: NodeJS.WriteStream;
  /** Force plain lines (default: plain unless the stream is a TTY). */
  plain?: boolean;
  /** Seconds between plain lines (evaluations always print). Default 5. */
  every?: number;
  /** Updates averaged for the "recent return". Default 10. */
  window?: number;
}

const LOSS_KEYS = /loss$|^kl$|^approxKl$|^entropy$|^clipFraction$|^explainedVariance$/i;

export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return a >= 100 ? x.toFixed(1) : x.toPrecision(digits);
}

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class ProgressDisplay implements Callback {
  private readonly stream: NodeJS.WriteStream;
  private readonly plain: boolean;
  private bar: cliProgress.SingleBar | null = null;
  /** The last `window` updates' episode counts and mean returns, a ring (no object per update). */
  private readonly recentEpisodes: Float64Array;
  private readonly recentReturns: Float64Array;
  private recentNext = 0;
  private t0 = 0;
  private steps0 = 0;
  private lastLine = -Infinity;
  private lastEval: Evaluation | null = null;
  /** The last update not yet drawn on the bar. */
  private pendingLog: UpdateLog | null = null;
  /** After interrupt(): nothing more is drawn. */
  private muted = false;

  constructor(private readonly opts: DisplayOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.plain = opts.plain ?? !this.stream.isTTY;
    const w = opts.window ?? 10;
    if (!(Number.isInteger(w) && w >= 1)) throw new RangeError(`ProgressDisplay: 'window' must be an integer >= 1, got ${w}`);
    this.recentEpisodes = new Float64Array(w);
    this.recentReturns = new Float64Array(w);
  }

  onStart(ctx: TrainContext): void {
    this.t0 = performance.now();
    this.steps0 = ctx.algo.steps;
    // A resumed run shows the evaluation it already has, not '-'.
    this.lastEval = ctx.driver.lastEval ?? null;
    // A resumed run's bar appears with its first update: drawn now, it would repeat the step count
    // (with '-' for the rest) of the line the interrupted process left on the terminal.
    if (!this.plain && ctx.algo.steps === 0) this.startBar(ctx.algo.steps);
  }

  private startBar(steps: number): void {
    // Loaded for a terminal only: plain lines (pipes, CI, the bench) skip its ~15 ms of startup.
    const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
    this.bar = new SingleBar({
      stream: this.stream,
      barsize: 24,
      hideCursor: true,
      fps: 5,
      etaBuffer: 1,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      format: '{bar} {value}/{total} steps | {speed} steps/s | ETA {etaText} | return {ret} | eval {ev} | {losses}',
    });
    this.bar.start(this.opts.totalSteps, steps, this.payload(steps, null));
  }

  private recentReturn(): number {
    let s = 0,
      n = 0;
    for (let i = 0; i < this.recentEpisodes.length; i++) {
      const e = this.recentEpisodes[i],
        r = this.recentReturns[i];
      if (e > 0 && Number.isFinite(r)) {
        s += r * e;
        n += e;
      }
    }
    return n ? s / n : NaN;
  }

  private payload(steps: number, log: UpdateLog | null) {
    const secs = (performance.now() - this.t0) / 1000;
    const speed = secs > 0 ? (steps - this.steps0) / secs : NaN;
    const eta = speed > 0 ? (this.opts.totalSteps - steps) / speed : NaN;
    const losses = log
      ? Object.entries(log)
          .filter(([k]) => LOSS_KEYS.test(k))
          .map(([k, v]) => `${k} ${fmtNum(v)}`)
          .join('  ')
      : '';
    return {
      speed: fmtNum(speed, 3),
      etaText: fmtDuration(eta),
      ret: fmtNum(this.recentReturn(), 4),
      ev: this.lastEval ? `${fmtNum(this.lastEval.mean, 4)}` : '-',
      losses,
    };
  }

  onUpdate(log: UpdateLog, _ctx: TrainContext, ev: Evaluation | null): void {
    this.recentEpisodes[this.recentNext] = log.episodes;
    this.recentReturns[this.recentNext] = log.returnMean;
    this.recentNext = (this.recentNext + 1) % this.recentEpisodes.length;
    if (ev) this.lastEval = ev;
    if (this.muted) return;
    const now = performance.now() / 1000;
    if (!this.plain) {
      // The bar redraws 5 times a second: building its payload per update would cost more than a small update.
      this.pendingLog = log;
      if (this.bar && !ev && now - this.lastLine < 0.2) return;
      this.lastLine = now;
      this.pendingLog = null;
      if (!this.bar) this.startBar(log.steps);
      this.bar!.update(Math.min(log.steps, this.opts.totalSteps), this.payload(log.steps, log));
      return;
    }
    if (ev || now - this.lastLine >= (this.opts.every ?? 5)) {
      const p = this.payload(log.steps, log);
      this.lastLine = now;
      const pct = ((100 * log.steps) / this.opts.totalSteps).toFixed(0).padStart(3);
      this.stream.write(
        `[${pct}%] steps ${log.steps}/${this.opts.totalSteps}  ${p.speed} steps/s  ETA ${p.etaText}  return ${p.ret}` +
          `${ev ? `  eval ${fmtNum(ev.mean, 4)} ± ${fmtNum(ev.std, 3)}` : ''}${p.losses ? '  ' + p.losses : ''}\n`,
      );
    }
  }

  onEnd(_r: TrainResult): void {
    const log = this.pendingLog;
    if (log && this.bar && !this.muted) this.bar.update(Math.min(log.steps, this.opts.totalSteps), this.payload(log.steps, log));
    this.close();
  }

  /**
   * Ctrl-C: stop the bar before the message is printed and draw nothing more, so the interrupted
   * update does not redraw the bar under the message (the same line twice on the terminal).
   */
  interrupt(): void {
    this.close();
    this.muted = true;
  }

  /** Stop the live bar (also on errors and interrupts, so the terminal is left clean). */
  close(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
