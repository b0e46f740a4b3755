/**
 * One row of the runs table, and the header of a group of rows. Everything a
 * run holds is rendered as text.
 */
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AlertMark } from '../detail/alerts';
import { IRunGroup, IRunSummary } from '../api/api';
import { columnName, columnValue, isConfigColumn } from './model/columns';
import { StateBadge } from '../components/statebadge';
import { TagLabels } from '../components/tagchips';
import {
  formatDuration,
  formatShortTime,
  formatTime,
  formatValue,
  runDuration
} from '../components/format';

/** What makes a row one stop of the table's roving tabindex. */
export interface IRowFocus {
  slot: number;
  tabIndex: number;
  onFocus: () => void;
}

interface IRowProps {
  run: IRunSummary;
  index: number;
  top: number;
  template: string;
  columns: string[];
  /** Values shown on a third line instead of as columns. */
  inlineValues: string[];
  height: number;
  selected: boolean;
  /** The project on a line of its own (a narrow sidebar). */
  narrow: boolean;
  now: number;
  focus: IRowFocus;
  /** Choose the run or let it go; with shift, the rows from the last one clicked too. */
  onToggle: (shift: boolean) => void;
  /** Open the run: in the detail tab, or (Ctrl/Cmd) in a new tab. */
  onOpen: (newTab: boolean) => void;
}

/** One run. */
export const RunRow = React.memo(function RunRow(
  props: IRowProps
): JSX.Element {
  const { run, top, template, columns, inlineValues, selected, now } = props;
  const inline = inlineValues.filter(c => columnValue(run, c) !== undefined);
  return (
    <div
      className={`jp-nbrun-row${selected ? ' jp-mod-selected' : ''}`}
      style={{ top, height: props.height, gridTemplateColumns: template }}
      role="row"
      aria-rowindex={props.focus.slot + 2}
      aria-selected={selected}
      tabIndex={props.focus.tabIndex}
      onFocus={props.focus.onFocus}
      data-slot={props.focus.slot}
      data-run-id={run.id}
      data-index={props.index}
      title={`${run.name}\n${run.id}\nstarted ${formatTime(run.created_at)}\n(Ctrl/Cmd-click: open in a new tab)`}
      onClick={e => props.onOpen(e.ctrlKey || e.metaKey)}
      onKeyDown={e => {
        if (e.key === 'Enter') {
          e.preventDefault();
          props.onOpen(e.ctrlKey || e.metaKey);
        } else if (e.key === ' ') {
          e.preventDefault();
          props.onToggle(e.shiftKey);
        }
      }}
    >
      <span className="jp-nbrun-cell-check">
        <input
          type="checkbox"
          // Not a Tab stop of its own: Space on the row selects it.
          tabIndex={-1}
          aria-label={`Select ${run.name} for comparison`}
          checked={selected}
          onClick={e => e.stopPropagation()}
          title="Select for comparison (shift-click: the rows from the last one clicked)"
          onChange={e => props.onToggle((e.nativeEvent as MouseEvent).shiftKey)}
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
          <AlertMark run={run} />
          {run.last_step >= 0 && (
            // Beside the state, never cut: project and tags give way.
            <span className="jp-nbrun-row-step" title="last step logged">
              step {run.last_step}
            </span>
          )}
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
          <TagLabels tags={run.tags} />
        </span>
        {inline.length > 0 && (
          <span className="jp-nbrun-line jp-nbrun-row-values">
            {inline.map(c => (
              <span
                key={c}
                className="jp-nbrun-value"
                data-column={c}
                title={`${c}: ${formatValue(columnValue(run, c))}`}
              >
                <span className="jp-nbrun-muted">{columnName(c)}</span>{' '}
                <span className="jp-nbrun-num">
                  {formatValue(columnValue(run, c), 14)}
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
        </span>
      </span>
      {columns.map(c => (
        <span
          key={c}
          className={`jp-nbrun-num${isConfigColumn(c) ? ' jp-nbrun-config-value' : ''}`}
          data-column={c}
          title={`${c}: ${formatValue(columnValue(run, c))}`}
        >
          {formatValue(columnValue(run, c), 14)}
        </span>
      ))}
    </div>
  );
});

/**
 * The header of a group: what the runs share and how many there are; a click
 * hides the group's runs or shows them again.
 */
export function GroupHeader(props: {
  group: IRunGroup;
  by: string;
  top: number;
  height: number;
  /** Whether the group's runs are hidden. */
  collapsed: boolean;
  onToggle: () => void;
  focus: IRowFocus;
}): JSX.Element {
  const { group, by, collapsed } = props;
  const value =
    group.value === null || group.value === undefined
      ? `no ${columnName(by)}`
      : formatValue(group.value, 60);
  const Caret = collapsed ? caretRightIcon : caretDownIcon;
  return (
    <div
      className={`jp-nbrun-group-head${collapsed ? ' jp-mod-collapsed' : ''}`}
      style={{ top: props.top, height: props.height }}
      role="row"
      aria-rowindex={props.focus.slot + 2}
      tabIndex={props.focus.tabIndex}
      onFocus={props.focus.onFocus}
      data-slot={props.focus.slot}
      data-group-value={formatValue(group.value)}
      onClick={props.onToggle}
      onKeyDown={e => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          props.onToggle();
        }
      }}
    >
      <span role="rowheader" className="jp-nbrun-group-label">
        <button
          className="jp-nbrun-group-toggle"
          tabIndex={-1}
          aria-expanded={!collapsed}
          title={
            collapsed
              ? 'Show the runs of this group'
              : 'Hide the runs of this group'
          }
        >
          <Caret.react tag="span" className="jp-nbrun-group-caret" />
          <span className="jp-nbrun-muted">{columnName(by)}</span>{' '}
          <span className="jp-nbrun-group-value">{value}</span>
        </button>
      </span>
      <span
        className="jp-nbrun-group-count"
        title={`${group.count} run${group.count === 1 ? '' : 's'}`}
      >
        {group.count}
      </span>
    </div>
  );
}
