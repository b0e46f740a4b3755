/**
 * What the sidebar keeps between sessions in JupyterLab's state database: the
 * columns chosen per project, the order, the grouping, the collapsed groups
 * and each project's filters.
 */
import { IStateDB } from '@jupyterlab/statedb';

import { ISavedViews, readViews } from './savedview';

/** Where the chosen columns, order, grouping and collapsed groups are kept. */
export const STATE_KEY = 'nbrun:sidebar';

/** What the sidebar keeps between sessions. */
export interface ISavedLayout {
  /** Chosen columns by project ('' holds those of "All projects"). */
  columns: Record<string, string[]>;
  sort?: string;
  groupBy?: string;
  /**
   * Collapsed groups by project, then by grouping: each group's value as
   * JSON (see {@link groupKey}).
   */
  collapsed?: Record<string, Record<string, string[]>>;
  /** The project shown and each project's filters (savedview.ts). */
  filters?: ISavedViews;
}

/** A group's value as the saved layout names it (null, 1 and "1" differ). */
export function groupKey(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * The saved layout from the state database's value, which may be of an
 * earlier version: `{columns: ["acc", ...], sort}` held summary keys for
 * every project.
 */
export function readLayout(saved: unknown): ISavedLayout {
  const data = (saved ?? {}) as {
    columns?: unknown;
    sort?: unknown;
    groupBy?: unknown;
    collapsed?: unknown;
    filters?: unknown;
  };
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter(v => typeof v === 'string') : [];
  const columns: Record<string, string[]> = {};
  if (Array.isArray(data.columns)) {
    columns[''] = strings(data.columns).map(key => `summary.${key}`);
  } else if (data.columns && typeof data.columns === 'object') {
    for (const [project, chosen] of Object.entries(data.columns)) {
      columns[project] = strings(chosen);
    }
  }
  const collapsed: Record<string, Record<string, string[]>> = {};
  for (const [project, groupings] of entries(data.collapsed)) {
    collapsed[project] = {};
    for (const [groupBy, values] of entries(groupings)) {
      collapsed[project][groupBy] = strings(values);
    }
  }
  return {
    columns,
    sort: typeof data.sort === 'string' ? data.sort : undefined,
    groupBy: typeof data.groupBy === 'string' ? data.groupBy : undefined,
    collapsed: Object.keys(collapsed).length ? collapsed : undefined,
    filters: readViews(data.filters)
  };
}

/** The entries of a saved object; none for anything else. */
function entries(value: unknown): [string, unknown][] {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value)
    : [];
}

/** The columns of a project: its own choice, else that of all projects. */
export function projectColumns(
  layout: ISavedLayout,
  project: string
): string[] {
  return layout.columns[project] ?? layout.columns[''] ?? [];
}

/** The layout in the state database: read once, written on each change. */
export class SavedLayout {
  /** The layout read (or as changed since). */
  get value(): ISavedLayout {
    return this._value;
  }

  /** Read the saved layout; every change is saved from then on. */
  async restore(state: IStateDB): Promise<ISavedLayout> {
    this._value = readLayout(await state.fetch(STATE_KEY));
    this._state = state;
    return this._value;
  }

  /** The columns of a project (its own, else those of all projects). */
  columns(project: string): string[] {
    return projectColumns(this._value, project);
  }

  /** The collapsed groups of a project's grouping (see {@link groupKey}). */
  collapsed(project: string, groupBy: string): string[] {
    return this._value.collapsed?.[project]?.[groupBy] ?? [];
  }

  /** Collapse or expand a group of a project's grouping, and save that. */
  setCollapsed(
    project: string,
    groupBy: string,
    key: string,
    collapsed: boolean
  ): void {
    const others = this.collapsed(project, groupBy).filter(k => k !== key);
    const byProject = this._value.collapsed ?? {};
    this._set({
      ...this._value,
      collapsed: {
        ...byProject,
        [project]: {
          ...byProject[project],
          [groupBy]: collapsed ? [...others, key] : others
        }
      }
    });
  }

  /** Change some of the layout, and save it when it came from the database. */
  update(change: {
    project?: string;
    columns?: string[];
    sort?: string;
    groupBy?: string;
    filters?: ISavedViews;
  }): void {
    const { project, columns, ...rest } = change;
    const value = { ...this._value, ...rest };
    if (project !== undefined && columns) {
      value.columns = { ...value.columns, [project]: columns.slice() };
    }
    this._set(value);
  }

  private _set(value: ISavedLayout): void {
    this._value = value;
    void this._state?.save(STATE_KEY, value as any);
  }

  private _value: ISavedLayout = { columns: {} };
  private _state: IStateDB | null = null;
}
