/**
 * Cells written into a notebook below its active cell: the resume cells
 * of the run detail and the run form, and the cells of a first run.
 */
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

export type { CellAction, ICellRun } from './runinittext';
export { runCell, pythonString } from './runinittext';

/**
 * Insert a new code cell below the active cell of a notebook and put `source`
 * in it. Returns the index of the new cell.
 */
export function insertCellBelow(panel: NotebookPanel, source: string): number {
  const notebook = panel.content;
  if (!notebook.model) {
    throw new Error('the notebook has no model yet');
  }
  NotebookActions.insertBelow(notebook);
  if (notebook.activeCell?.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  const cell = notebook.activeCell;
  if (!cell) {
    throw new Error('no cell was inserted');
  }
  cell.model.sharedModel.setSource(source);
  return notebook.activeCellIndex;
}

/**
 * Insert code cells one below the other, the first below the active cell, and
 * leave the last one active. Returns the index of the first.
 */
export function insertCellsBelow(
  panel: NotebookPanel,
  sources: readonly string[]
): number {
  const first = insertCellBelow(panel, sources[0] ?? '');
  for (const source of sources.slice(1)) {
    insertCellBelow(panel, source);
  }
  return first;
}
