/**
 * The cells written into a notebook: the `nbrun.init()` cell that resumes,
 * forks or rewinds a run (whatever its project and id hold), and cells
 * inserted below the active cell of a real notebook widget.
 */
import { NotebookModel } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';

import { insertCellBelow, insertCellsBelow } from '../notebook/cells';
import {
  CellAction,
  pythonString,
  runCell,
  START_CELLS
} from '../notebook/runinittext';

describe('runCell', () => {
  const run = { project: 'vision', id: 'abc123' };

  it('resumes a run by project and id, which must exist', () => {
    expect(runCell('resume', run)).toBe(
      'import nbrun\n\n' +
        'run = nbrun.init(project="vision", id="abc123", resume="must")'
    );
  });

  it("names the run's store when the kernel writes to another", () => {
    const elsewhere = { ...run, dir: '/data/other project' };
    expect(runCell('resume', elsewhere)).toBe(
      'import nbrun\n\nrun = nbrun.init(\n' +
        '    project="vision",\n    dir="/data/other project",\n' +
        '    id="abc123",\n    resume="must",\n)'
    );
    expect(runCell('fork', elsewhere, 3)).toBe(
      'import nbrun\n\nrun = nbrun.init(\n' +
        '    project="vision",\n    dir="/data/other project",\n' +
        '    fork_from="abc123?_step=3",\n)'
    );
    expect(runCell('rewind', { ...run, dir: null }, 0)).toBe(
      'import nbrun\n\n' +
        'run = nbrun.init(project="vision", resume_from="abc123?_step=0")'
    );
  });

  it('forks and rewinds at a step', () => {
    expect(runCell('fork', run, 7)).toBe(
      'import nbrun\n\n' +
        'run = nbrun.init(project="vision", fork_from="abc123?_step=7")'
    );
    expect(runCell('rewind', run, 0)).toBe(
      'import nbrun\n\n' +
        'run = nbrun.init(project="vision", resume_from="abc123?_step=0")'
    );
  });

  it('refuses a fork or rewind without a whole step', () => {
    for (const step of [undefined, -1, 1.5, NaN]) {
      expect(() => runCell('fork', run, step)).toThrow(
        'a fork needs a step that is a whole number >= 0'
      );
    }
    expect(() => runCell('rewind', run)).toThrow('a rewind needs a step');
  });

  it('keeps a project holding quotes and line breaks as one string', () => {
    const text = runCell('resume', {
      project: 'a: "b" # $x {y}\n- z\u2028',
      id: 'r'
    });
    expect(text.split('\n')[2]).toBe(
      'run = nbrun.init(project="a: \\"b\\" # $x {y}\\n- z\\u2028", ' +
        'id="r", resume="must")'
    );
  });
});

describe('cells IPython leaves as written', () => {
  // Where Python's str.splitlines(), and so IPython's input transformers,
  // see a new line.
  const BREAKS = new Set('\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029');
  function splitLines(text: string): string[] {
    const lines = [''];
    for (let i = 0; i < text.length; i++) {
      if (!BREAKS.has(text[i])) {
        lines[lines.length - 1] += text[i];
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') {
        i++;
      }
      lines.push('');
    }
    return lines;
  }
  // An argument: its name and its string, then the next one or the end.
  const ARGUMENT =
    /(project|dir|id|resume|fork_from|resume_from)=("(?:[^"\\]|\\.)*")(?:, |,$|\)$)/g;
  const FRAGMENTS = [
    '>>> ',
    '>>>',
    '... ',
    '...',
    'In [1]: ',
    '   ...: ',
    '%',
    '%%runinit',
    '!',
    '?',
    '??',
    '$x',
    '{x}',
    '"""',
    '"',
    '\\',
    "'",
    ' ',
    '\t',
    '\u00a0',
    '\n',
    '\r\n',
    '\r',
    '\v',
    '\f',
    '\x1c',
    '\x85',
    '\u2028',
    '\u2029',
    'resume_from="base?_step=0", ',
    'id="other")',
    'x',
    '\u00e9',
    '\ud83d\ude00'
  ];

  /** Strings of fragments, from a fixed seed (a small linear congruential generator). */
  function* fuzzed(count: number): Generator<string> {
    let seed = 19;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < count; i++) {
      let text = '';
      for (let k = next(8); k > 0; k--) {
        text += FRAGMENTS[next(FRAGMENTS.length)];
      }
      yield text;
    }
  }

  it('starts every line with Python code and reads back every value', () => {
    const opening = 'run = nbrun.init(';
    for (const value of fuzzed(1000)) {
      const run = { project: value, id: value, dir: value || null };
      for (const [action, step] of [
        ['resume', undefined],
        ['fork', 2],
        ['rewind', 0]
      ] as [CellAction, number | undefined][]) {
        const [imports, blank, call, ...rest] = splitLines(
          runCell(action, run, step)
        );
        expect([imports, blank]).toEqual(['import nbrun', '']);
        expect(call.startsWith(opening)).toBe(true);
        const values: Record<string, unknown> = {};
        for (const line of [call.slice(opening.length), ...rest]) {
          if (line === '' || line === ')') {
            continue;
          }
          expect(line).toMatch(/^( {4})?[a-z_]+="/);
          for (const match of line.matchAll(ARGUMENT)) {
            values[match[1]] = JSON.parse(match[2]);
          }
        }
        expect(values.project).toBe(value);
        expect(values.dir).toBe(value || undefined);
        if (action === 'resume') {
          expect([values.id, values.resume]).toEqual([value, 'must']);
        } else {
          const key = action === 'fork' ? 'fork_from' : 'resume_from';
          expect(values[key]).toBe(`${value}?_step=${step}`);
        }
      }
    }
  });
});

