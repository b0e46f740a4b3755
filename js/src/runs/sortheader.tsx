/**
 * A sortable column header of the runs table: a button that sorts by the
 * column (a second click reverses it), one stop of the table's roving
 * tabindex.
 */
import * as React from 'react';

import { isConfigColumn } from './model/columns';
import { sortDirection } from './model/filters';

/** A column's header: a click sorts by the column, a second reverses it. */
export function SortHeader(props: {
  label: string;
  column: string;
  sort: string;
  title?: string;
  tabIndex: number;
  onFocus: () => void;
  onSort: () => void;
}): JSX.Element {
  const direction = sortDirection(props.sort, props.column);
  const arrow =
    direction === 'ascending'
      ? ' \u25b2'
      : direction === 'descending'
        ? ' \u25bc'
        : '';
  return (
    <span
      role="columnheader"
      aria-sort={direction}
      className={`jp-nbrun-sort-head${isConfigColumn(props.column) || props.column.startsWith('summary.') ? ' jp-nbrun-num' : ''}`}
      data-column={props.column}
    >
      <button
        className="jp-nbrun-sort-button"
        title={props.title}
        tabIndex={props.tabIndex}
        onFocus={props.onFocus}
        onClick={props.onSort}
      >
        {props.label}
        {arrow && <span aria-hidden="true">{arrow}</span>}
      </button>
    </span>
  );
}
