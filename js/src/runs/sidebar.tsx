/**
 * The runs sidebar: a toolbar, the filters, the column picker and the runs
 * table, or what to do when there is nothing to list.
 */
import { showErrorMessage } from '@jupyterlab/apputils';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { ColumnPicker } from './columnpicker';
import { CommandIDs } from '../ids';
import { downloadText } from '../api/download';
import { NoMatch, StartRuns } from './emptystates';
import { FilterBar } from './filterbar';
import { runQuery } from './model/filters';
import { runsIcon } from '../components/icons';
import { RunListModel } from './model/model';
import { RunList } from './runlist';

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

async function exportRuns(model: RunListModel): Promise<void> {
  try {
    const text = await model.api.exportRunsCsv(runQuery(model.filters, []));
    downloadText('runs.csv', text);
  } catch (error) {
    void showErrorMessage('Could not export the runs', String(error));
  }
}

/** Toolbar, filters, column picker and the table. */
function RunsView(props: {
  model: RunListModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const [showColumns, setShowColumns] = React.useState(false);
  const runsNode = React.useRef<HTMLDivElement>(null);
  const selected = model.selection.runs;
  const columns = model.columns;
  const stores = model.catalog;
  const noStore = stores.storesLoaded && stores.stores.length === 0;

  if (noStore && model.loaded && model.total === 0 && !model.filtered) {
    return (
      <div className="jp-nbrun-runs">
        <div className="jp-nbrun-header">
          <h2 className="jp-nbrun-heading">Runs</h2>
        </div>
        <StartRuns commands={commands} hasStore={false} />
      </div>
    );
  }
  // The filters are many Tab stops: this link (shown when focused) skips them.
  const toList = () =>
    runsNode.current
      ?.querySelector<HTMLElement>('.jp-nbrun-list [tabindex="0"]')
      ?.focus();
  const empty = model.whereError ? null : model.filtered ? (
    <NoMatch model={model} />
  ) : (
    <StartRuns commands={commands} hasStore={!noStore} />
  );
  return (
    <div className="jp-nbrun-runs" ref={runsNode}>
      <div className="jp-nbrun-header">
        <h2 className="jp-nbrun-heading">Runs</h2>
        <button className="jp-nbrun-skip" onClick={toList}>
          Skip to the runs list
        </button>
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
      <FilterBar model={model} />
      <div
        className="jp-nbrun-actions"
        role="toolbar"
        aria-label="Columns and selected runs"
      >
        <button
          className={`jp-nbrun-button jp-nbrun-columns-toggle${showColumns ? ' jp-mod-active' : ''}`}
          onClick={() => setShowColumns(!showColumns)}
          aria-expanded={showColumns}
          title="Choose the summary and config values shown as columns"
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
            onClick={() => model.selection.clear()}
          >
            Clear
          </button>
        )}
      </div>
      {showColumns && <ColumnPicker model={model} />}
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
          : model.whereError
            ? 'The filter expression is not valid.'
            : model.loaded
              ? `${model.total.toLocaleString()} run${model.total === 1 ? '' : 's'}`
              : 'Loading\u2026'}
      </div>
      <RunList
        model={model}
        commands={commands}
        columns={columns}
        empty={empty}
      />
    </div>
  );
}
