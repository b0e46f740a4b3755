/**
 * A version's files: path, size and a download link (a reference shows its
 * URI: nbrun records it and holds no content to download).
 */
import * as React from 'react';

import { formatBytes } from '../components/format';
import { IArtifactFile } from './types';

export function sizeText(size: number | null | undefined): string {
  return size === null || size === undefined ? 'unknown' : formatBytes(size);
}

export function FileTable(props: {
  files: IArtifactFile[];
  total: number;
  urlOf: (path: string) => string;
  /** What the table is of, for its accessible name. */
  label: string;
}): JSX.Element {
  const { files, total, urlOf } = props;
  if (files.length === 0) {
    return <p className="jp-nbrun-muted">No files.</p>;
  }
  return (
    <>
      <table
        className="jp-nbrun-table jp-nbrun-artifact-files"
        aria-label={props.label}
      >
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col" className="jp-nbrun-num">
              Size
            </th>
            <th scope="col">Content</th>
          </tr>
        </thead>
        <tbody>
          {files.map(f => (
            <tr key={f.path} data-path={f.path}>
              <td className="jp-nbrun-artifact-path">{f.path}</td>
              <td className="jp-nbrun-num">{sizeText(f.size)}</td>
              <td>
                {f.ref ? (
                  <span
                    className="jp-nbrun-muted"
                    title="a reference: recorded, not fetched"
                  >
                    {f.ref}
                  </span>
                ) : (
                  <a
                    className="jp-nbrun-artifact-download"
                    href={urlOf(f.path)}
                    download={f.path.split('/').pop()}
                    aria-label={`Download ${f.path}`}
                  >
                    download
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > files.length && (
        <p className="jp-nbrun-muted">
          The first {files.length} of {total} files.
        </p>
      )}
    </>
  );
}
