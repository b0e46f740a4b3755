import {
  fileRows,
  folderOf,
  groupByFolder,
  leftOut,
  metadataRows
} from '../artifacts/diffrows';
import { IArtifactDiff, IArtifactFile } from '../artifacts/types';

function file(path: string, digest = 'a', size = 1): IArtifactFile {
  return { path, digest, size, ref: null };
}

const files: IArtifactDiff['files'] = {
  added: [file('b/new.csv'), file('top.txt')],
  removed: [file('a/old.csv')],
  changed: [
    {
      path: 'b/data.csv',
      a: file('b/data.csv', 'x', 5),
      b: file('b/data.csv', 'y', 7)
    }
  ],
  counts: { added: 2, removed: 1, changed: 1, unchanged: 96 }
};

describe('diff rows', () => {
  it('merges added, removed and changed files by path', () => {
    expect(fileRows(files).map(r => [r.path, r.status])).toEqual([
      ['a/old.csv', 'removed'],
      ['b/data.csv', 'changed'],
      ['b/new.csv', 'added'],
      ['top.txt', 'added']
    ]);
    const changed = fileRows(files)[1];
    expect([changed.before!.size, changed.after!.size]).toEqual([5, 7]);
  });

  it('groups by folder with counts, the top level first', () => {
    const groups = groupByFolder(fileRows(files));
    expect(groups.map(g => [g.folder, g.counts])).toEqual([
      ['', { added: 1, removed: 0, changed: 0 }],
      ['a', { added: 0, removed: 1, changed: 0 }],
      ['b', { added: 1, removed: 0, changed: 1 }]
    ]);
    expect(groups[2].rows.map(r => r.path)).toEqual([
      'b/data.csv',
      'b/new.csv'
    ]);
    expect(folderOf('x/y/z.txt')).toBe('x/y');
  });

  it('lists metadata keys added, removed and changed with both values', () => {
    expect(
      metadataRows({
        added: { source: 'web' },
        removed: { seed: 0 },
        changed: { rows: [200, 300] }
      })
    ).toEqual([
      { key: 'rows', status: 'changed', before: 200, after: 300 },
      { key: 'seed', status: 'removed', before: 0, after: undefined },
      { key: 'source', status: 'added', before: undefined, after: 'web' }
    ]);
  });

  it('says what the server did not list', () => {
    expect(leftOut(files)).toBeNull();
    expect(
      leftOut({ ...files, counts: { ...files.counts, added: 1502 } })
    ).toBe('Not listed: 1500 more added.');
  });
});
