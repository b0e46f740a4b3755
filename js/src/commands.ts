/**
 * Ids of the commands the extension registers.
 */
export namespace CommandIDs {
  /** Show the runs sidebar. */
  export const openSidebar = 'nbrun:open-sidebar';
  /** Open a run's detail view: args `{store, id}`. */
  export const openRun = 'nbrun:open-run';
  /** Compare runs: args `{runs: [{store, id}, ...]}` (default: the selection). */
  export const compare = 'nbrun:compare-runs';
  /**
   * Write a `%%runinit` cell below the active cell of the active notebook:
   * args `{action: "resume" | "fork" | "rewind", project, id, step?}`.
   */
  export const writeCell = 'nbrun:write-cell';
  /**
   * Insert a code cell below a cell of an open notebook: args
   * `{path, index, source}` (used by the run form's "Insert cell").
   */
  export const insertCellBelow = 'nbrun:insert-cell-below';
  /** Refresh the runs list now. */
  export const refresh = 'nbrun:refresh';
}
