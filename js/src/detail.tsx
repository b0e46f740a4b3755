/**
 * The detail view of one run: header, actions (resume/fork/rewind into the
 * notebook, mark a stale run crashed or finished, delete), editable tags and
 * notes, lineage, config and summary tables, files, and live history charts.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import {
  IHistory,
  IRunDetail,
  IRunRef,
  ISyncStatus,
  IUnstored,
  NbrunAPI,
  NbrunAPIError
} from './api';
import { CellAction } from './cells';
import { CommandIDs } from './commands';
import { Actions } from './actions';
import { Charts } from './charts';
import { downloadText } from './download';
import { Lineage } from './lineage';
import { appendHistory, lastHeldStep } from './livehistory';
import { PolledReactWidget } from './polled';
import {
  flatten,
  formatBytes,
  formatDuration,
  formatTime,
  formatValue,
  runDuration
} from './format';
import { StateBadge, TagChips } from './sidebar';
import { RunVideos } from './videos';

/** Keys charted when the user has not chosen. */
const DEFAULT_CHARTS = 6;

/** Milliseconds between refreshes of a running run, and of any other. */
const LIVE_INTERVAL = 1000;
const IDLE_INTERVAL = 10 * 1000;

/** The keys charted by default: the first user keys (not `_step` and such). */
export function defaultKeys(keys: string[]): string[] {
  const user = keys.filter(k => !k.startsWith('_'));
  return (user.length ? user : keys).slice(0, DEFAULT_CHARTS);
}

/**
 * The widget of a run's detail view. It refreshes the run (and its history
 * when the run moved on) with a poll that runs only while it is visible.
 */
export class RunDetailWidget extends PolledReactWidget {
  constructor(options: RunDetailWidget.IOptions) {
    super();
    this.api = options.api;
    this.ref = { store: options.ref.store, id: options.ref.id };
    this._commands = options.commands;
    this.addClass('jp-nbrun-detail');
    this.poll = new Poll({
      name: `nbrun:run:${this.ref.id}`,
      auto: false,
      factory: () => this._load(),
      frequency: { interval: LIVE_INTERVAL, backoff: true, max: 30 * 1000 },
      standby: 'when-hidden'
    });
  }

  readonly api: NbrunAPI;
  readonly ref: IRunRef;
  readonly poll: Poll;

  /** The run as last fetched. */
  get run(): IRunDetail | null {
    return this._run;
  }

  /** Emitted after this view changed the run (edit, state, delete). */
  get runChanged(): ISignal<this, 'updated' | 'deleted'> {
    return this._runChanged;
  }

  /** Emitted when the run's name is known or changes (for the tab title). */
  get loaded(): ISignal<this, IRunDetail> {
    return this._loaded;
  }

  render(): JSX.Element {
    if (this._gone) {
      return (
        <div className="jp-nbrun-detail-body">
          <p className="jp-nbrun-muted">
            This run no longer exists in its store.
          </p>
        </div>
      );
    }
    if (!this._run) {
      return (
        <div className="jp-nbrun-detail-body">
          <p className="jp-nbrun-muted">
            {this._error
              ? `Could not load the run: ${this._error}`
              : 'Loading\u2026'}
          </p>
        </div>
      );
    }
    return (
      <RunDetailView
        run={this._run}
        history={this._history}
        chartKeys={this._chartKeys ?? defaultKeys(this._run.keys ?? [])}
        error={this._error}
        onChartKeys={keys => {
          this._chartKeys = keys;
          this._historyStep = null;
          void this.poll.refresh();
          this.update();
        }}
        onWriteCell={(action, step) =>
          void this._commands.execute(CommandIDs.writeCell, {
            action,
            project: this._run!.project,
            id: this._run!.id,
            step: step ?? null
          })
        }
        onOpenRun={id =>
          void this._commands.execute(CommandIDs.openRun, {
            store: this.ref.store,
            id
          })
        }
        onSaveTags={tags => this._patch({ tags })}
        onSaveNotes={notes => this._patch({ notes })}
        onMark={state => this._mark(state)}
        onDelete={() => this._delete()}
        fileUrl={path => this.api.fileUrl(this.ref, path)}
        onExportHistory={() => this._exportHistory()}
      />
    );
  }

