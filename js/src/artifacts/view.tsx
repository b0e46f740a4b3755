/**
 * The artifact view (a main-area tab, reused for each artifact opened): the
 * versions of a name a page at a time, the chosen version's facts and files,
 * its lineage graph, and a diff of two versions.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { Section } from '../detail/runfacts';
import { ArtifactClient } from './client';
import { DiffPanel } from './diffview';
import { LineagePanel } from './lineagepanel';
import { IArtifactNode, IArtifactRef } from './types';
import { useFetch } from './usefetch';
import { VersionInfo } from './versioninfo';
import { PAGE_SIZES, VersionsPager, VersionsTable } from './versions';

export class ArtifactWidget extends ReactWidget {
  constructor(options: ArtifactWidget.IOptions) {
    super();
    this.addClass('jp-nbrun-detail');
    this.addClass('jp-nbrun-artifact-view');
    this._client = options.client;
    this._actions = options;
    this._ref = options.ref;
  }

  /** The artifact shown (and the version asked for). */
  get ref(): IArtifactRef {
    return this._ref;
  }

  /** Emitted when another artifact is shown (for the tab title). */
  get refChanged(): ISignal<this, IArtifactRef> {
    return this._refChanged;
  }

  /** Show another artifact or version in this view. */
  showArtifact(ref: IArtifactRef): void {
    this._ref = ref;
    this._shown += 1;
    this._refChanged.emit(ref);
    this.update();
  }

  render(): JSX.Element {
    const ref = this._ref;
    return (
      <ArtifactView
        // a new artifact, or a version asked for again, starts afresh
        key={`${this._shown}`}
        client={this._client}
        artifact={ref}
        onOpenRun={this._actions.onOpenRun}
        onOpenArtifact={next => this.showArtifact(next)}
      />
    );
  }

  private _client: ArtifactClient;
  private _actions: ArtifactWidget.IOptions;
  private _ref: IArtifactRef;
  private _shown = 0;
  private _refChanged = new Signal<this, IArtifactRef>(this);
}

export namespace ArtifactWidget {
  export interface IOptions {
    client: ArtifactClient;
    ref: IArtifactRef;
    onOpenRun: (store: string, runId: string) => void;
  }
}

function ArtifactView(props: {
  client: ArtifactClient;
  artifact: IArtifactRef;
  onOpenRun: (store: string, runId: string) => void;
  onOpenArtifact: (ref: IArtifactRef) => void;
}): JSX.Element {
  const { client, artifact } = props;
  const where = {
    store: artifact.store,
    project: artifact.project,
    name: artifact.name
  };
  const [offset, setOffset] = React.useState(0);
  const [size, setSize] = React.useState(PAGE_SIZES[0]);
  const [asked, setAsked] = React.useState<string | null>(
    artifact.version ?? null
  );
  const page = useFetch(
    signal => client.versions(where, offset, size, signal),
    [client, where.store, where.project, where.name, offset, size]
  );
  // Without a version asked for, the newest one is shown.
  const shown = asked ?? page.data?.versions[0]?.version ?? null;
  const version = useFetch(
    shown
      ? signal => client.version({ ...where, version: shown }, 0, 1000, signal)
      : null,
    [client, where.store, where.project, where.name, shown]
  );
  const store = page.data?.store ?? artifact.store;
  const { onOpenRun } = props;
  const openRun = React.useCallback(
    (id: string): void => onOpenRun(store, id),
    [onOpenRun, store]
  );
  const detail = version.data;
  // Stable callbacks: the memoised parts (rows, graph, version facts) are not
  // redrawn when only another part of the view changed.
  const { onOpenArtifact } = props;
  const onArtifact = React.useCallback(
    (node: IArtifactNode): void => {
      if (node.project === artifact.project && node.name === artifact.name) {
        setAsked(node.version);
      } else {
        onOpenArtifact({
          store,
          project: node.project,
          name: node.name,
          version: node.version
        });
      }
    },
    [artifact.project, artifact.name, store, onOpenArtifact]
  );
  const shownVersion = detail?.version ?? '';
  const urlOf = React.useCallback(
    (path: string): string =>
      client.fileUrl(
        {
          store,
          project: artifact.project,
          name: artifact.name,
          version: shownVersion
        },
        path
      ),
    [client, store, artifact.project, artifact.name, shownVersion]
  );
  const data = page.data;
  return (
    <div
      className="jp-nbrun-detail-body"
      data-artifact={`${artifact.project}/${artifact.name}`}
    >
      <div className="jp-nbrun-detail-title">
        <h1 className="jp-nbrun-detail-name">{artifact.name}</h1>
        {data && <span className="jp-nbrun-artifact-type">{data.type}</span>}
      </div>
      <dl className="jp-nbrun-facts">
        <div className="jp-nbrun-fact">
          <dt>Project</dt>
          <dd>{artifact.project}</dd>
        </div>
        {data && (
          <div className="jp-nbrun-fact">
            <dt>Versions</dt>
            <dd>{data.total}</dd>
          </div>
        )}
        {data && Object.keys(data.aliases).length > 0 && (
          <div className="jp-nbrun-fact">
            <dt>Aliases</dt>
            <dd>
              {Object.entries(data.aliases)
                .map(([alias, v]) => `${alias} → ${v}`)
                .join(', ')}
            </dd>
          </div>
        )}
      </dl>
      {page.error && (
        <p className="jp-nbrun-error">
          Could not load the versions: {page.error}
        </p>
      )}
      <Section title="Versions">
        {data ? (
          <>
            <VersionsPager
              page={data}
              size={size}
              onOffset={setOffset}
              onSize={n => {
                setSize(n);
                setOffset(0);
              }}
            />
            <VersionsTable
              page={data}
              selected={detail?.version ?? null}
              onSelect={setAsked}
              onOpenRun={openRun}
            />
          </>
        ) : (
          !page.error && <p className="jp-nbrun-muted">Loading…</p>
        )}
      </Section>
      {version.error && (
        <p className="jp-nbrun-error">
          Could not load version {shown}: {version.error}
        </p>
      )}
      {shown && (
        // Read alongside the version (not after it): the graph is what a
        // user waits for when choosing a version.
        <Section title="Lineage">
          <LineagePanel
            client={client}
            where={{ ...where, store, version: shown }}
            onOpenRun={openRun}
            onArtifact={onArtifact}
          />
        </Section>
      )}
      {detail && (
        <Section title={`Version ${detail.version}`}>
          <VersionInfo version={detail} urlOf={urlOf} onOpenRun={openRun} />
        </Section>
      )}
      {detail && (
        <>
          <Section title="Diff">
            <DiffPanel
              key={detail.version}
              client={client}
              where={{ ...where, store }}
              initial={
                detail.index > 0
                  ? { a: `v${detail.index - 1}`, b: detail.version }
                  : null
              }
            />
          </Section>
        </>
      )}
    </div>
  );
}
