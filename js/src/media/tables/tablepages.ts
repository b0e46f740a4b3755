/**
 * Pages of stored tables as the viewer fetches them: each request's answer is
 * kept (a page turned back to is shown at once) and the next page is asked
 * for while the current one is read.
 */
import { IRunRef, ITablePage, ITableQuery, NbrunAPI } from '../../api/api';
import { LruCache } from '../lru';
import { queryKey } from './tablestate';

export class TablePages {
  constructor(
    readonly api: NbrunAPI,
    readonly ref: IRunRef,
    capacity = 24
  ) {
    this._pages = new LruCache(capacity);
  }

  /** The page `query` names (from what is held when it was asked before). */
  page(query: ITableQuery): Promise<ITablePage> {
    const key = queryKey(query);
    const held = this._pages.get(key);
    if (held) {
      return held;
    }
    const answer = this.api.mediaTable(this.ref, query);
    this._pages.set(key, answer);
    answer.catch(() => this._pages.delete(key)); // asked again next time
    return answer;
  }

  /** Ask for the page after `query`'s, when there is one, without waiting. */
  prefetchNext(query: ITableQuery, total: number): void {
    const offset = (query.offset ?? 0) + (query.limit ?? 0);
    if (offset < total) {
      void this.page({ ...query, offset }).catch(() => undefined);
    }
  }

  private _pages: LruCache<string, Promise<ITablePage>>;
}
