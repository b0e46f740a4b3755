/**
 * The run detail view's Artifacts section: the versions the run logged
 * (outputs) and used (inputs), each with its version, aliases, size, its
 * files (listed when opened) with download links, and a link to the
 * artifact view. Nothing shows for a run with no artifacts.
 */
import * as React from 'react';

import { IRunDetail } from '../api/api';
import { Section } from '../detail/runfacts';
import { ArtifactClient } from './client';
import { FileTable, sizeText } from './files';
import { IArtifactRef, IRunArtifact } from './types';
import { useFetch } from './usefetch';

export function ArtifactsSection(props: {
  run: IRunDetail;
  client: ArtifactClient;
  onOpenArtifact: (ref: IArtifactRef) => void;
}): JSX.Element | null {
  const { run, client } = props;
  const found = useFetch(
    signal => client.runArtifacts({ store: run.store, id: run.id }, signal),
    // A run logs or uses artifacts as it goes: read again as it moves on.
    [client, run.store, run.id, run.state, run.last_step]
  );
  const data = found.data;
  if (!data) {
    return found.error ? (
      <Section title="Artifacts">
        <p className="jp-nbrun-error">
          Could not load the artifacts: {found.error}
        </p>
      </Section>
    ) : null;
  }
  if (data.outputs.length === 0 && data.inputs.length === 0) {
    return null;
  }
  return (
    <Section title="Artifacts">
      <div className="jp-nbrun-artifacts" data-store={data.store}>
        {(
          [
            ['outputs', 'Outputs (logged by this run)', data.outputs],
            ['inputs', 'Inputs (used by this run)', data.inputs]
          ] as [string, string, IRunArtifact[]][]
        ).map(
          ([role, title, list]) =>
            list.length > 0 && (
              <div
                key={role}
                className={`jp-nbrun-artifact-role jp-nbrun-artifact-${role}`}
              >
                <h3>{title}</h3>
                <ul>
                  {list.map(a => (
                    <ArtifactItem
                      key={`${a.project}/${a.name}:${a.version}:${a.asked ?? ''}`}
                      artifact={a}
                      store={data.store}
                      client={client}
                      onOpen={props.onOpenArtifact}
                    />
                  ))}
                </ul>
              </div>
            )
        )}
      </div>
    </Section>
  );
}

function ArtifactItem(props: {
  artifact: IRunArtifact;
  store: string;
  client: ArtifactClient;
  onOpen: (ref: IArtifactRef) => void;
}): JSX.Element {
  const { artifact: a, store, client } = props;
  const [open, setOpen] = React.useState(false);
  const where = {
    store,
    project: a.project,
    name: a.name,
    version: a.version
  };
  const detail = useFetch(
    open ? signal => client.version(where, 0, 1000, signal) : null,
    [open, client, store, a.project, a.name, a.version]
  );
  const label = `${a.name}:${a.version}`;
  return (
    <li className="jp-nbrun-artifact-item" data-artifact={label}>
      <div className="jp-nbrun-artifact-head">
        <button
          className="jp-nbrun-link jp-nbrun-artifact-open"
          title={`Open the artifact view of ${a.project}/${a.name}`}
          aria-label={`Open artifact ${label}`}
          onClick={() => props.onOpen(where)}
        >
          {label}
        </button>
        <span className="jp-nbrun-artifact-type">{a.type}</span>
        {a.aliases.map(alias => (
          <span key={alias} className="jp-nbrun-artifact-alias">
            {alias}
          </span>
        ))}
        <span className="jp-nbrun-muted">
          {sizeText(a.size)}, {a.file_count} file{a.file_count === 1 ? '' : 's'}
          {a.asked !== undefined && a.asked !== a.version
            ? `, asked as ${a.asked}`
            : ''}
          {a.via ? `, inherited from run ${a.via}` : ''}
        </span>
      </div>
      <details
        className="jp-nbrun-artifact-filelist"
        onToggle={e => setOpen((e.target as HTMLDetailsElement).open)}
      >
        <summary>Files of {label}</summary>
        {detail.error && (
          <p className="jp-nbrun-error">
            Could not list the files: {detail.error}
          </p>
        )}
        {detail.data ? (
          <FileTable
            files={detail.data.files}
            total={detail.data.files_total}
            urlOf={path => client.fileUrl(where, path)}
            label={`Files of ${label}`}
          />
        ) : (
          open && !detail.error && <p className="jp-nbrun-muted">Loading…</p>
        )}
      </details>
    </li>
  );
}
