/**
 * What the runs listing last answered besides its rows: the total and the
 * groups over the whole listing, the projects and tags to filter by, and why
 * it failed when it did. Every page's answer carries these, so the latest
 * one holds.
 */
import { IRunGroup, IRunList, NbrunAPIError } from '../../api/api';

/** What a failed listing request means for the table. */
export type ListingFailure = 'store-gone' | 'where' | 'error';

export class ListingStatus {
  /** Runs matching the filters. */
  get total(): number {
    return this._total;
  }

  /** The groups over the whole listing, in order (none without a grouping). */
  get groups(): IRunGroup[] {
    return this._groups;
  }

  /** Projects of the store, for the project filter. */
  get projects(): string[] {
    return this._projects;
  }

  /** Tags of the store, for the tag filter. */
  get tags(): string[] {
    return this._tags;
  }

  /** Whether the first answer for the current query has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** The last error, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Why the server refused the filter expression, or null. */
  get whereError(): string | null {
    return this._whereError;
  }

  /** A store deleted while shown, reported until dismissed; or null. */
  get notice(): string | null {
    return this._notice;
  }

  dismissNotice(): void {
    this._notice = null;
  }

  /** The query changed: nothing is known of its answer yet. */
  reset(): void {
    this._loaded = false;
    this._whereError = null;
  }

  /**
   * Take in a page's answer. Returns the stores among `shown` that it says
   * are gone (deleted or moved), which the notice then reports.
   */
  answered(list: IRunList, shown: string[]): string[] {
    const gone = (list.gone ?? []).filter(path => shown.includes(path));
    if (gone.length) {
      this._notice =
        `The store at ${gone.join(', ')} was deleted (or moved) while it was ` +
        'shown; its runs are no longer listed.';
    }
    this._error = null;
    this._total = list.total;
    this._groups = list.groups ?? [];
    this._projects = list.projects ?? this._projects;
    this._tags = list.tags ?? this._tags;
    this._loaded = true;
    return gone;
  }

  /** Take in a failed request made with the filter expression `where`. */
  failed(error: Error, where: string): ListingFailure {
    if (error instanceof NbrunAPIError && error.status === 410) {
      this._notice = error.message;
      return 'store-gone';
    }
    if (
      error instanceof NbrunAPIError &&
      error.status === 400 &&
      where &&
      error.message.startsWith('where')
    ) {
      // An empty answer, so the table says why rather than "loading".
      this._whereError = error.message;
      this._loaded = true;
      this._total = 0;
      return 'where';
    }
    this._error = error.message || String(error);
    return 'error';
  }

  private _total = 0;
  private _groups: IRunGroup[] = [];
  private _projects: string[] = [];
  private _tags: string[] = [];
  private _loaded = false;
  private _error: string | null = null;
  private _whereError: string | null = null;
  private _notice: string | null = null;
}
