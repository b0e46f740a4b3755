/**
 * `%%runinit` cells that resume, fork or rewind a run, written into a notebook.
 *
 * The cell body is a YAML mapping of `nbrun.init()` keyword arguments. Strings
 * are written as JSON strings, which are valid YAML scalars whatever they
 * hold (colons, quotes, `#`, newlines, leading dashes).
 */
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

/** How a cell continues a run. */
export type CellAction = 'resume' | 'fork' | 'rewind';

/** The run the cell refers to. */
export interface ICellRun {
  project: string;
  id: string;
}

/**
 * A YAML scalar for any string. `$`, `{` and `}` are escaped because the
 * magic expands `$var` and `{expr}` in the body; line and paragraph
 * separators because YAML reads them as line breaks; DEL, the C1 controls
 * U+0080-U+009F (NEL among them) and U+FFFE/U+FFFF because YAML refuses them
 * unescaped.
 */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(
    /[${}\u007f-\u009f\u2028\u2029\ufffe\uffff]/g,
    ch => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')
  );
}

/**
 * The text of a `%%runinit` cell.
 *
 * - resume: `project`, `id`, `resume: allow`;
 * - fork at step n: `fork_from: "<id>?_step=<n>"`;
 * - rewind at step n: `resume_from: "<id>?_step=<n>"`.
 */
export function runinitCell(
  action: CellAction,
  run: ICellRun,
  step?: number
): string {
  const lines = ['%%runinit', `project: ${yamlString(run.project)}`];
  if (action === 'resume') {
    lines.push(`id: ${yamlString(run.id)}`, 'resume: allow');
  } else {
    if (step === undefined || !Number.isInteger(step) || step < 0) {
      throw new Error(`a ${action} needs a step that is a whole number >= 0`);
    }
    const key = action === 'fork' ? 'fork_from' : 'resume_from';
    lines.push(`${key}: ${yamlString(`${run.id}?_step=${step}`)}`);
  }
  return lines.join('\n') + '\n';
}

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