describe('pythonString', () => {
  it('escapes the C1 controls U+0080-U+009F, DEL and line separators', () => {
    for (let code = 0x7f; code <= 0x9f; code++) {
      const escaped = pythonString(`a${String.fromCharCode(code)}b`);
      expect(escaped).toBe(`"a\\u${code.toString(16).padStart(4, '0')}b"`);
    }
    expect(pythonString('\u2028\u2029\ufffe\uffff')).toBe(
      '"\\u2028\\u2029\\ufffe\\uffff"'
    );
  });

  it('leaves other text as JSON writes it', () => {
    expect(pythonString('tab\there "quoted" \u00e9\u00a0')).toBe(
      '"tab\\there \\"quoted\\" \u00e9\u00a0"'
    );
    const text = 'x\u0085y$z{w}\u2028';
    expect(JSON.parse(pythonString(text))).toBe(text);
  });
});

describe('inserting cells', () => {
  // Yjs warns of every read of a cell not yet in a document: the shared
  // notebook model itself does so while it builds cells (not this code).
  let warn: jest.SpyInstance;
  beforeAll(() => {
    const original = console.warn;
    warn = jest.spyOn(console, 'warn').mockImplementation((...args) => {
      if (!String(args[0]).startsWith('Invalid access: Add Yjs type')) {
        original(...args);
      }
    });
  });
  afterAll(() => warn.mockRestore());

  function notebookPanel() {
    const notebook = NBTestUtils.createNotebook();
    const model = new NotebookModel();
    model.sharedModel.insertCells(0, [
      { cell_type: 'code', source: 'first' },
      { cell_type: 'markdown', source: 'second' }
    ]);
    notebook.model = model;
    notebook.activeCellIndex = 0;
    // The cell writers read the panel's notebook only.
    return { panel: { content: notebook } as any, notebook };
  }

  const sources = (notebook: any): [string, string][] =>
    notebook.model.sharedModel.cells.map((c: any) => [
      c.cell_type,
      c.getSource()
    ]);

  it('writes a code cell below the active one', () => {
    const { panel, notebook } = notebookPanel();
    const text = runCell('resume', { project: 'p', id: 'r' });
    expect(insertCellBelow(panel, text)).toBe(1);
    expect(sources(notebook)).toEqual([
      ['code', 'first'],
      ['code', text],
      ['markdown', 'second']
    ]);
    expect(notebook.activeCellIndex).toBe(1);
  });

  it('writes a code cell below a markdown cell', () => {
    const { panel, notebook } = notebookPanel();
    notebook.activeCellIndex = 1;
    insertCellBelow(panel, 'x = 1');
    expect(sources(notebook)[2]).toEqual(['code', 'x = 1']);
  });

  it('writes the cells of a first run in order', () => {
    const { panel, notebook } = notebookPanel();
    expect(insertCellsBelow(panel, START_CELLS)).toBe(1);
    expect(sources(notebook).map(c => c[1])).toEqual([
      'first',
      ...START_CELLS,
      'second'
    ]);
    expect(START_CELLS[0]).toBe('%load_ext nbrun');
    expect(START_CELLS[1].startsWith('%%runinit\n')).toBe(true);
    expect(notebook.activeCellIndex).toBe(START_CELLS.length);
  });
});
