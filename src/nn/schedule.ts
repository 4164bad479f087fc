/**
 * Learning-rate (and clip-range) schedules as functions of training progress in [0, 1]
 * (fraction of the step budget used), the convention of SB3's schedules.
 */
export type Schedule = (progress: number) => number;

export type ScheduleSpec =
  | number
  | { kind: 'constant'; value: number }
  | { kind: 'linear'; start: number; end?: number }
  | { kind: 'cosine'; start: number; end?: number; warmup?: number };

export const constantSchedule =
  (value: number): Schedule =>
  () =>
    value;

/** From `start` at progress 0 to `end` (default 0) at progress 1. */
export const linearSchedule =
  (start: number, end = 0): Schedule =>
  (p) =>
    start + (end - start) * clamp01(p);

/** Cosine decay from `start` to `end`, after an optional linear warm-up over the first `warmup` fraction. */
export const cosineSchedule =
  (start: number, end = 0, warmup = 0): Schedule =>
  (p) => {
    const q = clamp01(p);
    if (q < warmup) return (start * q) / warmup;
    const t = warmup >= 1 ? 1 : (q - warmup) / (1 - warmup);
    return end + 0.5 * (start - end) * (1 + Math.cos(Math.PI * t));
  };

/** A schedule from a config value: a number is constant. */
export function makeSchedule(spec: ScheduleSpec, key = 'schedule'): Schedule {
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new RangeError(`${key}: expected a finite number, got ${spec}`);
    return constantSchedule(spec);
  }
  switch (spec?.kind) {
    case 'constant':
      return constantSchedule(spec.value);
    case 'linear':
      return linearSchedule(spec.start, spec.end);
    case 'cosine':
      return cosineSchedule(spec.start, spec.end, spec.warmup);
    default:
      throw new RangeError(`${key}: expected a number or { kind: 'constant' | 'linear' | 'cosine', ... }, got ${JSON.stringify(spec)}`);
  }
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
