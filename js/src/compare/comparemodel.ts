/**
 * The model of a comparison: the compared runs as last fetched and the history
 * of the charted keys of each, refreshed by a poll (fast while a compared run
 * is running). Every charted key is fetched again when a run moved on.
 */
import {
  IHistory,
  IKeyStats,
  IRunDetail,
  IRunRef,
  NbrunAPI,
  runKey
} from '../api/api';
import { DEFAULT_VIEW, IChartView } from '../charts/chartcontrols';
import { orderByUse } from './keyorder';
import { chartsProject, SavedCharts } from '../charts/savedcharts';
import { PolledModel } from '../api/polled';

/** Keys charted when the user has not chosen. */
const DEFAULT_CHARTS = 6;

/** Most runs compared: beyond, colours repeat and tables stop being readable. */
export const MAX_RUNS = 20;

/** Keys logged by any of the runs, user keys first. */
export function metricKeys(runs: IRunDetail[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const key of run.keys ?? []) {
      keys.add(key);
    }
  }
  const all = Array.from(keys).sort();
  return [
    ...all.filter(k => !k.startsWith('_')),
    ...all.filter(k => k.startsWith('_'))
  ];
}

/**
 * The keys charted by default: those the runs list was sorted or filtered on
 * (`used`, in that order) where some run logged them, then the first keys
 * every run logged, else the first key any run logged.
 */
export function defaultMetrics(
  runs: IRunDetail[],
  used: string[] = []
): string[] {
  // Media keys have no line to draw: not charted unless chosen.
  const keys = metricKeys(runs).filter(
    k => !runs.some(r => Object.prototype.hasOwnProperty.call(r.media ?? {}, k))
  );
  // Nor are keys that every run logging them hid with define_metric.
  const shown = keys.filter(k =>
    runs.some(r => (r.keys ?? []).includes(k) && !r.charts?.[k]?.hidden)
  );
  const common = shown.filter(
    k => !k.startsWith('_') && runs.every(r => (r.keys ?? []).includes(k))
  );
  const inUse = used.filter(k => keys.includes(k)); // chosen: even if hidden
  const rest = common.length ? common : shown.slice(0, 1);
  return orderByUse([...inUse, ...rest], inUse).slice(
    0,
    Math.max(DEFAULT_CHARTS, inUse.length)
  );
}

export class ComparisonModel extends PolledModel {
  constructor(options: ComparisonModel.IOptions) {
    super({ name: 'nbrun:compare', live: 1500, idle: 15 * 1000 });
    this.api = options.api;
    this.refs = options.refs
      .slice(0, MAX_RUNS)
      .map(r => ({ store: r.store, id: r.id }));
    this.leftOut = Math.max(0, options.refs.length - MAX_RUNS);
    this.used = options.used ?? [];
    this._saved = options.saved ?? null;
  }

  /** The keys the runs list was sorted or filtered on, most weighty first. */
  readonly used: string[];

  /** How many of the runs asked for are beyond {@link MAX_RUNS}, left out. */
  readonly leftOut: number;

  readonly api: NbrunAPI;
  readonly refs: IRunRef[];

  /** The runs loaded, in the order they were chosen. */
  get runs(): IRunDetail[] {
    return this.refs
      .map(ref => this._runs.get(runKey(ref)))
      .filter((r): r is IRunDetail => !!r);
  }

  /** A run's series of one charted key (null: not logged or not loaded). */
  series(run: IRunRef, key: string): IHistory['keys'][string] | null {
    return this._histories.get(runKey(run))?.[key] ?? null;
  }

  /** A run's last, min and max of a charted key (null: none or not loaded). */
  stats(run: IRunRef, key: string): IKeyStats | null {
    return this._stats.get(runKey(run))?.[key] ?? null;
  }

  /** Counts the history fetches: a view redraws its charts when it moves. */
  get historyVersion(): number {
    return this._historyVersion;
  }

  /** The keys charted: the user's choice, else the first common keys. */
  get chartKeys(): string[] {
    return this._chartKeys ?? defaultMetrics(this.runs, this.used);
  }

  set chartKeys(keys: string[]) {
    this._chartKeys = keys;
    this._save({ keys });
    this._signature = '';
    this.emitChanged();
    void this.poll.refresh();
  }

