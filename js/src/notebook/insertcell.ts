/**
 * "Insert cell" of the run form, through this extension: the form's view (a
 * widget in a cell's output area) dispatches an `nbrun:insert-cell` DOM event
 * that bubbles up to the document; this extension takes it (it cancels the
 * event, which tells the view it was handled) and runs a JupyterLab command
 * that writes the cell below the form's own cell at once. Where no extension
 * takes the event (classic Notebook, VS Code), the form falls back to the
 * kernel's `set_next_input`.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import { CommandIDs } from '../ids';
import { insertCellBelow } from './cells';

/** The event the form's view dispatches. */
export const INSERT_EVENT = 'nbrun:insert-cell';

/** The notebook panel and cell index holding `node`, if any. */
function cellOf(
  notebooks: INotebookTracker,
  node: Node
): { panel: NotebookPanel; index: number } | null {
  let found: { panel: NotebookPanel; index: number } | null = null;
  notebooks.forEach(panel => {
    if (found || !panel.node.contains(node)) {
      return;
    }
    const index = panel.content.widgets.findIndex(cell =>
      cell.node.contains(node)
    );
    if (index >= 0) {
      found = { panel, index };
    }
  });
  return found;
}

export function installInsertCell(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker
): IDisposable {
  app.commands.addCommand(CommandIDs.insertCellBelow, {
    label: 'Insert a Cell Below a Given Cell',
    describedBy: {
      args: {
        type: 'object',
        properties: {
          path: {
            type: 'string',
            description: 'The path of an open notebook'
          },
          index: {
            type: 'integer',
            description: 'The index of the cell to insert below'
          },
          source: { type: 'string', description: "The new cell's source" }
        },
        required: ['path', 'index', 'source']
      }
    },
    execute: args => {
      const path = String(args.path ?? '');
      const index = Number(args.index);
      const source = String(args.source ?? '');
      const panel = notebooks.find(p => p.context.path === path);
      if (!panel || !Number.isInteger(index)) {
        throw new Error(`no open notebook ${path} with a cell ${args.index}`);
      }
      panel.content.activeCellIndex = index;
      return insertCellBelow(panel, source);
    }
  });
  const listener = (event: Event) => {
    const detail = (event as CustomEvent).detail ?? {};
    const target = event.target as Node | null;
    const where = target ? cellOf(notebooks, target) : null;
    if (!where || typeof detail.source !== 'string') {
      return; // not in a notebook this extension knows: the form falls back
    }
    event.preventDefault();
    void app.commands.execute(CommandIDs.insertCellBelow, {
      path: where.panel.context.path,
      index: where.index,
      source: detail.source
    });
  };
  document.addEventListener(INSERT_EVENT, listener);
  return new DisposableDelegate(() =>
    document.removeEventListener(INSERT_EVENT, listener)
  );
}
