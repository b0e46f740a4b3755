/**
 * What `define_metric` changes in the charts: a key with a step metric is
 * drawn against that metric (`epoch`), not the step, on the step axis; a
 * hidden key is left out of the default charts and marked in the key picker.
 */
import { IChartOption, IHistory } from '../api/apitypes';
import { ISeries } from './xaxis';

type Charts = Record<string, IChartOption> | undefined;

/** The keys `define_metric` hid, in the order given. */
export function hiddenKeys(keys: string[], charts: Charts): string[] {
  return keys.filter(k => charts?.[k]?.hidden);
}

/** The keys offered first: those not hidden, then the hidden ones. */
export function pickerKeys(keys: string[], charts: Charts): string[] {
  const hidden = new Set(hiddenKeys(keys, charts));
  return [...keys.filter(k => !hidden.has(k)), ...hidden];
}

/** The key's step metric, when it has one. */
export function stepMetric(key: string, charts: Charts): string | null {
  return charts?.[key]?.step_metric ?? null;
}

/**
 * A series drawn against its step metric: each point's x is the step
 * metric's value in the same history row; a point without one (the row did
 * not log it and `step_sync` is off) is left out.
 */
export function againstStepMetric(
  series: ISeries,
  x: IHistory['keys'][string]['x']
): ISeries {
  const steps: number[] = [];
  const values: (number | null)[] = [];
  (x ?? []).forEach((value, i) => {
    if (value !== null && value !== undefined && i < series.values.length) {
      steps.push(value);
      values.push(series.values[i]);
    }
  });
  return { ...series, steps, values, walls: undefined };
}

/**
 * The step metric a chart of `key` uses for these runs (compare): the one
 * every run that defines it agrees on, else null (drawn against the step).
 */
export function sharedStepMetric(
  key: string,
  runs: { charts?: Charts; keys?: string[] }[]
): string | null {
  const metrics = new Set(
    runs
      .filter(r => (r.keys ?? []).includes(key))
      .map(r => stepMetric(key, r.charts))
  );
  return metrics.size === 1 ? [...metrics][0] : null;
}
