/**
 * The client of nbrun's server extension (`<base_url>nbrun/api/...`).
 *
 * Every request goes through `ServerConnection.makeRequest`, so it carries the
 * server's token or XSRF cookie like any other JupyterLab request.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  IAlertFeed,
  IHistory,
  IMediaList,
  IRunDetail,
  IRunKeys,
  IRunList,
  IRunQuery,
  IRunRef,
  IStoreInfo,
  ITablePage,
  ITableQuery,
  MediaKind
} from './apitypes';

export * from './apitypes';

/** The largest page the server returns. */
export const MAX_PAGE = 1000;

/** An error answered by the server, with its message when it sent one. */
export class NbrunAPIError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

type QueryValue = string | number | boolean | string[] | undefined | null;

/**
 * The REST client.
 */
export class NbrunAPI {
  constructor(options: NbrunAPI.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  /** The server settings used for every request. */
  readonly serverSettings: ServerConnection.ISettings;

  /** `GET /stores` */
  async stores(): Promise<IStoreInfo[]> {
    const data = await this._request<{ stores: IStoreInfo[] }>(['stores']);
    return data.stores;
  }

  /** `GET /runs` */
  listRuns(query: IRunQuery = {}, signal?: AbortSignal): Promise<IRunList> {
    return this._request<IRunList>(
      ['runs'],
      {
        ...Private.filterParams(query),
        group_by: query.groupBy,
        columns: query.columns,
        offset: query.offset,
        limit: query.limit,
        include_hidden: query.includeHidden ? 1 : undefined
      },
      { signal }
    );
  }

  /** `GET /keys`: the config and summary keys of the chosen runs. */
  keys(query: { store?: string; project?: string } = {}): Promise<IRunKeys> {
    return this._request<IRunKeys>(['keys'], {
      store: query.store,
      project: query.project
    });
  }

  /** `GET /runs/<id>` */
  getRun(ref: IRunRef): Promise<IRunDetail> {
    return this._request<IRunDetail>(['runs', ref.id], { store: ref.store });
  }

  /**
   * `GET /runs/<id>/cell-dir`: the `dir` a resume cell for the run must
   * name when written into the notebook at `notebook` (its path relative to
   * the server's root folder); null when the notebook's kernel writes to the
   * run's store anyway.
   */
  async cellDir(ref: IRunRef, notebook: string): Promise<string | null> {
    const data = await this._request<{ dir: string | null }>(
      ['runs', ref.id, 'cell-dir'],
      { store: ref.store, notebook }
    );
    return data.dir;
  }

  /**
   * `GET /alerts`: the alerts of every store recorded after `after` (the
   * server's `now` of an earlier answer); without it, only `now`.
   */
  alerts(after?: number): Promise<IAlertFeed> {
    return this._request<IAlertFeed>(['alerts'], { after });
  }

  /** `GET /runs/<id>/history` */
  history(
    ref: IRunRef,
    keys: string[],
    points = 1000,
    sinceStep?: number,
    times = false,
    stats = false
  ): Promise<IHistory> {
    return this._request<IHistory>(['runs', ref.id, 'history'], {
      store: ref.store,
      keys,
      points,
      since_step: sinceStep,
      times: times ? 'true' : undefined,
      stats: stats ? 'true' : undefined
    });
  }

  /**
   * `GET /runs/<id>/media`: the run's media values (of one key or kind, above
   * `sinceStep`), in key, step, item order.
   */
  media(
    ref: IRunRef,
    query: {
      key?: string;
      kind?: MediaKind;
      sinceStep?: number;
      limit?: number;
    } = {},
    signal?: AbortSignal
  ): Promise<IMediaList> {
    return this._request<IMediaList>(
      ['runs', ref.id, 'media'],
      {
        store: ref.store,
        key: query.key,
        kind: query.kind,
        since_step: query.sinceStep,
        limit: query.limit
      },
      { signal }
    );
  }

  /** `GET /runs/<id>/media/table`: a page of a stored table. */
  mediaTable(
    ref: IRunRef,
    query: ITableQuery,
    signal?: AbortSignal
  ): Promise<ITablePage> {
    return this._request<ITablePage>(
      ['runs', ref.id, 'media', 'table'],
      { store: ref.store, ...Private.tableParams(query) },
      { signal }
    );
  }

  /** `GET /runs/<id>/media/table.csv`: every row the query keeps, as CSV. */
  mediaTableCsv(ref: IRunRef, query: ITableQuery): Promise<string> {
    const whole = { ...query, offset: undefined, limit: undefined };
    return this._text(['runs', ref.id, 'media', 'table.csv'], {
      store: ref.store,
      ...Private.tableParams(whole)
    });
  }

  /** The URL of `GET /runs/<id>/files/<path>`, for a `<video>` (served with Range). */
  fileUrl(ref: IRunRef, path: string): string {
    return (
      URLExt.join(
        this.serverSettings.baseUrl,
        'nbrun',
        'api',
        'runs',
        encodeURIComponent(ref.id),
        'files',
        ...path.split('/').map(encodeURIComponent)
      ) + Private.queryString({ store: ref.store })
    );
  }

  /** The text of a run file (an HTML page shown in a sandboxed frame). */
  fileText(ref: IRunRef, path: string): Promise<string> {
    return this._text(['runs', ref.id, 'files', ...path.split('/')], {
      store: ref.store
    });
  }

  /** `GET /export/runs.csv`: every run the query's filters match, as CSV. */
  exportRunsCsv(query: IRunQuery = {}): Promise<string> {
    return this._text(['export', 'runs.csv'], Private.filterParams(query));
  }

  /** `GET /runs/<id>/history.csv`: every logged number of the run, as CSV. */
  historyCsv(ref: IRunRef): Promise<string> {
    return this._text(['runs', ref.id, 'history.csv'], { store: ref.store });
  }

  /** `PATCH /runs/<id>` with new tags and/or notes. */
  updateRun(
    ref: IRunRef,
    patch: { tags?: string[]; notes?: string }
  ): Promise<IRunDetail | null> {
    return this._request<IRunDetail | null>(
      ['runs', ref.id],
      { store: ref.store },
      { method: 'PATCH', body: JSON.stringify(patch) }
    );
  }

  /** `POST /runs/<id>/state`: mark a stale run crashed or finished. */
  setState(
    ref: IRunRef,
    state: 'crashed' | 'finished'
  ): Promise<IRunDetail | null> {
    return this._request<IRunDetail | null>(
      ['runs', ref.id, 'state'],
      { store: ref.store },
      { method: 'POST', body: JSON.stringify({ state }) }
    );
  }

  /** `DELETE /runs/<id>`: the id is repeated as the confirmation. */
  async deleteRun(ref: IRunRef): Promise<void> {
    await this._request<null>(
      ['runs', ref.id],
      { store: ref.store, confirm: ref.id },
      { method: 'DELETE' }
    );
  }

  /** The URL of an nbrun API path (each segment encoded) with its query. */
  private _url(path: string[], query: Record<string, QueryValue>): string {
    return (
      URLExt.join(
        this.serverSettings.baseUrl,
        'nbrun',
        'api',
        ...path.map(encodeURIComponent)
      ) + Private.queryString(query)
    );
  }

  private async _text(
    path: string[],
    query: Record<string, QueryValue> = {}
  ): Promise<string> {
    const settings = this.serverSettings;
    const url = this._url(path, query);
    const response = await ServerConnection.makeRequest(url, {}, settings);
    const text = await response.text();
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        message = JSON.parse(text).message ?? message;
      } catch {
        // not JSON: the status says enough
      }
      throw new NbrunAPIError(message, response.status);
    }
    return text;
  }

  private async _request<T>(
    path: string[],
    query: Record<string, QueryValue> = {},
    init: RequestInit = {}
  ): Promise<T> {
    const settings = this.serverSettings;
    const url = this._url(path, query);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, settings);
    } catch (error) {
      throw new ServerConnection.NetworkError(error as TypeError);
    }
    const text = await response.text();
    let data: any = null;
    if (text.length > 0) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok) {
      const message =
        (data && typeof data === 'object' && (data.message || data.reason)) ||
        `${response.status} ${response.statusText}`;
      throw new NbrunAPIError(String(message), response.status);
    }
    return data as T;
  }
}

