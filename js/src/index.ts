/**
 * nbrun's JupyterLab extension: a runs sidebar in the left area, run detail
 * and comparison views in the main area, `%%runinit` cells written into the
 * active notebook, and running runs in the Running panel.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRunningSessionManagers, IRunningSessions } from '@jupyterlab/running';
import { IStateDB } from '@jupyterlab/statedb';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Message, MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { IRunRef, IRunSummary, NbrunAPI } from './api';
import { CellAction, insertCellBelow, runinitCell } from './cells';
import { CommandIDs } from './commands';
import { CompareWidget } from './compare';
import { RunDetailWidget } from './detail';
import { runsIcon } from './icons';
import { installTagsEnter } from './formkeys';
import { installInsertCell } from './insertcell';
import { RunListModel } from './model';
import { RunsSidebar } from './sidebar';

export { runinitCell, yamlString } from './cells';
export { CommandIDs } from './commands';

/** Where the chosen columns and sort order are kept between sessions. */
const STATE_KEY = 'nbrun:sidebar';

/** A heartbeat older than this marks a listed running run as stale. */
const STALE_AFTER_S = 60;

/** The id of JupyterLab's Running panel in the left area. */
const RUNNING_PANEL_ID = 'jp-running-sessions';

function refArg(args: ReadonlyPartialJSONObject): IRunRef {
  const store = String(args.store ?? '');
  const id = String(args.id ?? '');
  if (!id) {
    throw new Error('no run id given');
  }
  return { store, id };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'nbrun:plugin',
  description:
    'Lists, charts, compares and resumes nbrun runs in a JupyterLab sidebar.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    INotebookTracker,
    IRunningSessionManagers,
    ICommandPalette,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null,
    runningManagers: IRunningSessionManagers | null,
    palette: ICommandPalette | null,
    state: IStateDB | null
  ): void => {
    const { commands, shell } = app;
    const api = new NbrunAPI({
      serverSettings: app.serviceManager.serverSettings
    });
    const model = new RunListModel({ api });
    if (notebooks) {
      installInsertCell(app, notebooks); // the run form's "Insert cell"
    }
    installTagsEnter(); // Enter commits a tag in the run form
    const sidebar = new RunsSidebar({ model, commands });
    shell.add(sidebar, 'left', { rank: 650, type: 'nbrun Runs' });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
    }

    // Detail and comparison views in the main area, restored with the layout.
    const details = new WidgetTracker<MainAreaWidget<RunDetailWidget>>({
      namespace: 'nbrun-run'
    });
    const comparisons = new WidgetTracker<MainAreaWidget<CompareWidget>>({
      namespace: 'nbrun-compare'
    });
    if (restorer) {
      void restorer.restore(details, {
        command: CommandIDs.openRun,
        args: w => ({ store: w.content.ref.store, id: w.content.ref.id }),
        name: w => `${w.content.ref.store}:${w.content.ref.id}`
      });
      void restorer.restore(comparisons, {
        command: CommandIDs.compare,
        args: w => ({
          runs: w.content.refs.map(r => ({ store: r.store, id: r.id }))
        }),
        name: w => w.content.refs.map(r => `${r.store}:${r.id}`).join(',')
      });
    }

    commands.addCommand(CommandIDs.openSidebar, {
      label: 'Show nbrun Runs',
      icon: runsIcon,
      execute: () => shell.activateById(sidebar.id)
    });

    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh nbrun Runs',
      execute: async () => {
        // A failure shows in the sidebar's status line.
        await Promise.all([
          model.refresh(),
          runningManagers ? model.refreshRunning() : Promise.resolve()
        ]).catch(() => undefined);
      }
    });

    commands.addCommand(CommandIDs.openRun, {
      label: args => (args.id ? `Open Run ${args.id}` : 'Open Run'),
      icon: runsIcon,
      execute: args => {
        const ref = refArg(args);
        const open = details.find(
          w => w.content.ref.id === ref.id && w.content.ref.store === ref.store
        );
        if (open) {
          shell.activateById(open.id);
          return open;
        }
        const content = new RunDetailWidget({ api, ref, commands });
        const widget = new MainAreaWidget({ content });
        widget.id = `nbrun-run-${Private.domId(ref)}`;
        widget.title.label = `Run ${ref.id}`;
        widget.title.icon = runsIcon;
        widget.title.closable = true;
        content.loaded.connect((_, run) => {
          widget.title.label = `Run: ${run.name}`;
          widget.title.caption = `${run.name} (${run.project}, ${run.id})`;
        });
        content.runChanged.connect((_, change) => {
          model.invalidate();
          if (change === 'deleted') {
            widget.dispose();
          }
        });
        void details.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
        return widget;
      }
    });

    commands.addCommand(CommandIDs.compare, {
      label: 'Compare Selected Runs',
      icon: runsIcon,
      isEnabled: args =>
        Array.isArray(args.runs)
          ? (args.runs as unknown[]).length >= 2
          : model.selected.length >= 2,
      execute: args => {
        const refs: IRunRef[] = Array.isArray(args.runs)
          ? (args.runs as ReadonlyPartialJSONObject[]).map(refArg)
          : model.selected.map((r: IRunSummary) => ({
              store: r.store,
              id: r.id
            }));
        if (refs.length < 2) {
          Notification.info('Select two or more runs to compare them.', {
            autoClose: 4000
          });
          return;
        }
        const content = new CompareWidget({ api, refs, commands });
        const widget = new MainAreaWidget({ content });
        widget.id = `nbrun-compare-${Date.now()}`;
        widget.title.label = `Compare ${refs.length} runs`;
        widget.title.icon = runsIcon;
        widget.title.closable = true;
        void comparisons.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
        return widget;
      }
    });

    commands.addCommand(CommandIDs.writeCell, {
      label: args => {
        switch (args.action) {
          case 'fork':
            return 'Fork Run into Notebook';
          case 'rewind':
            return 'Rewind Run into Notebook';
          default:
            return 'Resume Run in Notebook';
        }
      },
      execute: args => {
        const action = String(args.action ?? 'resume') as CellAction;
        const step =
          args.step === null || args.step === undefined
            ? undefined
            : Number(args.step);
        const text = runinitCell(
          action,
          { project: String(args.project ?? ''), id: String(args.id ?? '') },
          step
        );
        const panel = notebooks?.currentWidget;
        if (!panel) {
          Notification.warning(
            'Open a notebook first: the %%runinit cell is written into the active notebook.',
            { autoClose: 6000 }
          );
          return;
        }
        insertCellBelow(panel, text);
        shell.activateById(panel.id);
        return text;
      }
    });

    if (palette) {
      const category = 'nbrun';
      for (const command of [
        CommandIDs.openSidebar,
        CommandIDs.refresh,
        CommandIDs.compare
      ]) {
        palette.addItem({ command, category });
      }
    }

    // Running runs in the Running panel, refreshed by the sidebar's poll,
    // which also runs while the Running panel is visible.
    if (runningManagers) {
      model.tracksRunning = true;
      runningManagers.add(new RunningRunsManager(model, commands));
      void app.restored.then(() => {
        const panel = Array.from(shell.widgets('left')).find(
          w => w.id === RUNNING_PANEL_ID
        );
        if (panel) {
          Private.watchVisibility(panel, visible =>
            model.setViewVisible('running', visible)
          );
        }
      });
    }

    // Keep the chosen columns and sort order.
    if (state) {
      void Promise.all([state.fetch(STATE_KEY), app.restored]).then(
        ([saved]) => {
          const data = (saved ?? {}) as { columns?: string[]; sort?: string };
          if (Array.isArray(data.columns)) {
            model.columns = data.columns.filter(c => typeof c === 'string');
          }
          if (
            typeof data.sort === 'string' &&
            data.sort !== model.filters.sort
          ) {
            model.setFilters({ sort: data.sort as any });
          }
          let last = '';
          model.changed.connect(() => {
            const next = { columns: model.columns, sort: model.filters.sort };
            const text = JSON.stringify(next);
            if (text !== last) {
              last = text;
              void state.save(STATE_KEY, next);
            }
          });
        }
      );
    }
  }
};