  /** Fetch the run, then its history if it has new steps or keys changed. */
  private async _load(): Promise<void> {
    let run: IRunDetail;
    try {
      run = await this.api.getRun(this.ref);
    } catch (error) {
      if (error instanceof NbrunAPIError && error.status === 404) {
        this._gone = true;
        this.update();
        void this.poll.stop();
        return;
      }
      this._error = (error as Error).message;
      this.update();
      throw error;
    }
    this._error = null;
    const previous = this._run;
    this._run = run;
    if (!previous || previous.name !== run.name) {
      this._loaded.emit(run);
    }
    const keys = this._chartKeys ?? defaultKeys(run.keys ?? []);
    const signature = `${run.last_step}:${run.updated_at}:${keys.join('\u0000')}`;
    if (keys.length && signature !== this._historyStep) {
      // The same keys, no rewind or resume since: only the new points are fetched.
      const base = [
        keys.join('\u0000'),
        run.lineage?.rewinds?.length ?? 0,
        run.resumed_count
      ].join(':');
      const held = this._history;
      const since = held && this._historyBase === base ? lastHeldStep(held) : -1;
      let next: IHistory | null = null;
      if (held && since >= 0 && run.last_step <= since) {
        next = held; // touched (tags, notes, state) but nothing new logged
      } else if (held && since >= 0) {
        const update = await this.api.history(this.ref, keys, 1000, since);
        next = appendHistory(held, update, 2000);
      }
      this._history = next ?? (await this.api.history(this.ref, keys));
      this._historyBase = base;
      this._historyStep = signature;
    } else if (!keys.length) {
      this._history = null;
    }
    const interval = run.state === 'running' ? LIVE_INTERVAL : IDLE_INTERVAL;
    if (this.poll.frequency.interval !== interval) {
      this.poll.frequency = { ...this.poll.frequency, interval };
    }
    this.update();
  }

  private async _patch(patch: {
    tags?: string[];
    notes?: string;
  }): Promise<void> {
    try {
      await this.api.updateRun(this.ref, patch);
    } catch (error) {
      void showErrorMessage('Could not save the run', error as Error);
      return;
    }
    this._runChanged.emit('updated');
    await this.poll.refresh();
  }

  private async _mark(state: 'crashed' | 'finished'): Promise<void> {
    const run = this._run;
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
      await this.api.setState(this.ref, state);
    } catch (error) {
      void showErrorMessage('Could not change the state', error as Error);
      return;
    }
    this._runChanged.emit('updated');
    await this.poll.refresh();
  }

  private async _exportHistory(): Promise<void> {
    try {
      const text = await this.api.historyCsv(this.ref);
      const safe = this.ref.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
      downloadText(`history-${safe}.csv`, text);
    } catch (error) {
      void showErrorMessage('Could not export the history', String(error));
    }
  }

  private async _delete(): Promise<void> {
    const run = this._run;
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
      await this.api.deleteRun(this.ref);
    } catch (error) {
      void showErrorMessage('Could not delete the run', error as Error);
      return;
    }
    this._gone = true;
    void this.poll.stop();
    this._runChanged.emit('deleted');
    this.update();
  }

  private _commands: CommandRegistry;
  private _run: IRunDetail | null = null;
  private _history: IHistory | null = null;
  private _historyStep: string | null = null;
  private _historyBase = '';
  private _chartKeys: string[] | null = null;
  private _error: string | null = null;
  private _gone = false;
  private _runChanged = new Signal<this, 'updated' | 'deleted'>(this);
  private _loaded = new Signal<this, IRunDetail>(this);
}

export namespace RunDetailWidget {
  export interface IOptions {
    api: NbrunAPI;
    ref: IRunRef;
    commands: CommandRegistry;
  }
}

