/**
 * The difference between two versions of an artifact: which two (typed as
 * `v<n>` or an alias), the files added, removed and changed by folder, and
 * the metadata and description that changed.
 */
import * as React from 'react';

import { formatValue } from '../components/format';
import { ArtifactClient } from './client';
import {
  fileRows,
  groupByFolder,
  IDiffFileRow,
  leftOut,
  metadataRows
} from './diffrows';
import { sizeText } from './files';
import { IArtifactDiff } from './types';
import { useFetch } from './usefetch';

export function DiffPanel(props: {
  client: ArtifactClient;
  where: { store: string; project: string; name: string };
  /** The pair compared first (the shown version and the one before). */
  initial: { a: string; b: string } | null;
}): JSX.Element {
  const { client, where, initial } = props;
  const [pair, setPair] = React.useState(initial);
  const [a, setA] = React.useState(initial?.a ?? '');
  const [b, setB] = React.useState(initial?.b ?? '');
  const diff = useFetch(
    pair ? signal => client.diff(where, pair.a, pair.b, signal) : null,
    [client, where.store, where.project, where.name, pair?.a, pair?.b]
  );
  return (
    <div className="jp-nbrun-artifact-diff">
      <form
        className="jp-nbrun-artifact-diff-form"
        onSubmit={e => {
          e.preventDefault();
          if (a.trim() && b.trim()) {
            setPair({ a: a.trim(), b: b.trim() });
          }
        }}
      >
        <label>
          From{' '}
          <input
            className="jp-mod-styled jp-nbrun-diff-a"
            value={a}
            size={10}
            placeholder="v0"
            onChange={e => setA(e.target.value)}
          />
        </label>
        <label>
          to{' '}
          <input
            className="jp-mod-styled jp-nbrun-diff-b"
            value={b}
            size={10}
            placeholder="latest"
            onChange={e => setB(e.target.value)}
          />
        </label>
        <button type="submit" className="jp-nbrun-button">
          Compare
        </button>
      </form>
      {!pair && (
        <p className="jp-nbrun-muted">
          Type two versions (v&lt;n&gt; or an alias) to compare them.
        </p>
      )}
      {diff.error && (
        <p className="jp-nbrun-error">Could not compare: {diff.error}</p>
      )}
      {diff.data && <DiffResult diff={diff.data} />}
    </div>
  );
}

const DiffResult = React.memo(function DiffResult({
  diff
}: {
  diff: IArtifactDiff;
}): JSX.Element {
  const { counts } = diff.files;
  const folders = groupByFolder(fileRows(diff.files));
  const meta = metadataRows(diff.metadata);
  const missing = leftOut(diff.files);
  return (
    <div
      className="jp-nbrun-artifact-diff-result"
      data-a={diff.a.version}
      data-b={diff.b.version}
    >
      <p className="jp-nbrun-artifact-diff-counts">
        {diff.a.version} → {diff.b.version}: {counts.added} added,{' '}
        {counts.removed} removed, {counts.changed} changed, {counts.unchanged}{' '}
        unchanged ({sizeText(diff.a.size)} → {sizeText(diff.b.size)})
      </p>
      {folders.length > 0 && (
        <table
          className="jp-nbrun-table jp-nbrun-artifact-diff-files"
          aria-label="Files that differ"
        >
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Change</th>
              <th scope="col" className="jp-nbrun-num">
                {diff.a.version}
              </th>
              <th scope="col" className="jp-nbrun-num">
                {diff.b.version}
              </th>
            </tr>
          </thead>
          {folders.map(group => (
            <tbody key={group.folder} data-folder={group.folder}>
              {folders.length > 1 && (
                <tr className="jp-nbrun-artifact-diff-folder">
                  <th scope="rowgroup" colSpan={4}>
                    {group.folder || '(top level)'}: {group.counts.added} added,{' '}
                    {group.counts.removed} removed, {group.counts.changed}{' '}
                    changed
                  </th>
                </tr>
              )}
              {group.rows.map(row => (
                <FileRow key={row.path} row={row} />
              ))}
            </tbody>
          ))}
        </table>
      )}
      {missing && <p className="jp-nbrun-muted">{missing}</p>}
      {diff.description && (
        <p className="jp-nbrun-artifact-diff-description">
          Description: {diff.description[0] ?? '(none)'} →{' '}
          {diff.description[1] ?? '(none)'}
        </p>
      )}
      <h4>Metadata</h4>
      {meta.length === 0 ? (
        <p className="jp-nbrun-muted">The same.</p>
      ) : (
        <table
          className="jp-nbrun-table jp-nbrun-artifact-diff-meta"
          aria-label="Metadata that differs"
        >
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Change</th>
              <th scope="col">{diff.a.version}</th>
              <th scope="col">{diff.b.version}</th>
            </tr>
          </thead>
          <tbody>
            {meta.map(row => (
              <tr
                key={row.key}
                data-key={row.key}
                className={`jp-nbrun-artifact-change-${row.status}`}
              >
                <th scope="row">{row.key}</th>
                <td>{row.status}</td>
                <td>{row.status === 'added' ? '' : formatValue(row.before)}</td>
                <td>
                  {row.status === 'removed' ? '' : formatValue(row.after)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
});

function FileRow({ row }: { row: IDiffFileRow }): JSX.Element {
  return (
    <tr
      data-path={row.path}
      className={`jp-nbrun-artifact-change-${row.status}`}
    >
      <td className="jp-nbrun-artifact-path">{row.path}</td>
      <td>{row.status}</td>
      <td className="jp-nbrun-num">
        {row.before ? sizeText(row.before.size) : ''}
      </td>
      <td className="jp-nbrun-num">
        {row.after ? sizeText(row.after.size) : ''}
      </td>
    </tr>
  );
}
