/**
 * The runs table: a header whose columns sort the listing, and a windowed
 * body that renders only the rows in view (10,000 runs scroll smoothly),
 * with a header before each group when the listing is grouped (a click on it
 * collapses the group).
 *
 * To the keyboard the table is one Tab stop (a roving tabindex): Up, Down,
 * Home, End, PageUp and PageDown move between rows, Up from the first row
 * reaches the sortable headers (Left and Right between them), Enter opens a
 * run and Space selects it. The row holding the Tab stop is always rendered,
 * also when scrolled out of the window, so that focus is never lost.
 */
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { columnName } from './model/columns';
import { CommandIDs } from '../ids';
import { nextSort } from './model/filters';
import { nextColumn, nextSlot, scrollToShow } from './gridkeys';
import { GroupedRows } from './model/grouping';
import type { RunListModel } from './model/model';
import { toggleRow } from './rangeselect';
import { GroupHeader, RunRow } from './runrow';
import { SelectAllBox } from './selectallbox';
import { SortHeader } from './sortheader';
import { sortTitle } from './model/sortorder';

/** Height of one row in pixels (rows are absolutely placed). */
export const ROW_HEIGHT = 46;

/** Height of a row that shows its column values on a third line. */
export const ROW_HEIGHT_WITH_VALUES = 64;

/** Height of each line a row adds. */
const LINE_HEIGHT = ROW_HEIGHT_WITH_VALUES - ROW_HEIGHT;

/** Height of a group's header. */
const GROUP_HEIGHT = 28;

/**
 * Below this list width (JupyterLab's default sidebar is about 250px) the
 * project gets a line of its own instead of sharing one with the state badge
 * and the tags, where it was cut after a few letters.
 */
const NARROW_WIDTH = 380;

/** Widths of the check, run, time and value columns. */
const WIDTHS = { check: 24, run: 120, time: 86, value: 84 };

/** Rows rendered above and below the visible ones. */
const OVERSCAN = 6;

interface IListProps {
  model: RunListModel;
  commands: CommandRegistry;
  columns: string[];
  /** Shown under the header when the listing is empty. */
  empty: React.ReactNode;
}

/**
 * A windowed list: a spacer as tall as all rows, and absolutely placed
 * elements for the rows in view (plus a few above and below). Group headers
 * are as tall as rows, so a row's place is its slot times the row height.
 */
