/**
 * The commands the extension registers (their ids are in `ids.ts`).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { IRunRef, IRunSummary } from './api/api';
import {
  CellAction,
  insertCellBelow,
  insertCellsBelow
} from './notebook/cells';
import { SavedCharts } from './charts/savedcharts';
import { CompareWidget } from './compare/compare';
import { usedKeys } from './compare/keyorder';
import { RunDetailWidget } from './detail/detail';
import { runsIcon } from './components/icons';
import type { RunListModel } from './runs/model/model';
import { runCell, START_CELLS } from './notebook/runinittext';
import { CommandIDs } from './ids';
import { addView, showView } from './placement';

/** The arguments naming a run, as a JSON schema (see `describedBy`). */
const RUN_REF_SCHEMA = {
  type: 'object',
  properties: {
    store: {
      type: 'string',
      description: "The run's store key ('' for the default store)"
    },
    id: { type: 'string', description: "The run's id" }
  },
  required: ['id']
};

/** The open-run command's arguments: the run, its tab's name and where. */
const OPEN_RUN_SCHEMA = {
  ...RUN_REF_SCHEMA,
  properties: {
    ...RUN_REF_SCHEMA.properties,
    name: {
      type: 'string',
      description: "The run's name, the tab's title until the run is read"
    },
    newTab: {
      type: 'boolean',
      description:
        'Open in a tab of its own; default: in place of the last run opened'
    }
  }
};

/** What the commands act on. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: RunListModel;
  /** The id of the runs sidebar. */
  sidebarId: string;
  notebooks: INotebookTracker | null;
  details: WidgetTracker<MainAreaWidget<RunDetailWidget>>;
  comparisons: WidgetTracker<MainAreaWidget<CompareWidget>>;
  /** The keys and chart view of each project's comparisons, kept. */
  savedCharts?: SavedCharts;
}