  /** The chart view (smoothing, log y, x axis) of every chart. */
  get view(): IChartView {
    return this._view;
  }

  set view(view: IChartView) {
    this._view = view;
    this._save({ view });
    this.times = view.xAxis !== 'step';
    this.emitChanged();
  }

  /** Whether histories carry each point's time (charts on a time axis). */
  get times(): boolean {
    return this._times;
  }

  set times(on: boolean) {
    if (on !== this._times) {
      this._times = on;
      this._signature = '';
      void this.poll.refresh();
    }
  }

  /** The last refresh's errors, or null. */
  get error(): string | null {
    return this._error;
  }

  protected async load(): Promise<void> {
    const results = await Promise.allSettled(
      this.refs.map(ref => this.api.getRun(ref))
    );
    const errors: string[] = [];
    results.forEach((result, i) => {
      const key = runKey(this.refs[i]);
      if (result.status === 'fulfilled') {
        this._runs.set(key, result.value);
      } else {
        this._runs.delete(key);
        errors.push(String(result.reason?.message ?? result.reason));
      }
    });
    this._error = errors.length ? errors.join('; ') : null;
    const runs = this.runs;
    await this._restore(runs);
    const keys = this.chartKeys;
    const signature = [
      keys.join('\0'),
      ...runs.map(r => `${runKey(r)}:${r.last_step}:${r.updated_at}`)
    ].join('|');
    if (keys.length && signature !== this._signature) {
      // Key by key, in the order charted, so the first chart is drawn as soon
      // as its series are in rather than after every key of every run.
      for (const key of keys) {
        const series = await Promise.all(
          runs.map(run =>
            (run.keys ?? []).includes(key)
              ? this.api
                  .history(run, [key], undefined, undefined, this._times, true)
                  .catch(() => null)
              : Promise.resolve(null)
          )
        );
        runs.forEach((run, i) => {
          const held = { ...this._histories.get(runKey(run)) };
          const stats = { ...this._stats.get(runKey(run)) };
          const one = series[i];
          if (one?.keys[key]) {
            held[key] = one.keys[key];
            stats[key] = one.stats?.[key] ?? null;
          } else {
            delete held[key];
            delete stats[key];
          }
          this._histories.set(runKey(run), held);
          this._stats.set(runKey(run), stats);
        });
        this._historyVersion++;
        this.emitChanged();
      }
      this._signature = signature;
    }
    this.setLive(runs.some(r => r.state === 'running'));
    this.emitChanged();
  }

  /**
   * Once the runs are in: the keys and chart view last used for their
   * project, unless chosen here already (keys no run logged are left out).
   */
  private async _restore(runs: IRunDetail[]): Promise<void> {
    if (this._restored || !runs.length || !this._saved) {
      return;
    }
    this._restored = true;
    await this._saved.ready;
    const saved = this._saved.get(chartsProject(runs));
    const logged = new Set(metricKeys(runs));
    const keys = (saved.keys ?? []).filter(k => logged.has(k));
    if (this._chartKeys === null && keys.length) {
      this._chartKeys = keys;
    }
    if (saved.view) {
      this._view = saved.view;
      this._times = saved.view.xAxis !== 'step';
    }
  }

  private _save(change: { keys?: string[]; view?: IChartView }): void {
    const runs = this.runs;
    if (this._saved && runs.length) {
      this._saved.update(chartsProject(runs), change);
    }
  }

  private _runs = new Map<string, IRunDetail>();
  private _histories = new Map<string, IHistory['keys']>();
  private _stats = new Map<string, Record<string, IKeyStats | null>>();
  private _chartKeys: string[] | null = null;
  private _signature = '';
  private _times = false;
  private _view: IChartView = DEFAULT_VIEW;
  private _saved: SavedCharts | null;
  private _restored = false;
  private _historyVersion = 0;
  private _error: string | null = null;
}

export namespace ComparisonModel {
  export interface IOptions {
    api: NbrunAPI;
    refs: IRunRef[];
    /** Keys the runs list was sorted or filtered on (charted first). */
    used?: string[];
    /** Where the keys and chart view of each project's comparisons are kept. */
    saved?: SavedCharts;
  }
}
