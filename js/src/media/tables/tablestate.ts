/**
 * What the table viewer shows of a stored table: which page, how many rows a
 * page, the sort (a click on a header cycles ascending, descending, stored
 * order) and the filter. Pure: the viewer keeps one and asks the server for
 * the page it names.
 */
import { ITableQuery } from '../../api/api';

export interface ITableView {
  /** 0-based. */
  page: number;
  size: number;
  sort: string | null;
  order: 'asc' | 'desc';
  filter: string;
  /** The column the filter reads (null: every column). */
  filterColumn: string | null;
}

export const PAGE_SIZES = [25, 100];

export function initialView(size = PAGE_SIZES[0]): ITableView {
  return {
    page: 0,
    size,
    sort: null,
    order: 'asc',
    filter: '',
    filterColumn: null
  };
}

/** A click on `column`'s header: ascending, then descending, then unsorted. */
export function sortBy(view: ITableView, column: string): ITableView {
  if (view.sort !== column) {
    return { ...view, sort: column, order: 'asc', page: 0 };
  }
  if (view.order === 'asc') {
    return { ...view, order: 'desc', page: 0 };
  }
  return { ...view, sort: null, order: 'asc', page: 0 };
}

/** A new filter starts again at the first page. */
export function filterBy(
  view: ITableView,
  text: string,
  column: string | null
): ITableView {
  if (text === view.filter && column === view.filterColumn) {
    return view;
  }
  return { ...view, filter: text, filterColumn: column, page: 0 };
}

/** Another page size keeps the first row shown in view. */
export function resize(view: ITableView, size: number): ITableView {
  const first = view.page * view.size;
  return { ...view, size, page: Math.floor(first / size) };
}

/** Pages of `total` rows (one, empty, when there are none). */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / Math.max(size, 1)));
}

/** The view at `page`, kept within the pages of `total` rows. */
export function goTo(
  view: ITableView,
  page: number,
  total: number
): ITableView {
  const last = pageCount(total, view.size) - 1;
  const next = Math.max(0, Math.min(last, Math.floor(page)));
  return next === view.page ? view : { ...view, page: next };
}

/** The request for the view's page of the table in `file`. */
export function tableQuery(file: string, view: ITableView): ITableQuery {
  return {
    file,
    offset: view.page * view.size,
    limit: view.size,
    sort: view.sort,
    order: view.order,
    filter: view.filter || undefined,
    filterColumn: view.filter ? view.filterColumn : null
  };
}

/** A key telling requests apart (what a page cache holds a page under). */
export function queryKey(query: ITableQuery): string {
  return JSON.stringify([
    query.file,
    query.offset ?? 0,
    query.limit ?? 0,
    query.sort ?? null,
    query.sort ? (query.order ?? 'asc') : null,
    query.filter ?? '',
    query.filter ? (query.filterColumn ?? null) : null
  ]);
}

/** `rows 26–50 of 1,000` (1-based, as shown). */
export function rowRange(view: ITableView, total: number): string {
  if (total === 0) {
    return 'no rows';
  }
  const first = Math.min(view.page * view.size + 1, total);
  const last = Math.min((view.page + 1) * view.size, total);
  return `rows ${first.toLocaleString('en')}\u2013${last.toLocaleString('en')} of ${total.toLocaleString('en')}`;
}
