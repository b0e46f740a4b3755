/**
 * The rows of a version diff: files added, removed and changed merged into
 * one list by path and grouped by folder (with counts per folder), and the
 * metadata keys with their values before and after. Pure: no DOM.
 */
import { IArtifactDiff, IArtifactFile } from './types';

export type DiffStatus = 'added' | 'removed' | 'changed';

export interface IDiffFileRow {
  path: string;
  status: DiffStatus;
  before: IArtifactFile | null;
  after: IArtifactFile | null;
}

export interface IDiffFolder {
  /** The folder's path, '' for the version's top level. */
  folder: string;
  rows: IDiffFileRow[];
  counts: Record<DiffStatus, number>;
}

export interface IMetadataRow {
  key: string;
  status: DiffStatus;
  before: unknown;
  after: unknown;
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Every listed file that differs, by path. */
export function fileRows(files: IArtifactDiff['files']): IDiffFileRow[] {
  const rows: IDiffFileRow[] = [
    ...files.added.map(f => ({
      path: f.path,
      status: 'added' as const,
      before: null,
      after: f
    })),
    ...files.removed.map(f => ({
      path: f.path,
      status: 'removed' as const,
      before: f,
      after: null
    })),
    ...files.changed.map(c => ({
      path: c.path,
      status: 'changed' as const,
      before: c.a,
      after: c.b
    }))
  ];
  return rows.sort(byPath);
}

/** The folder part of a `/`-separated path. */
export function folderOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut);
}

/** The rows by folder, folders in path order (the top level first). */
export function groupByFolder(rows: IDiffFileRow[]): IDiffFolder[] {
  const groups = new Map<string, IDiffFolder>();
  for (const row of rows) {
    const folder = folderOf(row.path);
    let group = groups.get(folder);
    if (!group) {
      group = {
        folder,
        rows: [],
        counts: { added: 0, removed: 0, changed: 0 }
      };
      groups.set(folder, group);
    }
    group.rows.push(row);
    group.counts[row.status] += 1;
  }
  return [...groups.values()].sort((a, b) =>
    a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0
  );
}

/** The metadata keys added, removed and changed, by key. */
export function metadataRows(
  metadata: IArtifactDiff['metadata']
): IMetadataRow[] {
  const rows: IMetadataRow[] = [
    ...Object.entries(metadata.added).map(([key, value]) => ({
      key,
      status: 'added' as const,
      before: undefined,
      after: value
    })),
    ...Object.entries(metadata.removed).map(([key, value]) => ({
      key,
      status: 'removed' as const,
      before: value,
      after: undefined
    })),
    ...Object.entries(metadata.changed).map(([key, [before, after]]) => ({
      key,
      status: 'changed' as const,
      before,
      after
    }))
  ];
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** What the server left out of its lists (each is cut at 1,000), or null. */
export function leftOut(files: IArtifactDiff['files']): string | null {
  const { counts } = files;
  const parts: string[] = [];
  for (const status of ['added', 'removed', 'changed'] as DiffStatus[]) {
    const missing = counts[status] - files[status].length;
    if (missing > 0) {
      parts.push(`${missing} more ${status}`);
    }
  }
  return parts.length ? `Not listed: ${parts.join(', ')}.` : null;
}
