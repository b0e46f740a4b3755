/**
 * A windowed cache of a listing's pages: only the pages that cover the rows
 * on screen are fetched and kept, and an answer for an older query (the
 * filters changed while it was on its way) is dropped.
 */
import type { IRunSummary } from '../../api/api';

export class RunPages<T = IRunSummary> {
  constructor(readonly pageSize: number) {}

  /** Bumped by {@link reset}: answers of an earlier generation are stale. */
  get generation(): number {
    return this._generation;
  }

  /** The item at a row, or undefined while its page is loading. */
  at(index: number): T | undefined {
    const page = this._pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  has(page: number): boolean {
    return this._pages.has(page);
  }

  set(page: number, items: T[]): void {
    this._pages.set(page, items);
  }

  /** Forget every page and every request under way (the query changed). */
  reset(): void {
    this._generation += 1;
    this._pages.clear();
    this._inflight.clear();
  }

  /** Forget the pages (they are fetched again when shown). */
  clear(): void {
    this._pages.clear();
  }

  /** Keep only `pages`. */
  keepOnly(pages: number[]): void {
    for (const page of Array.from(this._pages.keys())) {
      if (!pages.includes(page)) {
        this._pages.delete(page);
      }
    }
  }

  /**
   * The pages covering rows `start` to `end` (exclusive), within `total`
   * rows when it is known.
   */
  pagesIn(start: number, end: number, total: number | null): number[] {
    const first = Math.floor(start / this.pageSize);
    let last = Math.floor(Math.max(start, end - 1) / this.pageSize);
    if (total !== null) {
      last = Math.min(last, Math.max(0, Math.ceil(total / this.pageSize) - 1));
    }
    const pages: number[] = [];
    for (let page = first; page <= Math.max(first, last); page++) {
      pages.push(page);
    }
    return pages;
  }

  /**
   * Fetch a page once at a time (`force`: again even if one is under way);
   * `load` gets the page's offset and whether its answer is still current.
   */
  fetch(
    page: number,
    load: (offset: number, current: () => boolean) => Promise<void>,
    force = false
  ): Promise<void> {
    const existing = this._inflight.get(page);
    if (existing && !force) {
      return existing;
    }
    const generation = this._generation;
    const request = load(
      page * this.pageSize,
      () => generation === this._generation
    ).finally(() => {
      if (this._inflight.get(page) === request) {
        this._inflight.delete(page);
      }
    });
    this._inflight.set(page, request);
    return request;
  }

  private _generation = 0;
  private _pages = new Map<number, T[]>();
  private _inflight = new Map<number, Promise<void>>();
}
