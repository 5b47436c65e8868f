// Scales and ticks for the learning-curve chart: pure numbers in, numbers out.

export interface Point {
  x: number;
  y: number;
}

export type Scale = (value: number) => number;

/** Map [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/** A round step (1, 2 or 5 times a power of ten) giving about `count` ticks. */
export function tickStep(min: number, max: number, count: number): number {
  const span = Math.abs(max - min);
  if (span === 0 || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power;
  const nice = ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.SQRT2 ? 2 : 1;
  return clean(nice * power);
}

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = tickStep(min, max, count);
  const start = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) {
    ticks.push(clean(v));
  }
  return ticks;
}

/** Extend [min, max] outward to whole steps, so the axis starts and ends on ticks. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [clean(min - pad), clean(max + pad)];
  }
  const step = tickStep(min, max, count);
  return [clean(Math.floor(min / step + 1e-9) * step), clean(Math.ceil(max / step - 1e-9) * step)];
}

/** The y domain for scores in [0, 1]: the data's range made round, kept inside [0, 1]. */
export function scoreDomain(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const [d0, d1] = niceDomain(Math.max(0, lo - 0.02), Math.min(1, hi + 0.02), 4);
  return [Math.max(0, d0), Math.min(1, d1)];
}

/** An SVG path through the points, already in pixel space. */
export function linePath(points: readonly Point[]): string {
  return points
    .map((p, i) => `${i === 0 ? "M" : "L"}${round(p.x)},${round(p.y)}`)
    .join("");
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Drop floating-point noise (0.30000000000000004 → 0.3). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}
