/**
 * Live history: after the first (downsampled) fetch, a running run's chart asks
 * only for the points after the last step it holds (`since_step`) and appends
 * them, instead of refetching up to 1,000 points per key every second.
 */
import { IHistory } from '../api/api';

/** The last step held in any series, or -1. */
export function lastHeldStep(history: IHistory): number {
  let last = -1;
  for (const series of Object.values(history.keys)) {
    const n = series.steps.length;
    if (n && series.steps[n - 1] > last) {
      last = series.steps[n - 1];
    }
  }
  return last;
}

/**
 * `held` with `update`'s points appended; null when a series would pass `cap`
 * points (then the caller refetches, downsampled again) or a key is new.
 */
export function appendHistory(
  held: IHistory,
  update: IHistory,
  cap: number
): IHistory | null {
  const keys: IHistory['keys'] = {};
  for (const [key, series] of Object.entries(held.keys)) {
    const more = update.keys[key] ?? { steps: [], values: [], walls: [] };
    if (series.steps.length + more.steps.length > cap) {
      return null;
    }
    keys[key] = more.steps.length
      ? {
          steps: series.steps.concat(more.steps),
          values: series.values.concat(more.values),
          walls: series.walls && more.walls && series.walls.concat(more.walls),
          x: series.x && more.x && series.x.concat(more.x)
        }
      : series;
  }
  if (Object.keys(update.keys).some(key => !(key in held.keys))) {
    return null;
  }
  return { keys, last_step: update.last_step };
}
