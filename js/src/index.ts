/**
 * nbrun's JupyterLab extension: a runs sidebar in the left area, run detail
 * and comparison views in the main area (in Notebook 7: below the notebook,
 * and the sidebar has a button in the notebook's toolbar), cells that resume,
 * fork or rewind a run written into the active notebook, and running runs in
 * the Running panel. This module only wires the parts together.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { IStateDB } from '@jupyterlab/statedb';

import { NbrunAPI } from './api/api';
// The artifact view's command is registered at activation, like the run
// commands (a restored artifact tab runs it at once).
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ArtifactClient } from './artifacts/client';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ArtifactTracker, registerArtifactCommand } from './artifacts/command';
import { CommandIDs } from './ids';
// The run commands are registered at activation: a restored tab runs them at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { registerCommands, runNames } from './commands';
import { CompareWidget } from './compare/compare';
import { RunDetailWidget } from './detail/detail';
// The form's insert-cell event must be taken (and cancelled) the moment a
// form dispatches it, or the form falls back to the kernel's set_next_input.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { installInsertCell } from './notebook/insertcell';
// The model is shared at activation by the sidebar, the commands and the
// Running panel's section.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunListModel } from './runs/model/model';
// Notebook 7's notebooks get the Runs button as they open, from activation on.

import { addRunsButton } from './notebook/panelbutton';
// The charts' saved views are read at activation, before a restored detail or
// compare tab first loads.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SavedCharts } from './charts/savedcharts';
// The Running panel asks its sections for their items as soon as one is added.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addRunningSection } from './runs/running';
// The sidebar's tab is in the left area from the start, and the layout
// restorer needs the widget at activation to restore it.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunsSidebar } from './runs/sidebar';

export { runCell, pythonString } from './notebook/runinittext';
export { CommandIDs } from './ids';

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
    IStateDB,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null,
    runningManagers: IRunningSessionManagers | null,
    palette: ICommandPalette | null,
    state: IStateDB | null,
    labShell: ILabShell | null
  ): void => {
    const { commands, shell } = app;
    const api = new NbrunAPI({
      serverSettings: app.serviceManager.serverSettings
    });
    const model = new RunListModel({ api });
    if (notebooks) {
      installInsertCell(app, notebooks); // the run form's "Insert cell"
    }
    const sidebar = new RunsSidebar({ model, commands });
    shell.add(sidebar, 'left', { rank: 650, type: 'nbrun Runs' });
    if (!labShell && notebooks) {
      // Notebook 7 (no ILabShell, no restorer): its side areas show no tabs.
      addRunsButton(commands, notebooks, sidebar);
    }

    // Detail and comparison views in the main area, restored with the layout.
    const details = new WidgetTracker<MainAreaWidget<RunDetailWidget>>({
      namespace: 'nbrun-run'
    });
    const comparisons = new WidgetTracker<MainAreaWidget<CompareWidget>>({
      namespace: 'nbrun-compare'
    });
    const artifacts: ArtifactTracker = new WidgetTracker({
      namespace: 'nbrun-artifact'
    });
    registerArtifactCommand(
      app,
      new ArtifactClient(api.serverSettings),
      artifacts,
      CommandIDs.openRun
    );
    registerCommands({
      app,
      model,
      sidebarId: sidebar.id,
      notebooks,
      details,
      comparisons,
      // Compare keys and chart views are kept per project.
      savedCharts: new SavedCharts(state)
    });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
      void restorer.restore(details, {
        command: CommandIDs.openRun,
        args: w => ({
          store: w.content.ref.store,
          id: w.content.ref.id,
          name: runNames.get(w) ?? '',
          newTab: true // each tab comes back, none replaces another
        }),
        name: w => `${w.content.ref.store}:${w.content.ref.id}`
      });
      void restorer.restore(artifacts, {
        command: CommandIDs.openArtifact,
        args: w => ({ ...w.content.ref }),
        name: () => 'artifact' // one tab, reused
      });
      void restorer.restore(comparisons, {
        command: CommandIDs.compare,
        args: w => ({
          runs: w.content.refs.map(r => ({ store: r.store, id: r.id }))
        }),
        name: w => w.content.refs.map(r => `${r.store}:${r.id}`).join(',')
      });
    }
    if (palette) {
      for (const command of [
        CommandIDs.openSidebar,
        CommandIDs.refresh,
        CommandIDs.compare
      ]) {
        palette.addItem({ command, category: 'nbrun' });
      }
    }
    if (runningManagers) {
      addRunningSection(app, runningManagers, model);
    }
    // A JupyterLab notification for each alert a run records from now on.
    void app.restored.then(async () => {
      const { AlertWatch, notifyAlert } = await import('./notify/alertwatch');
      return new AlertWatch({ api, notify: a => notifyAlert(a, commands) });
    });
    // The chosen columns (per project), order and grouping are kept.
    if (state) {
      void app.restored.then(() => model.restore(state));
    }
  }
};

export default plugin;
