/**
 * What the charts keep between sessions, per project, in JupyterLab's state
 * database: the keys a comparison charts, and the chart view (smoothing, log
 * y, x axis) that the project's comparisons and run details start from.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { DEFAULT_VIEW, IChartView } from './chartcontrols';
import { X_AXES, XAxis } from './xaxis';

/** Where the charts' views are kept. */
export const CHARTS_STATE_KEY = 'nbrun:charts';

/** A project's charts, as saved. */
export interface ISavedCharts {
  keys?: string[];
  view?: IChartView;
}

/** A chart view read back; undefined unless it is one. */
export function readChartView(saved: unknown): IChartView | undefined {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) {
    return undefined;
  }
  const data = saved as Record<string, unknown>;
  const smoothing = Number(data.smoothing);
  return {
    smoothing:
      isFinite(smoothing) && smoothing >= 0 && smoothing <= 0.99
        ? smoothing
        : DEFAULT_VIEW.smoothing,
    logY: data.logY === true,
    xAxis: X_AXES.some(axis => axis.value === data.xAxis)
      ? (data.xAxis as XAxis)
      : DEFAULT_VIEW.xAxis
  };
}

/** The saved charts by project, keeping only well-typed fields. */
export function readSavedCharts(saved: unknown): Record<string, ISavedCharts> {
  const out: Record<string, ISavedCharts> = {};
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) {
    return out;
  }
  for (const [project, value] of Object.entries(saved)) {
    if (!value || typeof value !== 'object') {
      continue;
    }
    const data = value as Record<string, unknown>;
    const one: ISavedCharts = {};
    if (Array.isArray(data.keys)) {
      one.keys = data.keys.filter((k): k is string => typeof k === 'string');
    }
    const view = readChartView(data.view);
    if (view) {
      one.view = view;
    }
    out[project] = one;
  }
  return out;
}

/** The project runs' charts are kept under ('' when theirs differ). */
export function chartsProject(runs: { project: string }[]): string {
  const first = runs[0]?.project ?? '';
  return runs.every(r => r.project === first) ? first : '';
}

/** The charts' views in the state database: read once, saved on change. */
export class SavedCharts {
  constructor(state: IStateDB | null) {
    this._state = state;
    this.ready = state
      ? state
          .fetch(CHARTS_STATE_KEY)
          .then(saved => {
            this._value = readSavedCharts(saved);
          })
          .catch(() => undefined)
      : Promise.resolve();
  }

  /** Resolved once the saved views are read. */
  readonly ready: Promise<void>;

  /** A project's saved view (empty when none). */
  get(project: string): ISavedCharts {
    return this._value[project] ?? {};
  }

  /** Change a project's saved view, and save it. */
  update(project: string, change: ISavedCharts): void {
    this._value = {
      ...this._value,
      [project]: { ...this._value[project], ...change }
    };
    void this._state?.save(
      CHARTS_STATE_KEY,
      this._value as unknown as ReadonlyPartialJSONValue
    );
  }

  private _state: IStateDB | null;
  private _value: Record<string, ISavedCharts> = {};
}
