/**
 * Axes of the compare view's plots (parallel coordinates, scatter): a numeric
 * axis spans its values' range; an axis of text (or of mixed values) lists its
 * values as ordered categories. Positions run from 0 (bottom) to 1 (top).
 */
import { formatValue } from '../components/format';
import { tickLabels } from './ticks';

export interface IPlotScale {
  kind: 'number' | 'category';
  /** Where a value sits (0 to 1), or null when it cannot be placed. */
  pos(value: unknown): number | null;
  /** The labels drawn on the axis, and where. */
  ticks: { at: number; label: string }[];
}

/** Most category labels an axis writes; the others are evenly left out. */
const MAX_LABELS = 12;

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && isFinite(value);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The axis for `values` (one per run; undefined where a run has none). */
export function plotScale(values: unknown[]): IPlotScale {
  const known = values.filter(present);
  if (known.length && known.every(isNumber)) {
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    const pos = (v: unknown) =>
      isNumber(v) ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : null;
    const at = hi > lo ? [0, 0.5, 1] : [0.5];
    const labels = tickLabels(at.map(a => lo + (hi - lo) * a));
    const ticks = at.map((a, i) => ({ at: a, label: labels[i] }));
    return { kind: 'number', pos, ticks };
  }
  const labels = Array.from(new Set(known.map(v => formatValue(v)))).sort(
    (a, b) => a.localeCompare(b, undefined, { numeric: true })
  );
  const at = (i: number) => (labels.length > 1 ? i / (labels.length - 1) : 0.5);
  const index = new Map(labels.map((label, i) => [label, i]));
  const every = Math.ceil(labels.length / MAX_LABELS);
  return {
    kind: 'category',
    pos: v => (present(v) ? at(index.get(formatValue(v)) ?? 0) : null),
    ticks: labels
      .map((label, i) => ({ at: at(i), label }))
      .filter((_, i) => i % every === 0 || i === labels.length - 1)
  };
}

/** `text` cut to `max` characters, with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
}
