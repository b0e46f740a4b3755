/**
 * The text of `%%runinit` cells that resume, fork or rewind a run, and of the
 * cells that start a first run.
 *
 * The cell body is a YAML mapping of `nbrun.init()` keyword arguments. Strings
 * are written as JSON strings, which are valid YAML scalars whatever they
 * hold (colons, quotes, `#`, newlines, leading dashes), on one line: every
 * line of the cell starts with an argument name, so IPython's prompt
 * stripping (`>>> `, `... `, `In [1]: `) finds nothing to strip.
 */

/** How a cell continues a run. */
export type CellAction = 'resume' | 'fork' | 'rewind';

/** The run the cell refers to. */
export interface ICellRun {
  project: string;
  id: string;
  /**
   * The folder of the run's store, when it is not the store the notebook's
   * kernel writes to by default (written as `dir:`).
   */
  dir?: string | null;
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
 * - resume: `project`, `id`, `resume: must` (the run exists: were it missing
 *   from the store the kernel reads, the cell fails instead of starting a new,
 *   empty run under its id);
 * - fork at step n: `fork_from: "<id>?_step=<n>"`;
 * - rewind at step n: `resume_from: "<id>?_step=<n>"`;
 *
 * each with `dir:` naming the run's store when the notebook's kernel writes
 * to another one by default.
 */
export function runinitCell(
  action: CellAction,
  run: ICellRun,
  step?: number
): string {
  const lines = ['%%runinit', `project: ${yamlString(run.project)}`];
  if (run.dir) {
    lines.push(`dir: ${yamlString(run.dir)}`);
  }
  if (action === 'resume') {
    lines.push(`id: ${yamlString(run.id)}`, 'resume: must');
  } else {
    if (step === undefined || !Number.isInteger(step) || step < 0) {
      throw new Error(`a ${action} needs a step that is a whole number >= 0`);
    }
    const key = action === 'fork' ? 'fork_from' : 'resume_from';
    lines.push(`${key}: ${yamlString(`${run.id}?_step=${step}`)}`);
  }
  return lines.join('\n') + '\n';
}

/** The cells of a first run: load the magic, start a run, log to it. */
export const START_CELLS: readonly string[] = [
  '%load_ext nbrun',
  '%%runinit\nproject: my-project\nconfig:\n  lr: 0.01\n  epochs: 3\n',
  'for step in range(100):\n' +
    '    run.log({"loss": 1 / (step + 1)})\n' +
    'run.finish()\n'
];
