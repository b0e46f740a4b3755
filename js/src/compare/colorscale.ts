/**
 * A colour scale for a metric: from a low colour to a high one through a
 * middle one (a blue, purple, orange ramp that keeps its lines visible on
 * light and dark backgrounds). Non-numbers get no colour.
 */

const STOPS: [number, number, number][] = [
  [49, 104, 212],
  [160, 72, 180],
  [236, 122, 28]
];

/** The colour at `t` (0 to 1) along the ramp, as `rgb(...)`. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  const mix = (k: number) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** Each value's colour: its place between the smallest and largest number. */
export function metricColors(values: unknown[]): (string | null)[] {
  const numbers = values.filter(
    (v): v is number => typeof v === 'number' && isFinite(v)
  );
  const lo = Math.min(...numbers);
  const hi = Math.max(...numbers);
  return values.map(v =>
    typeof v === 'number' && isFinite(v)
      ? rampColor(hi > lo ? (v - lo) / (hi - lo) : 0.5)
      : null
  );
}
