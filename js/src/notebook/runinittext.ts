/**
 * The text of the cells that resume, fork or rewind a run, and of the cells
 * that start a first run.
 *
 * A resume, fork or rewind cell is one `nbrun.init()` call: no magic, so it
 * runs in a kernel that never loaded nbrun's extension (a `%%runinit` cell
 * there fails with "Cell magic not found"). Its strings are written on one
 * line each and every line starts with Python code, so IPython's input
 * transformers (prompt stripping, `!`, `%`, `?`) find nothing to change.
 */

/** How a cell continues a run. */
export type CellAction = 'resume' | 'fork' | 'rewind';

/** The run the cell refers to. */
export interface ICellRun {
  project: string;
  id: string;
  /**
   * The folder of the run's store, when it is not the store the notebook's
   * kernel writes to by default (written as `dir=`).
   */
  dir?: string | null;
}

/**
 * A Python string literal for any string: JSON's, which Python reads the same
 * way, with the characters Python's `str.splitlines()` (and so IPython's input
 * transformers) takes for line breaks written as escapes: U+0085, the line
 * and paragraph separators; and DEL, the C1 controls and U+FFFE/U+FFFF so the
 * text shows nothing invisible.
 */
export function pythonString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g,
    ch => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')
  );
}

/** Past this length the call is written one argument a line. */
const LINE_MAX = 79;

/**
 * The text of a cell that resumes, forks or rewinds a run: plain Python
 * calling `nbrun.init()` (which loads nbrun's notebook extension itself), so
 * it runs in any kernel where nbrun is installed, `%load_ext nbrun` or not.
 *
 * - resume: `project`, `id`, `resume="must"` (the run exists: were it missing
 *   from the store the kernel reads, the cell fails instead of starting a new,
 *   empty run under its id);
 * - fork at step n: `fork_from="<id>?_step=<n>"`;
 * - rewind at step n: `resume_from="<id>?_step=<n>"`;
 *
 * each with `dir=` naming the run's store when the notebook's kernel writes
 * to another one by default.
 */
export function runCell(
  action: CellAction,
  run: ICellRun,
  step?: number
): string {
  const args: [string, string][] = [['project', run.project]];
  if (run.dir) {
    args.push(['dir', run.dir]);
  }
  if (action === 'resume') {
    args.push(['id', run.id], ['resume', 'must']);
  } else {
    if (step === undefined || !Number.isInteger(step) || step < 0) {
      throw new Error(`a ${action} needs a step that is a whole number >= 0`);
    }
    const key = action === 'fork' ? 'fork_from' : 'resume_from';
    args.push([key, `${run.id}?_step=${step}`]);
  }
  const written = args.map(([key, value]) => `${key}=${pythonString(value)}`);
  let call = `run = nbrun.init(${written.join(', ')})`;
  if (call.length > LINE_MAX) {
    call = ['run = nbrun.init(', ...written.map(a => `    ${a},`), ')'].join(
      '\n'
    );
  }
  return `import nbrun\n\n${call}`;
}

/** The cells of a first run: load the magic, start a run, log to it. */
export const START_CELLS: readonly string[] = [
  '%load_ext nbrun',
  '%%runinit\nproject: my-project\nconfig:\n  lr: 0.01\n  epochs: 3\n',
  'for step in range(100):\n' +
    '    run.log({"loss": 1 / (step + 1)})\n' +
    'run.finish()\n'
];
