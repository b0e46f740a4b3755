/**
 * The Runs panel's icon where the shell shows no tab bar for its side areas
 * (Notebook 7: the panel is otherwise only in View > Left Sidebar).
 */
import { ToolbarButton } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from './commands';
import { runsIcon } from './icons';

/** Notebook 7's command that shows a side panel's widget, or hides it. */
const TOGGLE_PANEL = 'application:toggle-panel';

/**
 * Put a button with the Runs icon in every notebook's toolbar: it shows the
 * Runs panel in the left area, or hides it when it is shown.
 */
export function addRunsButton(
  commands: CommandRegistry,
  notebooks: INotebookTracker,
  sidebarId: string,
  caption: string
): void {
  const toggle = (): void => {
    if (commands.hasCommand(TOGGLE_PANEL)) {
      void commands.execute(TOGGLE_PANEL, {
        side: 'left',
        title: caption,
        id: sidebarId
      });
    } else {
      void commands.execute(CommandIDs.openSidebar);
    }
  };
  notebooks.widgetAdded.connect((_, panel) => {
    const button = new ToolbarButton({
      icon: runsIcon,
      onClick: toggle,
      tooltip: `Show or hide ${caption}`,
      className: 'jp-nbrun-runs-button'
    });
    panel.toolbar.addItem('nbrun-runs', button);
  });
}
