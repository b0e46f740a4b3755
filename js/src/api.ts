/**
 * The client of nbrun's server extension (`<base_url>nbrun/api/...`).
 *
 * Every request goes through `ServerConnection.makeRequest`, so it carries the
 * server's token or XSRF cookie like any other JupyterLab request.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The state of a run as the store reports it. */
export type RunState = 'running' | 'finished' | 'failed' | 'crashed' | string;

/** Lineage of a run: where it was forked from, when it was rewound or resumed. */
export interface ILineage {
  forked_from?: { id: string; step: number } | null;
  rewinds?: { step: number; at: number }[];
  resumes?: { step: number; at: number }[];
}

/** A run's way to its MLflow tracking server (null: a run never meant for one). */
export interface ISyncStatus {
  /** "synced", "N behind", "not synced" or "state pending". */
  label: string;
  synced: boolean;
  behind: number;
  url: string | null;
  last_error: string | null;
  refused: number;
}

/** One run as `GET /runs` lists it. Times are unix seconds. */
export interface IRunSummary {
  store: string;
  id: string;
  name: string;
  project: string;
  entity: string | null;
  state: RunState;
  exit_code: number | null;
  tags: string[];
  notes: string | null;
  group: string | null;
  job_type: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  heartbeat_at: number | null;
  last_step: number;
  summary: Record<string, unknown>;
  lineage: ILineage;
  resumed_count: number;
  hidden: boolean | number;
  /** A running run whose process is gone or whose heartbeat is old (from the server). */
  stale?: boolean;
  sync?: ISyncStatus | null;
}

/** A video attached to a run (monitor_gym), as the run detail lists it. */
export interface IRunVideo {
  /** Relative to the run folder, `/`-separated. */
  path: string;
  episode: number | null;
  /** The run's step where the recording started. */
  step: number | null;
}

/** One run as `GET /runs/<id>` returns it. */
export interface IRunDetail extends IRunSummary {
  config: Record<string, unknown>;
  keys: string[];
  files: { path: string; size: number }[];
  videos?: IRunVideo[];
  store_path: string;
  /** Logged values the writer could not store and set aside ({} when none). */
  unstored?: IUnstored | Record<string, never>;
  /** The run it was forked from; `name` is null when that run was deleted. */
  parent?: { id: string; name: string | null; step: number } | null;
  /** Runs forked from this one (the first 200), and how many there are. */
  forks?: { id: string; name: string; step: number }[];
  forks_total?: number;
}

/** What the writer set aside: a count and the first few, each with key, step and reason. */
export interface IUnstored {
  count: number;
  items: { key: string; step: number | null; reason: string }[];
}

/** A page of runs. */
export interface IRunList {
  runs: IRunSummary[];
  total: number;
  offset: number;
  limit: number;
  projects: string[];
  tags: string[];
  /** Paths of the stores deleted while the server served them. */
  gone?: string[];
}

/** One store the server reads. */
export interface IStoreInfo {
  key: string;
  /** Relative to the server's root folder when inside it. */
  path: string;
  /** Visible runs, or null when the store could not be read. */
  runs: number | null;
  error?: string;
}

/** History downsampled by the server; `null` stands for NaN or infinity. */
export interface IHistory {
  keys: Record<
    string,
    {
      steps: number[];
      values: (number | null)[];
      /** With `times`: each point's commit time (s since the epoch) or null. */
      walls?: (number | null)[];
    }
  >;
  last_step: number;
}

/** The sort orders the server accepts. */
export type RunSort =
  | 'created_at'
  | '-created_at'
  | 'name'
  | '-name'
  | 'state'
  | 'project'
  | 'updated_at'
  | '-updated_at';

/** The query of a run listing. */
export interface IRunQuery {
  /** The key of one store (default: every store the server reads). */
  store?: string;
  project?: string;
  state?: string;
  tags?: string[];
  q?: string;
  sort?: RunSort;
  offset?: number;
  limit?: number;
  includeHidden?: boolean;
  /** Only online (or once synced) runs not fully on their server. */
  unsynced?: boolean;
}

/** A run's address: the store key and the run id. */
export interface IRunRef {
  store: string;
  id: string;
}

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
        store: query.store,
        project: query.project,
        state: query.state,
        tag: query.tags,
        q: query.q,
        sort: query.sort,
        offset: query.offset,
        limit: query.limit,
        include_hidden: query.includeHidden ? 1 : undefined,
        unsynced: query.unsynced ? 1 : undefined
      },
      { signal }
    );
  }

  /** `GET /runs/<id>` */
  getRun(ref: IRunRef): Promise<IRunDetail> {
    return this._request<IRunDetail>(['runs', ref.id], { store: ref.store });
  }

  /** `GET /runs/<id>/history` */
  history(
    ref: IRunRef,
    keys: string[],
    points = 1000,
    sinceStep?: number,
    times = false
  ): Promise<IHistory> {
    return this._request<IHistory>(['runs', ref.id, 'history'], {
      store: ref.store,
      keys,
      points,
      since_step: sinceStep,
      times: times ? 'true' : undefined
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

  /** `GET /export/runs.csv`: every run the query's filters match, as CSV. */
  exportRunsCsv(query: IRunQuery = {}): Promise<string> {
    return this._text(['export', 'runs.csv'], {
      store: query.store,
      project: query.project,
      state: query.state,
      tag: query.tags,
      q: query.q,
      sort: query.sort
    });
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
