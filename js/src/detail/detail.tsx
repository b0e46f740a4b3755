/**
 * The detail view of one run: header, actions (resume/fork/rewind into the
 * notebook, mark a stale run crashed or finished, delete), editable tags and
 * notes, lineage, config and summary tables, files, and live history charts.
 * It is a view over a {@link RunDetailModel}; the dialogs are its own.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { IHistory, IRunDetail, IRunRef, NbrunAPI } from '../api/api';
import { CellAction } from '../notebook/cells';
import { CommandIDs } from '../ids';
import { Actions } from './actions';
import { AlertList } from './alerts';
import { ArtifactClient } from '../artifacts/client';
import { ArtifactsSection } from '../artifacts/section';
import { IArtifactRef } from '../artifacts/types';
import { IChartView } from '../charts/chartcontrols';
import { Charts } from '../charts/charts';
import { RunDetailModel } from './detailmodel';
import { downloadText } from '../api/download';
import { NotesEditor, TagsEditor } from './editors';
import { Lineage } from './lineage';
import { MediaSection } from '../media/mediasection';
import { PolledModelView } from '../api/polled';
import {
  formatBytes,
  formatDuration,
  formatTime,
  flatten,
  runDuration
} from '../components/format';
import { Fact, KeyValueTable, Section, SyncFact, Unstored } from './runfacts';
import { StateBadge } from '../components/statebadge';
import { SystemCharts } from './system';
import { RunVideos } from './videos';
import { SavedCharts } from '../charts/savedcharts';

/** The widget of a run's detail view. */
export class RunDetailWidget extends PolledModelView<RunDetailModel> {
  constructor(options: RunDetailWidget.IOptions) {
    super(new RunDetailModel(options));
    this._commands = options.commands;
    this._artifacts = new ArtifactClient(options.api.serverSettings);
    this.addClass('jp-nbrun-detail');
  }

  get ref(): IRunRef {
    return this.model.ref;
  }

  /** The run as last fetched. */
  get run(): IRunDetail | null {
    return this.model.run;
  }

  /** Emitted after this view changed the run (edit, state, delete). */
  get runChanged(): ISignal<RunDetailModel, 'updated' | 'deleted'> {
    return this.model.runChanged;
  }

  /** Emitted when the run's name is known or changes (for the tab title). */
  get loaded(): ISignal<RunDetailModel, IRunDetail> {
    return this.model.loaded;
  }

  render(): JSX.Element {
    const { model } = this;
    const run = model.run;
    if (model.gone || !run) {
      const text = model.gone
        ? 'This run no longer exists in its store.'
        : model.error
          ? `Could not load the run: ${model.error}`
          : 'Loading\u2026';
      return (
        <div className="jp-nbrun-detail-body">
          <p className="jp-nbrun-muted">{text}</p>
        </div>
      );
    }
    return (
      <RunDetailView
        run={run}
        api={model.api}
        history={model.history}
        chartKeys={model.chartKeys}
        error={model.error}
        onChartKeys={keys => (model.chartKeys = keys)}
        view={model.view}
        onView={view => (model.view = view)}
        onWriteCell={(action, step) =>
          void this._commands.execute(CommandIDs.writeCell, {
            action,
            project: run.project,
            id: run.id,
            store: this.ref.store,
            step: step ?? null
          })
        }
        onOpenRun={id =>
          void this._commands.execute(CommandIDs.openRun, {
            store: this.ref.store,
            id
          })
        }
        artifacts={this._artifacts}
        onOpenArtifact={ref =>
          void this._commands.execute(CommandIDs.openArtifact, { ...ref })
        }
        onSaveTags={tags => this._patch({ tags })}
        onSaveNotes={notes => this._patch({ notes })}
        onMark={state => this._mark(state)}
        onDelete={() => this._delete()}
        fileUrl={path => model.api.fileUrl(this.ref, path)}
        onExportHistory={() => this._exportHistory()}
      />
    );
  }

  private async _patch(patch: {
    tags?: string[];
    notes?: string;
  }): Promise<void> {
    try {
      await this.model.patch(patch);
    } catch (error) {
      void showErrorMessage('Could not save the run', error as Error);
    }
  }

  private async _mark(state: 'crashed' | 'finished'): Promise<void> {
    const run = this.model.run;
    if (!run) {
      return;
    }
    const age =
      run.heartbeat_at !== null && run.heartbeat_at !== undefined
        ? formatDuration(Date.now() / 1000 - run.heartbeat_at)
        : 'unknown';
    const result = await showDialog({
      title: `Mark the run ${state}?`,
      body:
        run.state === 'running'
          ? `Its last heartbeat was ${age} ago. Use this for a run whose ` +
            'process is gone; the server refuses while the process is alive.'
          : `The run "${run.name}" is ${run.state}; it will be shown as ${state}.`,
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: `Mark ${state}` })
      ]
    });
    if (!result.button.accept) {
      return;
    }
    try {
      await this.model.setState(state);
    } catch (error) {
      void showErrorMessage('Could not change the state', error as Error);
    }
  }

  private async _exportHistory(): Promise<void> {
    try {
      const text = await this.model.api.historyCsv(this.ref);
      const safe = this.ref.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
      downloadText(`history-${safe}.csv`, text);
    } catch (error) {
      void showErrorMessage('Could not export the history', String(error));
    }
  }

  private async _delete(): Promise<void> {
    const run = this.model.run;
    if (!run) {
      return;
    }
    const result = await showDialog({
      title: 'Delete this run?',
      body:
        `The run "${run.name}" (id ${run.id}) and its history and files are ` +
        'deleted from the store. This cannot be undone.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!result.button.accept) {
      return;
    }
    try {
      await this.model.delete();
    } catch (error) {
      void showErrorMessage('Could not delete the run', error as Error);
    }
  }

  private _commands: CommandRegistry;
  private _artifacts: ArtifactClient;
}