export function RunList(props: IListProps): JSX.Element {
  const { model, commands, columns } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [viewport, setViewport] = React.useState(600);
  const [width, setWidth] = React.useState(300);
  const frame = React.useRef<number | null>(null);
  // The slot holding the Tab stop (-1: the header row), and the header cell.
  const [active, setActive] = React.useState(0);
  // Header cells: 0 is the select-all box, 1 the Run header (where Up lands).
  const [headerColumn, setHeaderColumn] = React.useState(1);
  const focusPending = React.useRef(false);

  React.useEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const measure = () => {
      setViewport(node.clientHeight);
      setWidth(node.clientWidth);
    };
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    measure();
    return () => observer.disconnect();
  }, []);

  React.useEffect(
    () => () => {
      if (frame.current !== null) {
        cancelAnimationFrame(frame.current);
      }
    },
    []
  );

  const onScroll = React.useCallback(() => {
    if (frame.current !== null) {
      return;
    }
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      if (scroller.current) {
        setScrollTop(scroller.current.scrollTop);
      }
    });
  }, []);

  // Values are columns when they fit, else a third line in each row.
  const wideWidth =
    WIDTHS.check + WIDTHS.run + WIDTHS.time + columns.length * WIDTHS.value;
  const inline = columns.length > 0 && width < wideWidth;
  const narrow = width < NARROW_WIDTH;
  const rowHeight =
    ROW_HEIGHT + (inline ? LINE_HEIGHT : 0) + (narrow ? LINE_HEIGHT : 0);
  const shownColumns = inline ? [] : columns;

  const layout = new GroupedRows(model.groups, model.total, group =>
    model.isCollapsed(group)
  );
  const slots = layout.length;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(
    slots,
    Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN
  );
  const current = slots === 0 ? -1 : Math.min(active, slots - 1);
  const firstRun = layout.runIndex(first);
  const lastRun = Math.max(layout.runIndex(last - 1) + 1, firstRun + 1);

  React.useEffect(() => {
    model.setVisibleRange(firstRun, lastRun);
  }, [model, firstRun, lastRun]);

  const template = gridTemplate(shownColumns.length);
  const minWidth =
    WIDTHS.check +
    WIDTHS.run +
    WIDTHS.time +
    shownColumns.length * WIDTHS.value;
  const now = Date.now() / 1000;
  const rows: JSX.Element[] = [];
  const shown = [];
  for (let slot = first; slot < last; slot++) {
    shown.push(slot);
  }
  if (current >= 0 && (current < first || current >= last)) {
    shown.push(current);
  }
  for (const slot of shown) {
    const top = slot * rowHeight;
    const focus = {
      slot,
      tabIndex: slot === current ? 0 : -1,
      onFocus: () => setActive(slot)
    };
    const at = layout.at(slot);
    if (at.kind === 'group') {
      rows.push(
        <GroupHeader
          key={`group-${at.index}`}
          group={at.group}
          by={model.filters.groupBy}
          top={top + rowHeight - GROUP_HEIGHT}
          height={GROUP_HEIGHT}
          collapsed={model.isCollapsed(at.group)}
          onToggle={() => model.toggleGroup(at.group)}
          focus={focus}
        />
      );
      continue;
    }
    const run = model.runAt(at.index);
    rows.push(
      run ? (
        <RunRow
          key={`${run.store}/${run.id}`}
          run={run}
          index={at.index}
          top={top}
          template={template}
          columns={shownColumns}
          inlineValues={inline ? columns : []}
          narrow={narrow}
          height={rowHeight}
          selected={model.selection.has(run)}
          focus={focus}
          now={now}
          onToggle={shift => void toggleRow(model, run, at.index, shift)}
          onOpen={newTab =>
            void commands.execute(CommandIDs.openRun, {
              store: run.store,
              id: run.id,
              name: run.name,
              newTab
            })
          }
        />
      ) : (
        <div
          key={`placeholder-${at.index}`}
          className="jp-nbrun-row jp-nbrun-row-placeholder"
          style={{ top, height: rowHeight, gridTemplateColumns: template }}
          role="row"
          aria-rowindex={slot + 2}
          aria-busy="true"
          data-slot={slot}
          tabIndex={focus.tabIndex}
          onFocus={focus.onFocus}
        >
          <span />
          <span className="jp-nbrun-muted">{'\u2026'}</span>
        </div>
      )
    );
  }

  const sort = model.filters.sort;
  let headerCount = 1;
  const header = (label: string, column: string, title?: string) => {
    const cell = headerCount++;
    return (
      <SortHeader
        key={column}
        label={label}
        column={column}
        sort={sort}
        title={title}
        tabIndex={current === -1 && cell === headerColumn ? 0 : -1}
        onFocus={() => {
          setActive(-1);
          setHeaderColumn(cell);
        }}
        onSort={() =>
          model.setFilters({ sort: nextSort(sort, column, model.goals) })
        }
      />
    );
  };
  const valueHeader = (c: string) =>
    header(columnName(c), c, sortTitle(c, model.goals));
  const headRef = React.useRef<HTMLDivElement>(null);
  const moveTo = (slot: number, column = headerColumn) => {
    focusPending.current = true;
    setActive(slot);
    setHeaderColumn(column);
    const node = scroller.current;
    if (node && slot >= 0) {
      const head = headRef.current?.offsetHeight ?? 0;
      const to = scrollToShow(
        slot * rowHeight,
        rowHeight,
        node.scrollTop,
        node.clientHeight,
        head
      );
      if (to !== node.scrollTop) {
        node.scrollTop = to;
        setScrollTop(to);
      }
    }
  };
  React.useEffect(() => {
    if (!focusPending.current) {
      return;
    }
    focusPending.current = false;
    const target =
      current === -1
        ? headRef.current?.querySelectorAll<HTMLElement>(
            '.jp-nbrun-select-all, .jp-nbrun-sort-button'
          )[headerColumn]
        : scroller.current?.querySelector<HTMLElement>(
            `[data-slot="${current}"]`
          );
    target?.focus({ preventScroll: true });
  });
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.altKey || event.shiftKey || event.metaKey) {
      return;
    }
    const target = event.target as HTMLElement;
    const inHeader = headRef.current?.contains(target) ?? false;
    const page = Math.max(1, Math.floor(viewport / rowHeight));
    let slot: number | null = null;
    let column = headerColumn;
    if (inHeader) {
      const next = nextColumn(event.key, headerColumn, headerCount);
      if (next !== null) {
        slot = -1;
        column = next;
      } else if (event.key === 'ArrowDown' && slots > 0) {
        slot = 0;
      }
    } else {
      const from = target.closest<HTMLElement>('[data-slot]');
      if (!from) {
        return;
      }
      slot = nextSlot(event.key, Number(from.dataset.slot), slots, page);
    }
    if (slot === null) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    moveTo(slot, column);
  };
  return (
    <div
      className="jp-nbrun-list"
      ref={scroller}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      role="grid"
      aria-label="Runs"
      aria-multiselectable="true"
      aria-rowcount={slots + 1}
    >
      <div
        className="jp-nbrun-list-head"
        style={{ gridTemplateColumns: template, minWidth }}
        role="row"
        aria-rowindex={1}
        ref={headRef}
      >
        <span className="jp-nbrun-cell-check">
          <SelectAllBox
            model={model}
            tabIndex={current === -1 && headerColumn === 0 ? 0 : -1}
            onFocus={() => {
              setActive(-1);
              setHeaderColumn(0);
            }}
          />
        </span>
        <span className="jp-nbrun-head-run">
          {header('Run', 'name', 'Sort by name')}
          {header('State', 'state', 'Sort by state')}
          {header('Project', 'project', 'Sort by project')}
        </span>
        {header('Started', 'created_at', 'Sort by start time')}
        {shownColumns.map(valueHeader)}
        {inline && (
          // Too narrow for value columns: their headers wrap on a line of
          // their own, so sorting by a value works at any width.
          <span className="jp-nbrun-head-values">
            {columns.map(valueHeader)}
          </span>
        )}
      </div>
      <div
        className="jp-nbrun-list-body"
        style={{ height: slots * rowHeight, minWidth }}
      >
        {rows}
      </div>
      {model.loaded && model.total === 0 && props.empty}
    </div>
  );
}

function gridTemplate(columns: number): string {
  const { check, run, time, value } = WIDTHS;
  return `${check}px minmax(${run}px, 1fr) ${time}px${` ${value}px`.repeat(columns)}`;
}
