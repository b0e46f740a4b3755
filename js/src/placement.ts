/**
 * Where the extension's views (run detail, comparison, artifact) go in the
 * shell: JupyterLab's main area, or below the notebook in Notebook 7.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { SplitPanel, Widget } from '@lumino/widgets';

/**
 * Add a detail, comparison or artifact view to the main area, or, in a
 * shell whose main area holds one document only and ignores any other
 * (Notebook 7's pages), to the area below it: tabbed under the notebook,
 * whose cells the views' Resume and Fork write into. True when it went below.
 */
export function addView(
  shell: JupyterFrontEnd.IShell,
  widget: Widget,
  options?: Parameters<JupyterFrontEnd.IShell['add']>[2]
): boolean {
  shell.add(widget, 'main', options);
  if (widget.parent) {
    return false;
  }
  shell.add(widget, 'down');
  return true;
}

/**
 * Activate a view. Notebook 7 opens its area below the notebook at a quarter
 * of the page, too low for a run's charts: it opens at half the page, and
 * keeps whatever height the user drags it to afterwards.
 */
export function showView(
  shell: JupyterFrontEnd.IShell,
  widget: Widget,
  below: boolean
): void {
  const tabs = widget.parent?.parent; // the area's tab panel
  const split = tabs?.parent;
  const opening =
    below &&
    !!tabs?.isHidden &&
    split instanceof SplitPanel &&
    split.orientation === 'vertical';
  shell.activateById(widget.id);
  if (opening) {
    split.setRelativeSizes([0.5, 0.5]);
  }
}