/** Running runs as a section of JupyterLab's Running panel. */
class RunningRunsManager implements IRunningSessions.IManager {
  constructor(
    private _model: RunListModel,
    private _commands: CommandRegistry
  ) {}

  readonly name = 'nbrun Runs';
  readonly shutdownAllLabel = 'Mark Stale Runs Crashed';
  readonly shutdownAllConfirmationText = () =>
    `Mark the running runs whose last heartbeat is older than ${STALE_AFTER_S} s ` +
    'as crashed? Runs that are still logging are left alone.';

  get runningChanged() {
    return this._model.runningChanged;
  }

  running(): IRunningSessions.IRunningItem[] {
    return this._model.running.map(run => ({
      icon: () => runsIcon,
      label: () => run.name,
      labelTitle: () =>
        `${run.name}\nproject: ${run.project}\nid: ${run.id}\nstep: ${run.last_step}`,
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
    void this._model.refreshRunning();
  }

  shutdownAll(): void {
    const now = Date.now() / 1000;
    const stale = this._model.running.filter(
      run =>
        run.stale ??
        (run.heartbeat_at !== null && now - run.heartbeat_at > STALE_AFTER_S)
    );
    void Promise.allSettled(
      stale.map(run => this._model.api.setState(run, 'crashed'))
    ).then(() => {
      this._model.invalidate();
      void this._model.refreshRunning();
    });
  }
}

namespace Private {
  /** A DOM id for a run's view. */
  export function domId(ref: IRunRef): string {
    const text = `${ref.store}-${ref.id}`;
    return text.replace(
      /[^A-Za-z0-9_-]/g,
      c => `_${c.charCodeAt(0).toString(16)}`
    );
  }

  /** Call back with a widget's visibility now and whenever it changes. */
  export function watchVisibility(
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
}

export default plugin;
