/**
 * The model behind the runs sidebar: filters, a windowed cache of pages of
 * the listing (only the pages that cover the visible rows are fetched and
 * kept), the selection, the chosen summary columns, the running runs shown in
 * JupyterLab's Running panel, and the one poll that refreshes all of them
 * while a view of them is visible.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IRunList,
  IStoreInfo,
  IRunRef,
  IRunSummary,
  NbrunAPI,
  NbrunAPIError,
  RunSort,
  runKey
} from './api';

/** The filters and order of the listing. */
export interface IFilters {
  /** A store key, or '' for every store. */
  store: string;
  project: string;
  state: string;
  tags: string[];
  q: string;
  sort: RunSort;
  /** Only runs not fully on their tracking server. */
  unsynced: boolean;
}

/** Filters of a fresh sidebar: everything, newest first. */
export const DEFAULT_FILTERS: IFilters = {
  store: '',
  project: '',
  state: '',
  tags: [],
  q: '',
  sort: '-created_at',
  unsynced: false
};

/** The states a run can have, for the state filter. */
export const RUN_STATES = ['running', 'finished', 'failed', 'crashed'];

/** How often the list of stores is refreshed while the sidebar shows. */
const STORES_EVERY_MS = 30 * 1000;

/** The most running runs listed in the Running panel. */
const RUNNING_LIMIT = 200;

/** The model of the runs list. */
export class RunListModel implements IDisposable {
  constructor(options: RunListModel.IOptions) {
    this.api = options.api;
    this.pageSize = options.pageSize ?? 200;
    this.poll = new Poll({
      name: 'nbrun:runs',
      auto: false,
      factory: () => this._tick(),
      frequency: {
        interval: options.interval ?? 2000,
        backoff: true,
        max: 30 * 1000
      },
      standby: 'when-hidden'
    });
  }

  /** The REST client. */
  readonly api: NbrunAPI;

  /** Rows fetched per request. */
  readonly pageSize: number;

  /**
   * The poll that refreshes the listing and the running runs. It runs only
   * while one of its views is visible (see {@link setViewVisible}).
   */
  readonly poll: Poll;

