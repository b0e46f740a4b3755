/**
 * The versions of an artifact name, newest first, a page at a time: version,
 * aliases, size, files, digest, when, the run that logged it, how many runs
 * used it and its metadata. A version's button selects it.
 */
import * as React from 'react';

import { formatShortTime, formatTime, formatValue } from '../components/format';
import { sizeText } from './files';
import { IArtifactVersion, IVersionPage } from './types';

export const PAGE_SIZES = [100, 1000];

export function metadataText(metadata: Record<string, unknown>): string {
  const entries = Object.entries(metadata);
  return entries.map(([k, v]) => `${k}=${formatValue(v, 40)}`).join(', ');
}

export function VersionsTable(props: {
  page: IVersionPage;
  selected: string | null;
  onSelect: (version: string) => void;
  onOpenRun: (runId: string) => void;
}): JSX.Element {
  const { page, selected } = props;
  return (
    <div className="jp-nbrun-table-scroll jp-nbrun-artifact-versions-scroll">
      <table
        className="jp-nbrun-table jp-nbrun-artifact-versions"
        aria-label={`Versions of ${page.name}`}
      >
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col" className="jp-nbrun-num">
              Size
            </th>
            <th scope="col" className="jp-nbrun-num">
              Files
            </th>
            <th scope="col">Digest</th>
            <th scope="col">Created</th>
            <th scope="col">Logged by</th>
            <th scope="col" className="jp-nbrun-num">
              Used by
            </th>
            <th scope="col">Metadata</th>
          </tr>
        </thead>
        <tbody>
          {page.versions.map(v => (
            <VersionRow
              key={v.version}
              version={v}
              selected={v.version === selected}
              onSelect={props.onSelect}
              onOpenRun={props.onOpenRun}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A row re-renders only when its version or whether it is selected changes:
 * choosing a version among 1,000 listed redraws two rows, not the table.
 */
const VersionRow = React.memo(function VersionRow(props: {
  version: IArtifactVersion;
  selected: boolean;
  onSelect: (version: string) => void;
  onOpenRun: (runId: string) => void;
}): JSX.Element {
  const { version: v, selected } = props;
  const by = v.logged_by;
  return (
    <tr
      data-version={v.version}
      className={selected ? 'jp-nbrun-artifact-selected' : undefined}
    >
      <td>
        <button
          className="jp-nbrun-link jp-nbrun-artifact-version"
          aria-pressed={selected}
          aria-label={`Show version ${v.version}`}
          onClick={() => props.onSelect(v.version)}
        >
          {v.version}
        </button>
      </td>
      <td>
        {v.aliases.map(a => (
          <span key={a} className="jp-nbrun-artifact-alias">
            {a}
          </span>
        ))}
      </td>
      <td className="jp-nbrun-num">{sizeText(v.size)}</td>
      <td className="jp-nbrun-num">{v.file_count}</td>
      <td>
        <code title={v.digest}>{v.digest.slice(0, 12)}</code>
      </td>
      <td title={formatTime(v.created_at)}>{formatShortTime(v.created_at)}</td>
      <td>
        {by ? (
          <button
            className="jp-nbrun-link"
            aria-label={`Open run ${by.name}`}
            title={`run id ${by.id}`}
            onClick={() => props.onOpenRun(by.id)}
          >
            {by.name}
          </button>
        ) : (
          <span className="jp-nbrun-muted">none</span>
        )}
      </td>
      <td className="jp-nbrun-num">{v.used_count}</td>
      <td className="jp-nbrun-artifact-meta">{metadataText(v.metadata)}</td>
    </tr>
  );
});

/** Newer / older pages, where this page is, and the page size. */
export function VersionsPager(props: {
  page: IVersionPage;
  size: number;
  onOffset: (offset: number) => void;
  onSize: (size: number) => void;
}): JSX.Element {
  const { page, size } = props;
  const first = page.total === 0 ? 0 : page.offset + 1;
  const last = Math.min(page.total, page.offset + page.versions.length);
  return (
    <div className="jp-nbrun-pager jp-nbrun-artifact-pager">
      <button
        className="jp-nbrun-link jp-nbrun-page-prev"
        disabled={page.offset === 0}
        onClick={() => props.onOffset(Math.max(0, page.offset - size))}
      >
        Newer
      </button>
      <span className="jp-nbrun-artifact-range" aria-live="polite">
        {first}–{last} of {page.total}
      </span>
      <button
        className="jp-nbrun-link jp-nbrun-page-next"
        disabled={page.offset + size >= page.total}
        onClick={() => props.onOffset(page.offset + size)}
      >
        Older
      </button>
      <select
        className="jp-mod-styled jp-nbrun-page-size"
        aria-label="Versions a page"
        value={size}
        onChange={e => props.onSize(Number(e.target.value))}
      >
        {PAGE_SIZES.map(n => (
          <option key={n} value={n}>
            {n} a page
          </option>
        ))}
      </select>
    </div>
  );
}
