/**
 * The version shown in the artifact view: digest, aliases, size, when, its
 * description and metadata, the runs that logged and used it (buttons that
 * open them) and its files with download links.
 */
import * as React from 'react';

import { flatten, formatTime } from '../components/format';
import { Fact, KeyValueTable } from '../detail/runfacts';
import { FileTable, sizeText } from './files';
import { IRunUse, IVersionDetail } from './types';

/** Up to this many files are listed open; more are behind their summary. */
const FILES_OPEN = 20;

function RunList(props: {
  runs: IRunUse[];
  onOpenRun: (runId: string) => void;
  used: boolean;
}): JSX.Element {
  if (props.runs.length === 0) {
    return <span className="jp-nbrun-muted">none</span>;
  }
  return (
    <>
      {props.runs.map((r, i) => (
        <React.Fragment key={`${r.id}:${r.asked ?? ''}`}>
          {i > 0 && ', '}
          <button
            className="jp-nbrun-link"
            aria-label={`Open run ${r.name}`}
            title={`run id ${r.id} (${r.project}), ${r.state}`}
            onClick={() => props.onOpenRun(r.id)}
          >
            {r.name}
          </button>
          {props.used && r.asked ? ` (as ${r.asked})` : ''}
        </React.Fragment>
      ))}
    </>
  );
}

export const VersionInfo = React.memo(function VersionInfo(props: {
  version: IVersionDetail;
  urlOf: (path: string) => string;
  onOpenRun: (runId: string) => void;
}): JSX.Element {
  const { version: v } = props;
  const label = `${v.name}:${v.version}`;
  return (
    <div className="jp-nbrun-artifact-version-info" data-version={v.version}>
      {v.description && <p>{v.description}</p>}
      <dl className="jp-nbrun-facts">
        <Fact label="Digest" value={v.digest} />
        <Fact label="Aliases" value={v.aliases.join(', ') || 'none'} />
        <Fact label="Size" value={sizeText(v.size)} />
        <Fact label="Files" value={String(v.file_count)} />
        <Fact label="Created" value={formatTime(v.created_at)} />
      </dl>
      <dl className="jp-nbrun-facts">
        <div className="jp-nbrun-fact jp-nbrun-artifact-logged">
          <dt>Logged by</dt>
          <dd>
            <RunList runs={v.logged} onOpenRun={props.onOpenRun} used={false} />
          </dd>
        </div>
        <div className="jp-nbrun-fact jp-nbrun-artifact-used">
          <dt>Used by</dt>
          <dd>
            <RunList runs={v.used} onOpenRun={props.onOpenRun} used={true} />
          </dd>
        </div>
      </dl>
      <h3>Metadata</h3>
      <KeyValueTable
        className="jp-nbrun-artifact-metadata"
        values={flatten(v.metadata)}
      />
      <details
        className="jp-nbrun-artifact-version-files"
        open={v.files_total <= FILES_OPEN}
      >
        <summary>
          <h3>Files ({v.files_total})</h3>
        </summary>
        <FileTable
          files={v.files}
          total={v.files_total}
          urlOf={props.urlOf}
          label={`Files of ${label}`}
        />
      </details>
    </div>
  );
});
