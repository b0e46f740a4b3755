/**
 * Axes of the parallel coordinates: a numeric axis whose positive values span
 * two decades or more (a learning rate from 1e-4 to 1e-1) is logarithmic,
 * so that the runs do not all sit at its bottom; other axes are those of
 * {@link plotScale} (linear numbers, or ordered categories).
 */
import { IPlotScale, plotScale } from '../charts/plotscale';
import { tickLabels } from '../charts/ticks';

/** The ratio of largest to smallest value from which an axis is logarithmic. */
export const LOG_RATIO = 100;

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && isFinite(value);
}

/**
 * Whether `values` (one per run, undefined where none) call for a log axis:
 * numbers only, all positive, the largest at least {@link LOG_RATIO} times
 * the smallest.
 */
export function wantsLog(values: unknown[]): boolean {
  const known = values.filter(v => v !== undefined && v !== null);
  if (known.length < 2 || !known.every(isNumber)) {
    return false;
  }
  const numbers = known as number[];
  const lo = Math.min(...numbers);
  return lo > 0 && Math.max(...numbers) / lo >= LOG_RATIO;
}

export interface IAxisScale extends IPlotScale {
  log: boolean;
}

/** A log axis over positive `values`: ticks at the powers of ten within. */
function logScale(values: number[]): IAxisScale {
  const lo = Math.log10(Math.min(...values));
  const hi = Math.log10(Math.max(...values));
  const pos = (v: unknown) =>
    isNumber(v) && v > 0 ? (Math.log10(v) - lo) / (hi - lo) : null;
  const powers: number[] = [];
  for (let p = Math.ceil(lo - 1e-9); p <= Math.floor(hi + 1e-9); p++) {
    powers.push(Number(`1e${p}`)); // exact, where 10 ** -4 is not
  }
  const labels = tickLabels(powers);
  const ticks = powers.map((v, i) => ({ at: pos(v) ?? 0, label: labels[i] }));
  return { kind: 'number', log: true, pos, ticks };
}

/** The axis of `values`: logarithmic where {@link wantsLog}, else linear. */
export function axisScale(values: unknown[]): IAxisScale {
  if (wantsLog(values)) {
    return logScale(values.filter(isNumber));
  }
  return { ...plotScale(values), log: false };
}
