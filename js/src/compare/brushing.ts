/**
 * Brushing on the parallel coordinates' axes: a range dragged on an axis
 * keeps the runs whose value there lies within it (every axis brushed must
 * agree); positions are those of the axes, 0 (bottom) to 1 (top).
 */

/** A brushed range of one axis, in axis positions, `lo <= hi`. */
export interface IBrush {
  lo: number;
  hi: number;
}

/** The range between two positions dragged in either direction, within 0..1. */
export function brushBetween(a: number, b: number): IBrush {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return { lo: clamp(Math.min(a, b)), hi: clamp(Math.max(a, b)) };
}

/**
 * Whether a run whose positions on the axes are `positions` (null: no value
 * on that axis) passes every brush; a run without a value on a brushed axis
 * does not.
 */
export function passesBrushes(
  positions: (number | null)[],
  brushes: ReadonlyMap<number, IBrush>
): boolean {
  for (const [axis, { lo, hi }] of brushes) {
    const at = positions[axis];
    if (at === null || at === undefined || at < lo - 1e-9 || at > hi + 1e-9) {
      return false;
    }
  }
  return true;
}

/** The indexes of the runs (rows of positions) that pass every brush. */
export function brushedRuns(
  positions: (number | null)[][],
  brushes: ReadonlyMap<number, IBrush>
): number[] {
  return positions.flatMap((row, i) =>
    passesBrushes(row, brushes) ? [i] : []
  );
}

/**
 * A brush moved by the keyboard: without one, the upper half (`delta` > 0)
 * or the lower half; with one, the same range moved by `delta` within 0..1.
 */
export function nudgeBrush(brush: IBrush | null, delta: number): IBrush {
  if (!brush) {
    return delta > 0 ? { lo: 0.5, hi: 1 } : { lo: 0, hi: 0.5 };
  }
  const width = brush.hi - brush.lo;
  const lo = Math.min(1 - width, Math.max(0, brush.lo + delta));
  return { lo, hi: lo + width };
}
