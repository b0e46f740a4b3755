/**
 * The filters kept between sessions: the store and project shown, and each
 * project's filters, order and grouping (JupyterLab's state database holds
 * them in the sidebar's saved layout, see columns.ts).
 */
import { DEFAULT_FILTERS, IFilters } from './filters';

/** A project's filters as saved (the store and project are kept apart). */
export type SavedView = Omit<IFilters, 'store' | 'project'>;

/** What was shown last and each project's view ('' is "All projects"). */
export interface ISavedViews {
  store: string;
  project: string;
  views: Record<string, SavedView>;
}

/** The saved part of filters. */
export function viewOf(filters: IFilters): SavedView {
  const { state, tags, q, where, sort, groupBy, unsynced } = filters;
  return { state, tags: tags.slice(), q, where, sort, groupBy, unsynced };
}

/** A saved view read back, keeping only well-typed fields. */
export function readView(saved: unknown): Partial<SavedView> {
  const data = (saved ?? {}) as Record<string, unknown>;
  const view: Partial<SavedView> = {};
  for (const key of ['state', 'q', 'where', 'sort', 'groupBy'] as const) {
    if (typeof data[key] === 'string') {
      view[key] = data[key] as string;
    }
  }
  if (Array.isArray(data.tags)) {
    view.tags = data.tags.filter((t): t is string => typeof t === 'string');
  }
  if (typeof data.unsynced === 'boolean') {
    view.unsynced = data.unsynced;
  }
  return view;
}

/** The saved views read back from the state database's value. */
export function readViews(saved: unknown): ISavedViews | undefined {
  if (!saved || typeof saved !== 'object' || Array.isArray(saved)) {
    return undefined;
  }
  const data = saved as Record<string, unknown>;
  const views: Record<string, SavedView> = {};
  const byProject = data.views;
  if (byProject && typeof byProject === 'object') {
    for (const [project, view] of Object.entries(byProject)) {
      views[project] = { ...viewOf(DEFAULT_FILTERS), ...readView(view) };
    }
  }
  return {
    store: typeof data.store === 'string' ? data.store : '',
    project: typeof data.project === 'string' ? data.project : '',
    views
  };
}

/** The filters to show on restore: the last project with its own view. */
export function restoredFilters(views: ISavedViews, base: IFilters): IFilters {
  const view = views.views[views.project] ?? {};
  return { ...base, ...view, store: views.store, project: views.project };
}
