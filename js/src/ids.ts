/**
 * The extension's command ids, in a module that imports nothing: the views
 * name the commands they run without importing the module that registers
 * them (which imports the views).
 */
export namespace CommandIDs {
  /** Show the runs sidebar. */
  export const openSidebar = 'nbrun:open-sidebar';
  /** Open a run's detail view: args `{store, id}`. */
  export const openRun = 'nbrun:open-run';
  /** Compare runs: args `{runs: [{store, id}, ...]}` (default: the selection). */
  export const compare = 'nbrun:compare-runs';
  /**
   * Write a cell that resumes, forks or rewinds a run (one `nbrun.init()`
   * call) below the active cell of the active notebook: args
   * `{action: "resume" | "fork" | "rewind", project, id, store?, step?}`.
   * The cell names the run's store (`dir=`) when the notebook's kernel writes
   * to another one by default.
   */
  export const writeCell = 'nbrun:write-cell';
  /**
   * Insert a code cell below a cell of an open notebook: args
   * `{path, index, source}` (used by the run form's "Insert cell").
   */
  export const insertCellBelow = 'nbrun:insert-cell-below';
  /**
   * Write the cells of a first run (`%load_ext nbrun`, a `%%runinit` cell, a
   * loop that logs) below the active cell of the active notebook, or into a
   * new notebook when none is open.
   */
  export const insertStartCells = 'nbrun:insert-start-cells';
  /** Refresh the runs list now. */
  export const refresh = 'nbrun:refresh';
  /** Open the artifact view: args `{store?, project, name, version?}`. */
  export const openArtifact = 'nbrun:open-artifact';
}
