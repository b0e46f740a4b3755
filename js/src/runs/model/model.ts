/**
 * The model behind the runs table: filters, a windowed cache of the listing's
 * pages and what the listing answered besides (listing.ts), the selection,
 * the chosen columns and collapsed groups (per project, kept in the state
 * database), the keys to choose from, and the one poll (viewpoll.ts) that
 * refreshes all of them, and the Running panel's runs, while a view of them
 * is visible.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { IRunGroup, IRunList, IRunSummary, NbrunAPI } from '../../api/api';
import { RunCatalog } from './catalog';
import { groupKey, SavedLayout } from './layout';
import {
  clearedFilters,
  DEFAULT_FILTERS,
  IFilters,
  isFiltered,
  runQuery
} from './filters';
import { ListingStatus } from './listing';
import { restoredFilters, viewOf } from './savedview';
import { RunPages } from './pages';
import { RunSelection } from './selection';
import { RunsView, ViewPoll } from '../../api/viewpoll';

/** The model of the runs table. */
export class RunListModel implements IDisposable {
  constructor(options: RunListModel.IOptions) {
    this.api = options.api;
    this.pageSize = options.pageSize ?? 200;
    this._pages = new RunPages(this.pageSize);
    this.catalog = new RunCatalog(this.api);
    this.catalog.changed.connect(() => this._changed.emit());
    this.selection.changed.connect(() => this._changed.emit());
    this._views = new ViewPoll({
      name: 'nbrun:runs',
      factory: () => this._tick(),
      interval: options.interval ?? 2000
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
  get poll(): Poll {
    return this._views.poll;
  }

  /** The stores and keys to choose from. */
  readonly catalog: RunCatalog;

  /** The runs chosen to compare. */
  readonly selection = new RunSelection();

  /**
   * Metric goals by summary key (`maximize` / `minimize`), which decide the
   * first click on a metric's header. Empty until runs store their metric
   * definitions; names decide meanwhile (see sortorder.ts).
   */
  goals: Record<string, string> = {};

  /** The Running panel's runs, refreshed by this model's poll when set. */
  running: { refresh(): Promise<void> } | null = null;

  /** Emitted when rows, totals, filters, selection or columns change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get filters(): IFilters {
    return this._filters;
  }

  /** Whether a filter leaves runs out (an empty listing then "matches nothing"). */
  get filtered(): boolean {
    return isFiltered(this._filters);
  }

  /** Runs matching the filters. */
  get total(): number {
    return this._status.total;
  }

  /** With a grouping: the groups over the whole listing, in order. */
  get groups(): IRunGroup[] {
    return this._filters.groupBy ? this._status.groups : [];
  }

  /** Whether the first answer for the current filters has arrived. */
  get loaded(): boolean {
    return this._status.loaded;
  }

  /** The last error, or null. */
  get error(): string | null {
    return this._status.error;
  }

  /** Why the server refused the filter expression, or null. */
  get whereError(): string | null {
    return this._status.whereError;
  }

  /** A store deleted while shown, reported until dismissed; or null. */
  get notice(): string | null {
    return this._status.notice;
  }

  dismissNotice(): void {
    this._status.dismissNotice();
    this._changed.emit();
  }

  /** Projects of the store, for the project filter. */
  get projects(): string[] {
    return this._status.projects;
  }

  /** Tags of the store, for the tag filter. */
  get tags(): string[] {
    return this._status.tags;
  }

  /** The chosen columns of the project shown: `summary.<key>`, `config.<path>`. */
  get columns(): string[] {
    return this._saved.columns(this._filters.project);
  }

  /** Choose the columns of the project shown (refetches for config values). */
  set columns(columns: string[]) {
    const configs = (list: string[]) =>
      list.filter(c => c.startsWith('config.')).join();
    const before = configs(this.columns);
    this._saved.update({ project: this._filters.project, columns });
    if (configs(columns) !== before) {
      this._reload();
    } else {
      this._changed.emit();
    }
  }

  /** Whether a group's runs are hidden (kept per project and grouping). */
  isCollapsed(group: IRunGroup): boolean {
    const { project, groupBy } = this._filters;
    return this._saved
      .collapsed(project, groupBy)
      .includes(groupKey(group.value));
  }

  /** Hide a group's runs, or show them again. */
  toggleGroup(group: IRunGroup): void {
    const { project, groupBy } = this._filters;
    const collapsed = !this.isCollapsed(group);
    this._saved.setCollapsed(
      project,
      groupBy,
      groupKey(group.value),
      collapsed
    );
    this._changed.emit();
  }

  /** The run at a row, or undefined while its page is loading. */
  runAt(index: number): IRunSummary | undefined {
    return this._pages.at(index);
  }

  /** Change filters: the cache is dropped and the first rows are fetched. */
  setFilters(filters: Partial<IFilters>): void {
    const before = this._filters;
    this._filters = { ...before, ...filters };
    // Rows move: a shift-click must not extend from a row now elsewhere.
    this.selection.anchor = null;
    if (
      before.store !== this._filters.store ||
      before.project !== this._filters.project
    ) {
      this.catalog.keysChanged();
    }
    this._save();
    this._reload();
  }

  /** Clear every filter that leaves runs out (not the store, order or groups). */
  clearFilters(): void {
    this.setFilters(clearedFilters(this._filters));
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
      if (!this._views.isVisible('sidebar')) {
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
    if (this._status.whereError !== null) {
      return; // the same expression would be refused again
    }
    const wanted = this._pagesInRange();
    this._pages.keepOnly(wanted);
    await Promise.all(wanted.map(page => this._fetchPage(page, true)));
  }

  /**
   * Whether a view of this model (the sidebar, the Running panel) is visible.
   * The poll runs while at least one is, and refreshes when one appears.
   */
  setViewVisible(view: RunsView, visible: boolean): void {
    this._views.setVisible(view, visible);
  }

  /** Something changed a run (edit, delete): refresh now if a view shows it. */
  invalidate(): void {
    if (this._views.anyVisible) {
      void this.poll.refresh();
    } else {
      this._pages.clear();
    }
  }

  /**
   * Read the saved columns, order and grouping, and save them from then on.
   * Older saved state (summary columns for every project) is read as well.
   */
  async restore(state: IStateDB): Promise<void> {
    const { sort, groupBy, filters } = await this._saved.restore(state);
    const restored = filters
      ? restoredFilters(filters, this._filters)
      : {
          ...this._filters,
          sort: sort || this._filters.sort,
          groupBy: groupBy ?? this._filters.groupBy
        };
    if (JSON.stringify(restored) !== JSON.stringify(this._filters)) {
      this.setFilters(restored);
    } else {
      this._reload();
    }
  }

  /** Keep the filters: those of the project shown, and which it is. */
  private _save(): void {
    const { store, project, sort, groupBy } = this._filters;
    const saved = this._saved.value.filters;
    this._saved.update({
      sort,
      groupBy,
      filters: {
        store,
        project,
        views: { ...saved?.views, [project]: viewOf(this._filters) }
      }
    });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._rangeTimer !== null) {
      window.clearTimeout(this._rangeTimer);
    }
    this._views.dispose();
    Signal.clearData(this);
  }

  /** The listing changed: drop the cache and fetch what is on screen. */
  private _reload(): void {
    this._pages.reset();
    this._status.reset();
    this._changed.emit();
    if (this._views.isVisible('sidebar')) {
      this.refresh().catch(() => undefined);
    }
  }

  private async _tick(): Promise<void> {
    const tasks: Promise<void>[] = [];
    if (this._views.isVisible('sidebar')) {
      tasks.push(this.refresh(), this.catalog.refresh(this._filters));
    }
    if (this.running) {
      tasks.push(this.running.refresh());
    }
    await Promise.all(tasks);
  }

  private _pagesInRange(): number[] {
    const [start, end] = this._range;
    const { loaded, total } = this._status;
    return this._pages.pagesIn(start, end, loaded ? total : null);
  }

  private _fetchPage(page: number, force = false): Promise<void> {
    const query = runQuery(this._filters, this.columns);
    return this._pages.fetch(
      page,
      (offset, current) =>
        this.api.listRuns({ ...query, offset, limit: this.pageSize }).then(
          list => {
            if (current() && !this._isDisposed) {
              this._apply(page, list);
            }
          },
          (error: Error) => {
            if (current() && !this._isDisposed) {
              this._failed(error);
            }
          }
        ),
      force
    );
  }

  private _failed(error: Error): void {
    const failure = this._status.failed(error, this._filters.where);
    if (failure === 'store-gone') {
      // Say so (the notice) and list every other store.
      this.catalog.storesChanged();
      this.setFilters({ store: '' });
      return;
    }
    this._changed.emit();
    if (failure === 'error') {
      throw error;
    }
  }

  private _apply(page: number, list: IRunList): void {
    const shown = this.catalog.stores.map(s => s.path);
    const gone = this._status.answered(list, shown);
    if (gone.length) {
      this.catalog.dropStores(gone);
    }
    this._pages.set(page, list.runs);
    this.catalog.see(list.runs);
    this.selection.update(list.runs);
    this._changed.emit();
  }

  private _filters: IFilters = { ...DEFAULT_FILTERS };
  private _pages: RunPages;
  private _range: [number, number] = [0, 1];
  private _rangeTimer: number | null = null;
  private _status = new ListingStatus();
  private _saved = new SavedLayout();
  private _views: ViewPoll;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace RunListModel {
  export interface IOptions {
    api: NbrunAPI;
    pageSize?: number;
    /** Milliseconds between refreshes. */
    interval?: number;
  }
}
