/**
 * What the runs table shows when it has no rows: with no store under the
 * server's root folder (or none with runs), how to start a run; with filters
 * that match nothing, a way to clear them.
 */
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs } from '../ids';
import type { RunListModel } from './model/model';
import { START_CELLS } from '../notebook/runinittext';

/** How to start a first run, with a button that writes the cells. */
export function StartRuns(props: {
  commands: CommandRegistry;
  /** Whether a store exists (it then has no runs yet). */
  hasStore: boolean;
}): JSX.Element {
  const { commands } = props;
  const canInsert = commands.hasCommand(CommandIDs.insertStartCells);
  return (
    <div className="jp-nbrun-empty jp-nbrun-start" role="note">
      <h3 className="jp-nbrun-empty-title">
        {props.hasStore ? 'No runs yet' : 'No nbrun store here yet'}
      </h3>
      <p>
        {props.hasStore
          ? 'Runs appear here as soon as one starts.'
          : 'Runs are kept in a .nbrun folder, and none is under the ' +
            "server's root folder."}{' '}
        Start a run in a notebook, one cell each:
      </p>
      {START_CELLS.map((cell, i) => (
        <pre key={i} className="jp-nbrun-start-cell">
          {cell}
        </pre>
      ))}
      {canInsert && (
        <button
          className="jp-nbrun-button jp-nbrun-insert-start"
          title="Write these cells below the active cell of the open notebook (or into a new one)"
          onClick={() => void commands.execute(CommandIDs.insertStartCells)}
        >
          Insert into notebook
        </button>
      )}
      <p className="jp-nbrun-muted">
        In a script:{' '}
        <code>run = nbrun.init(project=&quot;my-project&quot;)</code>.
      </p>
    </div>
  );
}

/** Filters, a search or an expression that leave no run. */
export function NoMatch(props: { model: RunListModel }): JSX.Element {
  const { model } = props;
  return (
    <div className="jp-nbrun-empty jp-nbrun-no-match" role="note">
      <span>No runs match the filters.</span>{' '}
      <button
        className="jp-nbrun-button jp-nbrun-clear-filters"
        title="Clear the search, the expression and every filter"
        onClick={() => model.clearFilters()}
      >
        Clear filters
      </button>
    </div>
  );
}