/** Register every command of the extension. */
export function registerCommands(context: ICommandContext): void {
  const { app, model, notebooks, details, comparisons, savedCharts } = context;
  const { commands, shell } = app;
  const api = model.api;

  commands.addCommand(CommandIDs.openSidebar, {
    label: 'Show nbrun Runs',
    icon: runsIcon,
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => shell.activateById(context.sidebarId)
  });

  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh nbrun Runs',
    describedBy: { args: { type: 'object', properties: {} } },
    execute: async () => {
      // A failure shows in the sidebar's status line.
      await Promise.all([
        model.refresh(),
        model.running ? model.running.refresh() : Promise.resolve()
      ]).catch(() => undefined);
    }
  });

  commands.addCommand(CommandIDs.openRun, {
    label: args => (args.id ? `Open Run ${args.id}` : 'Open Run'),
    icon: runsIcon,
    describedBy: { args: OPEN_RUN_SCHEMA },
    execute: args => {
      const ref = refArg(args);
      const open = details.find(
        w => w.content.ref.id === ref.id && w.content.ref.store === ref.store
      );
      if (open) {
        shell.activateById(open.id);
        return open;
      }
      // One detail tab is reused (the last one focused) unless another is
      // asked for: a sweep's runs opened one after another make no pile.
      const reused = args.newTab ? null : details.currentWidget;
      const content = new RunDetailWidget({
        api,
        ref,
        commands,
        saved: savedCharts
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `nbrun-run-${domId(ref)}`;
      const name = typeof args.name === 'string' ? args.name : '';
      widget.title.label = name ? `Run: ${name}` : `Run ${ref.id}`;
      widget.title.icon = runsIcon;
      widget.title.closable = true;
      content.loaded.connect((_, run) => {
        widget.title.label = `Run: ${run.name}`;
        widget.title.caption = `${run.name} (${run.project}, ${run.id})`;
        runNames.set(widget, run.name);
        void details.save(widget); // the restored tab is named
      });
      if (name) {
        runNames.set(widget, name);
      }
      content.runChanged.connect((_, change) => {
        model.invalidate();
        if (change === 'deleted') {
          widget.dispose();
        }
      });
      void details.add(widget);
      const below = addView(
        shell,
        widget,
        reused && !reused.isDisposed
          ? { ref: reused.id, mode: 'tab-after' }
          : undefined
      );
      reused?.dispose();
      showView(shell, widget, below);
      return widget;
    }
  });

  const selectedRefs = (): IRunRef[] =>
    model.selection.runs.map((r: IRunSummary) => ({
      store: r.store,
      id: r.id
    }));

  commands.addCommand(CommandIDs.compare, {
    label: 'Compare Selected Runs',
    icon: runsIcon,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          runs: {
            type: 'array',
            description:
              'The runs to compare (two or more); default: the selection',
            items: RUN_REF_SCHEMA
          },
          keys: {
            type: 'array',
            description:
              'Keys charted first; default: those the runs list sorts and filters on',
            items: { type: 'string' }
          }
        }
      }
    },
    isEnabled: args =>
      Array.isArray(args.runs)
        ? (args.runs as unknown[]).length >= 2
        : model.selection.runs.length >= 2,
    execute: args => {
      const refs: IRunRef[] = Array.isArray(args.runs)
        ? (args.runs as ReadonlyPartialJSONObject[]).map(refArg)
        : selectedRefs();
      if (refs.length < 2) {
        Notification.info('Select two or more runs to compare them.', {
          autoClose: 4000
        });
        return;
      }
      // Compared from the sidebar: what it is sorted and filtered on is charted first.
      const used = Array.isArray(args.keys)
        ? (args.keys as string[])
        : usedKeys(model.filters.sort, model.filters.where, model.columns);
      const content = new CompareWidget({
        api,
        refs,
        commands,
        used,
        saved: savedCharts
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `nbrun-compare-${Date.now()}`;
      widget.title.label = `Compare ${refs.length} runs`;
      widget.title.icon = runsIcon;
      widget.title.closable = true;
      void comparisons.add(widget);
      showView(shell, widget, addView(shell, widget));
      return widget;
    }
  });

  const activeNotebook = (): NotebookPanel | null => {
    const panel = notebooks?.currentWidget ?? null;
    if (!panel) {
      Notification.warning(
        'Open a notebook first: the cell is written into the active notebook.',
        { autoClose: 6000 }
      );
    }
    return panel;
  };

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
    describedBy: {
      args: {
        type: 'object',
        properties: {
          action: {
            type: 'string',
            enum: ['resume', 'fork', 'rewind'],
            description: 'What the cell does (default: resume)'
          },
          project: { type: 'string', description: "The run's project" },
          id: { type: 'string', description: "The run's id" },
          store: {
            type: 'string',
            description:
              "The run's store key ('' for the only store that holds the id)"
          },
          step: {
            type: 'integer',
            minimum: 0,
            description: 'The step to fork or rewind at (needed by both)'
          }
        },
        required: ['project', 'id']
      }
    },
    execute: async args => {
      const action = String(args.action ?? 'resume') as CellAction;
      const step =
        args.step === null || args.step === undefined
          ? undefined
          : Number(args.step);
      const run = {
        project: String(args.project ?? ''),
        id: String(args.id ?? '')
      };
      runCell(action, run, step); // a wrong step throws before any request
      const panel = activeNotebook();
      if (!panel) {
        return;
      }
      let dir: string | null;
      try {
        // The store the notebook's kernel writes to decides whether the cell
        // must name the run's store: asked of the server for this notebook.
        dir = await api.cellDir(
          { store: String(args.store ?? ''), id: run.id },
          panel.context.localPath
        );
      } catch (error) {
        Notification.error(
          `No cell written: which store the cell must name could not be worked out (${(error as Error).message})`,
          { autoClose: 8000 }
        );
        return;
      }
      const text = runCell(action, { ...run, dir }, step);
      insertCellBelow(panel, text);
      shell.activateById(panel.id);
      return text;
    }
  });

  if (notebooks) {
    commands.addCommand(CommandIDs.insertStartCells, {
      label: 'Insert the Cells of a First nbrun Run',
      caption:
        'Write %load_ext nbrun, a %%runinit cell and a loop that logs into the notebook',
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        let panel = notebooks.currentWidget;
        if (!panel) {
          panel = (await commands.execute('notebook:create-new', {
            kernelName: 'python3'
          })) as NotebookPanel;
          await panel.context.ready;
        }
        insertCellsBelow(panel, START_CELLS);
        shell.activateById(panel.id);
        return START_CELLS.join('\n');
      }
    });
  }
}

function refArg(args: ReadonlyPartialJSONObject): IRunRef {
  const store = String(args.store ?? '');
  const id = String(args.id ?? '');
  if (!id) {
    throw new Error('no run id given');
  }
  return { store, id };
}

/** The names of the runs shown in detail tabs, for restoring the tabs. */
export const runNames = new WeakMap<MainAreaWidget<RunDetailWidget>, string>();

/** A DOM id for a run's view. */
function domId(ref: IRunRef): string {
  const text = `${ref.store}-${ref.id}`;
  return text.replace(
    /[^A-Za-z0-9_-]/g,
    c => `_${c.charCodeAt(0).toString(16)}`
  );
}
