/**
 * The client of the artifact endpoints (`<base_url>nbrun/api/artifacts...`
 * and `runs/<id>/artifacts`), through `ServerConnection.makeRequest` like
 * every other nbrun request (token, XSRF).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IRunRef, NbrunAPIError } from '../api/api';
import {
  IArtifactDiff,
  IRunArtifacts,
  IVersionDetail,
  IVersionPage,
  ILineageGraph
} from './types';

type Query = Record<string, string | number | undefined | null>;

/** The largest page of versions the server returns. */
export const VERSIONS_PAGE_MAX = 1000;

export class ArtifactClient {
  constructor(readonly serverSettings: ServerConnection.ISettings) {}

  /** A run's outputs and inputs. */
  runArtifacts(run: IRunRef, signal?: AbortSignal): Promise<IRunArtifacts> {
    return this._get(
      ['runs', run.id, 'artifacts'],
      { store: run.store },
      signal
    );
  }

  /** A page of a name's versions, newest first. */
  versions(
    where: { store: string; project: string; name: string },
    offset: number,
    limit: number,
    signal?: AbortSignal
  ): Promise<IVersionPage> {
    return this._get(
      ['artifacts', 'versions'],
      { ...where, offset, limit },
      signal
    );
  }

  /** One version with a page of its files and the runs that logged and used it. */
  version(
    where: { store: string; project: string; name: string; version: string },
    filesOffset = 0,
    filesLimit = 1000,
    signal?: AbortSignal
  ): Promise<IVersionDetail> {
    return this._get(
      ['artifacts', 'version'],
      { ...where, files_offset: filesOffset, files_limit: filesLimit },
      signal
    );
  }

  /** The lineage graph around one version, `hops` steps out. */
  lineage(
    where: { store: string; project: string; name: string; version: string },
    hops: number,
    signal?: AbortSignal
  ): Promise<ILineageGraph> {
    return this._get(['artifacts', 'lineage'], { ...where, hops }, signal);
  }

  /** What changed from version `a` to version `b`. */
  diff(
    where: { store: string; project: string; name: string },
    a: string,
    b: string,
    signal?: AbortSignal
  ): Promise<IArtifactDiff> {
    return this._get(['artifacts', 'diff'], { ...where, a, b }, signal);
  }

  /** The URL that downloads a file of a version. */
  fileUrl(
    where: { store: string; project: string; name: string; version: string },
    path: string
  ): string {
    return this._url(['artifacts', 'file'], { ...where, path });
  }

  private _url(path: string[], query: Query): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') {
        params.append(key, String(value));
      }
    }
    const text = params.toString();
    return (
      URLExt.join(
        this.serverSettings.baseUrl,
        'nbrun',
        'api',
        ...path.map(encodeURIComponent)
      ) + (text ? `?${text}` : '')
    );
  }

  private async _get<T>(
    path: string[],
    query: Query,
    signal?: AbortSignal
  ): Promise<T> {
    const url = this._url(path, query);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        { signal },
        this.serverSettings
      );
    } catch (error) {
      if ((error as Error).name === 'AbortError') {
        throw error;
      }
      throw new ServerConnection.NetworkError(error as TypeError);
    }
    const text = await response.text();
    let data: any = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const message =
        (data && typeof data === 'object' && data.message) ||
        `${response.status} ${response.statusText}`;
      throw new NbrunAPIError(String(message), response.status);
    }
    return data as T;
  }
}