interface IDetailProps {
  run: IRunDetail;
  history: IHistory | null;
  chartKeys: string[];
  error: string | null;
  onChartKeys: (keys: string[]) => void;
  onWriteCell: (action: CellAction, step?: number) => void;
  onOpenRun: (id: string) => void;
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
      <Actions {...props} />
      <Section title="Charts">
        <Charts
          run={run}
          history={props.history}
          chartKeys={props.chartKeys}
          onChartKeys={props.onChartKeys}
        />
      </Section>
      {run.videos && run.videos.length > 0 && (
        <Section title="Videos">
          <RunVideos videos={run.videos} urlOf={props.fileUrl} />
        </Section>
      )}
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

/** Synced / N behind / last error, and a link to the run on the tracking server. */
function SyncFact(props: { sync: ISyncStatus }): JSX.Element {
  const { sync } = props;
  const url = sync.url && /^https?:\/\//.test(sync.url) ? sync.url : null;
  return (
    <div className="jp-nbrun-fact jp-nbrun-sync">
      <dt>Server</dt>
      <dd>
        <span className="jp-nbrun-sync-label">{sync.label}</span>
        {url && (
          <>
            {' · '}
            <a href={url} target="_blank" rel="noopener noreferrer">
              open in MLflow
            </a>
          </>
        )}
        {sync.refused > 0 && ` · ${sync.refused} points refused`}
        {sync.last_error && (
          <div className="jp-nbrun-sync-error">last error: {sync.last_error}</div>
        )}
      </dd>
    </div>
  );
}

function Fact(props: {
  label: string;
  value: string;
  className?: string;
}): JSX.Element {
  return (
    <div className={`jp-nbrun-fact ${props.className ?? ''}`}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

function Section(props: {
  title: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <section className="jp-nbrun-section">
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

function TagsEditor(props: {
  tags: string[];
  onSave: (tags: string[]) => Promise<void>;
}): JSX.Element {
  const [text, setText] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const save = async (tags: string[]) => {
    setBusy(true);
    try {
      await props.onSave(tags);
    } finally {
      setBusy(false);
    }
  };
  const add = () => {
    const tag = text.trim();
    if (tag && !props.tags.includes(tag)) {
      void save([...props.tags, tag]);
    }
    setText('');
  };
  return (
    <div className="jp-nbrun-tags-editor">
      <TagChips
        tags={props.tags}
        what="tag"
        disabled={busy}
        onRemove={tag => void save(props.tags.filter(t => t !== tag))}
      >
        {props.tags.length === 0 && (
          <span className="jp-nbrun-muted">No tags.</span>
        )}
      </TagChips>
      <input
        className="jp-mod-styled jp-nbrun-tag-input"
        placeholder="Add a tag and press Enter"
        value={text}
        disabled={busy}
        onChange={e => setText(e.target.value)}
        onKeyDown={e => {
          if (e.key === 'Enter') {
            add();
          }
        }}
      />
    </div>
  );
}

function NotesEditor(props: {
  notes: string;
  onSave: (notes: string) => Promise<void>;
}): JSX.Element {
  const [draft, setDraft] = React.useState(props.notes);
  const [dirty, setDirty] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  // Follow the stored notes unless the user is editing them.
  React.useEffect(() => {
    if (!dirty) {
      setDraft(props.notes);
    }
  }, [props.notes, dirty]);
  return (
    <div className="jp-nbrun-notes-editor">
      <textarea
        className="jp-mod-styled jp-nbrun-notes"
        placeholder="Notes"
        rows={3}
        value={draft}
        onChange={e => {
          setDraft(e.target.value);
          setDirty(true);
        }}
      />
      <div>
        <button
          className="jp-nbrun-button jp-nbrun-save-notes"
          disabled={!dirty || busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onSave(draft);
              setDirty(false);
            } finally {
              setBusy(false);
            }
          }}
        >
          Save notes
        </button>
        {dirty && (
          <button
            className="jp-nbrun-button"
            disabled={busy}
            onClick={() => {
              setDraft(props.notes);
              setDirty(false);
            }}
          >
            Discard
          </button>
        )}
      </div>
    </div>
  );
}

function KeyValueTable(props: {
  values: Record<string, unknown>;
  className: string;
}): JSX.Element {
  const entries = Object.entries(props.values).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  if (entries.length === 0) {
    return <p className="jp-nbrun-muted">Empty.</p>;
  }
  return (
    <table className={`jp-nbrun-table ${props.className}`}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{formatValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A warning naming the logged values this run could not store (key, step, reason). */
function Unstored(props: { run: IRunDetail }): JSX.Element | null {
  const unstored = props.run.unstored as IUnstored | undefined;
  if (!unstored || !unstored.count) {
    return null;
  }
  return (
    <div className="jp-nbrun-unstored" role="alert">
      {unstored.count} logged value{unstored.count === 1 ? '' : 's'} could not be stored:
      <ul>
        {(unstored.items ?? []).map((item, i) => (
          <li key={i}>
            {item.key}
            {item.step !== null ? ` at step ${item.step}` : ''}: {item.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
