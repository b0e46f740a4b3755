/**
 * The model of one run's detail view: the run as last fetched and the history
 * of its charted keys, refreshed by a poll (live points only, with
 * `since_step`, while the run logs), and the changes the view makes to it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  IChartOption,
  IHistory,
  IRunDetail,
  IRunRef,
  NbrunAPI,
  NbrunAPIError
} from '../api/api';
import { DEFAULT_VIEW, IChartView } from '../charts/chartcontrols';
import { appendHistory, lastHeldStep } from './livehistory';
import { PolledModel } from '../api/polled';
import { SavedCharts } from '../charts/savedcharts';
import { hiddenKeys } from '../charts/stepmetric';

/** Keys charted when the user has not chosen. */
const DEFAULT_CHARTS = 6;

/** Points per key: the first fetch, and the most held before a refetch. */
const POINTS = 1000;
const HELD_POINTS = 2000;

/**
 * The keys charted by default: the first user keys (not `_step` and such),
 * leaving out the keys of media values (`media`: they have no line to draw)
 * and those `define_metric` hid (`charts`).
 */
export function defaultKeys(
  keys: string[],
  media: Record<string, unknown> = {},
  charts: Record<string, IChartOption> = {}
): string[] {
  // Keys define_metric hid are charted only when chosen.
  const hidden = new Set(hiddenKeys(keys, charts));
  const drawn = keys.filter(
    k => !Object.prototype.hasOwnProperty.call(media, k) && !hidden.has(k)
  );
  const user = drawn.filter(k => !k.startsWith('_'));
  return (user.length ? user : drawn).slice(0, DEFAULT_CHARTS);
}

export class RunDetailModel extends PolledModel {
  constructor(options: RunDetailModel.IOptions) {
    super({ name: `nbrun:run:${options.ref.id}`, live: 1000, idle: 10 * 1000 });
    this.api = options.api;
    this.ref = { store: options.ref.store, id: options.ref.id };
    this._saved = options.saved ?? null;
  }

  readonly api: NbrunAPI;
  readonly ref: IRunRef;

  /** The run as last fetched. */
  get run(): IRunDetail | null {
    return this._run;
  }

  /** The history of the charted keys, with each point's time. */
  get history(): IHistory | null {
    return this._history;
  }

  /** The last refresh's error, or null. */
  get error(): string | null {
    return this._error;
  }

  /** True once the run is no longer in its store. */
  get gone(): boolean {
    return this._gone;
  }

  /** The keys charted: the user's choice, else the first few. */
  get chartKeys(): string[] {
    return (
      this._chartKeys ??
      defaultKeys(
        this._run?.keys ?? [],
        this._run?.media ?? {},
        this._run?.charts ?? {}
      )
    );
  }

  set chartKeys(keys: string[]) {
    this._chartKeys = keys;
    this._signature = null;
    this.emitChanged();
    void this.poll.refresh();
  }

  /** The chart view (smoothing, log y, x axis), kept for the run's project. */
  get view(): IChartView {
    return this._view;
  }

  set view(view: IChartView) {
    this._view = view;
    if (this._run) {
      this._saved?.update(this._run.project, { view });
    }
    this.times = view.xAxis !== 'step';
    this.emitChanged();
  }

  /** Whether the history carries each point's time (a chart on a time axis). */
  get times(): boolean {
    return this._times;
  }

  set times(on: boolean) {
    if (on === this._times) {
      return;
    }
    this._times = on;
    this._signature = null;
    this._base = ''; // what is held lacks (or needlessly has) the times: refetch
    void this.poll.refresh();
  }

  /** Emitted when the run's name is known or changes (for the tab title). */
  get loaded(): ISignal<this, IRunDetail> {
    return this._loaded;
  }

  /** Emitted after this model changed the run in its store. */
  get runChanged(): ISignal<this, 'updated' | 'deleted'> {
    return this._runChanged;
  }

  /** Save new tags and/or notes. */
  async patch(patch: { tags?: string[]; notes?: string }): Promise<void> {
    await this.api.updateRun(this.ref, patch);
    this._runChanged.emit('updated');
    await this.poll.refresh();
  }

  /** Mark the run crashed or finished. */
  async setState(state: 'crashed' | 'finished'): Promise<void> {
    await this.api.setState(this.ref, state);
    this._runChanged.emit('updated');
    await this.poll.refresh();
  }

  /** Delete the run from its store. */
  async delete(): Promise<void> {
    await this.api.deleteRun(this.ref);
    this._gone = true;
    void this.poll.stop();
    this._runChanged.emit('deleted');
    this.emitChanged();
  }

  /** Fetch the run, then its history if it has new steps or keys changed. */
  protected async load(): Promise<void> {
    let run: IRunDetail;
    try {
      run = await this.api.getRun(this.ref);
    } catch (error) {
      if (error instanceof NbrunAPIError && error.status === 404) {
        this._gone = true;
        this.emitChanged();
        void this.poll.stop();
        return;
      }
      this._error = (error as Error).message;
      this.emitChanged();
      throw error;
    }
    this._error = null;
    const previous = this._run;
    this._run = run;
    if (!previous || previous.name !== run.name) {
      this._loaded.emit(run);
    }
    if (!previous && this._saved) {
      // The project's last chart view, before the first history fetch.
      await this._saved.ready;
      const view = this._saved.get(run.project).view;
      if (view) {
        this._view = view;
        this._times = view.xAxis !== 'step';
      }
    }
    await this._loadHistory(run);
    this.setLive(run.state === 'running');
    this.emitChanged();
  }

  private async _loadHistory(run: IRunDetail): Promise<void> {
    const keys = this.chartKeys;
    if (!keys.length) {
      this._history = null;
      return;
    }
    const signature = `${run.last_step}:${run.updated_at}:${keys.join('\0')}`;
    if (signature === this._signature) {
      return;
    }
    // The same keys, no rewind or resume since: only the new points are fetched.
    const base = [
      keys.join('\0'),
      run.lineage?.rewinds?.length ?? 0,
      run.resumed_count
    ].join(':');
    const held = this._history;
    const since = held && this._base === base ? lastHeldStep(held) : -1;
    let next: IHistory | null = null;
    if (held && since >= 0 && run.last_step <= since) {
      next = held; // touched (tags, notes, state) but nothing new logged
    } else if (held && since >= 0) {
      const update = await this.api.history(
        this.ref,
        keys,
        POINTS,
        since,
        this._times
      );
      next = appendHistory(held, update, HELD_POINTS);
    }
    this._history =
      next ??
      (await this.api.history(this.ref, keys, POINTS, undefined, this._times));
    this._base = base;
    this._signature = signature;
  }

  private _run: IRunDetail | null = null;
  private _history: IHistory | null = null;
  private _signature: string | null = null;
  private _base = '';
  private _chartKeys: string[] | null = null;
  private _error: string | null = null;
  private _gone = false;
  private _times = false;
  private _view: IChartView = DEFAULT_VIEW;
  private _saved: SavedCharts | null;
  private _loaded = new Signal<this, IRunDetail>(this);
  private _runChanged = new Signal<this, 'updated' | 'deleted'>(this);
}

export namespace RunDetailModel {
  export interface IOptions {
    api: NbrunAPI;
    ref: IRunRef;
    /** Where each project's chart view is kept. */
    saved?: SavedCharts;
  }
}
