/**
 * A stored table, a page at a time from the server: a click on a header sorts
 * by that column (again: descending, again: stored order), a filter keeps the
 * rows whose text (in one column or any) contains what is typed, pages are
 * turned with the buttons, and "CSV" downloads every row the filter keeps in
 * the order shown. The next page is fetched ahead; pages seen are kept.
 */
import { showErrorMessage } from '@jupyterlab/apputils';
import * as React from 'react';

import { IMediaEntry, IRunRef, ITablePage, NbrunAPI } from '../../api/api';
import { downloadText } from '../../api/download';
import { TableCell } from './tablecells';
import { TablePages } from './tablepages';
import {
  filterBy,
  goTo,
  initialView,
  ITableView,
  PAGE_SIZES,
  pageCount,
  resize,
  rowRange,
  sortBy,
  tableQuery
} from './tablestate';

/** Milliseconds of quiet typing before the filter applies. */
const FILTER_DELAY = 250;

export function TableViewer(props: {
  entry: IMediaEntry;
  api: NbrunAPI;
  runRef: IRunRef;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { entry, api, runRef, urlOf } = props;
  const file = entry.file ?? '';
  const pages = React.useMemo(
    () => new TablePages(api, runRef),
    [api, runRef.store, runRef.id]
  );
  const [view, setView] = React.useState<ITableView>(initialView);
  const [shown, setShown] = React.useState<{
    key: string;
    page: ITablePage;
  } | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [typed, setTyped] = React.useState('');
  const query = tableQuery(file, view);
  const wanted = JSON.stringify(query);

  React.useEffect(() => {
    let live = true;
    pages.page(query).then(
      page => {
        if (!live) {
          return;
        }
        setShown({ key: wanted, page });
        setError(null);
        pages.prefetchNext(query, page.total);
      },
      reason => live && setError(String(reason?.message ?? reason))
    );
    return () => {
      live = false;
    };
  }, [pages, wanted]);

  // The filter applies once typing pauses.
  React.useEffect(() => {
    const timer = window.setTimeout(
      () => setView(v => filterBy(v, typed, v.filterColumn)),
      FILTER_DELAY
    );
    return () => window.clearTimeout(timer);
  }, [typed]);

  const page = shown?.page ?? null;
  const columns = page?.columns ?? entry.meta.columns ?? [];
  const total = page?.total ?? entry.meta.rows ?? 0;
  const pagesTotal = pageCount(total, view.size);
  const loading = shown?.key !== wanted;

  const download = async () => {
    try {
      const text = await api.mediaTableCsv(runRef, tableQuery(file, view));
      const safe = entry.key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
      downloadText(`${safe}-step${entry.step}.csv`, text);
    } catch (reason) {
      void showErrorMessage('Could not download the table', String(reason));
    }
  };

  return (
    <div
      className="jp-nbrun-table-viewer"
      data-file={file}
      data-page={view.page}
      data-total={page?.total ?? ''}
      data-sort={view.sort ?? ''}
      data-order={view.order}
      data-filter={view.filter}
      data-loading={loading ? 'true' : 'false'}
    >
      <div className="jp-nbrun-table-tools">
        <input
          className="jp-mod-styled jp-nbrun-table-filter"
          type="search"
          placeholder="Filter rows"
          aria-label="Filter rows"
          value={typed}
          onChange={e => setTyped(e.target.value)}
        />
        <select
          className="jp-mod-styled jp-nbrun-table-filter-column"
          aria-label="Column to filter"
          value={view.filterColumn ?? ''}
          onChange={e =>
            setView(v => filterBy(v, v.filter, e.target.value || null))
          }
        >
          <option value="">in any column</option>
          {columns.map(c => (
            <option key={String(c)} value={String(c)}>
              in {String(c)}
            </option>
          ))}
        </select>
        <button
          className="jp-nbrun-button jp-nbrun-table-csv"
          title="Download every row the filter keeps, in this order, as CSV"
          onClick={() => void download()}
        >
          CSV
        </button>
      </div>
      {error && <div className="jp-nbrun-error">{error}</div>}
      <div className="jp-nbrun-table-scroll">
        <table className="jp-nbrun-table jp-nbrun-media-table">
          <thead>
            <tr>
              {columns.map(c => {
                const name = String(c);
                const sorted = view.sort === name;
                return (
                  <th
                    key={name}
                    data-column={name}
                    aria-sort={
                      sorted
                        ? view.order === 'asc'
                          ? 'ascending'
                          : 'descending'
                        : 'none'
                    }
                    title={`Sort by ${name}`}
                    onClick={() => setView(v => sortBy(v, name))}
                  >
                    {name}
                    {sorted && (view.order === 'asc' ? ' \u25b2' : ' \u25bc')}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {(page?.rows ?? []).map((row, i) => (
              <tr key={i} data-row={view.page * view.size + i}>
                {columns.map((c, j) => (
                  <TableCell key={j} value={row[j]} urlOf={urlOf} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="jp-nbrun-pager">
        <button
          className="jp-nbrun-link jp-nbrun-page-first"
          disabled={view.page === 0}
          onClick={() => setView(v => goTo(v, 0, total))}
        >
          First
        </button>
        <button
          className="jp-nbrun-link jp-nbrun-page-prev"
          disabled={view.page === 0}
          onClick={() => setView(v => goTo(v, v.page - 1, total))}
        >
          Previous
        </button>
        <span className="jp-nbrun-page-info">
          {rowRange(view, total)} &middot; page {view.page + 1} of{' '}
          {pagesTotal.toLocaleString('en')}
        </span>
        <button
          className="jp-nbrun-link jp-nbrun-page-next"
          disabled={view.page >= pagesTotal - 1}
          onClick={() => setView(v => goTo(v, v.page + 1, total))}
        >
          Next
        </button>
        <button
          className="jp-nbrun-link jp-nbrun-page-last"
          disabled={view.page >= pagesTotal - 1}
          onClick={() => setView(v => goTo(v, pagesTotal - 1, total))}
        >
          Last
        </button>
        <select
          className="jp-mod-styled jp-nbrun-page-size"
          aria-label="Rows a page"
          value={view.size}
          onChange={e => setView(v => resize(v, Number(e.target.value)))}
        >
          {PAGE_SIZES.map(n => (
            <option key={n} value={n}>
              {n} a page
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
