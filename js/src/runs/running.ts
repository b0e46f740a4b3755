/**
 * Running runs as a section of JupyterLab's Running panel, refreshed by the
 * runs table's poll, which also runs while the Running panel is visible.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IRunningSessionManagers, IRunningSessions } from '@jupyterlab/running';
import { CommandRegistry } from '@lumino/commands';
import { Message, MessageLoop } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IRunSummary, NbrunAPI, runKey } from '../api/api';
import { CommandIDs } from '../ids';
import { runsIcon } from '../components/icons';
import type { RunListModel } from './model/model';

/** The most running runs listed in the Running panel. */
const RUNNING_LIMIT = 200;

/** The id of JupyterLab's Running panel in the left area. */
const RUNNING_PANEL_ID = 'jp-running-sessions';

/** The running runs of every store, as last fetched. */
export class RunningRuns {
  constructor(readonly api: NbrunAPI) {}

  /** Emitted when the set of running runs (or their progress) changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get runs(): IRunSummary[] {
    return this._runs;
  }

  async refresh(): Promise<void> {
    const list = await this.api.listRuns({
      state: 'running',
      sort: '-created_at',
      limit: RUNNING_LIMIT
    });
    const signature = (runs: IRunSummary[]) =>
      runs.map(r => `${runKey(r)}:${r.name}:${r.last_step}:${r.stale}`).join();
    if (signature(list.runs) !== signature(this._runs)) {
      this._runs = list.runs;
      this._changed.emit();
    }
  }

  private _runs: IRunSummary[] = [];
  private _changed = new Signal<this, void>(this);
}

/** The Running panel's section of nbrun runs. */
class RunningRunsManager implements IRunningSessions.IManager {
  constructor(
    private _running: RunningRuns,
    private _model: RunListModel,
    private _commands: CommandRegistry
  ) {}

  readonly name = 'nbrun Runs';
  readonly shutdownAllLabel = 'Mark Stale Runs Crashed';
  readonly shutdownAllConfirmationText = () =>
    'Mark the running runs whose process is gone or whose heartbeat is old ' +
    'as crashed? Runs that are still logging are left alone.';

  get runningChanged() {
    return this._running.changed;
  }

  running(): IRunningSessions.IRunningItem[] {
    return this._running.runs.map(run => ({
      icon: () => runsIcon,
      label: () => run.name,
      labelTitle: () =>
        `${run.name}\nproject: ${run.project}\nid: ${run.id}\nstep: ${run.last_step}` +
        (run.stale
          ? '\nstale: its process is gone or its heartbeat is old'
          : ''),
      detail: () => (run.last_step >= 0 ? `step ${run.last_step}` : ''),
      className: 'jp-nbrun-running-item',
      open: () =>
        void this._commands.execute(CommandIDs.openRun, {
          store: run.store,
          id: run.id
        })
    }));
  }

  refreshRunning(): void {
    void this._running.refresh();
  }

  shutdownAll(): void {
    // The server decides which runs are stale (its own liveness rule).
    const stale = this._running.runs.filter(run => run.stale === true);
    void Promise.allSettled(
      stale.map(run => this._running.api.setState(run, 'crashed'))
    ).then(() => {
      this._model.invalidate();
      void this._running.refresh();
    });
  }
}

/** Add the section to the Running panel and poll it while the panel shows. */
export function addRunningSection(
  app: JupyterFrontEnd,
  managers: IRunningSessionManagers,
  model: RunListModel
): RunningRuns {
  const running = new RunningRuns(model.api);
  model.running = running;
  managers.add(new RunningRunsManager(running, model, app.commands));
  void app.restored.then(() => {
    const panel = Array.from(app.shell.widgets('left')).find(
      w => w.id === RUNNING_PANEL_ID
    );
    if (panel) {
      watchVisibility(panel, visible =>
        model.setViewVisible('running', visible)
      );
    }
  });
  return running;
}

/** Call back with a widget's visibility now and whenever it changes. */
function watchVisibility(
  widget: Widget,
  callback: (visible: boolean) => void
): void {
  callback(widget.isVisible);
  MessageLoop.installMessageHook(widget, (_: unknown, msg: Message) => {
    switch (msg.type) {
      case 'after-show':
      case 'after-attach':
        // The message is handled after the hook: read the flag afterwards.
        requestAnimationFrame(() => callback(widget.isVisible));
        break;
      case 'after-hide':
      case 'before-detach':
        callback(false);
        break;
    }
    return true;
  });
}