  /** Emitted when rows, totals, filters, selection or columns change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the set of running runs (or their progress) changes. */
  get runningChanged(): ISignal<this, void> {
    return this._runningChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The current filters. */
  get filters(): IFilters {
    return this._filters;
  }

  /** Runs matching the filters. */
  get total(): number {
    return this._total;
  }

  /** Whether the first answer for the current filters has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** The last error, or null. */
  get error(): string | null {
    return this._error;
  }

  /** A store deleted while shown, reported until dismissed; or null. */
  get notice(): string | null {
    return this._notice;
  }

  /** Forget the notice. */
  dismissNotice(): void {
    this._notice = null;
    this._changed.emit();
  }

  /** Projects of the store, for the project filter. */
  get projects(): string[] {
    return this._projects;
  }

  /** Tags of the store, for the tag filter. */
  get tags(): string[] {
    return this._tags;
  }

  /** The stores the server reads (refreshed every few polls). */
  get stores(): IStoreInfo[] {
    return this._stores;
  }

  /** Summary keys seen in the fetched runs, sorted. */
  get summaryKeys(): string[] {
    return Array.from(this._summaryKeys).sort();
  }

  /** The summary keys the user chose to show as columns. */
  get columns(): string[] {
    return this._columns;
  }

  set columns(columns: string[]) {
    this._columns = columns.slice();
    this._changed.emit();
  }

  /** The selected runs (for comparing). */
  get selected(): IRunSummary[] {
    return Array.from(this._selection.values());
  }

  /** The running runs (for the Running panel). */
  get running(): IRunSummary[] {
    return this._running;
  }

  /** The run at a row, or undefined while its page is loading. */
  runAt(index: number): IRunSummary | undefined {
    const page = this._pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  isSelected(ref: IRunRef): boolean {
    return this._selection.has(runKey(ref));
  }

  toggleSelected(run: IRunSummary): void {
    const key = runKey(run);
    if (this._selection.has(key)) {
      this._selection.delete(key);
    } else {
      this._selection.set(key, run);
    }
    this._changed.emit();
  }

  clearSelection(): void {
    if (this._selection.size) {
      this._selection.clear();
      this._changed.emit();
    }
  }

  /** Change filters: the cache is dropped and the first rows are fetched. */
  setFilters(filters: Partial<IFilters>): void {
    this._filters = { ...this._filters, ...filters };
    this._generation += 1;
    this._pages.clear();
    this._inflight.clear();
    this._loaded = false;
    this._changed.emit();
    if (this._visible.has('sidebar')) {
      this.refresh().catch(() => undefined);
    }
  }

  /**
   * The rows on screen. Missing pages are fetched shortly after scrolling
   * stops moving fast (a fling through 10,000 rows fetches only where it ends).
   */
  setVisibleRange(start: number, end: number): void {
    this._range = [Math.max(0, start), Math.max(start, end)];
    if (this._rangeTimer !== null) {
      window.clearTimeout(this._rangeTimer);
    }
    this._rangeTimer = window.setTimeout(() => {
      this._rangeTimer = null;
      if (!this._visible.has('sidebar')) {
        return; // fetched by the poll when the list is shown
      }
      for (const page of this._pagesInRange()) {
        if (!this._pages.has(page)) {
          this._fetchPage(page).catch(() => undefined);
        }
      }
    }, 60);
  }

  /**
   * Refetch the pages on screen (and the first page when nothing is on
   * screen yet); pages off screen are dropped so they are fresh when shown.
   */
  async refresh(): Promise<void> {
    const wanted = this._pagesInRange();
    for (const page of Array.from(this._pages.keys())) {
      if (!wanted.includes(page)) {
        this._pages.delete(page);
      }
    }
    await Promise.all(wanted.map(page => this._fetchPage(page, true)));
  }

  /** Fetch the running runs for the Running panel. */
  async refreshRunning(): Promise<void> {
    const list = await this.api.listRuns({
      state: 'running',
      sort: '-created_at',
      limit: RUNNING_LIMIT
    });
    const signature = (runs: IRunSummary[]) =>
      runs.map(r => `${runKey(r)}:${r.name}:${r.last_step}`).join('\n');
    if (signature(list.runs) !== signature(this._running)) {
      this._running = list.runs;
      this._runningChanged.emit();
    }
  }

  /**
   * Whether a view of this model (the sidebar, the Running panel) is visible.
   * The poll runs while at least one is, and refreshes when one appears.
   */
  setViewVisible(view: 'sidebar' | 'running', visible: boolean): void {
    const before = this._visible.size > 0;
    if (visible) {
      this._visible.add(view);
    } else {
      this._visible.delete(view);
    }
    if (this._visible.size > 0) {
      void (before ? this.poll.refresh() : this.poll.start());
    } else if (before) {
      void this.poll.stop();
    }
  }

  /** Whether the Running panel is fed by this model. */
  set tracksRunning(value: boolean) {
    this._tracksRunning = value;
  }

  /** Something changed a run (edit, delete): refresh now if a view shows it. */
  invalidate(): void {
    if (this._visible.size > 0) {
      void this.poll.refresh();
    } else {
      this._pages.clear();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._rangeTimer !== null) {
      window.clearTimeout(this._rangeTimer);
    }
    this.poll.dispose();
    Signal.clearData(this);
  }

  private async _tick(): Promise<void> {
    const tasks: Promise<void>[] = [];
    if (this._visible.has('sidebar')) {
      tasks.push(this.refresh());
      if (Date.now() - this._storesAt > STORES_EVERY_MS) {
        tasks.push(this._refreshStores());
      }
    }
    if (this._tracksRunning) {
      tasks.push(this.refreshRunning());
    }
    await Promise.all(tasks);
  }

  private async _refreshStores(): Promise<void> {
    this._storesAt = Date.now();
    const stores = await this.api.stores();
    if (JSON.stringify(stores) !== JSON.stringify(this._stores)) {
      this._stores = stores;
      this._changed.emit();
    }
  }

  private _pagesInRange(): number[] {
    const [start, end] = this._range;
    const first = Math.floor(start / this.pageSize);
    let last = Math.floor(Math.max(start, end - 1) / this.pageSize);
    if (this._loaded) {
      last = Math.min(
        last,
        Math.max(0, Math.ceil(this._total / this.pageSize) - 1)
      );
    }
    const pages: number[] = [];
    for (let page = first; page <= Math.max(first, last); page++) {
      pages.push(page);
    }
    return pages;
  }

  private _fetchPage(page: number, force = false): Promise<void> {
    const existing = this._inflight.get(page);
    if (existing && !force) {
      return existing;
    }
    const generation = this._generation;
    const f = this._filters;
    const request = this.api
      .listRuns({
        store: f.store,
        project: f.project,
        state: f.state,
        tags: f.tags,
        q: f.q,
        sort: f.sort,
        unsynced: f.unsynced,
        offset: page * this.pageSize,
        limit: this.pageSize
      })
      .then(
        (list: IRunList) => {
          if (generation !== this._generation || this._isDisposed) {
            return;
          }
          this._error = null;
          this._apply(page, list);
        },
        (error: Error) => {
          if (generation !== this._generation || this._isDisposed) {
            return;
          }
          if (error instanceof NbrunAPIError && error.status === 410) {
            // The chosen store was deleted: say so and list every other store.
            this._notice = error.message;
            this._storesAt = 0;
            this.setFilters({ store: '' });
            return;
          }
          this._error = error.message || String(error);
          this._changed.emit();
          throw error;
        }
      )
      .finally(() => {
        if (this._inflight.get(page) === request) {
          this._inflight.delete(page);
        }
      });
    this._inflight.set(page, request);
    return request;
  }

  private _apply(page: number, list: IRunList): void {
    const shown = new Set(this._stores.map(s => s.path));
    const gone = (list.gone ?? []).filter(path => shown.has(path));
    if (gone.length) {
      this._notice =
        `The store at ${gone.join(', ')} was deleted (or moved) while it was ` +
        'shown; its runs are no longer listed.';
      this._stores = this._stores.filter(s => !gone.includes(s.path));
      this._storesAt = 0; // the store menu is read again at the next poll
    }
    this._pages.set(page, list.runs);
    this._total = list.total;
    this._projects = list.projects ?? this._projects;
    this._tags = list.tags ?? this._tags;
    this._loaded = true;
    for (const run of list.runs) {
      for (const key of Object.keys(run.summary ?? {})) {
        if (!key.startsWith('_')) {
          this._summaryKeys.add(key);
        }
      }
      const key = runKey(run);
      if (this._selection.has(key)) {
        this._selection.set(key, run);
      }
    }
    this._changed.emit();
  }

  private _filters: IFilters = { ...DEFAULT_FILTERS };
  private _generation = 0;
  private _pages = new Map<number, IRunSummary[]>();
  private _inflight = new Map<number, Promise<void>>();
  private _range: [number, number] = [0, 1];
  private _rangeTimer: number | null = null;
  private _total = 0;
  private _loaded = false;
  private _error: string | null = null;
  private _notice: string | null = null;
  private _projects: string[] = [];
  private _tags: string[] = [];
  private _summaryKeys = new Set<string>();
  private _stores: IStoreInfo[] = [];
  private _storesAt = 0;
  private _columns: string[] = [];
  private _selection = new Map<string, IRunSummary>();
  private _running: IRunSummary[] = [];
  private _tracksRunning = false;
  private _visible = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _runningChanged = new Signal<this, void>(this);
}

export namespace RunListModel {
  export interface IOptions {
    api: NbrunAPI;
    pageSize?: number;
    /** Milliseconds between refreshes. */
    interval?: number;
  }
}
