/**
 * The filters, order and grouping of the runs table, and the listing query
 * they make.
 */
import type { IRunQuery, RunSort } from '../../api/api';
import { configColumns } from './columns';
import { firstSort } from './sortorder';

/** The filters and order of the listing. */
export interface IFilters {
  /** A store key, or '' for every store. */
  store: string;
  project: string;
  state: string;
  tags: string[];
  /** Search text: name, id, tags, notes, group and config. */
  q: string;
  /** An expression over config and summary values, e.g. `lr < 0.01`. */
  where: string;
  sort: RunSort;
  /** '' (no groups), `project`, `group`, `job_type` or `config.<path>`. */
  groupBy: string;
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
  where: '',
  sort: '-created_at',
  groupBy: '',
  unsynced: false
};

/** The states a run can have, for the state filter. */
export const RUN_STATES = ['running', 'finished', 'failed', 'crashed'];

/** The fields of a run the listing can be grouped by, besides config keys. */
export const GROUP_FIELDS = ['project', 'group', 'job_type'];

/** The listing query of `filters`, asking for the config values of `columns`. */
export function runQuery(filters: IFilters, columns: string[]): IRunQuery {
  return {
    store: filters.store,
    project: filters.project,
    state: filters.state,
    tags: filters.tags,
    q: filters.q,
    where: filters.where,
    sort: filters.sort,
    unsynced: filters.unsynced,
    groupBy: filters.groupBy,
    columns: configColumns(columns)
  };
}

/** The filters that narrow the listing (the store, order and grouping do not). */
const NARROWING: (keyof IFilters)[] = [
  'project',
  'state',
  'tags',
  'q',
  'where',
  'unsynced'
];

/** Whether any filter leaves runs out. */
export function isFiltered(filters: IFilters): boolean {
  return NARROWING.some(key => {
    const value = filters[key];
    return Array.isArray(value) ? value.length > 0 : Boolean(value);
  });
}

/** The filters with every narrowing one cleared. */
export function clearedFilters(filters: IFilters): IFilters {
  const cleared = { ...filters };
  for (const key of NARROWING) {
    (cleared as any)[key] = DEFAULT_FILTERS[key];
  }
  return cleared;
}

/**
 * The order after a click on a column's header: the column its better way
 * first (see {@link firstSort}), and reversed when it is already the order.
 */
export function nextSort(
  current: RunSort,
  column: string,
  goals: Record<string, string> = {}
): RunSort {
  if (current === column) {
    return `-${column}`;
  }
  if (current === `-${column}`) {
    return column;
  }
  return firstSort(column, goals);
}

/** How a column is ordered now: for `aria-sort`. */
export function sortDirection(
  current: RunSort,
  column: string
): 'ascending' | 'descending' | 'none' {
  if (current === column) {
    return 'ascending';
  }
  return current === `-${column}` ? 'descending' : 'none';
}
