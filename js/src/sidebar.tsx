/**
 * The runs sidebar: filters, search, chosen summary columns and a windowed
 * list that renders only the rows in view, so 10,000 runs scroll smoothly.
 */
import { showErrorMessage } from '@jupyterlab/apputils';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IRunSummary, RunSort } from './api';
import { CommandIDs } from './commands';
import { downloadText } from './download';
import {
  formatDuration,
  formatShortTime,
  formatTime,
  formatValue,
  runDuration
} from './format';
import { runsIcon } from './icons';
import { RUN_STATES, RunListModel } from './model';

/** Height of one row in pixels (rows are absolutely placed). */
export const ROW_HEIGHT = 46;

/** Height of a row that shows its summary values on a third line. */
export const ROW_HEIGHT_WITH_VALUES = 64;

/** Height of each line a row adds. */
const LINE_HEIGHT = ROW_HEIGHT_WITH_VALUES - ROW_HEIGHT;

/**
 * Below this list width (JupyterLab's default sidebar is about 250px) the
 * project gets a line of its own instead of sharing one with the state badge
 * and the tags, where it was cut after a few letters.
 */
const NARROW_WIDTH = 380;

/** Widths of the check, run, time and summary value columns. */
const WIDTHS = { check: 24, run: 120, time: 86, value: 84 };

/** Rows rendered above and below the visible ones. */
const OVERSCAN = 6;

const SORTS: { value: RunSort; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-updated_at', label: 'Recently updated' },
  { value: 'name', label: 'Name A\u2013Z' },
  { value: '-name', label: 'Name Z\u2013A' },
  { value: 'state', label: 'State' },
  { value: 'project', label: 'Project' }
];

/** A CSS class for a state, whatever text the state holds. */
export function stateClass(state: string): string {
  return `jp-nbrun-state-${String(state)
    .replace(/[^a-z]/gi, '')
    .toLowerCase()}`;
}

/** The state of a run as a coloured badge. */
export function StateBadge(props: { state: string }): JSX.Element {
  return (
    <span className={`jp-nbrun-badge ${stateClass(props.state)}`}>
      {props.state}
    </span>
  );
}

/** Tags as removable chips; `what` names them in the remove button's title. */
export function TagChips(props: {
  tags: string[];
  what: string;
  disabled?: boolean;
  onRemove: (tag: string) => void;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div className="jp-nbrun-chips">
      {props.tags.map(tag => (
        <span key={tag} className="jp-nbrun-chip">
          {tag}
          <button
            className="jp-nbrun-chip-remove"
            title={`Remove the ${props.what} ${tag}`}
            disabled={props.disabled}
            onClick={() => props.onRemove(tag)}
          >
            {'\u00d7'}
          </button>
        </span>
      ))}
      {props.children}
    </div>
  );
}

/**
 * The sidebar widget. Its model's poll runs only while it (or the Running
 * panel) is visible.
 */
export class RunsSidebar extends ReactWidget {
  constructor(options: RunsSidebar.IOptions) {
    super();
    this.model = options.model;
    this._commands = options.commands;
    this.id = 'nbrun-sidebar';
    this.addClass('jp-nbrun-sidebar');
    this.title.icon = runsIcon;
    this.title.caption = 'Runs (nbrun)';
  }

  readonly model: RunListModel;

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.model.setViewVisible('sidebar', this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.setViewVisible('sidebar', false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.setViewVisible('sidebar', true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.setViewVisible('sidebar', false);
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <RunsView model={this.model} commands={this._commands} />}
      </UseSignal>
    );
  }

  private _commands: CommandRegistry;
}

export namespace RunsSidebar {
  export interface IOptions {
    model: RunListModel;
    commands: CommandRegistry;
  }
}

interface IViewProps {
  model: RunListModel;
  commands: CommandRegistry;
}

async function exportRuns(model: RunListModel): Promise<void> {
  const f = model.filters;
  try {
    const text = await model.api.exportRunsCsv({
      store: f.store,
      project: f.project,
      state: f.state,
      tags: f.tags,
      q: f.q,
      sort: f.sort
    });
    downloadText('runs.csv', text);
  } catch (error) {
    void showErrorMessage('Could not export the runs', String(error));
  }
}

