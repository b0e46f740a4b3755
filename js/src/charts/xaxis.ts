/**
 * A chart's x axis: by step, by time since the run started, or by wall time.
 * Each point's time is the commit time of the chunk that stored it (see the
 * server's `history.join_timed`): points committed together share one time, and
 * a point the store kept no time for (written before schema 4) is left out of a
 * time axis rather than given an invented one.
 */
import uPlot from 'uplot';

import { formatDuration } from '../components/format';

export type XAxis = 'step' | 'relative' | 'wall';

export const X_AXES: { value: XAxis; label: string }[] = [
  { value: 'step', label: 'Step' },
  { value: 'relative', label: 'Relative time' },
  { value: 'wall', label: 'Wall time' }
];

/** One line: a label and its points. */
export interface ISeries {
  label: string;
  steps: number[];
  values: (number | null)[];
  /** Each point's time, in seconds since the epoch (null: not kept). */
  walls?: (number | null)[];
  /** The run's start (`created_at`, seconds): time zero of a relative axis. */
  start?: number;
}

/** The series' x values on `axis`; null where the point has no time. */
export function xValues(series: ISeries, axis: XAxis): (number | null)[] {
  if (axis === 'step') {
    return series.steps;
  }
  const walls = series.walls ?? series.steps.map(() => null);
  const origin = axis === 'relative' ? (series.start ?? 0) : 0;
  return walls.map(w => (w === null ? null : w - origin));
}

/** How many points of the series a time axis cannot place. */
export function untimed(series: ISeries[], axis: XAxis): number {
  if (axis === 'step') {
    return 0;
  }
  return series.reduce(
    (n, s) => n + (s.walls ?? []).filter(w => w === null).length,
    0
  );
}

/** True while a time axis waits for the times of points already held. */
export function awaitingTimes(series: ISeries[], axis: XAxis): boolean {
  return axis !== 'step' && series.some(s => s.steps.length && !s.walls);
}

/**
 * Series on one shared, sorted x axis, with gaps (null) where a series has no
 * point. Unlike `uPlot.join`, an x value held by several points of one series
 * (points committed together share a time) keeps each of them: the k-th point
 * at x of every series goes to the k-th slot at x.
 */
export function alignSeries(
  series: ISeries[],
  axis: XAxis = 'step'
): uPlot.AlignedData {
  if (series.length === 0) {
    return [[]];
  }
  const columns = series.map(s => {
    const xs = xValues(s, axis);
    const points: [number, number | null][] = [];
    xs.forEach((x, i) => {
      if (x !== null) {
        points.push([x, s.values[i]]);
      }
    });
    // Steps come sorted; times too, but sorting is cheap and makes sure.
    points.sort((a, b) => a[0] - b[0]);
    return points;
  });
  if (columns.length === 1) {
    const only = columns[0];
    return [only.map(p => p[0]), only.map(p => p[1])] as uPlot.AlignedData;
  }
  // Slots: each x with the most points any series has at it.
  const slots = new Map<number, number>();
  for (const points of columns) {
    let i = 0;
    while (i < points.length) {
      let j = i;
      while (j < points.length && points[j][0] === points[i][0]) {
        j++;
      }
      slots.set(points[i][0], Math.max(slots.get(points[i][0]) ?? 0, j - i));
      i = j;
    }
  }
  const xs = Array.from(slots.keys()).sort((a, b) => a - b);
  const first = new Map<number, number>();
  const flat: number[] = [];
  for (const x of xs) {
    first.set(x, flat.length);
    for (let k = slots.get(x)!; k > 0; k--) {
      flat.push(x);
    }
  }
  const ys = columns.map(points => {
    const out: (number | null)[] = new Array(flat.length).fill(null);
    let previous = NaN;
    let k = 0;
    for (const [x, y] of points) {
      k = x === previous ? k + 1 : 0;
      previous = x;
      out[first.get(x)! + k] = y;
    }
    return out;
  });
  return [flat, ...ys] as uPlot.AlignedData;
}

/** `0.25s`, `42s`, `4m 05s`: a relative time tick. */
export function formatRelative(seconds: number): string {
  if (Math.abs(seconds) < 60) {
    return `${Number(seconds.toFixed(2))}s`;
  }
  return (seconds < 0 ? '-' : '') + formatDuration(Math.abs(seconds));
}

/** The words under a chart naming its x axis. */
export function axisCaption(axis: XAxis): string {
  switch (axis) {
    case 'relative':
      return 'x: time since the run started';
    case 'wall':
      return 'x: wall time (local)';
    default:
      return 'x: step';
  }
}
