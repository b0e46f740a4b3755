/**
 * The Runs panel's icon where the shell shows no tab bar for its side areas
 * (Notebook 7: the panel is otherwise only in View > Left Sidebar).
 */
import { ToolbarButton } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { CommandRegistry } from '@lumino/commands';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../ids';
import { runsIcon } from '../components/icons';

/** Notebook 7's command that shows a side panel's widget, or hides it. */
const TOGGLE_PANEL = 'application:toggle-panel';

/**
 * Put a button with the Runs icon in every notebook's toolbar: it shows the
 * Runs panel (`sidebar`, in the left area), or hides it when it is shown, and
 * is pressed while the panel shows, however it was opened or closed.
 */
export function addRunsButton(
  commands: CommandRegistry,
  notebooks: INotebookTracker,
  sidebar: Widget
): void {
  const caption = sidebar.title.caption;
  const toggle = (): void => {
    if (commands.hasCommand(TOGGLE_PANEL)) {
      void commands.execute(TOGGLE_PANEL, {
        side: 'left',
        title: caption,
        id: sidebar.id
      });
    } else {
      void commands.execute(CommandIDs.openSidebar);
    }
  };
  const buttons = new Set<ToolbarButton>();
  MessageLoop.installMessageHook(sidebar, (_, msg) => {
    if (msg.type === 'after-show' || msg.type === 'after-hide') {
      // After the message is handled, when isVisible has changed.
      requestAnimationFrame(() => {
        buttons.forEach(button => (button.pressed = sidebar.isVisible));
      });
    }
    return true;
  });
  notebooks.widgetAdded.connect((_, panel) => {
    const button = new ToolbarButton({
      icon: runsIcon,
      onClick: toggle,
      tooltip: `Show or hide ${caption}`,
      className: 'jp-nbrun-runs-button',
      pressed: sidebar.isVisible
    });
    buttons.add(button);
    button.disposed.connect(() => buttons.delete(button));
    panel.toolbar.addItem('nbrun-runs', button);
  });
}
