/**
 * The runs table's pure parts: where group headers go among the rows, what a
 * click on a header sorts by, which filters count as narrowing, and how
 * saved columns of an earlier version are read.
 */
import { columnValue } from '../runs/model/columns';
import { projectColumns, readLayout } from '../runs/model/layout';
import {
  clearedFilters,
  DEFAULT_FILTERS,
  isFiltered,
  nextSort,
  runQuery,
  sortDirection
} from '../runs/model/filters';
import { GroupedRows } from '../runs/model/grouping';

describe('GroupedRows', () => {
  const groups = [
    { value: 'a', count: 2 },
    { value: null, count: 1 }
  ];

  it('puts a header before each group', () => {
    const rows = new GroupedRows(groups, 3);
    expect(rows.length).toBe(5);
    const slots = Array.from({ length: 5 }, (_, i) => rows.at(i));
    expect(slots).toEqual([
      { kind: 'group', group: groups[0], index: 0 },
      { kind: 'run', index: 0 },
      { kind: 'run', index: 1 },
      { kind: 'group', group: groups[1], index: 1 },
      { kind: 'run', index: 2 }
    ]);
    expect(rows.runIndex(3)).toBe(2);
    expect(rows.runIndex(0)).toBe(0);
  });

  it('shows only the header of a collapsed group', () => {
    const rows = new GroupedRows(groups, 3, g => g.value === 'a');
    expect(rows.length).toBe(3);
    expect(rows.at(0)).toEqual({ kind: 'group', group: groups[0], index: 0 });
    expect(rows.at(1)).toEqual({ kind: 'group', group: groups[1], index: 1 });
    // The listing's indices are those of every run, hidden ones included.
    expect(rows.at(2)).toEqual({ kind: 'run', index: 2 });
    expect(rows.runIndex(1)).toBe(2);
  });

  it('is a flat list without groups, or when counts do not add up', () => {
    expect(new GroupedRows([], 4).length).toBe(4);
    const stale = new GroupedRows(groups, 4);
    expect(stale.groups).toEqual([]);
    expect(stale.at(3)).toEqual({ kind: 'run', index: 3 });
    expect(new GroupedRows([], 0).runIndex(0)).toBe(0);
  });
});

describe('sorting by a header', () => {
  it('sorts ascending, then reverses; times newest first', () => {
    expect(nextSort('-created_at', 'name')).toBe('name');
    expect(nextSort('name', 'name')).toBe('-name');
    expect(nextSort('-name', 'name')).toBe('name');
    expect(nextSort('name', 'config.lr')).toBe('config.lr');
    expect(nextSort('config.lr', 'config.lr')).toBe('-config.lr');
    expect(nextSort('name', 'created_at')).toBe('-created_at');
    expect(nextSort('-created_at', 'created_at')).toBe('created_at');
  });

  it('tells aria-sort the direction', () => {
    expect(sortDirection('config.lr', 'config.lr')).toBe('ascending');
    expect(sortDirection('-config.lr', 'config.lr')).toBe('descending');
    expect(sortDirection('-config.lr', 'name')).toBe('none');
  });
});

describe('filters', () => {
  it('counts the narrowing filters only', () => {
    expect(isFiltered(DEFAULT_FILTERS)).toBe(false);
    expect(
      isFiltered({ ...DEFAULT_FILTERS, sort: 'name', groupBy: 'project' })
    ).toBe(false);
    expect(isFiltered({ ...DEFAULT_FILTERS, where: 'lr < 1' })).toBe(true);
    expect(isFiltered({ ...DEFAULT_FILTERS, tags: ['x'] })).toBe(true);
    const cleared = clearedFilters({
      ...DEFAULT_FILTERS,
      store: 's',
      q: 'x',
      tags: ['t'],
      sort: 'name',
      groupBy: 'group'
    });
    expect(cleared).toEqual({
      ...DEFAULT_FILTERS,
      store: 's',
      sort: 'name',
      groupBy: 'group'
    });
  });

  it('asks for the config columns only', () => {
    const query = runQuery(DEFAULT_FILTERS, ['summary.acc', 'config.lr']);
    expect(query.columns).toEqual(['config.lr']);
  });
});

describe('columns', () => {
  it('reads the saved columns of an earlier version', () => {
    const layout = readLayout({ columns: ['acc', 7], sort: '-name' });
    expect(layout).toEqual({
      columns: { '': ['summary.acc'] },
      sort: '-name',
      groupBy: undefined
    });
    expect(projectColumns(layout, 'any')).toEqual(['summary.acc']);
    expect(readLayout(null)).toEqual({
      columns: {},
      sort: undefined,
      groupBy: undefined
    });
  });

  it('reads the collapsed groups per project and grouping', () => {
    const layout = readLayout({
      columns: {},
      collapsed: { vision: { 'config.optim': ['"adam"', 3] }, bad: 'x' }
    });
    expect(layout.collapsed).toEqual({
      vision: { 'config.optim': ['"adam"'] },
      bad: {}
    });
  });

  it('takes a run value from its summary or its config', () => {
    const run = { summary: { acc: 0.5 }, config: { 'optim.lr': 0 } } as any;
    expect(columnValue(run, 'summary.acc')).toBe(0.5);
    expect(columnValue(run, 'config.optim.lr')).toBe(0);
    expect(columnValue(run, 'config.acc')).toBeUndefined();
    expect(columnValue(run, 'summary.toString')).toBeUndefined();
  });
});