export namespace NbrunAPI {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
  }
}

/** A stable key for a run across stores. */
export function runKey(ref: IRunRef): string {
  return `${ref.store}\u0000${ref.id}`;
}

namespace Private {
  /** The parameters of a table page. */
  export function tableParams(query: ITableQuery): Record<string, QueryValue> {
    return {
      file: query.file,
      offset: query.offset,
      limit: query.limit,
      sort: query.sort,
      order: query.sort ? query.order : undefined,
      filter: query.filter,
      filter_column: query.filter ? query.filterColumn : undefined
    };
  }

  /** The parameters that choose and order the runs of a listing or export. */
  export function filterParams(query: IRunQuery): Record<string, QueryValue> {
    return {
      store: query.store,
      project: query.project,
      state: query.state,
      tag: query.tags,
      q: query.q,
      where: query.where,
      sort: query.sort,
      unsynced: query.unsynced ? 1 : undefined
    };
  }

  /** `?a=1&tag=x&tag=y`, leaving out empty values; repeated keys for arrays. */
  export function queryString(query: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') {
        continue;
      }
      if (Array.isArray(value)) {
        for (const item of value) {
          params.append(key, item);
        }
      } else {
        params.append(key, String(value));
      }
    }
    const text = params.toString();
    return text ? `?${text}` : '';
  }
}