/** Toolbar, filters, columns chooser and the list. */
function RunsView(props: IViewProps): JSX.Element {
  const { model, commands } = props;
  const filters = model.filters;
  const [showColumns, setShowColumns] = React.useState(false);
  const selected = model.selected;
  const columns = model.columns;

  return (
    <div className="jp-nbrun-runs">
      <div className="jp-nbrun-header">
        <h2 className="jp-nbrun-heading">Runs</h2>
        <button
          className="jp-nbrun-button jp-nbrun-export-csv"
          title="Download every run the filters match, with config and summary columns, as CSV"
          onClick={() => void exportRuns(model)}
        >
          CSV
        </button>
        <button
          className="jp-nbrun-button jp-nbrun-refresh"
          title="Refresh now"
          onClick={() => void commands.execute(CommandIDs.refresh)}
        >
          Refresh
        </button>
      </div>
      <SearchBox value={filters.q} onChange={q => model.setFilters({ q })} />
      {model.stores.length > 1 && (
        <select
          className="jp-mod-styled jp-nbrun-filter-store"
          aria-label="Store"
          title="The store (a .nbrun folder) to list"
          value={filters.store}
          onChange={e => model.setFilters({ store: e.target.value })}
        >
          <option value="">All stores ({model.stores.length})</option>
          {model.stores.map(s => (
            <option key={s.key} value={s.key}>
              {s.path}
              {s.runs !== null && s.runs !== undefined ? ` (${s.runs})` : ''}
            </option>
          ))}
        </select>
      )}
      <div className="jp-nbrun-filters">
        <select
          className="jp-mod-styled jp-nbrun-filter-project"
          aria-label="Project"
          value={filters.project}
          onChange={e => model.setFilters({ project: e.target.value })}
        >
          <option value="">All projects</option>
          {withCurrent(model.projects, filters.project).map(p => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <select
          className="jp-mod-styled jp-nbrun-filter-state"
          aria-label="State"
          value={filters.state}
          onChange={e => model.setFilters({ state: e.target.value })}
        >
          <option value="">All states</option>
          {RUN_STATES.map(s => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label
          className="jp-nbrun-filter-unsynced"
          title="Only online runs not fully on their tracking server"
        >
          <input
            type="checkbox"
            checked={filters.unsynced}
            onChange={e => model.setFilters({ unsynced: e.target.checked })}
          />{' '}
          unsynced
        </label>
        <select
          className="jp-mod-styled jp-nbrun-filter-tag"
          aria-label="Add a tag filter"
          value=""
          onChange={e => {
            const tag = e.target.value;
            if (tag && !filters.tags.includes(tag)) {
              model.setFilters({ tags: [...filters.tags, tag] });
            }
          }}
        >
          <option value="">Any tag</option>
          {model.tags
            .filter(t => !filters.tags.includes(t))
            .map(t => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
        </select>
        <select
          className="jp-mod-styled jp-nbrun-sort"
          aria-label="Sort"
          value={filters.sort}
          onChange={e => model.setFilters({ sort: e.target.value as RunSort })}
        >
          {SORTS.map(s => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      {filters.tags.length > 0 && (
        <TagChips
          tags={filters.tags}
          what="tag filter"
          onRemove={tag =>
            model.setFilters({ tags: filters.tags.filter(t => t !== tag) })
          }
        />
      )}
      <div className="jp-nbrun-actions">
        <button
          className={`jp-nbrun-button jp-nbrun-columns-toggle${showColumns ? ' jp-mod-active' : ''}`}
          onClick={() => setShowColumns(!showColumns)}
          title="Choose the summary values shown as columns"
        >
          Columns{columns.length ? ` (${columns.length})` : ''}
        </button>
        <button
          className="jp-nbrun-button jp-nbrun-compare"
          disabled={selected.length < 2}
          title="Compare the selected runs"
          onClick={() =>
            void commands.execute(CommandIDs.compare, {
              runs: selected.map(r => ({ store: r.store, id: r.id }))
            })
          }
        >
          Compare{selected.length ? ` (${selected.length})` : ''}
        </button>
        {selected.length > 0 && (
          <button
            className="jp-nbrun-button jp-nbrun-clear-selection"
            onClick={() => model.clearSelection()}
          >
            Clear
          </button>
        )}
      </div>
      {showColumns && <ColumnChooser model={model} />}
      {model.notice && (
        <div className="jp-nbrun-notice" role="alert">
          <span>{model.notice}</span>
          <button
            className="jp-nbrun-link jp-nbrun-notice-dismiss"
            title="Dismiss"
            onClick={() => model.dismissNotice()}
          >
            {'\u00d7'}
          </button>
        </div>
      )}
      <div className="jp-nbrun-status" role="status">
        {model.error
          ? `Could not list runs: ${model.error}`
          : model.loaded
            ? `${model.total.toLocaleString()} run${model.total === 1 ? '' : 's'}`
            : 'Loading\u2026'}
      </div>
      <RunList model={model} commands={commands} columns={columns} />
    </div>
  );
}

function withCurrent(values: string[], current: string): string[] {
  return current && !values.includes(current) ? [current, ...values] : values;
}

/** A search box that applies its text after typing pauses. */
function SearchBox(props: {
  value: string;
  onChange: (value: string) => void;
}): JSX.Element {
  const [text, setText] = React.useState(props.value);
  const timer = React.useRef<number | null>(null);
  const { onChange } = props;
  React.useEffect(
    () => () => {
      if (timer.current !== null) {
        window.clearTimeout(timer.current);
      }
    },
    []
  );
  return (
    <input
      className="jp-mod-styled jp-nbrun-search"
      type="search"
      placeholder="Search name, id, notes, tags"
      aria-label="Search runs"
      value={text}
      onChange={e => {
        const value = e.target.value;
        setText(value);
        if (timer.current !== null) {
          window.clearTimeout(timer.current);
        }
        timer.current = window.setTimeout(() => {
          timer.current = null;
          onChange(value.trim());
        }, 250);
      }}
    />
  );
}

/** Checkboxes of the summary keys seen so far. */
function ColumnChooser(props: { model: RunListModel }): JSX.Element {
  const { model } = props;
  const [filter, setFilter] = React.useState('');
  const keys = Array.from(new Set([...model.columns, ...model.summaryKeys]));
  const shown = keys.filter(k =>
    k.toLowerCase().includes(filter.toLowerCase())
  );
  return (
    <div className="jp-nbrun-column-chooser">
      {keys.length > 8 && (
        <input
          className="jp-mod-styled"
          placeholder="Filter keys"
          value={filter}
          onChange={e => setFilter(e.target.value)}
        />
      )}
      {keys.length === 0 && (
        <div className="jp-nbrun-muted">No summary values yet.</div>
      )}
      {shown.map(key => (
        <label key={key} className="jp-nbrun-column-option">
          <input
            type="checkbox"
            checked={model.columns.includes(key)}
            onChange={e =>
              (model.columns = e.target.checked
                ? [...model.columns, key]
                : model.columns.filter(c => c !== key))
            }
          />
          <span>{key}</span>
        </label>
      ))}
    </div>
  );
}

interface IListProps {
  model: RunListModel;
  commands: CommandRegistry;
  columns: string[];
}

/**
 * A windowed list: a spacer as tall as all rows, and absolutely placed
 * elements for the rows in view (plus a few above and below).
 */
function RunList(props: IListProps): JSX.Element {
  const { model, commands, columns } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [viewport, setViewport] = React.useState(600);
  const [width, setWidth] = React.useState(300);
  const frame = React.useRef<number | null>(null);

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

  // Summary values are columns when they fit, else a third line in each row.
  const wideWidth =
    WIDTHS.check + WIDTHS.run + WIDTHS.time + columns.length * WIDTHS.value;
  const inline = columns.length > 0 && width < wideWidth;
  const narrow = width < NARROW_WIDTH;
  const rowHeight =
    ROW_HEIGHT + (inline ? LINE_HEIGHT : 0) + (narrow ? LINE_HEIGHT : 0);
  const shownColumns = inline ? [] : columns;

  const total = model.total;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(
    total,
    Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN
  );

  React.useEffect(() => {
    model.setVisibleRange(first, Math.max(last, first + 1));
  }, [model, first, last]);

  const template = gridTemplate(shownColumns.length);
  const minWidth =
    WIDTHS.check +
    WIDTHS.run +
    WIDTHS.time +
    shownColumns.length * WIDTHS.value;
  const now = Date.now() / 1000;
  const rows: JSX.Element[] = [];
  for (let index = first; index < last; index++) {
    const run = model.runAt(index);
    const top = index * rowHeight;
    rows.push(
      run ? (
        <RunRow
          key={`${run.store}/${run.id}`}
          run={run}
          index={index}
          top={top}
          template={template}
          columns={shownColumns}
          inlineValues={inline ? columns : []}
          narrow={narrow}
          height={rowHeight}
          selected={model.isSelected(run)}
          now={now}
          onToggle={() => model.toggleSelected(run)}
          onOpen={() =>
            void commands.execute(CommandIDs.openRun, {
              store: run.store,
              id: run.id
            })
          }
        />
      ) : (
        <div
          key={`placeholder-${index}`}
          className="jp-nbrun-row jp-nbrun-row-placeholder"
          style={{ top, height: rowHeight, gridTemplateColumns: template }}
          aria-busy="true"
        >
          <span />
          <span className="jp-nbrun-muted">{'\u2026'}</span>
        </div>
      )
    );
  }

  return (
    <div
      className="jp-nbrun-list"
      ref={scroller}
      onScroll={onScroll}
      role="grid"
      aria-rowcount={total}
    >
      <div
        className="jp-nbrun-list-head"
        style={{ gridTemplateColumns: template, minWidth }}
        role="row"
      >
        <span />
        <span role="columnheader">Run</span>
        <span role="columnheader">Started</span>
        {shownColumns.map(c => (
          <span role="columnheader" key={c} className="jp-nbrun-num" title={c}>
            {c}
          </span>
        ))}
      </div>
      <div
        className="jp-nbrun-list-body"
        style={{ height: total * rowHeight, minWidth }}
      >
        {rows}
      </div>
      {model.loaded && total === 0 && (
        <div className="jp-nbrun-empty">
          No runs match. Runs appear here as soon as <code>nbrun.init()</code>{' '}
          starts one in a store under the server's root folder.
        </div>
      )}
    </div>
  );
}

function gridTemplate(columns: number): string {
  const { check, run, time, value } = WIDTHS;
  return `${check}px minmax(${run}px, 1fr) ${time}px${` ${value}px`.repeat(columns)}`;
}

interface IRowProps {
  run: IRunSummary;
  index: number;
  top: number;
  template: string;
  columns: string[];
  /** Summary values shown on a third line instead of as columns. */
  inlineValues: string[];
  height: number;
  selected: boolean;
  /** The project on a line of its own (a narrow sidebar). */
  narrow: boolean;
  now: number;
  onToggle: () => void;
  onOpen: () => void;
}

/** One run. Everything the run holds is rendered as text. */
const RunRow = React.memo(function RunRow(props: IRowProps): JSX.Element {
  const { run, top, template, columns, inlineValues, selected, now } = props;
  return (
    <div
      className={`jp-nbrun-row${selected ? ' jp-mod-selected' : ''}`}
      style={{ top, height: props.height, gridTemplateColumns: template }}
      role="row"
      tabIndex={0}
      data-run-id={run.id}
      data-index={props.index}
      title={`${run.name}\n${run.id}\nstarted ${formatTime(run.created_at)}`}
      onClick={props.onOpen}
      onKeyDown={e => {
        if (e.key === 'Enter') {
          props.onOpen();
        } else if (e.key === ' ') {
          e.preventDefault();
          props.onToggle();
        }
      }}
    >
      <span className="jp-nbrun-cell-check">
        <input
          type="checkbox"
          aria-label="Select for comparison"
          checked={selected}
          onClick={e => e.stopPropagation()}
          onChange={props.onToggle}
        />
      </span>
      <span className="jp-nbrun-cell-run">
        <span className="jp-nbrun-line">
          <span className="jp-nbrun-row-name">{run.name}</span>
        </span>
        {props.narrow && (
          <span className="jp-nbrun-line jp-nbrun-muted">
            <span className="jp-nbrun-row-project">{run.project}</span>
          </span>
        )}
        <span className="jp-nbrun-line jp-nbrun-muted">
          <StateBadge state={run.state} />
          {run.sync && !run.sync.synced && (
            <span
              className="jp-nbrun-sync-badge"
              title={run.sync.last_error ?? 'not yet on the tracking server'}
            >
              {run.sync.label}
            </span>
          )}
          {!props.narrow && (
            <span className="jp-nbrun-row-project">{run.project}</span>
          )}
          {run.tags.map(tag => (
            <span key={tag} className="jp-nbrun-tag">
              {tag}
            </span>
          ))}
        </span>
        {inlineValues.length > 0 && (
          <span className="jp-nbrun-line jp-nbrun-row-values">
            {inlineValues
              .filter(c => run.summary && c in run.summary)
              .map(c => (
                <span
                  key={c}
                  className="jp-nbrun-value"
                  title={`${c}: ${formatValue(run.summary?.[c])}`}
                >
                  <span className="jp-nbrun-muted">{c}</span>{' '}
                  <span className="jp-nbrun-num">
                    {formatValue(run.summary?.[c], 14)}
                  </span>
                </span>
              ))}
          </span>
        )}
      </span>
      <span className="jp-nbrun-cell-time">
        <span className="jp-nbrun-line" title={formatTime(run.created_at)}>
          {formatShortTime(run.created_at)}
        </span>
        <span className="jp-nbrun-line jp-nbrun-muted">
          {formatDuration(runDuration(run, now))}
          {run.last_step >= 0 ? ` \u00b7 step ${run.last_step}` : ''}
        </span>
      </span>
      {columns.map(c => (
        <span
          key={c}
          className="jp-nbrun-num"
          title={formatValue(run.summary?.[c])}
        >
          {formatValue(run.summary?.[c], 14)}
        </span>
      ))}
    </div>
  );
});