export namespace RunDetailWidget {
  export interface IOptions {
    api: NbrunAPI;
    ref: IRunRef;
    commands: CommandRegistry;
    saved?: SavedCharts;
  }
}

interface IDetailProps {
  run: IRunDetail;
  api: NbrunAPI;
  history: IHistory | null;
  chartKeys: string[];
  error: string | null;
  onChartKeys: (keys: string[]) => void;
  view: IChartView;
  onView: (view: IChartView) => void;
  onWriteCell: (action: CellAction, step?: number) => void;
  onOpenRun: (id: string) => void;
  artifacts: ArtifactClient;
  onOpenArtifact: (ref: IArtifactRef) => void;
  onSaveTags: (tags: string[]) => Promise<void>;
  onSaveNotes: (notes: string) => Promise<void>;
  onMark: (state: 'crashed' | 'finished') => Promise<void>;
  onDelete: () => Promise<void>;
  fileUrl: (path: string) => string;
  onExportHistory: () => Promise<void>;
}

function RunDetailView(props: IDetailProps): JSX.Element {
  const { run } = props;
  return (
    <div className="jp-nbrun-detail-body">
      <div className="jp-nbrun-detail-title">
        <h1 className="jp-nbrun-detail-name">{run.name}</h1>
        <StateBadge state={run.state} />
      </div>
      {props.error && (
        <div className="jp-nbrun-error">Refresh failed: {props.error}</div>
      )}
      <dl className="jp-nbrun-facts">
        <Fact label="Id" value={run.id} />
        <Fact label="Project" value={run.project} />
        {run.entity && <Fact label="Entity" value={run.entity} />}
        {run.group && <Fact label="Group" value={run.group} />}
        {run.job_type && <Fact label="Job type" value={run.job_type} />}
        <Fact label="Started" value={formatTime(run.created_at)} />
        <Fact label="Duration" value={formatDuration(runDuration(run))} />
        <Fact
          label="Last step"
          value={run.last_step >= 0 ? String(run.last_step) : 'none'}
          className="jp-nbrun-last-step"
        />
        {run.exit_code !== null && run.exit_code !== undefined && (
          <Fact label="Exit code" value={String(run.exit_code)} />
        )}
        {run.store_path && <Fact label="Store" value={run.store_path} />}
        {run.sync && <SyncFact sync={run.sync} />}
      </dl>
      <Unstored run={run} />
      <RunErrorView run={run} />
      <Actions {...props} />
      {(run.alerts_total ?? 0) > 0 && (
        <Section title={`Alerts (${run.alerts_total})`}>
          <AlertList alerts={run.alerts ?? []} total={run.alerts_total ?? 0} />
        </Section>
      )}
      <Section title="Charts">
        <Charts
          run={run}
          history={props.history}
          chartKeys={props.chartKeys}
          onChartKeys={props.onChartKeys}
          view={props.view}
          onView={props.onView}
        />
      </Section>
      {run.media && Object.keys(run.media).length > 0 && (
        <Section title="Media">
          <MediaSection run={run} api={props.api} />
        </Section>
      )}
      {run.system && (
        <Section title="System">
          <SystemCharts system={run.system} start={run.created_at} />
        </Section>
      )}
      {run.videos && run.videos.length > 0 && (
        <Section title="Videos">
          <RunVideos videos={run.videos} urlOf={props.fileUrl} />
        </Section>
      )}
      <ArtifactsSection
        run={run}
        client={props.artifacts}
        onOpenArtifact={props.onOpenArtifact}
      />
      <Section title="Tags and notes">
        <TagsEditor tags={run.tags} onSave={props.onSaveTags} />
        <NotesEditor notes={run.notes ?? ''} onSave={props.onSaveNotes} />
      </Section>
      <Section title="Lineage">
        <Lineage run={run} onOpenRun={props.onOpenRun} />
      </Section>
      <Section title="Config">
        <KeyValueTable
          className="jp-nbrun-config"
          values={flatten(run.config ?? {})}
        />
      </Section>
      <Section title="Summary">
        <KeyValueTable
          className="jp-nbrun-summary"
          values={flatten(run.summary ?? {})}
        />
      </Section>
      {run.files && run.files.length > 0 && (
        <Section title="Files">
          <table className="jp-nbrun-table jp-nbrun-files">
            <tbody>
              {run.files.map(f => (
                <tr key={f.path}>
                  <td>{f.path}</td>
                  <td className="jp-nbrun-num">{formatBytes(f.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </div>
  );
}

/** The exception that ended the run (or a cell's last error while it ran), with its traceback. */
function RunErrorView({ run }: { run: IRunDetail }): JSX.Element | null {
  const error = run.error;
  if (!error || !('type' in error)) {
    return null;
  }
  const ended = run.state === 'failed' || run.state === 'crashed';
  const firstLine = (error.message ?? '').trim().split('\n')[0];
  return (
    <details className="jp-nbrun-run-error" open={ended}>
      <summary>
        {ended ? 'Failed' : 'Last error'} ({error.where}):{' '}
        <code>
          {error.type}
          {firstLine ? `: ${firstLine}` : ''}
        </code>
      </summary>
      <pre className="jp-nbrun-traceback">{error.traceback}</pre>
    </details>
  );
}
